/*
** test_preds.c: iteration-space predicates (`where`, suffixes, `param`).
** Exact work: the shipped causal, window and decode cascades' operation
** counts equal the number of (m, p) points the predicate keeps, derived by
** hand in the comments, at sizes where the edge cuts tiles in two; tile
** ranges count exactly; every comparison operator agrees with brute-force
** enumeration written here; overflow is an error.  Values: each masked
** cascade equals masked softmax attention computed here, independently of
** the library, to 1e-9.  Predicates add no pass.
*/
#include "es_test.h"

#include <stdlib.h>

#define BIG (64u << 20)


static uint64_t points_of(const es_cascade *c, const char *t, const es_range *r) {
  uint64_t n;
  at_err e;
  if (es_points(c, einsum_of(c, t), r, &n, &e)) fail_msg("%s", e.msg);
  return n;
}

/* Number of (m, p) in [0,M) x [0,P) with a <= p - m + off < b (the
** causal mask is off = 0, a = 0, b = infinity), by enumeration. */
static uint64_t band(int64_t M, int64_t P, int64_t off, int64_t a, int64_t b) {
  uint64_t n = 0;
  for (int64_t m = 0; m < M; m++)
    for (int64_t p = 0; p < P; p++) n += p - m + off >= a && p - m + off < b;
  return n;
}

/* Steps (m1, p) whose block [m1*M0, (m1+1)*M0) holds a key of the band. */
static uint64_t band_steps(int64_t M, int64_t P, int64_t M0, int64_t off, int64_t a, int64_t b) {
  uint64_t n = 0;
  for (int64_t m1 = 0; m1 < M / M0; m1++)
    for (int64_t p = 0; p < P; p++) {
      int any = 0;
      for (int64_t m = m1 * M0; m < (m1 + 1) * M0; m++) any |= p - m + off >= a && p - m + off < b;
      n += any;
    }
  return n;
}

/* Causal, M = P = N: query p sees p + 1 keys, so the scores are
** sum_{p<N} (p + 1) = N(N+1)/2 per head, each E multiplies.  A step m1 runs
** for query p iff its first key m1*M0 <= p: floor(p/M0) + 1 steps, so RM's
** max runs sum_p (floor(p/M0) + 1) times; with N = M1*M0 that is
** M0 * M1(M1+1)/2.  M0 = 3 and 5 put the diagonal through every tile. */
static void test_causal_counts(void **s) {
  (void)s;
  static const struct { int64_t N, M0; } sz[] = { { 16, 4 }, { 15, 5 }, { 12, 3 }, { 7, 1 }, { 8, 8 } };
  es_cascade *c = load_cascade("causal-1pass");
  for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++) {
    int64_t N = sz[i].N, M0 = sz[i].M0, M1 = N / M0, E = 3, F = 2;
    char spec[128];
    snprintf(spec, sizeof spec, "E=%lld,F=%lld,M=%lld,P=%lld,M0=%lld", (long long)E, (long long)F,
             (long long)N, (long long)N, (long long)M0);
    bind_sizes(c, spec);
    uint64_t scores = (uint64_t)(N * (N + 1) / 2);
    assert_int_equal(scores, band(N, N, 0, 0, INT64_MAX));
    assert_int_equal(ops_of(c, "BQK", ES_K_MUL), E * scores);
    assert_int_equal(ops_of(c, "BQK", ES_K_ADD), E * scores);
    assert_int_equal(ops_of(c, "SLN", ES_K_EXP), scores);
    assert_int_equal(ops_of(c, "LM", ES_K_MAX), scores);
    assert_int_equal(ops_of(c, "SLNV", ES_K_MUL), F * scores);
    uint64_t steps = (uint64_t)(M0 * M1 * (M1 + 1) / 2);
    assert_int_equal(steps, band_steps(N, N, M0, 0, 0, INT64_MAX));
    assert_int_equal(ops_of(c, "RM", ES_K_MAX), steps);
    assert_int_equal(ops_of(c, "PRM", ES_K_EXP), steps);
    assert_int_equal(ops_of(c, "RNV", ES_K_ADD), F * steps);
    /* the final division runs once per output, mask or not */
    assert_int_equal(ops_of(c, "AV", ES_K_DIV), F * N);
  }
  es_free(c);
}

/* Exact at LLM scale: M = P = 128K, M0 = 256, E = 128: the scores are
** 131072 * 131073 / 2 = 8590000128, times E multiplies. */
static void test_causal_counts_128k(void **s) {
  (void)s;
  es_cascade *c = load_cascade("causal-1pass");
  bind_sizes(c, "E=128,F=128,M=128K,P=128K,M0=256");
  assert_int_equal(ops_of(c, "BQK", ES_K_MUL), 128ull * 8590000128ull);
  /* steps: M0 * M1(M1+1)/2 with M1 = 512 */
  assert_int_equal(ops_of(c, "RM", ES_K_MAX), 256ull * 512 * 513 / 2);
  es_free(c);
}

/* Window W, causal, M = P = N: query p sees min(p+1, W) keys, so the
** scores are sum_{p<N} min(p+1, W) = W(W+1)/2 + (N-W)W for W <= N, and N(N+1)/2
** for W >= N.  W = 5 with M0 = 4 cuts tiles at both edges of the band. */
static void test_window_counts(void **s) {
  (void)s;
  static const struct { int64_t N, M0, W; } sz[] = { { 16, 4, 5 }, { 16, 4, 4 }, { 12, 3, 1 }, { 10, 5, 20 }, { 20, 4, 7 } };
  es_cascade *c = load_cascade("window-1pass");
  for (size_t i = 0; i < sizeof sz / sizeof sz[0]; i++) {
    int64_t N = sz[i].N, M0 = sz[i].M0, W = sz[i].W, E = 2;
    char spec[128];
    snprintf(spec, sizeof spec, "E=%lld,F=1,M=%lld,P=%lld,M0=%lld,W=%lld", (long long)E, (long long)N,
             (long long)N, (long long)M0, (long long)W);
    bind_sizes(c, spec);
    uint64_t scores = W <= N ? (uint64_t)(W * (W + 1) / 2 + (N - W) * W) : (uint64_t)(N * (N + 1) / 2);
    assert_int_equal(scores, band(N, N, 0, 0, W));
    assert_int_equal(ops_of(c, "BQK", ES_K_MUL), E * scores);
    assert_int_equal(ops_of(c, "SLN", ES_K_EXP), scores);
    assert_int_equal(ops_of(c, "RM", ES_K_MAX), band_steps(N, N, M0, 0, 0, W));
  }
  es_free(c);
}

/* Decode: P new tokens, the last P of M; query p sees keys m <= p + M - P,
** M - P + p + 1 of them: sum_p = P(M - P) + P(P+1)/2.  M = 4096, P = 1: all
** 4096 keys, and every one of the M1 steps runs. */
static void test_decode_counts(void **s) {
  (void)s;
  es_cascade *c = load_cascade("decode-1pass");
  bind_sizes(c, "E=4,F=4,M=4096,P=1,M0=256");
  assert_int_equal(ops_of(c, "BQK", ES_K_MUL), 4 * 4096);
  assert_int_equal(ops_of(c, "RM", ES_K_MAX), 16);
  bind_sizes(c, "E=4,F=4,M=40,P=6,M0=8");
  assert_int_equal(ops_of(c, "SLN", ES_K_EXP), 6 * 34 + 21);
  assert_int_equal(ops_of(c, "SLN", ES_K_EXP), band(40, 6, 34, 0, INT64_MAX));
  es_free(c);
}

/* A tile range counts the points of that tile: causal, M0 = 4, the
** diagonal tile m1 = 1 (keys 4..7) against queries 4..7 keeps
** 1+2+3+4 = 10 of 16 (m, p), each E = 3 multiplies; the tile below the
** diagonal (queries 8..11) keeps all 16; the one above (queries 0..3) none,
** and its step is skipped. */
static void test_tile_ranges(void **s) {
  (void)s;
  es_cascade *c = load_cascade("causal-1pass");
  bind_sizes(c, "E=3,F=2,M=16,P=16,M0=4");
  int m1 = rank_of(c, "M1"), pr = rank_of(c, "P");
  es_range r;
  es_range_full(c, &r);
  assert_int_equal(points_of(c, "BQK", &r), 3 * 136);
  r.lo[m1] = 1, r.hi[m1] = 2;
  r.lo[pr] = 4, r.hi[pr] = 8;
  assert_int_equal(points_of(c, "BQK", &r), 3 * 10);
  uint64_t k[ES_K_COUNT];
  at_err e;
  if (es_op_counts_range(c, einsum_of(c, "BQK"), &r, k, &e)) fail_msg("%s", e.msg);
  assert_int_equal(k[ES_K_MUL], 30);
  assert_int_equal(points_of(c, "RM", &r), 4);
  /* LM = max(m0: BQK): its max runs at the (m1, m0, p) of the tile that
  ** run (es_points_in over its space plus m0), 10; its outputs, the
  ** (m1, p) not in a skipped step, are all 4 queries of the tile */
  int lm = einsum_of(c, "LM"), m0 = rank_of(c, "M0");
  uint64_t n;
  uint32_t left = (1u << m1) | (1u << pr);
  if (es_points_in(c, lm, left | (1u << m0), &r, &n, &e)) fail_msg("%s", e.msg);
  assert_int_equal(n, 10);
  if (es_points_in(c, lm, left, &r, &n, &e)) fail_msg("%s", e.msg);
  assert_int_equal(n, 4);
  r.lo[pr] = 8, r.hi[pr] = 12;
  assert_int_equal(points_of(c, "BQK", &r), 3 * 16);
  r.lo[pr] = 0, r.hi[pr] = 4;
  assert_int_equal(points_of(c, "BQK", &r), 0);
  assert_int_equal(points_of(c, "RM", &r), 0);
  es_free(c);
}

/* Every comparison against brute force: Z[i] = sum_j A[i,j] where PRED
** counts one add per (i, j) that satisfies PRED (the implicit sum). */
static void test_operators(void **s) {
  (void)s;
  static const char *const preds[] = { "i < j", "i <= j", "i > j", "i >= j", "i == j", "i != j",
    "i - j + 2 >= J - 5", "i == j + 1", "i + j != I", "-i < 3 - j" };
  for (size_t n = 0; n < sizeof preds / sizeof preds[0]; n++) {
    char text[256];
    snprintf(text, sizeof text, "ranks I J\ninput A[i,j]\noutput Z[i] = A[i,j] where %s\n", preds[n]);
    es_cascade *c = parse_text(text);
    bind_sizes(c, "I=7,J=9");
    uint64_t want = 0;
    for (int64_t i = 0; i < 7; i++)
      for (int64_t j = 0; j < 9; j++) {
        int ok;
        switch (n) {
        case 0: ok = i < j; break;
        case 1: ok = i <= j; break;
        case 2: ok = i > j; break;
        case 3: ok = i >= j; break;
        case 4: ok = i == j; break;
        case 5: ok = i != j; break;
        case 6: ok = i - j + 2 >= 9 - 5; break;
        case 7: ok = i == j + 1; break;
        case 8: ok = i + j != 7; break;
        default: ok = -i < 3 - j; break;
        }
        want += (uint64_t)ok;
      }
    assert_int_equal(ops_of(c, "Z", ES_K_ADD), want);
    es_free(c);
  }
}

/* Steps and reductions against brute force, over tile ranges: a step
** (m1, p) of R runs iff some m0 of its block satisfies the predicate at
** m = m1*M0 + m0; S's sum over m0 adds once per satisfying m0.  The
** predicates cover both ways es_points counts: bounds of coefficient 1 on
** m0 (solved in closed form) and == / != (enumerated). */
static int brute_pred(int n, int64_t m, int64_t p) {
  switch (n) {
  case 0: return m <= p;
  case 1: return p - m < 4 && m <= p;
  case 2: return m + 2 != p;
  case 3: return m == p;
  case 4: return m >= p - 3 && 2 <= m;
  default: return p + 1 > m && m + 5 > 2 + p;
  }
}

static void test_steps_brute_force(void **s) {
  (void)s;
  static const char *const preds[] = { "m <= p", "p - m < W, m <= p", "m + 2 != p", "m == p",
    "m >= p - 3, 2 <= m", "p + 1 > m, m + 5 > 2 + p" };
  for (int n = 0; n < 6; n++) {
    char text[400];
    snprintf(text, sizeof text, "ranks M P\ninput A[m,p]\nsplit m = m1 * m0\niterate m1\nparam W\nwhere %s\n"
             "init R[0,p] = 0\nS[m1,p] = sum(m0: A[m1,m0,p])\nR[m1+1,p] = R[m1,p] + S[m1,p]\noutput Z[p] = R[M1,p]\n",
             preds[n]);
    es_cascade *c = parse_text(text);
    bind_sizes(c, "M=12,M0=3,P=10,W=4");
    int m1 = rank_of(c, "M1"), pr = rank_of(c, "P");
    for (int64_t a = 0; a < 4; a++)
      for (int64_t b = a + 1; b <= 4; b++)
        for (int64_t pa = 0; pa < 10; pa += 3)
          for (int64_t pb = pa + 1; pb <= 10; pb += 2) {
            es_range r;
            es_range_full(c, &r);
            r.lo[m1] = a, r.hi[m1] = b, r.lo[pr] = pa, r.hi[pr] = pb;
            uint64_t steps = 0, adds = 0;
            for (int64_t x = a; x < b; x++)
              for (int64_t p = pa; p < pb; p++) {
                int any = 0;
                for (int64_t m0 = 0; m0 < 3; m0++) {
                  int ok = brute_pred(n, x * 3 + m0, p);
                  any |= ok;
                  adds += (uint64_t)ok;
                }
                steps += (uint64_t)any;
              }
            uint64_t k[ES_K_COUNT];
            at_err e;
            assert_int_equal(points_of(c, "R", &r), steps);
            if (es_op_counts_range(c, einsum_of(c, "S"), &r, k, &e)) fail_msg("%s", e.msg);
            assert_int_equal(k[ES_K_ADD], adds);
          }
    es_free(c);
  }
}

/* Two ranks of 2^62 keep about 2^123 points: an error, not a wrapped count. */
static void test_overflow(void **s) {
  (void)s;
  es_cascade *c = parse_text("ranks I J K\ninput A[i,j,k]\nwhere i <= j\noutput Z[i,j,k] = A[i,j,k]\n");
  bind_sizes(c, "I=2,J=4611686018427387904,K=4611686018427387904");
  uint64_t n;
  at_err e;
  assert_int_equal(es_points(c, einsum_of(c, "Z"), NULL, &n, &e), -1);
  assert_non_null(strstr(e.msg, "overflows 64 bits"));
  es_free(c);
}

/* A predicate reads no tensor, so it never adds a pass. */
static void test_passes(void **s) {
  (void)s;
  static const char *const one[] = { "causal-1pass", "window-1pass", "decode-1pass" };
  for (int i = 0; i < 3; i++) {
    es_cascade *c = load_cascade(one[i]);
    assert_int_equal(es_passes(c, rank_of(c, "M")), 1);
    es_free(c);
  }
}

/* ---- values -------------------------------------------------------------- */

typedef int (*allow_fn)(int64_t m, int64_t p, int64_t M, int64_t P, int64_t W);
static int causal(int64_t m, int64_t p, int64_t M, int64_t P, int64_t W) { (void)M, (void)P, (void)W; return m <= p; }
static int window(int64_t m, int64_t p, int64_t M, int64_t P, int64_t W) { (void)M, (void)P; return m <= p && p - m < W; }
static int decode(int64_t m, int64_t p, int64_t M, int64_t P, int64_t W) { (void)W; return m <= p + M - P; }

/* Masked softmax attention, written here without the library. */
static double masked_err(const es_cascade *c, const es_values *v, allow_fn ok, int64_t W) {
  const double *Q = v->data[tensor_of(c, "Q")], *K = v->data[tensor_of(c, "K")];
  const double *V = v->data[tensor_of(c, "V")], *AV = v->data[tensor_of(c, "AV")];
  int64_t E = c->ranks[rank_of(c, "E")].size, F = c->ranks[rank_of(c, "F")].size;
  int64_t M = c->ranks[rank_of(c, "M")].size, P = c->ranks[rank_of(c, "P")].size;
  double err = 0;
  for (int64_t p = 0; p < P; p++) {
    double mx = -INFINITY;
    for (int64_t m = 0; m < M; m++) {
      if (!ok(m, p, M, P, W)) continue;
      double d = 0;
      for (int64_t e = 0; e < E; e++) d += Q[e * P + p] * K[e * M + m];
      if (d > mx) mx = d;
    }
    for (int64_t f = 0; f < F; f++) {
      double num = 0, den = 0;
      for (int64_t m = 0; m < M; m++) {
        if (!ok(m, p, M, P, W)) continue;
        double d = 0;
        for (int64_t e = 0; e < E; e++) d += Q[e * P + p] * K[e * M + m];
        num += exp(d - mx) * V[f * M + m];
        den += exp(d - mx);
      }
      double x = fabs(num / den - AV[f * P + p]);
      if (!(x <= err)) err = x;
    }
  }
  return err;
}

static void check_masked(const char *name, const char *text, const char *spec, allow_fn ok, int64_t W) {
  es_cascade *c = text ? parse_text(text) : load_cascade(name);
  bind_sizes(c, spec);
  for (uint64_t seed = 1; seed <= 3; seed++) {
    es_values v;
    at_err e;
    if (es_eval(c, seed, BIG, &v, &e)) fail_msg("%s", e.msg);
    double err = masked_err(c, &v, ok, W);
    if (!(err <= 1e-9)) fail_msg("%s at %s seed %llu: max error %g", name, spec, (unsigned long long)seed, err);
    es_values_free(&v);
  }
  es_free(c);
}

/* M0 = 3, 5: the diagonal cuts tiles; W = 5 with M0 = 4 cuts at both band
** edges and leaves whole steps outside the window (skipped, not NaN). */
static void test_values(void **s) {
  (void)s;
  check_masked("causal-1pass", NULL, "E=4,F=3,M=16,P=16,M0=4", causal, 0);
  check_masked("causal-1pass", NULL, "E=3,F=2,M=15,P=15,M0=5", causal, 0);
  check_masked("causal-1pass", NULL, "E=2,F=2,M=12,P=12,M0=3", causal, 0);
  check_masked("causal-1pass", NULL, "E=2,F=2,M=8,P=8,M0=1", causal, 0);
  check_masked("causal-1pass", NULL, "E=2,F=2,M=8,P=12,M0=4", causal, 0);   /* P > M */
  check_masked("window-1pass", NULL, "E=4,F=3,M=16,P=16,M0=4,W=5", window, 5);
  check_masked("window-1pass", NULL, "E=2,F=2,M=24,P=24,M0=8,W=3", window, 3);
  check_masked("window-1pass", NULL, "E=2,F=2,M=12,P=12,M0=3,W=1", window, 1);
  check_masked("window-1pass", NULL, "E=2,F=2,M=12,P=12,M0=4,W=100", window, 100);
  check_masked("decode-1pass", NULL, "E=4,F=3,M=16,P=1,M0=4", decode, 0);
  check_masked("decode-1pass", NULL, "E=4,F=3,M=24,P=3,M0=8", decode, 0);
  check_masked("decode-1pass", NULL, "E=4,F=3,M=12,P=12,M0=3", decode, 0);  /* prefill */
  /* the issue's suffix form: the predicate on SN alone makes the 3-pass
     cascade causal (GM over every key is still a valid shift) */
  check_masked("suffix", "ranks E F M P\ninput Q[e,p] K[e,m] V[f,m]\nQK[m,p] = Q[e,p] * K[e,m]\n"
               "GM[p] = max(m: QK[m,p])\nSN[m,p] = exp(QK[m,p] - GM[p]) where m <= p\n"
               "SD[p] = sum(m: SN[m,p])\nA[m,p] = SN[m,p] / SD[p]\noutput AV[f,p] = A[m,p] * V[f,m]\n",
               "E=3,F=2,M=9,P=9", causal, 0);
  /* a where line masks every scope binding m and p, reductions included */
  check_masked("where-3pass", "ranks E F M P\ninput Q[e,p] K[e,m] V[f,m]\nparam W\nwhere m <= p, p - m < W\n"
               "QK[m,p] = Q[e,p] * K[e,m]\nGM[p] = max(m: QK[m,p])\nSN[m,p] = exp(QK[m,p] - GM[p])\n"
               "SD[p] = sum(m: SN[m,p])\nA[m,p] = SN[m,p] / SD[p]\noutput AV[f,p] = A[m,p] * V[f,m]\n",
               "E=3,F=2,M=11,P=11,W=4", window, 4);
}

/* Masked elements hold 0, and a skipped step carries the iterative
** tensor: R[k+1] = R[k] + A[k] where k != 2 leaves R[3] = R[2]. */
static void test_skip_semantics(void **s) {
  (void)s;
  es_cascade *c = parse_text("ranks K\ninput A[k]\niterate k\ninit R[0] = 10\n"
                             "R[k+1] = R[k] + A[k] where k != 2\noutput Z = R[K]\n"
                             "output B[k] = A[k] * 2 where k > 0\n");
  bind_sizes(c, "K=4");
  es_values v;
  at_err e;
  if (es_eval(c, 5, BIG, &v, &e)) fail_msg("%s", e.msg);
  const double *A = v.data[tensor_of(c, "A")], *R = v.data[tensor_of(c, "R")];
  assert_near(R[3], R[2], 0);
  assert_near(v.data[tensor_of(c, "Z")][0], 10 + A[0] + A[1] + A[3], 1e-15);
  assert_near(v.data[tensor_of(c, "B")][0], 0, 0);
  assert_near(v.data[tensor_of(c, "B")][1], 2 * A[1], 0);
  es_values_free(&v);
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_causal_counts),
    cmocka_unit_test(test_causal_counts_128k),
    cmocka_unit_test(test_window_counts),
    cmocka_unit_test(test_decode_counts),
    cmocka_unit_test(test_tile_ranges),
    cmocka_unit_test(test_operators),
    cmocka_unit_test(test_steps_brute_force),
    cmocka_unit_test(test_overflow),
    cmocka_unit_test(test_passes),
    cmocka_unit_test(test_values),
    cmocka_unit_test(test_skip_semantics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
