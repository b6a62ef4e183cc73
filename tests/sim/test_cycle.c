/*
** test_cycle.c: does the cycle engine keep its two promises?  (1) Fast-
** forward (sleeping through busy cycles, extrapolating periodic steady
** states) gives exactly the cycles and every action count that --full
** (every cycle, every PE stepped) gives; (2) its action counts, summed
** from the tiles it enumerates, equal the analytical engine's closed form,
** field by field.  Over every shipped design, several array shapes and
** lengths, on a tiny workload (tests/sim/cycle/tiny.yaml) so --full runs
** in milliseconds.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim.h"

static int configs, seen, stride = 1;   /* ATTNSIM_TEST_STRIDE=k: every k-th point (valgrind) */
static double last_gap;                 /* point(): cycle engine / analytical - 1 */

static void same_actions(const sim_result *a, const sim_result *b, const char *what) {
  if (memcmp(&a->act, &b->act, sizeof a->act)) {
    for (int k = 0; k < a->n_arrays; k++)
      fprintf(stderr, "  %s: array %s pe_cycles %llu vs %llu, rf_reads %llu vs %llu, MAC %llu vs %llu\n", what,
              a->array_name[k], (unsigned long long)a->act.array[k].pe_cycles,
              (unsigned long long)b->act.array[k].pe_cycles, (unsigned long long)a->act.array[k].rf_reads,
              (unsigned long long)b->act.array[k].rf_reads, (unsigned long long)a->act.array[k].ops[HW_OP_MAC],
              (unsigned long long)b->act.array[k].ops[HW_OP_MAC]);
    fail_msg("%s: action counts differ (%s %s %lld)", what, a->design, a->model, (long long)a->seq_len);
  }
}

static void point(const char *design, int64_t seq, int64_t rows, int64_t cols, int64_t w1d) {
  if (seen++ % stride) return;
  sim_design *d;
  wl_workload w;
  at_err e;
  size_t n = strlen(design);
  int file = n > 5 && !strcmp(design + n - 5, ".yaml");   /* a fixture, else a shipped name */
  if ((file ? sim_design_load(design, NULL, &d, &e) : sim_design_find(design, &d, &e)) ||
      wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e))
    fail_msg("%s", e.msg);
  sim_overrides ov = { rows, cols, w1d, 0, 0, 0 };
  const sim_engine *cyc = sim_engine_find("cycle");
  assert_non_null(cyc);
  sim_engine_opts ff = { 0 }, full = { .full = 1 };
  sim_result ra, rf, rs;
  if (sim_eval_on(d, &w, seq, &ov, NULL, NULL, &ra, &e) || sim_eval_on(d, &w, seq, &ov, cyc, &ff, &rf, &e) ||
      sim_eval_on(d, &w, seq, &ov, cyc, &full, &rs, &e))
    fail_msg("%s %lld %lldx%lld/%lld: %s", design, (long long)seq, (long long)rows, (long long)cols, (long long)w1d, e.msg);
  sim_design_free(d);
  if (rf.cycles != rs.cycles)
    fail_msg("%s %lld %lldx%lld/%lld: fast-forward %llu cycles, full %llu", design, (long long)seq, (long long)rows,
             (long long)cols, (long long)w1d, (unsigned long long)rf.cycles, (unsigned long long)rs.cycles);
  same_actions(&rf, &rs, "fast-forward vs full");
  same_actions(&ra, &rf, "analytical vs cycle");
  assert_string_equal(rf.engine, "cycle");
  assert_true(rf.cycles > 0);
  for (int k = 0; k < rf.n_arrays; k++) assert_int_equal(rf.array_busy[k], rs.array_busy[k]);
  configs++;
  last_gap = (double)rf.cycles / (double)ra.cycles - 1;
}

/* 7 designs x (4 shapes at 512 + 2 at 1K) = 42, plus 8 more = 50. */
static void shipped_designs(void **state) {
  (void)state;
  static const int64_t shapes[][3] = { { 4, 4, 4 }, { 8, 8, 8 }, { 16, 8, 16 }, { 8, 16, 16 } };
  for (int i = 0; sim_shipped_designs[i]; i++)
    for (int s = 0; s < 4; s++) {
      point(sim_shipped_designs[i], 512, shapes[s][0], shapes[s][1], shapes[s][2]);
      if (s == 1 || s == 2) point(sim_shipped_designs[i], 1024, shapes[s][0], shapes[s][1], shapes[s][2]);
    }
  point("fusemax", 1024, 16, 16, 16);
  point("fusemax", 1024, 32, 32, 32);
  point("arch", 1024, 8, 8, 8);
  point("flat", 1024, 16, 16, 16);
  point("unfused", 1024, 8, 4, 8);
  point("cascade", 1024, 8, 8, 8);
  point("linear-fusemax", 1024, 16, 16, 16);
  point("linear-flat", 1024, 8, 16, 16);
  assert_true(configs * stride >= 50);
}

/* A window of more tiles can only help: the same work, no later finish. */
static void window_monotone(void **state) {
  (void)state;
  sim_design *d;
  wl_workload w;
  at_err e;
  if (sim_design_find("fusemax", &d, &e) || wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e))
    fail_msg("%s", e.msg);
  sim_overrides ov = { 16, 16, 16, 0, 0, 0 };
  uint64_t prev = UINT64_MAX;
  for (int win = 1; win <= 8; win *= 2) {
    sim_engine_opts o = { .window = win };
    sim_result r;
    if (sim_eval_on(d, &w, 1024, &ov, sim_engine_find("cycle"), &o, &r, &e)) fail_msg("%s", e.msg);
    assert_true(r.cycles <= prev);
    prev = r.cycles;
  }
  sim_design_free(d);
}

/* One single-ported buffer bank: FLAT's softmax passes (about 7 buffer
** accesses per score element) become buffer-port bound, the stall is named,
** and both modes still agree. */
static void buffer_ports(void **state) {
  (void)state;
  sim_design *d;
  wl_workload w;
  at_err e;
  if (sim_design_find_on("flat", ATTNSIM_SOURCE_DIR "/tests/sim/cycle/flat-1bank.yaml", &d, &e) ||
      wl_find("bert", NULL, &w, &e))
    fail_msg("%s", e.msg);
  sim_result ra, rc;
  if (sim_eval_on(d, &w, 1024, NULL, NULL, NULL, &ra, &e) || sim_eval_on(d, &w, 1024, NULL, sim_engine_find("cycle"), NULL, &rc, &e))
    fail_msg("%s", e.msg);
  assert_true(rc.cycles > ra.cycles + ra.cycles / 2);
  uint64_t port = 0;
  for (int k = 0; k < rc.n_arrays; k++) port += rc.stall[k][SIM_S_BUFFER_PORT];
  assert_true(port > 0);
  assert_memory_equal(&ra.act, &rc.act, sizeof ra.act);
  if (wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e)) fail_msg("%s", e.msg);
  sim_engine_opts full = { .full = 1 };
  sim_overrides ov = { 8, 8, 8, 0, 0, 0 };
  sim_result r1, r2;
  if (sim_eval_on(d, &w, 512, &ov, sim_engine_find("cycle"), NULL, &r1, &e) ||
      sim_eval_on(d, &w, 512, &ov, sim_engine_find("cycle"), &full, &r2, &e))
    fail_msg("%s", e.msg);
  assert_int_equal(r1.cycles, r2.cycles);
  sim_design_free(d);
}

/* A one-entry FIFO into FuseMax's 1D array: the 2D array waits for the 1D
** array to take its previous result (fifo_full), the run is longer than
** with an unbounded one, both modes agree, the counts are the same. */
static void fifo_depth(void **state) {
  (void)state;
  sim_design *d, *u;
  wl_workload w;
  at_err e;
  if (sim_design_find_on("fusemax", ATTNSIM_SOURCE_DIR "/tests/sim/cycle/fusemax-fifo1.yaml", &d, &e) ||
      sim_design_find("fusemax", &u, &e) || wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e))
    fail_msg("%s", e.msg);
  sim_overrides ov = { 8, 8, 8, 0, 0, 0 };
  sim_engine_opts full = { .full = 1 };
  const sim_engine *cyc = sim_engine_find("cycle");
  sim_result rf, rs, ru;
  if (sim_eval_on(d, &w, 512, &ov, cyc, NULL, &rf, &e) || sim_eval_on(d, &w, 512, &ov, cyc, &full, &rs, &e) ||
      sim_eval_on(u, &w, 512, &ov, cyc, NULL, &ru, &e))
    fail_msg("%s", e.msg);
  assert_int_equal(rf.cycles, rs.cycles);
  assert_true(rf.cycles > ru.cycles);
  assert_true(rf.stall[0][SIM_S_FIFO_FULL] > 0);
  assert_int_equal(ru.stall[0][SIM_S_FIFO_FULL], 0);
  assert_memory_equal(&rf.act, &ru.act, sizeof rf.act);
  sim_design_free(d);
  sim_design_free(u);
}

/* Causal attention as skipped work (tests/sim/cycle/causal.yaml: the FuseMax
** binding over einsum/cascades/causal-1pass.einsum).  BQK runs E MACs at
** each (m, p) with m <= p: for M = P = S that is E S (S + 1) / 2 per head
** (sum over p of p + 1 keys).  tiny.yaml has B = H = 1, E = F = 8; at
** S = 64 on 8 x 8 arrays: 8 x 64 x 65 / 2 = 16640 MACs of BQK, as many of
** SLNV, against 8 x 64 x 64 = 32768 each for the same binding over the full
** cascade (FuseMax).  Both engines
** count exactly that, fast-forward equals --full, and the skipped tiles
** above the diagonal make the run shorter than full attention's. */
static void causal_skips(void **state) {
  (void)state;
  sim_design *d, *u;
  wl_workload w;
  at_err e;
  if (sim_design_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/causal.yaml", NULL, &d, &e) ||
      sim_design_find("fusemax", &u, &e) || wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e))
    fail_msg("%s", e.msg);
  const sim_engine *cyc = sim_engine_find("cycle");
  sim_engine_opts full = { .full = 1 };
  /* (S, rows = M0, cols = P0): on 4 x 8 tiles the diagonal crosses tiles
  ** off their corners */
  static const int64_t pts[][3] = { { 64, 8, 8 }, { 48, 4, 8 }, { 32, 8, 4 } };
  for (int i = 0; i < 3; i++) {
    int64_t S = pts[i][0];
    sim_overrides ov = { pts[i][1], pts[i][2], pts[i][2], 0, 0, 0 };
    sim_result ra, rf, rs, ua, uf;
    if (sim_eval_on(d, &w, S, &ov, NULL, NULL, &ra, &e) || sim_eval_on(d, &w, S, &ov, cyc, NULL, &rf, &e) ||
        sim_eval_on(d, &w, S, &ov, cyc, &full, &rs, &e) || sim_eval_on(u, &w, S, &ov, NULL, NULL, &ua, &e) ||
        sim_eval_on(u, &w, S, &ov, cyc, NULL, &uf, &e))
      fail_msg("%lld: %s", (long long)S, e.msg);
    uint64_t want = (uint64_t)(8 * S * (S + 1) / 2);
    uint64_t mac = 0, umac = 0;
    for (int k = 0; k < ra.n_arrays; k++) mac += ra.act.array[k].ops[HW_OP_MAC];
    for (int k = 0; k < ua.n_arrays; k++) umac += ua.act.array[k].ops[HW_OP_MAC];
    /* the MACs are BQK's and SLNV's (a sum over m0 of SLN x V, F = E = 8
    ** MACs per kept point): twice the count above */
    assert_int_equal(mac, want * 2);
    assert_int_equal(umac, (uint64_t)(8 * S * S) * 2);
    same_actions(&ra, &rf, "causal: analytical vs cycle");
    same_actions(&rf, &rs, "causal: fast-forward vs full");
    assert_int_equal(rf.cycles, rs.cycles);
    assert_true(ra.cycles < ua.cycles);
    assert_true(rf.cycles < uf.cycles);
  }
  /* six heads: the batch loop, which no predicate reads, is the one loop a
  ** causal phase's fast-forward extrapolates; it must stay exact */
  w.H = 6;
  sim_overrides ov = { 8, 8, 8, 0, 0, 0 };
  sim_result ra, rf, rs;
  if (sim_eval_on(d, &w, 32, &ov, NULL, NULL, &ra, &e) || sim_eval_on(d, &w, 32, &ov, cyc, NULL, &rf, &e) ||
      sim_eval_on(d, &w, 32, &ov, cyc, &full, &rs, &e))
    fail_msg("heads: %s", e.msg);
  uint64_t mac = 0;
  for (int k = 0; k < ra.n_arrays; k++) mac += ra.act.array[k].ops[HW_OP_MAC];
  assert_int_equal(mac, 6 * 2 * 8 * (32 * 33 / 2));
  same_actions(&ra, &rf, "causal heads: analytical vs cycle");
  same_actions(&rf, &rs, "causal heads: fast-forward vs full");
  assert_int_equal(rf.cycles, rs.cycles);
  sim_design_free(d);
  sim_design_free(u);
}

/* The sliding window (tests/mappings/window.yaml, window-1pass: keys
** p - W < m <= p) on Mistral-7B's 32 heads, E = F = 128, at M = P = 256,
** W = 40: sum over p of min(p + 1, 40) = 40 x 41 / 2 + 216 x 40 = 9460
** points, each E MACs of BQK and F of SLNV: 32 x 256 x 9460 = 77496320
** MACs, in both engines, whose counts agree field by field. */
static void window_skips(void **state) {
  (void)state;
  sim_design *d;
  wl_workload w;
  at_err e;
  if (sim_design_load(ATTNSIM_SOURCE_DIR "/tests/mappings/window.yaml", NULL, &d, &e) ||
      wl_find("mistral-7b", NULL, &w, &e))
    fail_msg("%s", e.msg);
  w.W = 40;
  sim_overrides ov = { 16, 16, 16, 0, 0, 0 };
  sim_result ra, rc;
  if (sim_eval_on(d, &w, 256, &ov, NULL, NULL, &ra, &e) ||
      sim_eval_on(d, &w, 256, &ov, sim_engine_find("cycle"), NULL, &rc, &e))
    fail_msg("%s", e.msg);
  uint64_t mac = 0;
  for (int k = 0; k < ra.n_arrays; k++) mac += ra.act.array[k].ops[HW_OP_MAC];
  assert_int_equal(mac, 77496320);
  same_actions(&ra, &rc, "window: analytical vs cycle");
  sim_design_free(d);
}

/* fusemax.yaml's `1d: {cols: p0, fold: true}`: on a 1D array narrower
** than the P0 = 16 columns each 1D PE takes ceil(16 / width) queries in
** turn.  Fast-forward equals --full and the counts equal the analytical
** engine's (point()); the 1D array's busy cycles, in both engines, are
** exactly ceil(16 / width) times the 16-wide array's (the width 6 leaves
** 2 of 6 PEs idle in the last pass, so 3 passes, not 16/6); the two
** engines' cycles are within 1.5%; and a fold on a 2D array is refused. */
static void fold_1d(void **state) {
  (void)state;
  static const int64_t widths[] = { 16, 8, 6, 4, 1 };
  sim_design *d;
  wl_workload w;
  at_err e;
  if (sim_design_find("fusemax", &d, &e) || wl_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/tiny.yaml", &w, &e))
    fail_msg("%s", e.msg);
  uint64_t base[2] = { 0, 0 };
  for (size_t i = 0; i < sizeof widths / sizeof *widths; i++) {
    point("fusemax", 1024, 16, 16, widths[i]);
    sim_overrides ov = { 16, 16, widths[i], 0, 0, 0 };
    sim_result r[2];
    if (sim_eval_on(d, &w, 1024, &ov, NULL, NULL, &r[0], &e) ||
        sim_eval_on(d, &w, 1024, &ov, sim_engine_find("cycle"), &(sim_engine_opts){ 0 }, &r[1], &e))
      fail_msg("width %lld: %s", (long long)widths[i], e.msg);
    uint64_t passes = (uint64_t)((16 + widths[i] - 1) / widths[i]);
    for (int k = 0; k < 2; k++) {
      assert_string_equal(r[k].array_name[1], "1d");
      if (i == 0) base[k] = r[k].array_busy[1];
      if (r[k].array_busy[1] != passes * base[k])
        fail_msg("%s engine, width %lld: 1d busy %llu, want %llu x %llu", k ? "cycle" : "analytical",
                 (long long)widths[i], (unsigned long long)r[k].array_busy[1], (unsigned long long)passes,
                 (unsigned long long)base[k]);
    }
    double gap = (double)r[1].cycles / (double)r[0].cycles - 1;
    if (gap < 0 || gap > 0.015) fail_msg("width %lld: cycle engine %+.3f%% of analytical", (long long)widths[i], 100 * gap);
  }
  sim_design_free(d);
}

/* Two bindings the mapper finds (tests/sim/cycle/): a reduction split over
** the innermost shared loop (every Einsum but BQK fires at its last
** iteration and carries state to the next such firing: it deadlocked), and
** 2D tiles stored in the buffer, whose results shift out down the columns
** (the analytical engine charged one cycle where the array is held `rows`).
** Fast-forward equals --full, the counts equal the analytical engine's,
** and the cycles agree within 2% (the shift-out fixture with 16 rows and
** E = 8: a BQK firing is 8 cycles of work held 16; without the chain the
** analytical engine was 2x short). */
static void fixtures(void **state) {
  (void)state;
  static const char *const f[] = { ATTNSIM_SOURCE_DIR "/tests/sim/cycle/split-reduction.yaml",
                                   ATTNSIM_SOURCE_DIR "/tests/sim/cycle/shift-out.yaml" };
  static const int64_t shapes[][3] = { { 4, 4, 4 }, { 16, 4, 4 }, { 8, 8, 8 } };
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 3; k++)
      for (int64_t seq = 256; seq <= 512; seq *= 2) {
        int before = seen;
        point(f[i], seq, shapes[k][0], shapes[k][1], shapes[k][2]);
        if ((before % stride) == 0 && (last_gap < 0 || last_gap > 0.02))
          fail_msg("%s %lld on %lldx%lld/%lld: cycle engine %+.2f%% of analytical", f[i], (long long)seq,
                   (long long)shapes[k][0], (long long)shapes[k][1], (long long)shapes[k][2], 100 * last_gap);
      }
}

int main(void) {
  const char *st = getenv("ATTNSIM_TEST_STRIDE");
  if (st && atoi(st) > 0) stride = atoi(st);
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(shipped_designs),
    cmocka_unit_test(window_monotone),
    cmocka_unit_test(buffer_ports),
    cmocka_unit_test(fifo_depth),
    cmocka_unit_test(causal_skips),
    cmocka_unit_test(window_skips),
    cmocka_unit_test(fold_1d),
    cmocka_unit_test(fixtures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
