// pe2d.v: the 2D array's PE: MAC, ADD, MAX and EXP (no divider;
// the DIV op code returns NaN).
// A thin wrapper naming the configuration of pe_core; the top module that
// benches (through Verilator), lint and yosys see.
module pe2d #(
  parameter FAULT = 0   // bench self-test only, see fp16_round.v
) (
  input  wire        clk,
  input  wire        rst,
  input  wire        in_valid,
  input  wire [2:0]  in_op,
  input  wire [15:0] in_a,
  input  wire [15:0] in_b,
  input  wire [15:0] in_c,
  output wire        in_ready,
  output wire        out_valid,
  output wire [15:0] out_data,
  output wire [2:0]  st_seq,
  output wire [15:0] st_t,
  output wire [15:0] st_f,
  output wire [7:0]  st_n
);
  pe_core #(.HAS_DIV(0), .FAULT(FAULT)) u_core (
    .clk(clk), .rst(rst), .in_valid(in_valid), .in_op(in_op),
    .in_a(in_a), .in_b(in_b), .in_c(in_c), .in_ready(in_ready),
    .out_valid(out_valid), .out_data(out_data),
    .st_seq(st_seq), .st_t(st_t), .st_f(st_f), .st_n(st_n));
endmodule
