/*
** test_flatcfg.c: is mappings/data/flat-configs.csv read with every column
** typed, and does lookup by (platform, model, seq_len) return the row the
** CSV holds?  Spot values below are copied from the CSV by hand.  And is
** a repeated point found at its line in a table of 20,000 rows (the check
** sorts; it used to compare every row with all before it)?
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flatcfg.h"

static fc_table *table(void) {
  fc_table *t;
  at_err e;
  if (fc_load_default(&t, &e)) fail_msg("%s", e.msg);
  return t;
}

static void test_shipped_table(void **state) {
  (void)state;
  fc_table *t = table();
  assert_int_equal(fc_count(t), 96);      /* 2 platforms x 4 models x 12 lengths */
  for (size_t i = 0; i < fc_count(t); i++) {
    const fc_config *r = fc_row(t, i);
    assert_int_equal(r->line, (int)i + 2);
    assert_int_equal(r->M, r->seq_len);
    assert_int_equal(r->P, r->seq_len);
    assert_int_equal(r->B, 64);
    assert_true(fabs(r->proportion_buffered + r->proportion_spilled - 1) < 1e-6);
  }
  assert_null(fc_row(t, 96));
  fc_free(t);
}

static void test_lookup(void **state) {
  (void)state;
  fc_table *t = table();
  const fc_config *r;
  at_err e;
  /* cloud,BERT,4K,64,768,64,64,12,4096,4096,3072,offchip,offchip,onchip,onchip,
  **   offchip,offchip,output,output,head,256,0.9922480620155039,0.007751937984496138 */
  assert_int_equal(fc_lookup(t, FC_CLOUD, "bert", 4096, &r, &e), 0);
  assert_int_equal(r->platform, FC_CLOUD);
  assert_string_equal(r->model, "BERT");
  assert_int_equal(r->seq_len, 4096);
  assert_int_equal(r->D, 768);
  assert_int_equal(r->E, 64);
  assert_int_equal(r->F, 64);
  assert_int_equal(r->H, 12);
  assert_int_equal(r->S, 3072);
  assert_false(r->Q_onchip);
  assert_false(r->K_onchip);
  assert_true(r->QK_onchip);
  assert_true(r->A_onchip);
  assert_false(r->V_onchip);
  assert_false(r->AV_onchip);
  assert_int_equal(r->QK_stationarity, FC_OUTPUT_STATIONARY);
  assert_int_equal(r->AV_stationarity, FC_OUTPUT_STATIONARY);
  assert_int_equal(r->fusion, FC_FUSE_HEAD);
  assert_int_equal(r->P1, 256);
  assert_true(r->proportion_buffered == 0.9922480620155039);
  assert_true(r->proportion_spilled == 0.007751937984496138);
  assert_int_equal(r->line, 5);

  /* cloud,XLM,1M,...,onchip,offchip,offchip,offchip,offchip,onchip,weight,weight,row,1024,1,0 */
  assert_int_equal(fc_lookup(t, FC_CLOUD, "XLM", 1 << 20, &r, &e), 0);
  assert_int_equal(r->E, 128);
  assert_true(r->Q_onchip);
  assert_false(r->QK_onchip);
  assert_true(r->AV_onchip);
  assert_int_equal(r->QK_stationarity, FC_WEIGHT_STATIONARY);
  assert_int_equal(r->fusion, FC_FUSE_ROW);
  assert_int_equal(r->P1, 1024);
  assert_true(r->proportion_buffered == 1.0);

  /* edge,T5,2K,...,onchip,offchip,onchip,onchip,offchip,offchip,weight,weight,row,128,
  **   0.9014084507042254,0.09859154929577463 */
  assert_int_equal(fc_lookup(t, FC_EDGE, "t5", 2048, &r, &e), 0);
  assert_int_equal(r->platform, FC_EDGE);
  assert_int_equal(r->H, 8);
  assert_int_equal(r->P1, 128);
  assert_true(r->proportion_spilled == 0.09859154929577463);

  assert_int_equal(fc_lookup(t, FC_EDGE, "BERT", 3000, &r, &e), -1);
  assert_null(r);
  assert_string_equal(e.msg, "no FLAT configuration for platform edge, model BERT, seq_len 3000");
  assert_int_equal(fc_lookup(t, FC_CLOUD, "gpt", 1024, &r, &e), -1);
  fc_free(t);
  fc_free(NULL);
}

static void test_platform_names(void **state) {
  (void)state;
  fc_platform p;
  assert_int_equal(fc_platform_parse("cloud", &p), 0);
  assert_int_equal(p, FC_CLOUD);
  assert_int_equal(fc_platform_parse("edge", &p), 0);
  assert_int_equal(p, FC_EDGE);
  assert_int_equal(fc_platform_parse("Edge", &p), -1);
  assert_string_equal(fc_platform_name(FC_CLOUD), "cloud");
  assert_string_equal(fc_platform_name(FC_EDGE), "edge");
}

/* n rows of distinct points (seq_len 1..n), then `extra` as the last line. */
static void big_csv(const char *path, int n, const char *extra) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("platform,model,seq_len,B,D,E,F,H,M,P,S,Q_loc,K_loc,QK_loc,A_loc,V_loc,AV_loc,"
        "QK_stationarity,AV_stationarity,fusion_granularity,P1,proportion_buffered,"
        "proportion_spilled\r\n", f);
  for (int i = 1; i <= n; i++)
    fprintf(f, "%s,BERT,%d,64,768,64,64,12,%d,%d,3072,offchip,offchip,onchip,onchip,offchip,"
            "offchip,output,output,head,256,0.25,0.75\r\n", i % 2 ? "cloud" : "edge", i, i, i);
  fputs(extra, f);
  fclose(f);
}

static void test_many_rows(void **state) {
  (void)state;
  enum { N = 20000 };
  char path[] = "/tmp/attnsim-fc-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  fc_table *t;
  at_err e;
  big_csv(path, N, "");
  if (fc_load(path, &t, &e)) fail_msg("%s", e.msg);
  assert_int_equal(fc_count(t), N);
  const fc_config *r;
  assert_int_equal(fc_lookup(t, FC_EDGE, "bert", 12346, &r, &e), 0);
  assert_int_equal(r->line, 12347);
  fc_free(t);
  /* the same point again (model case-blind), then a bad row after it */
  big_csv(path, N, "edge,Bert,4000,64,768,64,64,12,1,1,3072,offchip,offchip,onchip,onchip,"
                   "offchip,offchip,output,output,head,256,1,0\r\nedge,X,1,0\r\n");
  assert_int_equal(fc_load(path, &t, &e), -1);
  char want[256];
  snprintf(want, sizeof want, "%s:20002:1: duplicate point (edge, Bert, 4000): first at line 4001", path);
  assert_string_equal(e.msg, want);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shipped_table),
    cmocka_unit_test(test_lookup),
    cmocka_unit_test(test_platform_names),
    cmocka_unit_test(test_many_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
