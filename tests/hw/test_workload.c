/*
** test_workload.c: do the shipped workloads (experiments/workloads) carry
** the paper's sizes (fusemax.md section 6), does lookup by name work in any
** case, and are sequence lengths parsed as documented?
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

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
  }
  wl_workload w;
  at_err e;
  assert_int_equal(wl_load(ATTNSIM_SOURCE_DIR "/experiments/workloads/t5.yaml", &w, &e), 0);
  assert_string_equal(w.description, "T5-small (encoder)");
}

static void test_find_errors(void **state) {
  (void)state;
  wl_workload w;
  at_err e;
  assert_int_equal(wl_find("gpt", NULL, &w, &e), -1);
  assert_string_equal(e.msg, "unknown model \"gpt\" (known: bert, t5, trxl, xlm)");
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
    cmocka_unit_test(test_find_errors),
    cmocka_unit_test(test_parse_seq),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
