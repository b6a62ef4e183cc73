// pe_core.v: one FuseMax processing element: an fp16 FMA (MAC, and ADD as
// a*1 + b), a max unit, optionally a divider, and the sequencer that runs
// EXP, exp(a - b), as seven passes through the FMA: 1 add, 1 range-reducing
// multiply, 5 Horner FMAs of the degree-5 Taylor series of 2^f.
// Interface and timing: rtl/README.md.  Twin: hw/pe/pe.c.
module pe_core #(
  parameter HAS_DIV = 0,  // 1 for the 1D PE
  parameter FAULT   = 0   // bench self-test only, see fp16_round.v
) (
  input  wire        clk,
  input  wire        rst,        // synchronous, active high
  input  wire        in_valid,
  input  wire [2:0]  in_op,
  input  wire [15:0] in_a,
  input  wire [15:0] in_b,
  input  wire [15:0] in_c,
  output wire        in_ready,
  output reg         out_valid,
  output reg  [15:0] out_data,
  output reg  [2:0]  st_seq,     // exp step, 0 = idle
  output reg  [15:0] st_t,       // exp working register
  output reg  [15:0] st_f,       // exp reduced argument
  output reg  [7:0]  st_n        // exp power of two (signed)
);
  localparam [2:0] OP_MAC = 3'd0, OP_ADD = 3'd1, OP_MAX = 3'd2,
                   OP_EXP = 3'd3, OP_DIV = 3'd4;
  localparam [15:0] ONE   = 16'h3C00, QNAN  = 16'h7E00,
                    LOG2E = 16'h3DC5,                 // 1.4423828125
                    C0 = 16'h3C00, C1 = 16'h398C,     // ln2^k / k!
                    C2 = 16'h33B0, C3 = 16'h2B1B,
                    C4 = 16'h20ED, C5 = 16'h1576;

  assign in_ready = (st_seq == 3'd0);

  // FMA operand multiplexers, one setting per sequencer step
  reg  [15:0]       fa, fb, fc;
  reg               frr;
  reg  signed [7:0] fscale;
  always @* begin
    fa = in_a; fb = in_b; fc = in_c; frr = 1'b0; fscale = 8'sd0;
    case (st_seq)
      3'd0: if (in_op == OP_ADD) begin
              fb = ONE; fc = in_b;                    // a*1 + b
            end else if (in_op == OP_EXP) begin
              fb = ONE; fc = {~in_b[15], in_b[14:0]}; // a*1 - b
            end
      3'd1: begin fa = st_t; fb = LOG2E; fc = 16'd0; frr = 1'b1; end
      3'd2: begin fa = C5;   fb = st_f;  fc = C4; end
      3'd3: begin fa = st_t; fb = st_f;  fc = C3; end
      3'd4: begin fa = st_t; fb = st_f;  fc = C2; end
      3'd5: begin fa = st_t; fb = st_f;  fc = C1; end
      3'd6: begin fa = st_t; fb = st_f;  fc = C0; fscale = $signed(st_n); end
      default: ;
    endcase
  end

  wire [15:0]       fma_res, max_res, div_res;
  wire signed [7:0] fma_n;
  fp16_fma #(.FAULT(FAULT)) u_fma (
    .a(fa), .b(fb), .c(fc), .rr(frr), .scale(fscale), .res(fma_res), .rr_n(fma_n));
  fp16_max u_max (.a(in_a), .b(in_b), .res(max_res));
  generate
    if (HAS_DIV != 0) begin : g_div
      fp16_div #(.FAULT(FAULT)) u_div (.a(in_a), .b(in_b), .res(div_res));
    end else begin : g_nodiv
      assign div_res = QNAN;
    end
  endgenerate

  always @(posedge clk) begin
    if (rst) begin
      out_valid <= 1'b0;
      out_data  <= 16'd0;
      st_seq    <= 3'd0;
      st_t      <= 16'd0;
      st_f      <= 16'd0;
      st_n      <= 8'd0;
    end else begin
      out_valid <= 1'b0;
      case (st_seq)
        3'd0: if (in_valid) begin
                case (in_op)
                  OP_MAC, OP_ADD: begin out_data <= fma_res; out_valid <= 1'b1; end
                  OP_MAX:         begin out_data <= max_res; out_valid <= 1'b1; end
                  OP_DIV:         begin out_data <= div_res; out_valid <= 1'b1; end
                  OP_EXP:         begin st_t <= fma_res; st_seq <= 3'd1; end
                  default:        begin out_data <= QNAN; out_valid <= 1'b1; end
                endcase
              end
        3'd1: begin st_f <= fma_res; st_n <= fma_n; st_seq <= 3'd2; end
        3'd2, 3'd3, 3'd4, 3'd5:
              begin st_t <= fma_res; st_seq <= st_seq + 3'd1; end
        3'd6: begin out_data <= fma_res; out_valid <= 1'b1; st_seq <= 3'd0; end
        default: st_seq <= 3'd0;
      endcase
    end
  end
endmodule
