/*
** test_counting.c: are the closed forms of predicate counting (einsum/pred.c:
** a constraint of one rank narrowing its range, an == substituted out, two
** ranks in the ratio W : 1 merged, the last two ranks summed as lines) exact?
** Each count is compared with the plain enumeration (es_points_reference)
** on every Einsum of every shipped cascade with predicates or masks, over
** its space, its outputs and each reduction's scope, on the whole range and
** on seeded random tile ranges (cut edges included), and on inline cascades
** whose predicates take every form the closed forms handle or refuse:
** coefficients of 2 and 3, ==, !=, three ranks in one comparison, params.
** The masks' fast paths (a mask's set bits in a box times the rest, a
** sparse row walked by its bits, es_counter_any's answer from the bits)
** are checked the same way, on masks of one word a row and of several.
*/
#include "es_test.h"

#include <stdlib.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {       /* xorshift64*: seeded, the same every run */
  rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
  return rng * 2685821657736338717ull;
}

/* Scopes of einsum i: its space, its left ranks, the space plus each rank. */
static int scopes(const es_cascade *c, int i, uint32_t *out) {
  const es_einsum *x = &c->einsums[i];
  uint32_t space = 0, left = 0;
  for (int k = 0; k < x->nspace; k++) space |= 1u << x->space[k];
  for (int k = 0; k < x->nspace - x->nsum; k++) left |= 1u << x->space[k];
  int n = 0;
  out[n++] = space;
  out[n++] = left;
  for (int r = 0; r < c->nranks; r++)
    if (!(space >> r & 1) && c->ranks[r].outer < 0) out[n++] = space | 1u << r;
  return n;
}

/* Every Einsum and scope of c, the whole range and `tries` random ranges:
** the closed forms against the enumeration.  Returns the comparisons made. */
static int compare_all(const es_cascade *c, int tries, const char *what) {
  int made = 0;
  for (int i = 0; i < c->neinsums; i++) {
    if (c->einsums[i].is_init) continue;
    uint32_t sc[ES_MAX_RANKS + 2];
    int ns = scopes(c, i, sc);
    for (int k = 0; k < ns; k++) {
      es_counter *kc = NULL;
      at_err ke;
      if (es_counter_open(c, i, sc[k], &kc, &ke)) fail_msg("%s: einsum %d scope %#x: %s", what, i, sc[k], ke.msg);
      for (int t = -1; t < tries; t++) {
        es_range r;
        es_range_full(c, &r);
        for (int q = 0; t >= 0 && q < c->nranks; q++) {
          int64_t n = c->ranks[q].size, a = (int64_t)(next() % (uint64_t)n), b = (int64_t)(next() % (uint64_t)n);
          if (next() % 3 == 0) continue;              /* a third of the ranks whole */
          r.lo[q] = a < b ? a : b;
          r.hi[q] = (a < b ? b : a) + 1;
        }
        uint64_t fast, ref;
        at_err e;
        int rf = es_points_in(c, i, sc[k], t < 0 ? NULL : &r, &fast, &e);
        int rr = es_points_reference(c, i, sc[k], t < 0 ? NULL : &r, &ref, &e);
        if (rf || rr) fail_msg("%s: einsum %d scope %#x: %s", what, i, sc[k], e.msg);
        if (fast != ref)
          fail_msg("%s: Einsum %s, scope %#x, try %d: closed forms %llu, enumeration %llu", what,
                   c->tensors[c->einsums[i].lhs.tensor].name, sc[k], t, (unsigned long long)fast,
                   (unsigned long long)ref);
        int any = -1;   /* r: the whole range when t < 0 */
        if (es_counter_any(kc, &r, &any, &e)) fail_msg("%s: einsum %d scope %#x: %s", what, i, sc[k], e.msg);
        if (any != (ref > 0))
          fail_msg("%s: Einsum %s, scope %#x, try %d: es_counter_any %d, %llu points", what,
                   c->tensors[c->einsums[i].lhs.tensor].name, sc[k], t, any, (unsigned long long)ref);
        made++;
      }
      es_counter_close(kc);
    }
  }
  return made;
}

static void test_shipped(void **s) {
  (void)s;
  static const struct { const char *name, *sizes; int tries; } v[] = {
    { "causal-1pass", "E=2,F=3,M=24,P=24,M0=4", 60 },
    { "causal-1pass", "E=2,F=3,M=24,P=21,M0=6", 60 },
    { "window-1pass", "E=2,F=3,M=32,P=32,M0=4,W=7", 60 },
    { "window-1pass", "E=1,F=1,M=30,P=30,M0=5,W=10", 60 },
    { "gqa-1pass", "E=2,F=2,M=24,P=16,M0=4,QH=4,G=2", 60 },
    { "linear-causal", "E=2,F=2,M=24,P=24,M0=4,P0=4", 60 },
    { "linear-causal", "E=2,F=2,M=24,P=24,M0=6,P0=4", 60 },
    { "streaming-1pass", "E=1,F=1,M=32,P=32,M0=4,P0=4,SINK=1,WIN=2", 60 },
    { "strided-1pass", "E=1,F=1,M=32,P=32,M0=4,P0=4,STRIDE=2", 60 },
    { "blocksparse-1pass", "E=1,F=1,M=32,P=32,M0=4,P0=4,DENSITY=0.3", 60 },
    /* masks of several words a row (M1 = P1 = 130: 3 words; 1-token tiles
    ** and fewer tries keep the enumeration they are compared with short) */
    { "blocksparse-1pass", "E=1,F=1,M=130,P=130,M0=1,P0=1,DENSITY=0.2", 8 },
    { "streaming-1pass", "E=1,F=1,M=130,P=130,M0=1,P0=1,SINK=3,WIN=65", 8 },
    { "strided-1pass", "E=1,F=1,M=129,P=130,M0=1,P0=1,STRIDE=3", 8 },
    { "decode-1pass", "E=2,F=2,M=40,P=4,M0=8", 60 },
  };
  int made = 0;
  for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
    es_cascade *c = load_cascade(v[k].name);
    bind_sizes(c, v[k].sizes);
    if (!es_has_preds(c)) fail_msg("%s has no predicate", v[k].name);
    made += compare_all(c, v[k].tries, v[k].name);
    es_free(c);
  }
  assert_true(made > 5000);
}

/* Predicates of every form, on a split m and a split p. */
static void test_forms(void **s) {
  (void)s;
  static const char *const preds[] = {
    "m <= p", "p - m < W, m <= p", "m + 2 != p", "m == p", "m >= p - 3, 2 <= m",
    "p + 1 > m, m + 5 > 2 + p", "m1 == p1", "m1 == p1, m <= p", "m + m <= p + 3", "m <= p + p + p",
    "m + p < M", "m + p >= W, m - p <= 2", "m0 != p0", "m1 < p1 + 2, p0 <= m0", "m0 + p0 == 3",
    "m1 + m1 >= p1, m <= p + W", "m <= p, m1 != p1", "p - m < W, m + 1 >= p - W, m0 <= p0 + 1",
  };
  int made = 0;
  for (size_t n = 0; n < sizeof preds / sizeof *preds; n++) {
    char text[600];
    snprintf(text, sizeof text,
             "ranks M P\ninput A[m,p]\nsplit m = m1 * m0\nsplit p = p1 * p0\niterate m1\nparam W\nwhere %s\n"
             "init R[0,p1,p0] = 0\nS[m1,p1,p0] = sum(m0: A[m1,m0,p1,p0])\n"
             "R[m1+1,p1,p0] = R[m1,p1,p0] + S[m1,p1,p0]\nT[m1,m0,p1,p0] = A[m1,m0,p1,p0] * A[m1,m0,p1,p0]\n"
             "output Z[p1,p0] = R[M1,p1,p0]\n",
             preds[n]);
    static const char *const sizes[] = { "M=24,M0=4,P=18,P0=3,W=5", "M=20,M0=5,P=20,P0=5,W=7",
                                         "M=16,M0=16,P=12,P0=1,W=3" };
    for (int z = 0; z < 3; z++) {
      es_cascade *c = parse_text(text);
      bind_sizes(c, sizes[z]);
      made += compare_all(c, 40, preds[n]);
      es_free(c);
    }
  }
  assert_true(made > 5000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_shipped),
    cmocka_unit_test(test_forms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
