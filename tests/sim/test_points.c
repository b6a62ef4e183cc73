/*
** test_points.c: are timing and energy right?  Per-point values derived by hand
** from the published mechanism (fusemax.md sections 3-5), checked against
** the analytical engine running the shipped mapping files.  Each test's
** comment is its derivation; none of these numbers is read from the
** engine.  BERT: B = 64, H = 12, E = F = 64; 1K tokens: M = P = 1024, so
** T = B*H*M*P = 805306368 score elements and u = B*H*P*E*2 = 100663296
** bytes (one Q-sized tensor).  Clock 940 MHz, DRAM 400 GiB/s, so one cycle
** moves 400 * 2^30 / 940e6 = 456.92 bytes.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "sim.h"

static sim_result run(const char *design, const char *model, int64_t seq) {
  sim_design *d;
  wl_workload w;
  at_err e;
  sim_result r;
  if (sim_design_find(design, &d, &e) || wl_find(model, NULL, &w, &e)) fail_msg("%s", e.msg);
  if (sim_eval(d, &w, seq, NULL, &r, &e)) fail_msg("%s", e.msg);
  sim_design_free(d);
  return r;
}

static const double T = 805306368.0, U = 100663296.0;

static uint64_t mem_cycles(double bytes) { return (uint64_t)ceil(bytes / (400.0 * 1073741824.0 / 940e6)); }

/* FuseMax (+Binding), BERT 1K.  Tiles: B*H*(P/256)*(M/256) = 768*16 =
** 12288.  Per tile the 2D array runs BQK (E = 64 MACs per PE), LM 1,
** SLN 7 (sub + 6-MAC exp), SLD 1, SLNV (F = 64) = 137 cycles; the 1D array
** RM 1, PRM 7, SPD 1, RD 1, SPNV 64, RNV 64 = 138, plus the final division
** AV, F*P0/256 = 64 cycles per 256 queries: 768*4*64 = 196608 in all.
** 1D busy = 12288*138 + 196608 = 1892352; interleaved, so the 256-cycle
** drain of the 2D array shows once: 1892608 cycles.  DRAM: Q, K, V, AV
** once each (P1 = 4 covers all of P, so P2 = 1): 4u = 402653184 bytes. */
static void fusemax_bert_1k(void **state) {
  (void)state;
  sim_result r = run("fusemax", "bert", 1024);
  assert_int_equal(r.array_busy[1], 1892352);
  assert_int_equal(r.array_busy[0], 12288 * 137);
  assert_int_equal(r.cycles, 1892608);
  assert_int_equal(r.traffic_bytes, (uint64_t)(4 * U));
  assert_string_equal(r.bound, "1d");
  assert_true(fabs(r.util_2d - 12288.0 * 137 / 1892608) < 1e-6);
}

/* +Architecture, BERT 1K: one tile at a time.  Critical path of a tile,
** each array running one Einsum at a time: BQK 0-64, LM 64-65, RM 65-66,
** then SLN 66-73 beside PRM 66-73, SLD 73-74 beside SPD 73-74, SLNV 74-138
** beside RD 74-75 and SPNV 75-139, RNV 139-203; the amortised AV share
** (16 cycles) runs first on the idle 1D array.  203 + 256 exposed drain =
** 459 per tile, x 12288 = 5640192 cycles. */
static void arch_bert_1k(void **state) {
  (void)state;
  sim_result r = run("arch", "bert", 1024);
  assert_int_equal(r.cycles, 12288 * 459);
}

/* FLAT, BERT 1K (head fusion, output stationary, nothing spilled).  1D:
** max, exp, sum and divide each 1 cycle per score element on 256 PEs:
** 4T/256 = 12582912, + one 2D drain = 12583168 cycles.  DRAM (Q, K, V
** bypass the buffer): Q re-read per m tile (M/256 = 4), K per p tile (4),
** V per p tile (4), AV once: 13u.  2D: QK and AV each T*64 PE-cycles of
** 65536 PEs: util_2d = 2*64*T/(65536*12583168) = 0.12500. */
static void flat_bert_1k(void **state) {
  (void)state;
  sim_result r = run("flat", "bert", 1024);
  assert_int_equal(r.cycles, 12583168);
  assert_int_equal(r.traffic_bytes, (uint64_t)(13 * U));
  assert_true(fabs(r.util_2d - 2 * 64 * T / (65536.0 * 12583168)) < 1e-6);
  assert_string_equal(r.bound, "1d");
}

/* FLAT, BERT 1M: weight stationary, QK and A off chip, rows of P1 = 1024.
** DRAM: QK written and read once (one row's fiber is resident while the
** softmax walks it), A written and read once: 4 * 2T bytes with T =
** 64*12*2^40; K and V re-read once per P1 block (P/P1 = 1024 times), Q and
** AV once: (2 + 2048) u with u = 64*12*2^20*64*2.  Memory-bound. */
static void flat_bert_1m(void **state) {
  (void)state;
  sim_result r = run("flat", "bert", 1048576);
  double t = 64.0 * 12 * 1099511627776.0, u = 64.0 * 12 * 1048576 * 64 * 2;
  double bytes = 4 * 2 * t + (2 + 2048) * u;
  assert_true(fabs((double)r.traffic_bytes - bytes) < 1);
  assert_int_equal(r.cycles, mem_cycles(bytes));
  assert_string_equal(r.bound, "memory");
}

/* Unfused, BERT 1K: three phases, each max(memory, compute).
** QK: writes QK (2T bytes) and reads Q, K once (2u): memory 3965625 cycles
** against T*64/65536 = 786432 compute.  Softmax: 4T/256 = 12582912 compute
** against 4T bytes (read QK, write A).  AV: reads A (2T) plus V, writes AV
** (2u): 3965625.  Sum 20514162 cycles. */
static void unfused_bert_1k(void **state) {
  (void)state;
  sim_result r = run("unfused", "bert", 1024);
  uint64_t io = mem_cycles(2 * T + 2 * U);
  assert_int_equal(io, 3965625);
  assert_int_equal(r.cycles, io + 12582912 + io);
  assert_int_equal(r.traffic_bytes, (uint64_t)(2 * T + 2 * U + 4 * T + 2 * T + 2 * U));
}

/* FuseMax at 1M: P1 is the largest factor of P/256 = 4096 whose Q tile and
** running state (E + 1 + 1 + F words per query) plus one K and V tile fit
** 16 MiB: (16 MiB - 256*128*2) / (256*130*2) = 251.08, so P1 = 128 and
** P2 = 32.  K and V are read P2 = 32 times: DRAM = 2u + 32 * 2u. */
static void fusemax_bert_1m_tiling(void **state) {
  (void)state;
  sim_result r = run("fusemax", "bert", 1048576);
  double u = 64.0 * 12 * 1048576 * 64 * 2;
  assert_non_null(strstr(r.tiling, "p1=128"));
  assert_non_null(strstr(r.tiling, "p2=32"));
  assert_true(fabs((double)r.traffic_bytes - (2 * u + 32 * 2 * u)) < 1);
}

/* The end-to-end linear layers of BERT at 1K on a 256x256 array:
** B*P*(4 D^2 + 2 D FFN) MACs = 65536*(4*768^2 + 2*768*3072) / 65536 PEs
** = 7077888 cycles when compute-bound (plus one 256-cycle drain per phase
** epoch: 6 phases). */
static void linear_bert_1k(void **state) {
  (void)state;
  sim_result r = run("linear-fusemax", "bert", 1024);
  assert_int_equal(r.compute_cycles, 7077888 + 6 * 256);
  sim_result f = run("linear-flat", "bert", 1024);
  assert_int_equal(f.cycles, r.cycles);   /* same time on both; only energy differs */
}

/* Energy, BERT 1K, from the default table (hw/energy-45nm.yaml).
** FuseMax's 2D array per score element: BQK and SLNV 64 MACs each, SLN's
** exp 6 MACs plus its subtraction (an add), SLD an add, LM a max:
** 134 * 17.16 + 2 * 8.34 + 0.028 = 2316.148 pJ, times T.  FLAT's 2D array:
** QK and AV, 128 MACs = 2196.48 pJ; its 1D array: GM max 0.028, SN's sub
** 8.34 and exp unit 94.65, SD add 8.34, A divide 36.25 = 147.608 pJ.
** DRAM: 249.6 pJ per 8 bytes; FuseMax moves 4u.  The buffer: above 1 MiB
** the SRAM points' last segment has slope ln 5 / ln 32, so FLAT's 32 MiB
** costs 100 * 5 = 500 pJ per 64-bit access and FuseMax's 16 MiB
** 100 * 5^0.8; a 512-byte row is 64 accesses, read or written. */
static void energy_bert_1k(void **state) {
  (void)state;
  sim_result f = run("fusemax", "bert", 1024), l = run("flat", "bert", 1024);
  assert_true(fabs(f.energy_by[SIM_C_COMPUTE_2D] / (T * 2316.148) - 1) < 1e-9);
  assert_true(fabs(l.energy_by[SIM_C_COMPUTE_2D] / (T * 2196.48) - 1) < 1e-9);
  assert_true(fabs(l.energy_by[SIM_C_COMPUTE_1D] / (T * 147.608) - 1) < 1e-9);
  assert_true(fabs(f.energy_by[SIM_C_DRAM] / (4 * U / 8 * 249.6) - 1) < 1e-9);
  assert_true(fabs(l.energy_by[SIM_C_BUFFER] / ((double)l.buffer_bytes / 512 * 32000) - 1) < 1e-9);
  assert_true(fabs(f.energy_by[SIM_C_BUFFER] /
                   ((double)f.buffer_bytes / 512 * 6400 * pow(5, 0.8)) - 1) < 1e-9);
  double sum = 0;
  for (int k = 0; k < SIM_C_COUNT; k++) sum += f.energy_by[k];
  assert_true(fabs(f.energy_pJ / sum - 1) < 1e-12);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(fusemax_bert_1k), cmocka_unit_test(arch_bert_1k),
    cmocka_unit_test(flat_bert_1k), cmocka_unit_test(flat_bert_1m),
    cmocka_unit_test(unfused_bert_1k), cmocka_unit_test(fusemax_bert_1m_tiling),
    cmocka_unit_test(linear_bert_1k), cmocka_unit_test(energy_bert_1k),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
