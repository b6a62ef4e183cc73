/*
** test_paper.c: does attnsim match the published FuseMax results?  Runs
** the whole paper study and pins the headline means and the qualitative
** claims (who bounds whom, where) within 5%, energy ratios included.  With
** the reference's fixed per-row buffer energy (hw/energy-45nm-fixed.yaml)
** the energy ratios do not match (see sim/README.md); those are pinned to
** attnsim's own values as a regression guard.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "paper.h"

static paper_run *P;

static int setup(void **state) {
  (void)state;
  at_err e;
  if (paper_compute(&P, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
  return 0;
}
static int teardown(void **state) { (void)state; paper_free(P); return 0; }

#define within(x, want, tol) \
  do { double x_ = (x), w_ = (want); \
       if (fabs(x_ - w_) > (tol) * fabs(w_)) fail_msg("%s = %.4f, want %.4f within %.0f%%", #x, x_, w_, 100 * (tol)); \
  } while (0)

static void attention_speedups(void **state) {
  (void)state;
  paper_ratio f, u;
  paper_ratio_of(P, "attention", "flat", NULL, &f);
  paper_ratio_of(P, "attention", "unfused", NULL, &u);
  assert_int_equal(f.points, 24);
  within(f.speedup, 6.7, 0.05);
  within(u.speedup, 10.0, 0.05);
  paper_ratio x;
  paper_ratio_of(P, "attention", "flat", "xlm", &x);   /* larger E: about 4x */
  within(x.speedup, 4.0, 0.05);
}

static void end2end_speedups(void **state) {
  (void)state;
  paper_ratio f, u;
  paper_ratio_of(P, "end2end", "flat", NULL, &f);
  paper_ratio_of(P, "end2end", "unfused", NULL, &u);
  within(f.speedup, 5.3, 0.05);
  within(u.speedup, 7.6, 0.05);
  /* at 1M tokens: 7.5x and 10x */
  double sf = 0, su = 0;
  for (int m = 0; paper_models[m]; m++) {
    const sim_result *fm = paper_find(P, "end2end", "fusemax", paper_models[m], 1048576);
    sf += paper_find(P, "end2end", "flat", paper_models[m], 1048576)->latency_s / fm->latency_s / 4;
    su += paper_find(P, "end2end", "unfused", paper_models[m], 1048576)->latency_s / fm->latency_s / 4;
  }
  within(sf, 7.5, 0.05);
  within(su, 10.0, 0.05);
}

/* FuseMax: 2D utilisation near 1 at long sequences, 1D the limit. */
static void fusemax_utilisation(void **state) {
  (void)state;
  for (int m = 0; paper_models[m]; m++)
    for (int s = 0; paper_seqs[s]; s++) {
      const sim_result *r = paper_find(P, "attention", "fusemax", paper_models[m], paper_seqs[s]);
      assert_string_equal(r->bound, "1d");
      if (paper_seqs[s] >= 65536) assert_true(r->util_2d > 0.98);
    }
}

/* FLAT: 1D-bound up to 64K, memory-bound from 256K; 2D use about 1/8 for
** E = 64 (1/4 for XLM's E = 128) while 1D-bound. */
static void flat_bounds(void **state) {
  (void)state;
  for (int m = 0; paper_models[m]; m++)
    for (int s = 0; paper_seqs[s]; s++) {
      const sim_result *r = paper_find(P, "attention", "flat", paper_models[m], paper_seqs[s]);
      assert_string_equal(r->bound, paper_seqs[s] <= 65536 ? "1d" : "memory");
      if (paper_seqs[s] <= 65536) within(r->util_2d, strcmp(paper_models[m], "xlm") ? 0.125 : 0.25, 0.05);
    }
}

/* The mean energy ratios of FuseMax over FLAT and unfused, attention and
** end to end, each within tol of want[]; returns FuseMax/FLAT's attention
** speedup for comparisons across energy tables. */
static double energy_means(const paper_run *p, const double want[4], double tol) {
  static const char *const study[4] = {"attention", "attention", "end2end", "end2end"};
  static const char *const base[4] = {"flat", "unfused", "flat", "unfused"};
  paper_ratio r[4];
  for (int i = 0; i < 4; i++) {
    paper_ratio_of(p, study[i], base[i], NULL, &r[i]);
    if (fabs(r[i].energy - want[i]) > tol * want[i])
      fail_msg("%s energy vs %s = %.4f, want %.4f within %.0f%%", study[i], base[i],
               r[i].energy, want[i], 100 * tol);
  }
  return r[0].speedup;
}

/* Energy: published 79% / 77% (attention) and 83% / 82% (end to end),
** with the default table (the buffer priced by its SRAM capacity:
** hw/energy-45nm.yaml).  attnsim gives 79.8% / 79.4% and 84.4% / 84.3%. */
static void energy_ratios(void **state) {
  (void)state;
  energy_means(P, (const double[4]){0.79, 0.77, 0.83, 0.82}, 0.05);
  /* The mechanism, not just the means: FLAT's extra energy is buffer
  ** traffic.  At BERT 16K FLAT moves several times FuseMax's buffer bytes,
  ** while their arithmetic energies are within 10% of each other. */
  const sim_result *fm = paper_find(P, "attention", "fusemax", "bert", 16384);
  const sim_result *fl = paper_find(P, "attention", "flat", "bert", 16384);
  assert_true(fl->buffer_bytes > 4 * fm->buffer_bytes);
  within(fl->energy_by[SIM_C_COMPUTE_2D] + fl->energy_by[SIM_C_COMPUTE_1D],
         fm->energy_by[SIM_C_COMPUTE_2D] + fm->energy_by[SIM_C_COMPUTE_1D], 0.10);
  assert_true(fl->energy_by[SIM_C_BUFFER] > 5 * fm->energy_by[SIM_C_BUFFER]);
}

/* With the reference's table verbatim (485 / 451 pJ per buffer row at any
** size) buffer traffic is under 1% of FLAT's energy and the ratios are
** near 95%: the documented disagreement, pinned so drift is noticed.
** Latency does not depend on the energy table. */
static void energy_ratios_fixed_table(void **state) {
  (void)state;
  paper_run *q;
  at_err e;
  if (paper_compute(&q, ATTNSIM_SOURCE_DIR "/hw/energy-45nm-fixed.yaml", &e)) fail_msg("%s", e.msg);
  double s = energy_means(q, (const double[4]){0.969, 0.928, 0.971, 0.948}, 0.01);
  paper_ratio r;
  paper_ratio_of(P, "attention", "flat", NULL, &r);
  within(s, r.speedup, 1e-12);
  paper_free(q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(attention_speedups), cmocka_unit_test(end2end_speedups),
    cmocka_unit_test(fusemax_utilisation), cmocka_unit_test(flat_bounds),
    cmocka_unit_test(energy_ratios), cmocka_unit_test(energy_ratios_fixed_table),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
