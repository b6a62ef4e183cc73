// fp16_fma.v: fused multiply-add, res = round((a*b + c) * 2^scale), one
// rounding, round to nearest even; the one arithmetic unit a PE has (ADD is
// a*1 + b, the exp microsequence is seven passes through it).
//
// Datapath: normalised 11x11 product P (2^20 <= P < 2^22) and addend C are
// placed in a W = 26 bit window whose bit 0 is a sticky bit.  With
// d = (C's lsb exponent) - (P's lsb exponent):
//   d <= K (=13): P exact at bits [22:1]; C exact at bit 1+d if d >= 0,
//     else shifted down with its lost bits ORed into bit 0.  Then C < 2^-9 P
//     (C's msb is at most bit 10, P's at least bit 21), so the result keeps
//     its leading one at bit 20 or above and rounds at bit 9 or above.
//   d >  K: C exact at bits [24:14]; P shifted down by d-K with sticky.
//     Then P < C/4, the leading one is at bit 23 or above and the rounding
//     bit at 12 or above.
// Either way the sticky bit is at least two bits below the rounding point,
// and since it stands for a value strictly between 0 and 2 units of bit 1,
// the sum lands in the same rounding interval as the exact sum.
//
// rr = 1 (range reduction, exp step 1): c is ignored; with p = a*b exact
// and n = round(p) (ties away from zero, computed from P's bits),
// res = round(p - n) and rr_n = n.  |n| >= 64 or p infinite saturates:
// rr_n = +-64, res = +0.  Twin: fp16_fma_bits() in hw/pe/fp16.c.
module fp16_fma #(
  parameter FAULT = 0   // bench self-test only, see fp16_round.v
) (
  input  wire [15:0]       a,
  input  wire [15:0]       b,
  input  wire [15:0]       c,
  input  wire              rr,
  input  wire signed [7:0] scale,
  output reg  [15:0]       res,
  output reg  signed [7:0] rr_n
);
  localparam K = 13;
  localparam W = 26;
  localparam [15:0] QNAN = 16'h7E00;

  wire              sa, za, ia, na, sb, zb, ib, nb, sc0, zc0, ic, nc;
  wire [10:0]       ma, mb, mc0;
  wire signed [6:0] qa, qb, qc0;
  fp16_unpack ua (.x(a), .sign(sa), .zero(za), .inf(ia), .nan(na), .m(ma), .q(qa));
  fp16_unpack ub (.x(b), .sign(sb), .zero(zb), .inf(ib), .nan(nb), .m(mb), .q(qb));
  fp16_unpack uc (.x(c), .sign(sc0), .zero(zc0), .inf(ic), .nan(nc), .m(mc0), .q(qc0));

  wire sp    = sa ^ sb;
  wire pinf  = ia | ib;
  wire pzero = za | zb;
  wire [21:0]       P  = ma * mb;
  wire signed [7:0] qp = {qa[6], qa} + {qb[6], qb};

  // ---- range reduction: n = round(P * 2^qp) -----------------------------
  // |P*2^qp| >= 64 whenever qp >= -14; below 1/2 whenever qp <= -23.
  wire [4:0]  rsh     = 5'd0 - qp[4:0];             // -qp, in [15, 22] where used
  wire [22:0] rnd_add = 23'd1 << (rsh - 5'd1);
  wire [22:0] rsum    = {1'b0, P} + rnd_add;
  wire [22:0] rshift  = rsum >> rsh;                 // < 193
  wire [5:0]  nmag    = rshift[5:0];                 // |n| when not saturated
  reg         sat;
  always @* begin
    sat = pinf;
    if (!pinf && !pzero) begin
      if (qp >= -8'sd14)                             sat = 1'b1;
      else if (qp >= -8'sd22 && rshift >= 23'd64)    sat = 1'b1;
    end
  end
  // nmag is only meaningful for -22 <= qp <= -15; it is 0 below, which is
  // also n (|p| < 1/2), and unused above (saturated)
  wire [5:0] nm = (!pinf && !pzero && qp >= -8'sd22) ? nmag : 6'd0;
  // -n as an operand: value nmag * 2^0, normalised to 11 bits
  reg [10:0]       mn;
  reg signed [6:0] qn;
  reg [3:0]        nlz;
  integer i;
  always @* begin
    nlz = 4'd0;
    for (i = 0; i < 6; i = i + 1)
      if (nm[i]) nlz = 4'd10 - i[3:0];
    mn = {5'd0, nm} << nlz;
    qn = -$signed({3'd0, nlz});
  end

  // ---- the effective addend --------------------------------------------
  wire              sc = rr ? ~sp : sc0;
  wire              zc = rr ? (nm == 6'd0) : zc0;
  wire [10:0]       mc = rr ? mn : mc0;
  wire signed [6:0] qc = rr ? qn : qc0;

  // ---- alignment --------------------------------------------------------
  wire signed [8:0] d   = {{2{qc[6]}}, qc} - {qp[7], qp};   // C lsb - P lsb
  wire signed [8:0] nd  = -d;
  wire signed [8:0] dk  = d - 9'sd13;
  wire [11:0] c1    = {mc, 1'b0};
  wire [22:0] p1    = {P, 1'b0};
  // C shifted down by -d (d < 0), lost bits folded into bit 0
  wire [11:0] c_dn   = (nd >= 9'sd12) ? 12'd0 : (c1 >> nd[3:0]);
  wire [11:0] c_lost = (nd >= 9'sd12) ? c1 : (c1 & ~(12'hFFF << nd[3:0]));
  // P shifted down by d-K (d > K), lost bits folded into bit 0
  wire [22:0] p_dn   = (dk >= 9'sd23) ? 23'd0 : (p1 >> dk[4:0]);
  wire [22:0] p_lost = (dk >= 9'sd23) ? p1 : (p1 & ~({23{1'b1}} << dk[4:0]));

  reg [W-1:0]       Pw, Cw;
  reg signed [9:0]  qw;
  always @* begin
    if (pzero) begin
      Pw = {W{1'b0}};
      Cw = {1'b0, mc, 14'd0};
      qw = {{3{qc[6]}}, qc} - 10'sd14;
    end else if (zc) begin
      Pw = {3'd0, p1};
      Cw = {W{1'b0}};
      qw = {{2{qp[7]}}, qp} - 10'sd1;
    end else if (d <= K) begin
      Pw = {3'd0, p1};
      if (d >= 0) Cw = {15'd0, mc} << d[3:0] << 1;
      else        Cw = {14'd0, c_dn[11:1], c_dn[0] | (|c_lost)};
      qw = {{2{qp[7]}}, qp} - 10'sd1;
    end else begin
      Pw = {3'd0, p_dn[22:1], p_dn[0] | (|p_lost)};
      Cw = {1'b0, mc, 14'd0};
      qw = {{3{qc[6]}}, qc} - 10'sd14;
    end
  end

  // ---- add / subtract -----------------------------------------------
  wire         sub = sp ^ sc;
  wire         pge = Pw >= Cw;
  wire [W-1:0] S   = !sub ? Pw + Cw : (pge ? Pw - Cw : Cw - Pw);
  wire         ss  = (!sub || pge) ? sp : sc;

  wire [15:0] rounded;
  fp16_round #(.W(W), .QW(10), .FAULT(FAULT)) u_round (
    .sign(ss), .mag(S), .q(qw + {{2{scale[7]}}, scale}), .res(rounded));

  // ---- special cases ----------------------------------------------------
  wire nan_in = na | nb | (!rr & nc) | (pinf & pzero);
  always @* begin
    if (nan_in)                 res = QNAN;
    else if (rr && sat)         res = 16'h0000;
    else if (!rr && pinf)       res = (ic && sc0 != sp) ? QNAN : {sp, 15'h7C00};
    else if (!rr && ic)         res = {sc0, 15'h7C00};
    else if (pzero && zc)       res = {sp & sc, 15'd0};
    else if (S == {W{1'b0}})    res = 16'h0000;
    else                        res = rounded;

    if (nan_in)   rr_n = 8'sd0;
    else if (sat) rr_n = sp ? -8'sd64 : 8'sd64;
    else          rr_n = sp ? -$signed({2'b00, nm}) : $signed({2'b00, nm});
  end
endmodule
