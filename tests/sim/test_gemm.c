/*
** test_gemm.c: is the cycle engine's timing right on a bare output-
** stationary array?  Under mappings/gemm-os-scalesim.yaml (SCALE-Sim v2's
** assumptions) cycles must equal SCALE-Sim's folds * (K + R + C - 2) - 1,
** folds = ceil(M/R) * ceil(N/C), on a grid of shapes and sizes including a
** single fold, partial folds and K = 1; the formula is derived here, not
** read from the engine.  Under mappings/gemm-os.yaml a single fold costs
** exactly one cycle more per extra K step.  Both modes (--full and
** fast-forward) must agree.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim.h"

static uint64_t run(const char *mapping, int64_t R, int64_t C, int64_t M, int64_t N, int64_t K, int full) {
  sim_design *d;
  at_err e;
  char path[512];
  snprintf(path, sizeof path, "%s/mappings/%s.yaml", ATTNSIM_SOURCE_DIR, mapping);
  if (sim_design_load(path, NULL, &d, &e)) fail_msg("%s", e.msg);
  wl_workload w;
  memset(&w, 0, sizeof w);
  snprintf(w.name, sizeof w.name, "none");
  const char *names[] = { "M", "N", "K" };
  int64_t vals[] = { M, N, K };
  for (int i = 0; i < 3; i++) {
    snprintf(w.set[i].name, sizeof w.set[i].name, "%s", names[i]);
    w.set[i].value = vals[i];
  }
  w.nset = 3;
  sim_overrides ov = { R, C, 0, 0, 0, 0 };
  sim_engine_opts o = { .full = full };
  sim_result r;
  if (sim_eval_on(d, &w, 0, &ov, sim_engine_find("cycle"), &o, &r, &e))
    fail_msg("%s R=%lld C=%lld M=%lld N=%lld K=%lld: %s", mapping, (long long)R, (long long)C, (long long)M,
             (long long)N, (long long)K, e.msg);
  sim_design_free(d);
  assert_int_equal(r.act.array[0].ops[HW_OP_MAC], (uint64_t)(M * N * K));
  return r.cycles;
}

static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static void scalesim_formula(void **state) {
  (void)state;
  static const int64_t RC[][2] = { { 4, 4 }, { 8, 4 }, { 4, 8 }, { 16, 16 }, { 2, 8 }, { 8, 2 } };
  static const int64_t MNK[][3] = {
    { 4, 4, 1 }, { 4, 4, 7 }, { 16, 16, 3 }, { 32, 8, 1 }, { 8, 32, 5 }, { 64, 64, 16 },
    { 5, 4, 3 }, { 4, 5, 3 }, { 7, 9, 1 }, { 33, 17, 2 }, { 1, 1, 1 }, { 3, 2, 9 } };
  int n = 0;
  for (size_t i = 0; i < sizeof RC / sizeof *RC; i++)
    for (size_t j = 0; j < sizeof MNK / sizeof *MNK; j++) {
      int64_t R = RC[i][0], C = RC[i][1], M = MNK[j][0], N = MNK[j][1], K = MNK[j][2];
      uint64_t want = (uint64_t)(cdiv(M, R) * cdiv(N, C) * (K + R + C - 2) - 1);
      uint64_t got = run("gemm-os-scalesim", R, C, M, N, K, 0);
      if (got != want)
        fail_msg("R=%lld C=%lld M=%lld N=%lld K=%lld: %llu cycles, SCALE-Sim %llu", (long long)R, (long long)C,
                 (long long)M, (long long)N, (long long)K, (unsigned long long)got, (unsigned long long)want);
      if ((i + j) % 5 == 0) assert_int_equal(run("gemm-os-scalesim", R, C, M, N, K, 1), got);
      n++;
    }
  assert_true(n >= 50);
}

/* One fold (M = R, N = C): fill, K accumulation steps, drain; one cycle
** more per extra K step, in both modes. */
static void gemm_os_one_fold(void **state) {
  (void)state;
  for (int64_t R = 4; R <= 8; R += 4) {
    uint64_t prev = run("gemm-os", R, 4, R, 4, 1, 0);
    for (int64_t K = 2; K <= 12; K++) {
      uint64_t c = run("gemm-os", R, 4, R, 4, K, 0);
      assert_int_equal(c, prev + 1);
      assert_int_equal(run("gemm-os", R, 4, R, 4, K, 1), c);
      prev = c;
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(scalesim_formula),
    cmocka_unit_test(gemm_os_one_fold),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
