// fp16_div.v: res = round(a / b), round to nearest even; the 1D PE's
// divider.  A combinational restoring array: 14 compare-subtract rows give
// Q = floor(ma * 2^13 / mb) (2^12 < Q < 2^14 for normalised significands),
// the remainder becomes a sticky bit below Q, and fp16_round does the rest.
// Twin: fp16_div() in hw/pe/fp16.c.
module fp16_div #(
  parameter FAULT = 0   // bench self-test only, see fp16_round.v
) (
  input  wire [15:0] a,
  input  wire [15:0] b,
  output reg  [15:0] res
);
  localparam [15:0] QNAN = 16'h7E00;

  wire              sa, za, ia, na, sb, zb, ib, nb;
  wire [10:0]       ma, mb;
  wire signed [6:0] qa, qb;
  fp16_unpack ua (.x(a), .sign(sa), .zero(za), .inf(ia), .nan(na), .m(ma), .q(qa));
  fp16_unpack ub (.x(b), .sign(sb), .zero(zb), .inf(ib), .nan(nb), .m(mb), .q(qb));

  wire s = sa ^ sb;

  // restoring division, one quotient bit per row; rem < 2*mb < 2^12
  reg [11:0] rem;
  reg [13:0] Q;
  integer i;
  always @* begin
    rem = {1'b0, ma};
    Q   = 14'd0;
    for (i = 13; i >= 0; i = i - 1) begin
      if (rem >= {1'b0, mb}) begin
        Q[i] = 1'b1;
        rem  = rem - {1'b0, mb};
      end
      if (i > 0) rem = rem << 1;
    end
  end

  wire signed [9:0] qq = {{3{qa[6]}}, qa} - {{3{qb[6]}}, qb} - 10'sd14;
  wire [15:0] rounded;
  fp16_round #(.W(15), .QW(10), .FAULT(FAULT)) u_round (
    .sign(s), .mag({Q, |rem}), .q(qq), .res(rounded));

  always @* begin
    if (na | nb | (ia & ib) | (za & zb)) res = QNAN;
    else if (ia | zb)                    res = {s, 15'h7C00};
    else if (za | ib)                    res = {s, 15'h0000};
    else                                 res = rounded;
  end
endmodule
