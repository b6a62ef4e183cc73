// fp16_unpack.v: splits an IEEE binary16 pattern into sign, class flags and
// a normalised significand/exponent pair, value = m * 2^q with
// 2^10 <= m < 2^11 for every finite nonzero input (subnormals are shifted
// up by an 11-bit leading-zero count).  q ranges over [-34, 5]; it is 6 for
// inf/NaN and -24 for zero, where m and q are not used.
// Twin: fp16_unpack() in hw/pe/fp16.c.
module fp16_unpack (
  input  wire [15:0]       x,
  output wire              sign,
  output wire              zero,
  output wire              inf,
  output wire              nan,
  output reg  [10:0]       m,
  output reg  signed [6:0] q
);
  wire [4:0] e = x[14:10];
  wire [9:0] f = x[9:0];

  assign sign = x[15];
  assign zero = (e == 5'd0) && (f == 10'd0);
  assign inf  = (e == 5'd31) && (f == 10'd0);
  assign nan  = (e == 5'd31) && (f != 10'd0);

  // lz = 10 - (index of the leading one of f), used only when e == 0
  reg [3:0] lz;
  integer i;
  always @* begin
    lz = 4'd0;
    for (i = 0; i < 10; i = i + 1)
      if (f[i]) lz = 4'd10 - i[3:0];
    if (e != 5'd0) begin
      m = {1'b1, f};
      q = $signed({2'b00, e}) - 7'sd25;
    end else begin
      m = {1'b0, f} << lz;
      q = -7'sd24 - $signed({3'b000, lz});
    end
  end
endmodule
