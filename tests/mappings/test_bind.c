/*
** test_bind.c: is a mapping's arithmetic exact?  One-phase GEMM mappings
** (every tensor streamed, so nothing competes for the buffer) bound with
** map_bind: size expressions must come out exact far beyond 2^53, be
** refused when they overflow 64 bits or leave a fraction, and `fit` must
** find the largest divisor even of a large prime quotient, quickly.  The
** LLM workloads' names (KVH, G, W, C, R, CTX, NEW) reach the expressions
** with their published values, prefill and decode alike.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "mapping.h"

static char dir[64];
static hw_arch *arch;
static map_spec *cur;         /* the last mapping bound: its schedule points into it */
static wl_workload bert;

static int setup(void **state) {
  (void)state;
  at_err e;
  snprintf(dir, sizeof dir, "/tmp/attnsim-bind-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  if (hw_load(ATTNSIM_SOURCE_DIR "/hw/fusemax.yaml", &arch, &e) || wl_find("bert", NULL, &bert, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  map_free(cur);
  hw_free(arch);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* Reads and binds a GEMM mapping with the given sizes and m tiling at seq
** 1K; returns -1 if reading or binding fails, the schedule in *s and any message in e. */
static int bind_on(const wl_workload *w, int64_t seq, const char *sizes, const char *mtiling, sc_schedule *s,
                   at_err *e) {
  char path[128], text[2048];
  snprintf(path, sizeof path, "%s/m.yaml", dir);
  snprintf(text, sizeof text,
           "design: t\narch: %s/hw/fusemax.yaml\nphases:\n"
           "  - cascade: %s/einsum/cascades/gemm.einsum\n"
           "    sizes: {%s}\n"
           "    tiling:\n      m: {%s}\n"
           "    einsums: {Z: 2d}\n"
           "    storage: {A: dram, B: dram, Z: dram}\n",
           ATTNSIM_SOURCE_DIR, ATTNSIM_SOURCE_DIR, sizes, mtiling);
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("cannot write %s", path);
  fputs(text, f);
  fclose(f);
  map_free(cur);
  cur = NULL;
  /* what the file fixes is refused when it is read, what depends on the
  ** point when it is bound: either way, one located message */
  if (map_load(path, &cur, e)) return -1;
  return map_bind(cur, arch, w, seq, s, e);
}

static int bind(const char *sizes, const char *mtiling, sc_schedule *s, at_err *e) {
  return bind_on(&bert, 1024, sizes, mtiling, s, e);
}

static int64_t rank_size(const sc_schedule *s, const char *name) {
  const es_cascade *c = s->phase[0].c;
  int r = es_find_rank(c, name);
  assert_true(r >= 0);
  return c->ranks[r].size;
}

static int64_t part_size(const sc_schedule *s, const char *name) {
  const sc_phase *ph = &s->phase[0];
  for (int p = 0; p < ph->nparts; p++)
    if (!strcmp(ph->part[p].name, name)) return ph->part[p].size;
  fail_msg("no part %s", name);
  return -1;
}

/* 1000000007 * 1000000009 = 1000000016000000063 exactly; a double rounds it
** to 1000000016000000000. */
static void product_beyond_2_53_is_exact(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  if (bind("M: 1000000007 * 1000000009, K: 1, N: 1", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 1000000016000000063LL);
}

/* The largest int64 is a valid length (a double made it 2^63 and refused it). */
static void length_near_2_63_is_accepted(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  if (bind("M: 9223372036854775807, K: 1, N: 1", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), INT64_MAX);
}

/* Quotients are exact rationals: SEQ / 3 * 3 is 1024, SEQ / 3 is refused. */
static void quotients_are_rational(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  if (bind("M: SEQ / 3 * 3, K: 0.5 * 2, N: 1", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 1024);
  assert_int_equal(rank_size(&s, "K"), 1);
  assert_int_equal(bind("M: SEQ / 3, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "m.yaml:5:"));
  assert_non_null(strstr(e.msg, "size of rank M: not a whole number (1024/3 here)"));
}

/* 1024^7 = 2^70: refused, naming the quantity and the expression. */
static void overflow_names_expression(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  assert_int_equal(bind("M: SEQ*SEQ*SEQ*SEQ*SEQ*SEQ*SEQ, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "phases[0].sizes.M: size of rank M: 'SEQ*SEQ*SEQ*SEQ*SEQ*SEQ*SEQ' overflows a 64-bit integer"));
  assert_int_equal(bind("M: 99999999999999999999, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "does not fit a 64-bit integer"));
  assert_int_equal(bind("M: 1024, K: 1, N: 1", "mt: rest, m0: 1e3", &s, &e), -1);
  assert_non_null(strstr(e.msg, "unknown name '1e3'"));
}

/* fit over a prime quotient near 2^62: every tensor is streamed, so the
** whole rank fits and fit takes the quotient itself; factoring, not trial
** division to sqrt(q) (2^31 steps), keeps it fast. */
static void fit_on_large_prime(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  clock_t t0 = clock();
  if (bind("M: 4611686018427387847, K: 1, N: 1", "mt: rest, m1: fit", &s, &e)) fail_msg("%s", e.msg);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_int_equal(part_size(&s, "m1"), 4611686018427387847LL);
  assert_int_equal(part_size(&s, "mt"), 1);
  assert_true(secs < 1.0);
}

/* The tiling summary for people: a long one ends in "..." inside its buffer. */
static void tiling_summary_truncates(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  char t[512] = "ma: rest";
  for (int i = 0; i < 18; i++) snprintf(t + strlen(t), sizeof t - strlen(t), ", m%02d: 1", i);
  if (bind("M: 4096, K: 1, N: 1", t, &s, &e)) fail_msg("%s", e.msg);
  size_t n = strlen(s.tiling);
  assert_true(n < sizeof s.tiling);
  assert_string_equal(s.tiling + n - 3, "...");
  if (!strstr(s.tiling, "m00=1 m01=1")) fail_msg("tiling '%s'", s.tiling);
}

static wl_workload model(const char *name) {
  wl_workload w;
  at_err e;
  if (wl_find(name, NULL, &w, &e)) fail_msg("%s", e.msg);
  return w;
}

/* Llama-3.1-70B decode at a 32K context: M = CTX = 32768 keys, N = NEW = 1
** query per request, K = KVH * G = 8 * 8 = 64 query heads; its prefill
** makes NEW the whole sequence (P = M).  W, C, R come from the workloads
** that have them (Mistral's window, DeepSeek-V3's latent and rope ranks). */
static void llm_names_reach_expressions(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  wl_workload dec = model("llama31-70b-decode"), pre = model("llama31-70b");
  if (bind_on(&dec, 32768, "M: CTX, K: KVH * G, N: NEW", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 32768);
  assert_int_equal(rank_size(&s, "K"), 64);
  assert_int_equal(rank_size(&s, "N"), 1);
  if (bind_on(&pre, 4096, "M: CTX, K: KVH, N: NEW", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "K"), 8);
  assert_int_equal(rank_size(&s, "N"), 4096);
  wl_workload mis = model("mistral-7b"), ds = model("deepseek-v3-decode");
  if (bind_on(&mis, 8192, "M: W, K: G, N: 1", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 4096);
  assert_int_equal(rank_size(&s, "K"), 4);
  if (bind_on(&ds, 8192, "M: C * R, K: G, N: NEW", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 512 * 64);
  assert_int_equal(rank_size(&s, "K"), 1);
  assert_int_equal(rank_size(&s, "N"), 1);
  /* the paper's workloads are MHA prefill: KVH = H, G = 1, NEW = SEQ */
  if (bind("M: NEW, K: KVH / H * G, N: CTX", "mt: rest", &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(rank_size(&s, "M"), 1024);
  assert_int_equal(rank_size(&s, "K"), 1);
  assert_int_equal(rank_size(&s, "N"), 1024);
}

/* Names a point does not have are located errors naming what would give them. */
static void llm_names_not_given(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  wl_workload l8 = model("llama31-8b");
  assert_int_equal(bind_on(&l8, 1024, "M: W, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "m.yaml:5:"));
  assert_non_null(strstr(e.msg, "'W' is not given: workload Llama-3.1-8B has no W (a sliding window)"));
  assert_int_equal(bind_on(&l8, 1024, "M: 1, K: R, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "'R' is not given: workload Llama-3.1-8B has no R (MLA's rope part)"));
  assert_int_equal(bind_on(NULL, 1024, "M: KVH, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "'KVH' is not given: this mapping needs --model"));
  assert_int_equal(bind_on(&l8, 0, "M: CTX, K: 1, N: 1", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "'CTX' is not given: this mapping needs --seq"));
  wl_workload d = model("llama31-8b-decode");
  d.NEW = 8;
  assert_int_equal(bind_on(&d, 4, "M: CTX, K: 1, N: NEW", "mt: rest", &s, &e), -1);
  assert_non_null(strstr(e.msg, "NEW: 8 new tokens per request exceed the context (--seq 4)"));
}

/* A cascade's `param` is sized under sizes: like a rank: the window W of
** window-1pass.einsum from Mistral-7B's workload (4096), or a literal. */
static void param_sized_from_workload(void **state) {
  (void)state;
  static sc_schedule s;
  at_err e;
  wl_workload mis = model("mistral-7b");
  map_free(cur);
  cur = NULL;
  if (map_load(ATTNSIM_SOURCE_DIR "/tests/mappings/window.yaml", &cur, &e) || map_bind(cur, arch, &mis, 16384, &s, &e))
    fail_msg("%s", e.msg);
  const es_cascade *c = s.phase[0].c;
  int q = es_find_param(c, "W");
  assert_true(q >= 0);
  assert_int_equal(c->params[q].size, 4096);
  assert_int_equal(rank_size(&s, "M"), 16384);
  assert_int_equal(rank_size(&s, "P"), 16384);
  /* written back, the param's entry reads the same */
  char out[128];
  snprintf(out, sizeof out, "%s/w.yaml", dir);
  map_spec *again = NULL;
  if (map_write(cur, out, &e) || map_load(out, &again, &e)) fail_msg("%s", e.msg);
  assert_true(map_same(cur, again));
  map_free(again);
}

/* Keys that are neither, and a density (a fraction), are refused where written. */
static void param_keys_refused(void **state) {
  (void)state;
  char path[128], text[1024];
  static const struct { const char *cascade, *sizes, *msg; } bad[] = {
    { "window-1pass", "E: E, F: F, M: SEQ, P: SEQ, X: 4", "cascade " ATTNSIM_SOURCE_DIR "/einsum/cascades/window-1pass.einsum has no rank or param 'X'" },
    { "blocksparse-1pass", "E: E, F: F, M: SEQ, P: SEQ, DENSITY: 1", "DENSITY is a mask's density, a fraction, not a size" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(path, sizeof path, "%s/p.yaml", dir);
    snprintf(text, sizeof text,
             "design: t\narch: %s/hw/fusemax.yaml\nphases:\n"
             "  - cascade: %s/einsum/cascades/%s.einsum\n"
             "    sizes: {%s}\n"
             "    einsums: {}\n",
             ATTNSIM_SOURCE_DIR, ATTNSIM_SOURCE_DIR, bad[i].cascade, bad[i].sizes);
    FILE *f = fopen(path, "w");
    if (!f) fail_msg("cannot write %s", path);
    fputs(text, f);
    fclose(f);
    map_spec *m = NULL;
    at_err e;
    assert_int_equal(map_load(path, &m, &e), -1);
    if (!strstr(e.msg, "p.yaml:5:") || !strstr(e.msg, bad[i].msg)) fail_msg("%s", e.msg);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(product_beyond_2_53_is_exact),
    cmocka_unit_test(length_near_2_63_is_accepted),
    cmocka_unit_test(quotients_are_rational),
    cmocka_unit_test(overflow_names_expression),
    cmocka_unit_test(fit_on_large_prime),
    cmocka_unit_test(tiling_summary_truncates),
    cmocka_unit_test(llm_names_reach_expressions),
    cmocka_unit_test(llm_names_not_given),
    cmocka_unit_test(param_sized_from_workload),
    cmocka_unit_test(param_keys_refused),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
