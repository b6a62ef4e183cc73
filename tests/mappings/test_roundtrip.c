/*
** test_roundtrip.c: does a mapping written back read back identically?
** Every shipped mapping is read, written, read again: the two in-memory
** mappings must be the same (map_same), writing the second must give the
** same bytes as writing the first, and both must bind to identical
** schedules at BERT and XLM, 1K, 64K and 1M tokens.  A spatial list
** (`cols: [h, p0]`) reads the same in flow and block style, writes back as
** a list, and binds its parts in order; a one-part list binds as the name.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mapping.h"

static const char *const designs[] = { "fusemax", "arch", "cascade", "flat", "unfused", "linear-fusemax",
                                       "linear-flat", "gemm-os", "gemm-os-scalesim",
                                       "cascade-artifact", "gqa-fusemax",
                                       "gqa-decode-fusemax", "mla-decode-fusemax",
                                       "causal-fusemax", "window-fusemax", "blocksparse-fusemax",
                                       "streaming-fusemax", "strided-fusemax", "decode-fusemax",
                                       "causal-flat", "window-flat", "blocksparse-flat",
                                       "streaming-flat", "strided-flat", "decode-flat",
                                       "gqa-flat", "gqa-decode-flat", "mla-decode-flat",
                                       "linear-causal-fusemax", "linear-causal-flat",
                                       "mla-mtp-fusemax", "gqa-spec-fusemax", "mla-mtp-flat", "gqa-spec-flat", NULL };

static char *slurp(const char *path) {
  char *buf;
  size_t len;
  at_err e;
  if (at_read_file(path, &buf, &len, &e)) fail_msg("%s", e.msg);
  return buf;
}

/* Writes m to out and checks the text holds `want`. */
static void written_has(const map_spec *m, const char *out, const char *want) {
  at_err e;
  if (map_write(m, out, &e)) fail_msg("%s", e.msg);
  char *t = slurp(out);
  if (!strstr(t, want)) fail_msg("%s: no '%s' in:\n%s", out, want, t);
  free(t);
}

static void remove_dir(const char *dir) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* Schedules equal field by field (the cascade pointers aside). */
static void same_schedule(const sc_schedule *a, const sc_schedule *b, const char *what) {
  assert_int_equal(a->nphases, b->nphases);
  if (strcmp(a->tiling, b->tiling)) fail_msg("%s: tiling '%s' vs '%s'", what, a->tiling, b->tiling);
  for (int i = 0; i < a->nphases; i++) {
    sc_phase x = a->phase[i], y = b->phase[i];
    x.c = y.c = NULL;
    if (memcmp(&x, &y, sizeof x)) fail_msg("%s: phase %d binds differently", what, i);
  }
}

static void roundtrip(void **state) {
  (void)state;
  char dir[] = "/tmp/attnsim-rt-XXXXXX";
  if (!mkdtemp(dir)) fail_msg("mkdtemp");
  wl_workload w[2];
  at_err e;
  if (wl_find("bert", NULL, &w[0], &e) || wl_find("xlm", NULL, &w[1], &e)) fail_msg("%s", e.msg);
  static sc_schedule s1, s2;
  for (int d = 0; designs[d]; d++) {
    char src[512], out1[300], out2[300];
    snprintf(src, sizeof src, "%s/mappings/%s.yaml", ATTNSIM_SOURCE_DIR, designs[d]);
    snprintf(out1, sizeof out1, "%s/%s.yaml", dir, designs[d]);
    snprintf(out2, sizeof out2, "%s/%s-again.yaml", dir, designs[d]);
    map_spec *a, *b;
    if (map_load(src, &a, &e) || map_write(a, out1, &e) || map_load(out1, &b, &e)) fail_msg("%s: %s", designs[d], e.msg);
    if (!map_same(a, b)) fail_msg("%s: read back differently from %s", designs[d], out1);
    if (map_write(b, out2, &e)) fail_msg("%s", e.msg);
    char *t1 = slurp(out1), *t2 = slurp(out2);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    hw_arch *arch;
    if (hw_load(map_arch_path(a), &arch, &e)) fail_msg("%s", e.msg);
    static const int64_t seqs[] = { 1024, 65536, 1048576 };
    for (int m = 0; m < 2; m++)
      for (int k = 0; k < 3; k++) {
        char what[1024];
        snprintf(what, sizeof what, "%s %s %lld", designs[d], w[m].name, (long long)seqs[k]);
        int ra = map_bind(a, arch, &w[m], seqs[k], &s1, &e);
        int rb = map_bind(b, arch, &w[m], seqs[k], &s2, &e);
        assert_int_equal(ra, rb);
        if (ra == 0) same_schedule(&s1, &s2, what);
      }
    hw_free(arch);
    map_free(a);
    map_free(b);
  }
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* A written mapping is a file every reader accepts: spot-check its text. */
static void written_text(void **state) {
  (void)state;
  char dir[] = "/tmp/attnsim-rt-XXXXXX";
  if (!mkdtemp(dir)) fail_msg("mkdtemp");
  char out[300];
  snprintf(out, sizeof out, "%s/flat.yaml", dir);
  map_spec *a;
  at_err e;
  if (map_load(ATTNSIM_SOURCE_DIR "/mappings/flat.yaml", &a, &e) || map_write(a, out, &e)) fail_msg("%s", e.msg);
  char *t = slurp(out);
  assert_non_null(strstr(t, "pb: {select: fusion_granularity, head: 1, row: SEQ / config.P1}"));
  assert_non_null(strstr(t, "SN: {select: QK_loc, onchip: {home: buffer, spill: config.proportion_spilled, alias: QK, forward: [SD]}"));
  free(t);
  map_free(a);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

/* pipeline.prefetch is written back and bound (tests/sim/cycle/kv-refetch.yaml
** declares none: the default 1; a copy of it with prefetch: 3). */
static void prefetch_field(void **state) {
  (void)state;
  char dir[] = "/tmp/attnsim-rt-XXXXXX";
  if (!mkdtemp(dir)) fail_msg("mkdtemp");
  char out[300], again[300];
  snprintf(out, sizeof out, "%s/pf.yaml", dir);
  snprintf(again, sizeof again, "%s/pf-again.yaml", dir);
  map_spec *a, *b;
  at_err e;
  wl_workload w;
  hw_arch *arch;
  static sc_schedule s;
  if (map_load(ATTNSIM_SOURCE_DIR "/tests/sim/cycle/kv-refetch.yaml", &a, &e) || wl_find("bert", NULL, &w, &e) ||
      hw_load(map_arch_path(a), &arch, &e) || map_bind(a, arch, &w, 1024, &s, &e))
    fail_msg("%s", e.msg);
  assert_int_equal(s.phase[0].prefetch, 1);
  written_has(a, out, "window: 2}");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "sed 's/window: 2}/window: 2, prefetch: 3}/' '%s' > '%s'", out, again);
  assert_int_equal(system(cmd), 0);
  if (map_load(again, &b, &e) || map_bind(b, arch, &w, 1024, &s, &e)) fail_msg("%s", e.msg);
  assert_int_equal(s.phase[0].prefetch, 3);
  assert_false(map_same(a, b));
  written_has(b, out, "window: 2, prefetch: 3}");
  hw_free(arch);
  map_free(a);
  map_free(b);
  remove_dir(dir);
}

/* The part of phase 0 named `name` in schedule s, or -1. */
static int part_named(const sc_schedule *s, const char *name) {
  for (int p = 0; p < s->phase[0].nparts; p++)
    if (!strcmp(s->phase[0].part[p].name, name)) return p;
  return -1;
}

static int tensor_named(const sc_schedule *s, const char *name) {
  for (int t = 0; t < s->phase[0].c->ntensors; t++)
    if (!strcmp(s->phase[0].c->tensors[t].name, name)) return t;
  return -1;
}

/* Loads path and binds it at workload `model`, 32K tokens. */
static map_spec *load_bind(const char *path, const char *model, hw_arch **arch, sc_schedule *s) {
  map_spec *m;
  wl_workload w;
  at_err e;
  if (map_load(path, &m, &e) || wl_find(model, NULL, &w, &e) || (!*arch && hw_load(map_arch_path(m), arch, &e)) ||
      map_bind(m, *arch, &w, 32768, s, &e))
    fail_msg("%s: %s", path, e.msg);
  return m;
}

static void spatial_lists(void **state) {
  (void)state;
  char dir[] = "/tmp/attnsim-rt-XXXXXX";
  if (!mkdtemp(dir)) fail_msg("mkdtemp");
  char a_out[64], b_in[64], b_out[64], cmd[1024];
  snprintf(a_out, sizeof a_out, "%s/a.yaml", dir);
  snprintf(b_in, sizeof b_in, "%s/b-in.yaml", dir);
  snprintf(b_out, sizeof b_out, "%s/b.yaml", dir);
  static sc_schedule sa, sb;
  hw_arch *arch = NULL;
  at_err e;
  map_spec *a = load_bind(ATTNSIM_SOURCE_DIR "/mappings/mla-mtp-fusemax.yaml", "deepseek-v3-mtp", &arch, &sa);
  written_has(a, a_out, "      1d: {cols: [h, p0]}\n");
  char *ta = slurp(a_out);
  assert_non_null(strstr(ta, "      2d: {rows: m0, cols: [h, p0]}\n"));
  /* the same binding in block style */
  snprintf(cmd, sizeof cmd,
           "sed 's/^      2d: {rows: m0, cols: \\[h, p0\\]}$/      2d:\\n        rows: m0\\n        cols:\\n          - h\\n          - p0/' "
           "'%s' > '%s' && grep -q '^          - p0$' '%s'", a_out, b_in, b_in);
  assert_int_equal(system(cmd), 0);
  map_spec *b = load_bind(b_in, "deepseek-v3-mtp", &arch, &sb);
  assert_true(map_same(a, b));
  same_schedule(&sa, &sb, "mla-mtp-fusemax, block list");
  if (map_write(b, b_out, &e)) fail_msg("%s", e.msg);
  char *tb = slurp(b_out);
  assert_string_equal(ta, tb);
  free(tb);
  /* BQC: heads then tokens on the columns, 128 x 2 = 256 PEs; the latent
  ** cache CKV[c,m] has one value per row, multicast over all 256 columns;
  ** QC[c,h,p] one per column */
  const sc_phase *ph = &sa.phase[0];
  const sc_einsum *se = NULL;
  for (int x = 0; x < ph->ne; x++)
    if (!strcmp(ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name, "BQC")) se = &ph->e[x];
  assert_non_null(se);
  assert_int_equal(se->nsp[0], 1);
  assert_int_equal(se->nsp[1], 2);
  assert_int_equal(se->spatial[1][0], part_named(&sa, "h"));
  assert_int_equal(se->spatial[1][1], part_named(&sa, "p0"));
  assert_int_equal(sc_spatial_extent(ph, se, 1, -1), 256);
  assert_int_equal(sc_spatial_extent(ph, se, 0, -1), 256);
  assert_int_equal(sc_spatial_extent(ph, se, 1, tensor_named(&sa, "CKV")), 1);
  assert_int_equal(sc_spatial_extent(ph, se, 0, tensor_named(&sa, "CKV")), 256);
  assert_int_equal(sc_spatial_extent(ph, se, 1, tensor_named(&sa, "QC")), 256);
  assert_int_equal(sc_spatial_extent(ph, se, 0, tensor_named(&sa, "QC")), 1);
  map_free(a);
  map_free(b);
  free(ta);
  /* a one-part list binds as the name, and writes back as a list */
  a = load_bind(ATTNSIM_SOURCE_DIR "/mappings/mla-decode-fusemax.yaml", "deepseek-v3-decode", &arch, &sa);
  if (map_write(a, a_out, &e)) fail_msg("%s", e.msg);
  snprintf(cmd, sizeof cmd, "sed 's/cols: h}$/cols: [h]}/' '%s' > '%s' && grep -c 'cols: \\[h\\]}$' '%s' | grep -qx 2", a_out,
           b_in, b_in);
  assert_int_equal(system(cmd), 0);
  b = load_bind(b_in, "deepseek-v3-decode", &arch, &sb);
  assert_false(map_same(a, b));
  same_schedule(&sa, &sb, "mla-decode-fusemax, cols: [h]");
  written_has(b, b_out, "      2d: {rows: m0, cols: [h]}\n");
  map_free(a);
  map_free(b);
  hw_free(arch);
  remove_dir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(roundtrip),
    cmocka_unit_test(written_text),
    cmocka_unit_test(prefetch_field),
    cmocka_unit_test(spatial_lists),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
