/*
** test_ytree.c: does util/ytree stay linear on big and deep inputs?  A map
** of 200,000 keys loads with a number of key comparisons proportional to
** its size (counted through yt_doc_stats, not timed) and still reports a
** duplicate at its exact line and column; a deeply nested file's tree holds
** memory proportional to the file (paths are built on demand) and still
** gives every node its full path; a file of more nodes than YT_MAX_NODES
** is refused naming the file and the limit.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "ytree.h"

enum { NKEYS = 200000 };

/* Under ASan, a small quarantine: the million-node test would otherwise
** hold ~600 MB (freed memory is kept 256 MB deep by default).  Flags in
** ASAN_OPTIONS still apply on top; other builds never call this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "quarantine_size_mb=16"; }

/* "k0: 0\nk1: 1\n..." with n keys, plus `extra` appended. */
static char *many_keys(size_t n, const char *extra, size_t *len) {
  size_t cap = n * 24 + strlen(extra) + 1, o = 0;
  char *t = malloc(cap);
  assert_non_null(t);
  for (size_t i = 0; i < n; i++) o += (size_t)snprintf(t + o, cap - o, "k%zu: %zu\n", i, i);
  o += (size_t)snprintf(t + o, cap - o, "%s", extra);
  *len = o;
  return t;
}

static void test_many_keys_linear(void **state) {
  (void)state;
  size_t len;
  char *t = many_keys(NKEYS, "", &len);
  yt_doc *d;
  at_err e;
  double t0 = at_now_s();
  if (yt_load_string("big.yaml", t, len, &d, &e)) fail_msg("%s", e.msg);
  double dt = at_now_s() - t0;
  yt_stats st;
  yt_doc_stats(d, &st);
  /* a figure, not a check: the bound below is on comparisons */
  print_message("%d keys, %zu bytes: %.3f s, %zu key comparisons, %zu nodes, %zu tree bytes\n",
                NKEYS, len, dt, st.key_compares, st.nodes, st.bytes);
  assert_int_equal(st.nodes, 2 * NKEYS + 1);
  /* a quadratic check makes n^2 / 2 = 2e10; hashing a few per key */
  assert_true(st.key_compares < 4 * (size_t)NKEYS);
  assert_true(st.bytes < 64 * len);
  const yt_node *r = yt_root(d);
  assert_int_equal(yt_len(r), NKEYS);
  assert_string_equal(yt_key(r, NKEYS - 1), "k199999");
  const yt_node *v = yt_find(r, "k123456");
  assert_non_null(v);
  assert_string_equal(yt_scalar(v), "123456");
  assert_string_equal(yt_path(v), "k123456");
  assert_int_equal(yt_line(v), 123457);
  yt_free(d);
  free(t);
}

/* Duplicates are still found, at their place, in a map big enough to be
** hashed: against an early key, a late key and the one just before. */
static void test_many_keys_duplicates(void **state) {
  (void)state;
  static const struct { size_t n; const char *extra, *msg; } cases[] = {
    {NKEYS, "k123: x\n", "big.yaml:200001:1: k123: duplicate field (first at line 124, column 1)"},
    {20000, "k0: x\n", "big.yaml:20001:1: k0: duplicate field (first at line 1, column 1)"},
    {20000, "k19999: x\n", "big.yaml:20001:1: k19999: duplicate field (first at line 20000, column 1)"},
    {20000, "new: 1\n\"k77\": x\n", "big.yaml:20002:1: k77: duplicate field (first at line 78, column 1)"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    size_t len;
    char *t = many_keys(cases[c].n, cases[c].extra, &len);
    yt_doc *d = (yt_doc *)1;
    at_err e;
    assert_int_equal(yt_load_string("big.yaml", t, len, &d, &e), -1);
    assert_null(d);
    assert_string_equal(e.msg, cases[c].msg);
    free(t);
  }
  /* around the size where the table is built: every position */
  for (size_t n = 1; n < 40; n++)
    for (size_t k = 0; k < n; k++) {
      char extra[32];
      snprintf(extra, sizeof extra, "k%zu: again\n", k);
      size_t len;
      char *t = many_keys(n, extra, &len);
      yt_doc *d;
      at_err e;
      char want[128];
      snprintf(want, sizeof want, "m.yaml:%zu:1: k%zu: duplicate field (first at line %zu, column 1)",
               n + 1, k, k + 1);
      assert_int_equal(yt_load_string("m.yaml", t, len, &d, &e), -1);
      assert_string_equal(e.msg, want);
      free(t);
    }
}

/* A 63-level nest of 80-character keys over a list of `items` scalars: the
** path of each scalar is ~5 KB, the file ~2 bytes per scalar. */
static char *deep(size_t items, size_t *len, char *leaf_path, size_t cap) {
  size_t tcap = 63 * 90 + 2 * items + 64, o = 0, po = 0;
  char *t = malloc(tcap);
  assert_non_null(t);
  for (int lv = 0; lv < 63; lv++) {
    char key[81];
    for (int i = 0; i < 80; i++) key[i] = (char)('a' + (lv + i) % 26);
    key[80] = 0;
    o += (size_t)snprintf(t + o, tcap - o, "{%s: ", key);
    po += (size_t)snprintf(leaf_path + po, cap - po, "%s%s", lv ? "." : "", key);
  }
  t[o++] = '[';
  for (size_t i = 0; i < items; i++) { t[o++] = '7'; t[o++] = i + 1 < items ? ',' : ']'; }
  for (int lv = 0; lv < 63; lv++) t[o++] = '}';
  t[o++] = '\n';
  t[o] = 0;
  snprintf(leaf_path + po, cap - po, "[%zu]", items - 1);
  *len = o;
  return t;
}

static void test_deep_nesting_memory_linear(void **state) {
  (void)state;
  enum { ITEMS = 20000 };
  size_t len;
  char want[8192];
  char *t = deep(ITEMS, &len, want, sizeof want);
  yt_doc *d;
  at_err e;
  struct mallinfo2 m0 = mallinfo2();
  if (yt_load_string("deep.yaml", t, len, &d, &e)) fail_msg("%s", e.msg);
  struct mallinfo2 m1 = mallinfo2();
  yt_stats st;
  yt_doc_stats(d, &st);
  size_t heap = m1.uordblks > m0.uordblks ? m1.uordblks - m0.uordblks : 0;
  print_message("%zu-byte file of %zu nodes: tree %zu bytes, heap grew %zu bytes\n",
                len, st.nodes, st.bytes, heap);
  /* A node costs ~140 bytes and "7," is 2 bytes of file: ~70x here, the
  ** densest input there is.  Storing each node's path costs ~5 KB a node,
  ** 2500x the file. */
  assert_true(st.bytes < 100 * len);
  /* the allocator's count (0 under ASan, which keeps its own heap) */
  assert_true(heap < 100 * len);
  /* and the paths are the same text as ever */
  const yt_node *n = yt_root(d);
  while (yt_node_kind(n) == YT_MAP) n = yt_at(n, 0);
  const yt_node *leaf = yt_at(n, ITEMS - 1);
  assert_string_equal(yt_path(leaf), want);
  assert_string_equal(yt_path(leaf), want);   /* cached */
  at_err e2;
  int64_t v;
  assert_int_equal(yt_int(leaf, &v, &e2), 0);
  assert_int_equal(v, 7);
  bool b;
  assert_int_equal(yt_bool(leaf, &b, &e2), -1);
  char msg[9000];
  snprintf(msg, sizeof msg, "deep.yaml:1:%zu: %s: expected true or false, got \"7\"",
           (size_t)(63 * 83 + 2 + 2 * (ITEMS - 1)), want);
  assert_int_equal(strncmp(e2.msg, msg, sizeof e2.msg - 1), 0);
  yt_free(d);
  free(t);
}

/* One scalar more than the limit allows (the root sequence is a node):
** the error's column says which node was refused, so exactly YT_MAX_NODES
** were accepted before it. */
static void test_node_limit(void **state) {
  (void)state;
  size_t n = YT_MAX_NODES, o = 0;
  char *t = malloc(2 * n + 4);
  assert_non_null(t);
  t[o++] = '[';
  for (size_t i = 0; i < n; i++) { t[o++] = '1'; t[o++] = ','; }
  t[o - 1] = ']';
  t[o++] = '\n';
  yt_doc *d = (yt_doc *)1;
  at_err e;
  assert_int_equal(yt_load_string("n.yaml", t, o, &d, &e), -1);
  assert_null(d);
  char want[128];
  /* scalar i (from 0) is at column 2 + 2 i; scalar n - 1 is node n + 1 */
  snprintf(want, sizeof want, "n.yaml:1:%zu: more than %d YAML nodes, the limit for a spec file",
           2 + 2 * (n - 1), YT_MAX_NODES);
  assert_string_equal(e.msg, want);
  free(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_many_keys_linear),
    cmocka_unit_test(test_many_keys_duplicates),
    cmocka_unit_test(test_deep_nesting_memory_linear),
    cmocka_unit_test(test_node_limit),
  };
  return cmocka_run_group_tests_name("util_ytree", tests, NULL, NULL);
}
