/*
** fuzz_einsum.c: the fuzz target for einsum/.  Parses the input as a
** .einsum file; if it checks, binds a few small size sets and runs every
** analysis and the interpreter.  Invariants asserted here: a refused input
** gets a "FILE:LINE:COL: message"; a bound cascade's analyses and values
** agree on sizes.  Built as a libFuzzer target (-DATTNSIM_FUZZ=ON) and as
** a plain function that replay.c runs over tests/fuzz/regress/ in ctest.
*/
#include "einsum.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_NAME "fuzz.einsum"

/* Evaluating costs about (points + operations) per Einsum: skip cascades
** above this, which are slow rather than wrong (a 32-rank sum of size 4 is
** 4^32 steps). */
#define MAX_WORK  200000
#define MAX_ELEMS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const char *msg) {
  fprintf(stderr, "fuzz_einsum: %s: %s\n", what, msg);
  abort();
}

/* "fuzz.einsum:LINE:COL: message", LINE and COL positive. */
static int located(const char *msg) {
  size_t n = strlen(FILE_NAME);
  if (strncmp(msg, FILE_NAME ":", n + 1)) return 0;
  const char *s = msg + n + 1;
  for (int part = 0; part < 2; part++) {
    if (!isdigit((unsigned char)*s) || *s == '0') return 0;
    while (isdigit((unsigned char)*s)) s++;
    if (*s++ != ':') return 0;
  }
  return *s == ' ' && s[1] != 0;
}

/* Sizes: every original rank gets `base`, every inner split part `inner`;
** outer parts are derived (so a split never fails to divide unless nested). */
static int bind(es_cascade *c, int64_t base, int64_t inner, at_err *e) {
  es_binding b;
  memset(&b, 0, sizeof b);
  for (int r = 0; r < c->nranks; r++) {
    const es_rank *R = &c->ranks[r];
    int is_inner = R->parent >= 0 && c->ranks[R->parent].inner == r;
    if (R->parent < 0 && es_binding_set(&b, R->name, base, e)) return -1;
    if (is_inner && es_binding_set(&b, R->name, inner, e)) return -1;
  }
  return es_bind(c, &b, e);
}

static void analyse_and_eval(es_cascade *c) {
  at_err e;
  uint64_t work = 0;
  int overflow = 0;
  for (int i = 0; i < c->neinsums; i++) {
    uint64_t k[ES_K_COUNT], pts;
    if (es_space_points(c, i, &pts, &e) || es_op_counts(c, i, k, &e)) { overflow = 1; continue; }
    uint64_t w = pts;
    for (int j = 0; j < ES_K_COUNT; j++) w = w + k[j] < w ? UINT64_MAX : w + k[j];
    work = work + w < work ? UINT64_MAX : work + w;
  }
  uint64_t total = 0;
  for (int t = 0; t < c->ntensors; t++) {
    uint64_t el, live;
    if (es_footprint(c, t, &el, &live, &e)) { overflow = 1; continue; }
    if (live > el) fail("live footprint above total", c->tensors[t].name);
    total += el;
  }
  if (overflow || work > MAX_WORK || total > MAX_ELEMS) return;
  es_values v;
  if (es_eval(c, 1, MAX_ELEMS, &v, &e)) {
    /* a bound, checked cascade within the budget must evaluate */
    fail("es_eval refused a checked cascade", e.msg);
  }
  if (v.ntensors != c->ntensors) fail("es_eval", "wrong tensor count");
  for (int t = 0; t < c->ntensors; t++) {
    uint64_t el, live;
    es_footprint(c, t, &el, &live, &e);
    if (v.len[t] != el) fail("es_eval: element count differs from footprint", c->tensors[t].name);
  }
  es_values_free(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  es_cascade *c;
  at_err e;
  if (es_parse(FILE_NAME, (const char *)data, size, &c, &e)) {
    if (!located(e.msg)) fail("error without FILE:LINE:COL", e.msg);
    if (c) fail("es_parse failed but returned a cascade", e.msg);
    return 0;
  }
  /* passes need no sizes; a pass never exceeds the rank's pass count */
  int *pass = malloc(sizeof(int) * (size_t)(c->neinsums + 1));
  if (!pass) abort();
  for (int r = 0; r < c->nranks; r++) {
    if (c->ranks[r].parent >= 0) continue;
    int n = es_passes(c, r);
    if (n < 0 || n > c->neinsums + 1) fail("es_passes out of range", c->ranks[r].name);
    es_pass_of(c, r, pass);
    for (int i = 0; i < c->neinsums; i++)
      if (pass[i] < 0 || pass[i] > n) fail("es_pass_of above es_passes", c->ranks[r].name);
  }
  free(pass);
  static const int64_t sizes[][2] = { { 4, 2 }, { 3, 1 }, { 2, 2 } };
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    if (bind(c, sizes[s][0], sizes[s][1], &e) == 0) analyse_and_eval(c);
  es_free(c);
  return 0;
}
