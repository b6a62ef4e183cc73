// fp16_round.v: normalise-and-round, the single rounding of every fp16 op.
// res = the fp16 nearest (ties to even) to (-1)^sign * mag * 2^q, with
// gradual underflow and overflow to infinity.  mag must be nonzero (callers
// mux the zero case away).  Bit 0 of mag may be a sticky bit; callers
// guarantee it lies at least two bits below the rounding point.
// FAULT = 1 drops the sticky bit (ties-to-even then rounds down whenever
// the bit below the result is 1 and the result is even): a bug injected
// only in the benches' self-test builds.  Synthesis and the real benches
// use FAULT = 0.
// Twin: fp16_round() in hw/pe/fp16.c.
module fp16_round #(
  parameter W     = 26,  // width of mag
  parameter QW    = 10,  // width of q (signed)
  parameter FAULT = 0
) (
  input  wire                 sign,
  input  wire [W-1:0]         mag,
  input  wire signed [QW-1:0] q,
  output reg  [15:0]          res
);
  // leading-one position
  reg [6:0] k;
  integer i;
  always @* begin
    k = 7'd0;
    for (i = 0; i < W; i = i + 1)
      if (mag[i]) k = i[6:0];
  end

  // Exponent arithmetic in 13-bit signed: |q| < 2^9, k < 2^7.
  wire signed [12:0] qx = {{(13-QW){q[QW-1]}}, q};
  wire signed [12:0] e  = qx + $signed({6'd0, k});          // weight of the leading one
  wire signed [12:0] qn = e - 13'sd10;                      // lsb weight if normal
  wire signed [12:0] qr = (qn < -13'sd24) ? -13'sd24 : qn;  // lsb weight of the result
  wire signed [12:0] sh = qr - qx;                          // bits to drop (<0: exact left shift)
  wire [3:0]         lsa = 4'd0 - sh[3:0];            // -sh, used when -10 <= sh <= 0

  reg  [11:0]    mant;     // kept bits (11 at most before the increment)
  reg            rnd, stk;
  reg  [2*W-1:0] ext;
  reg  [10:0]    lsh;
  always @* begin
    ext = {2*W{1'b0}};
    lsh = 11'd0;
    if (sh <= 13'sd0) begin
      // qr >= e - 10 means at most 10 bits of left shift: exact
      lsh  = mag[10:0] << lsa;
      mant = {1'b0, lsh};
      rnd  = 1'b0;
      stk  = 1'b0;
    end else if (sh > W) begin
      mant = 12'd0;
      rnd  = 1'b0;
      stk  = 1'b1;
    end else begin
      ext  = {mag, {W{1'b0}}} >> sh[6:0];
      mant = {1'b0, ext[W+10:W]};
      rnd  = ext[W-1];
      stk  = |ext[W-2:0];
    end
    if (FAULT == 1) stk = 1'b0;
  end

  wire        inc   = rnd & (stk | mant[0]);
  wire [11:0] mantr = mant + {11'd0, inc};
  // Biased exponent of the result's lsb, minus one: 0 for subnormals.
  wire signed [12:0] ef = qr + 13'sd24;
  // A carry out of the significand runs into the exponent field: a normal
  // result is ((E-1) << 10) + m with the hidden bit in m, a subnormal is m.
  wire [15:0] enc = {1'b0, ef[4:0], 10'd0} + {4'd0, mantr};
  always @* begin
    if (ef > 13'sd30 || enc >= 16'h7C00) res = {sign, 15'h7C00};
    else                                 res = {sign, enc[14:0]};
  end
endmodule
