// pe_array.v: N PEs of one kind (pe2d, or pe1d with HAS_DIV = 1) side by
// side with their ports as packed vectors, so one Verilated model steps
// them all per eval().  The PEs are not wired to each other: the array
// model in C (through hw/pe/pe_bank.h) moves values between them, exactly
// as it does for the C twin.  Lane i of every vector is PE i; fields
// narrower than a byte (valid, op, seq) are padded to one, so the C++ side
// (rtl_bank.cpp) reads whole bytes.  FAULT_PE >= 0 builds that one PE with
// FAULT = 1 (fp16_round.v: the sticky bit dropped) for the co-simulation's
// self-test.  pe_array.vlt keeps one copy of the PE's code for all lanes.
module pe_array #(
  parameter N        = 256,
  parameter HAS_DIV  = 0,    // 0: pe2d lanes, 1: pe1d lanes
  parameter FAULT_PE = -1    // physical lane built faulty, -1 none
) (
  input  wire            clk,
  input  wire            rst,        // synchronous, every lane
  /* verilator lint_off UNUSEDSIGNAL */  // the pad bits of each byte
  input  wire [8*N-1:0]  in_valid,   // bit 0 of each byte
  input  wire [8*N-1:0]  in_op,      // 3 bits used per byte
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire [16*N-1:0] in_a,
  input  wire [16*N-1:0] in_b,
  input  wire [16*N-1:0] in_c,
  output wire [8*N-1:0]  out_valid,  // bit 0 of each byte
  output wire [16*N-1:0] out_data,
  output wire [8*N-1:0]  st_seq,     // 3 bits used per byte
  output wire [16*N-1:0] st_t,
  output wire [16*N-1:0] st_f,
  output wire [8*N-1:0]  st_n
);
  genvar i;
  generate
    for (i = 0; i < N; i = i + 1) begin : g_pe
      wire unused_ready;  // = (st_seq == 0); the C side reads st_seq
      assign st_seq[8*i+7:8*i+3] = 5'd0;
      assign out_valid[8*i+7:8*i+1] = 7'd0;
      // The same connections for either kind of lane.
`define PE_ARRAY_LANE_PORTS \
          .clk(clk), .rst(rst), .in_valid(in_valid[8*i]), .in_op(in_op[8*i+2:8*i]), \
          .in_a(in_a[16*i+15:16*i]), .in_b(in_b[16*i+15:16*i]), .in_c(in_c[16*i+15:16*i]), \
          .in_ready(unused_ready), .out_valid(out_valid[8*i]), \
          .out_data(out_data[16*i+15:16*i]), .st_seq(st_seq[8*i+2:8*i]), \
          .st_t(st_t[16*i+15:16*i]), .st_f(st_f[16*i+15:16*i]), .st_n(st_n[8*i+7:8*i])
      if (HAS_DIV != 0) begin : g_1d
        pe1d #(.FAULT(i == FAULT_PE ? 1 : 0)) u_pe (`PE_ARRAY_LANE_PORTS);
      end else begin : g_2d
        pe2d #(.FAULT(i == FAULT_PE ? 1 : 0)) u_pe (`PE_ARRAY_LANE_PORTS);
      end
`undef PE_ARRAY_LANE_PORTS
    end
  endgenerate
endmodule
