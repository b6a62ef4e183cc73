// pe_array.v: N PEs of one kind (pe2d, or pe1d with HAS_DIV = 1) side by
// side, so one Verilated model steps them all per eval().  The PEs are not
// wired to each other: the array model in C (through hw/pe/pe_bank.h)
// moves values between them, exactly as it does for the C twin.  Every
// port is an unpacked array (SystemVerilog) with element i for PE i, so
// the generated code moves each lane's field with one load or store (as
// packed vectors each field of each lane was a masked insert: 130
// instructions a lane per edge for the outputs alone) and the C++ side
// (rtl_bank.cpp) indexes them directly.  FAULT_PE >= 0 builds that one PE with FAULT = 1
// (fp16_round.v: the sticky bit dropped) for the co-simulation's
// self-test.  pe_array.vlt keeps one copy of the PE's code for all lanes.
module pe_array #(
  parameter N        = 256,
  parameter HAS_DIV  = 0,    // 0: pe2d lanes, 1: pe1d lanes
  parameter FAULT_PE = -1    // physical lane built faulty, -1 none
) (
  input  wire        clk,
  input  wire        rst,              // synchronous, every lane
  input  wire        in_valid [0:N-1],
  input  wire [2:0]  in_op    [0:N-1],
  input  wire [15:0] in_a     [0:N-1],
  input  wire [15:0] in_b     [0:N-1],
  input  wire [15:0] in_c     [0:N-1],
  output wire        out_valid[0:N-1],
  output wire [15:0] out_data [0:N-1],
  output wire [2:0]  st_seq   [0:N-1],
  output wire [15:0] st_t     [0:N-1],
  output wire [15:0] st_f     [0:N-1],
  output wire [7:0]  st_n     [0:N-1]
);
  genvar i;
  generate
    for (i = 0; i < N; i = i + 1) begin : g_pe
      wire unused_ready;  // = (st_seq == 0); the C side reads st_seq
      // The same connections for either kind of lane.
`define PE_ARRAY_LANE_PORTS \
          .clk(clk), .rst(rst), .in_valid(in_valid[i]), .in_op(in_op[i]), \
          .in_a(in_a[i]), .in_b(in_b[i]), .in_c(in_c[i]), \
          .in_ready(unused_ready), .out_valid(out_valid[i]), \
          .out_data(out_data[i]), .st_seq(st_seq[i]), \
          .st_t(st_t[i]), .st_f(st_f[i]), .st_n(st_n[i])
      if (HAS_DIV != 0) begin : g_1d
        pe1d #(.FAULT(i == FAULT_PE ? 1 : 0)) u_pe (`PE_ARRAY_LANE_PORTS);
      end else begin : g_2d
        pe2d #(.FAULT(i == FAULT_PE ? 1 : 0)) u_pe (`PE_ARRAY_LANE_PORTS);
      end
`undef PE_ARRAY_LANE_PORTS
    end
  endgenerate
endmodule
