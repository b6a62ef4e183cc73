// fp16_max.v: IEEE 754-2019 maximum(a, b): NaN if either input is NaN
// (returned as the canonical quiet NaN), otherwise the larger, with -0 < +0.
// Exact, no rounding.  Sign-magnitude patterns are mapped onto an unsigned
// total order (negatives bit-inverted below positives) and compared.
// Twin: fp16_max() in hw/pe/fp16.c.
module fp16_max (
  input  wire [15:0] a,
  input  wire [15:0] b,
  output wire [15:0] res
);
  wire na = (a[14:10] == 5'h1F) && (a[9:0] != 10'd0);
  wire nb = (b[14:10] == 5'h1F) && (b[9:0] != 10'd0);
  wire [15:0] ka = a[15] ? ~a : {1'b1, a[14:0]};
  wire [15:0] kb = b[15] ? ~b : {1'b1, b[14:0]};
  assign res = (na | nb) ? 16'h7E00 : ((ka >= kb) ? a : b);
endmodule
