/*
** test_workload.c: do the shipped workloads (experiments/workloads) carry
** the paper's sizes (fusemax.md section 6) and the LLMs' published ones
** (the sources are cited in each file), does lookup by name work in any
** case, and are sequence lengths parsed as documented?
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload.h"

typedef struct wl_want {
  const char *ask, *name;
  int64_t H, E, D, FFN;
} wl_want;

static void test_shipped_workloads(void **state) {
  (void)state;
  static const wl_want ws[] = {
    {"bert", "BERT", 12, 64, 768, 3072},
    {"TrXL", "TrXL", 16, 64, 1024, 4096},
    {"T5", "T5", 8, 64, 512, 2048},
    {"xlm", "XLM", 16, 128, 2048, 8192},
    {"BERT", "BERT", 12, 64, 768, 3072},
  };
  for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
    wl_workload w;
    at_err e;
    if (wl_find(ws[i].ask, NULL, &w, &e)) fail_msg("%s", e.msg);
    assert_string_equal(w.name, ws[i].name);
    assert_int_equal(w.H, ws[i].H);
    assert_int_equal(w.E, ws[i].E);
    assert_int_equal(w.F, ws[i].E);
    assert_int_equal(w.D, ws[i].D);
    assert_int_equal(w.FFN, ws[i].FFN);
    assert_int_equal(w.B, 64);
    assert_int_equal(w.D, w.H * w.E);
    /* none of the LLM fields: MHA, full attention, prefill */
    assert_int_equal(w.KVH, w.H);
    assert_int_equal(w.G, 1);
    assert_int_equal(w.W, 0);
    assert_int_equal(w.C, 0);
    assert_int_equal(w.R, 0);
    assert_int_equal(w.phase, WL_PREFILL);
    assert_int_equal(w.NEW, 0);
    assert_int_equal(wl_queries(&w, 4096), 4096);
  }
  wl_workload w;
  at_err e;
  assert_int_equal(wl_load(ATTNSIM_SOURCE_DIR "/experiments/workloads/t5.yaml", &w, &e), 0);
  assert_string_equal(w.description, "T5-small (encoder)");
}

typedef struct llm_want {
  const char *ask, *name;
  int64_t H, KVH, G, E, F, D, FFN, W, C, R;
  wl_phase phase;
  int64_t NEW;
} llm_want;

/* Each row is the configuration the file's comment cites. */
static void test_llm_workloads(void **state) {
  (void)state;
  static const llm_want ws[] = {
    {"llama31-8b", "Llama-3.1-8B", 32, 8, 4, 128, 128, 4096, 14336, 0, 0, 0, WL_PREFILL, 0},
    {"llama31-8b-decode", "Llama-3.1-8B-decode", 32, 8, 4, 128, 128, 4096, 14336, 0, 0, 0, WL_DECODE, 1},
    {"llama31-70b", "Llama-3.1-70B", 64, 8, 8, 128, 128, 8192, 28672, 0, 0, 0, WL_PREFILL, 0},
    {"llama31-70b-decode", "Llama-3.1-70B-decode", 64, 8, 8, 128, 128, 8192, 28672, 0, 0, 0, WL_DECODE, 1},
    {"mistral-7b", "Mistral-7B", 32, 8, 4, 128, 128, 4096, 14336, 4096, 0, 0, WL_PREFILL, 0},
    {"deepseek-v3", "DeepSeek-V3", 128, 128, 1, 192, 128, 7168, 18432, 0, 512, 64, WL_PREFILL, 0},
    {"deepseek-v3-decode", "DeepSeek-V3-decode", 128, 128, 1, 192, 128, 7168, 18432, 0, 512, 64, WL_DECODE, 1},
    {"falcon-7b", "Falcon-7B", 71, 1, 71, 64, 64, 4544, 18176, 0, 0, 0, WL_PREFILL, 0},
  };
  for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
    const llm_want *x = &ws[i];
    wl_workload w;
    at_err e;
    if (wl_find(x->ask, NULL, &w, &e)) fail_msg("%s", e.msg);
    assert_string_equal(w.name, x->name);
    static const char *const field[] = { "H", "KVH", "G", "E", "F", "D", "FFN", "W", "C", "R", "phase", "NEW" };
    const int64_t got[] = { w.H, w.KVH, w.G, w.E, w.F, w.D, w.FFN, w.W, w.C, w.R, w.phase, w.NEW };
    const int64_t want[] = { x->H, x->KVH, x->G, x->E, x->F, x->D, x->FFN, x->W, x->C, x->R, x->phase, x->NEW };
    for (size_t k = 0; k < sizeof got / sizeof got[0]; k++)
      if (got[k] != want[k])
        fail_msg("%s: %s is %lld, expected %lld", x->ask, field[k], (long long)got[k], (long long)want[k]);
    assert_int_equal(w.B, 1);
    /* decode: P is NEW whatever the context; prefill: P = M */
    assert_int_equal(wl_queries(&w, 32768), x->phase == WL_DECODE ? x->NEW : 32768);
  }
}

/* G alone gives KVH = H / G; G and KVH together must agree. */
static void test_g_alone(void **state) {
  (void)state;
  char path[] = "/tmp/attnsim-wl-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs("name: X\nH: 32\nE: 64\nF: 64\nD: 2048\nFFN: 8192\nB: 2\nG: 8\nphase: decode\nNEW: 3\n", f);
  fclose(f);
  wl_workload w;
  at_err e;
  int rc = wl_load(path, &w, &e);
  unlink(path);
  if (rc) fail_msg("%s", e.msg);
  assert_int_equal(w.KVH, 4);
  assert_int_equal(w.G, 8);
  assert_int_equal(w.NEW, 3);
  assert_int_equal(wl_queries(&w, 1000), 3);
}

static void test_find_errors(void **state) {
  (void)state;
  wl_workload w;
  at_err e;
  assert_int_equal(wl_find("gpt", NULL, &w, &e), -1);
  assert_string_equal(e.msg, "unknown model \"gpt\" (known: bert, deepseek-v3, deepseek-v3-decode, deepseek-v3-mtp, "
                      "falcon-7b, llama31-70b, llama31-70b-decode, llama31-70b-spec, llama31-8b, llama31-8b-decode, "
                      "mistral-7b, t5, trxl, xlm)");
  assert_int_equal(wl_find("../hw/fusemax", NULL, &w, &e), -1);
  assert_string_equal(e.msg, "bad model name \"../hw/fusemax\": use letters, digits, - and _");
  assert_int_equal(wl_find("", NULL, &w, &e), -1);
  assert_string_equal(e.msg, "bad model name \"\"");
  assert_int_equal(wl_find("bert", "bad/no-such-dir", &w, &e), -1);
  assert_string_equal(e.msg, "unknown model \"bert\": bad/no-such-dir/bert.yaml: No such file or directory");
}

static void test_parse_seq(void **state) {
  (void)state;
  static const struct { const char *s; int64_t v; } ok[] = {
    {"1024", 1024}, {"1K", 1024}, {"4K", 4096}, {"64K", 65536},
    {"256K", 262144}, {"1M", 1048576}, {"512", 512},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int64_t v;
    at_err e;
    if (wl_parse_seq(ok[i].s, &v, &e)) fail_msg("%s", e.msg);
    assert_int_equal(v, ok[i].v);
  }
  static const char *const bad[] = {"", "0", "-1", "1KB", "one", "1.5K", "K"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v;
    at_err e;
    char want[200];
    assert_int_equal(wl_parse_seq(bad[i], &v, &e), -1);
    snprintf(want, sizeof want, "bad sequence length \"%s\": expected a positive "
             "integer such as 1024, 1K, 64K or 1M", bad[i]);
    assert_string_equal(e.msg, want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shipped_workloads),
    cmocka_unit_test(test_llm_workloads),
    cmocka_unit_test(test_g_alone),
    cmocka_unit_test(test_find_errors),
    cmocka_unit_test(test_parse_seq),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
