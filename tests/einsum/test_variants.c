/*
** test_variants.c: the 2026 attention cascades (einsum/cascades/): GQA,
** MQA and MHA through `heads` (prefill and decode), MLA's absorbed form, causal linear
** attention, block-sparse attention under a mask.  Each is evaluated and
** compared with a reference written here without the library (masked
** softmax attention per head; the quadratic form (QK^T o causal) V for
** linear attention) to 1e-9 at several sizes, including tiles the causal
** edge cuts in two; operation counts are checked against hand derivations.
*/
#include "es_test.h"

#include <stdlib.h>

#define BIG (64u << 20)


static int64_t size_of(const es_cascade *c, const char *r) { return c->ranks[rank_of(c, r)].size; }

static es_values eval(const es_cascade *c, uint64_t seed) {
  es_values v;
  at_err e;
  if (es_eval(c, seed, BIG, &v, &e)) fail_msg("%s", e.msg);
  return v;
}

static void worse(double *err, double got, double want) {
  double d = fabs(got - want);
  if (!(d <= *err)) *err = d;
}

typedef double (*err_fn)(const es_cascade *c, const es_values *v);

/* Evaluates cascade `name` at each of sizes[0..n) with two seeds; the
** largest error against the reference `ref` must be at most 1e-9. */
static void check_values(const char *name, const char *const *sizes, size_t n, err_fn ref) {
  es_cascade *c = load_cascade(name);
  for (size_t i = 0; i < n; i++) {
    bind_sizes(c, sizes[i]);
    for (uint64_t seed = 1; seed <= 2; seed++) {
      es_values v = eval(c, seed);
      double err = ref(c, &v);
      if (!(err <= 1e-9)) fail_msg("%s at %s seed %llu: error %g", name, sizes[i], (unsigned long long)seed, err);
      es_values_free(&v);
    }
  }
  es_free(c);
}

/* ---- GQA ----------------------------------------------------------------- */

/* Causal softmax per query head (g, h) with KV head h:
** Q[E][G][H][P], K[E][H][M], V[F][H][M], AV[F][G][H][P]; query p sees
** keys m <= p + off (gqa-1pass: off 0; decode: off M - P). */
static double gqa_err_at(const es_cascade *c, const es_values *v, int decode) {
  int64_t E = size_of(c, "E"), F = size_of(c, "F"), M = size_of(c, "M"), P = size_of(c, "P");
  int64_t off = decode ? M - P : 0;
  int64_t G = size_of(c, "G"), H = size_of(c, "H");
  const double *Q = v->data[tensor_of(c, "Q")], *K = v->data[tensor_of(c, "K")];
  const double *V = v->data[tensor_of(c, "V")], *AV = v->data[tensor_of(c, "AV")];
  double err = 0;
  for (int64_t g = 0; g < G; g++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t p = 0; p < P; p++) {
        double mx = -INFINITY, s[64];
        for (int64_t m = 0; m <= p + off && m < M; m++) {
          s[m] = 0;
          for (int64_t e = 0; e < E; e++) s[m] += Q[((e * G + g) * H + h) * P + p] * K[(e * H + h) * M + m];
          if (s[m] > mx) mx = s[m];
        }
        for (int64_t f = 0; f < F; f++) {
          double num = 0, den = 0;
          for (int64_t m = 0; m <= p + off && m < M; m++) {
            num += exp(s[m] - mx) * V[(f * H + h) * M + m];
            den += exp(s[m] - mx);
          }
          worse(&err, AV[((f * G + g) * H + h) * P + p], num / den);
        }
      }
  return err;
}

static double gqa_err(const es_cascade *c, const es_values *v) { return gqa_err_at(c, v, 0); }
static double gqa_decode_err(const es_cascade *c, const es_values *v) { return gqa_err_at(c, v, 1); }

static void test_gqa_values(void **s) {
  (void)s;
  static const char *const sizes[] = {
    "E=4,F=3,M=8,P=8,M0=4,QH=6,G=3",    /* GQA: 2 KV heads of 3 query heads */
    "E=3,F=2,M=9,P=9,M0=3,H=1,G=4",     /* MQA: one KV head */
    "E=3,F=2,M=10,P=10,M0=5,QH=3,G=1",  /* MHA: G = 1 */
    "E=2,F=2,M=12,P=12,M0=4,QH=8,H=2",
  };
  check_values("gqa-1pass", sizes, sizeof sizes / sizeof sizes[0], gqa_err);
}

/* GQA decode: P new tokens of G x H query heads against an M-token cache,
** with tiles the edge m = p + M - P cuts in two. */
static void test_gqa_decode_values(void **s) {
  (void)s;
  static const char *const sizes[] = {
    "E=4,F=3,M=16,P=1,M0=4,QH=6,G=3",   /* one new token, 2 KV heads of 3 */
    "E=3,F=2,M=24,P=3,M0=8,H=1,G=4",    /* MQA, 3 new tokens */
    "E=3,F=2,M=10,P=4,M0=5,QH=4,G=2",   /* the edge (keys up to 6 + p) cuts tile m1 = 1 */
    "E=3,F=2,M=9,P=9,M0=3,QH=4,G=2",    /* P = M: prefill, gqa-1pass */
  };
  check_values("gqa-decode-1pass", sizes, sizeof sizes / sizeof sizes[0], gqa_decode_err);
}

/* Work per query head is the causal M(M+1)/2 scores (E multiplies each), so
** QH = G*H heads do QH times that; K and V hold H heads, 1/G of MHA's QH:
** what a mapping keeping K and V while it walks g saves in traffic. */
static void test_gqa_counts(void **s) {
  (void)s;
  es_cascade *c = load_cascade("gqa-1pass");
  bind_sizes(c, "E=8,F=8,M=64,P=64,M0=16,QH=32,G=4");
  assert_int_equal(size_of(c, "H"), 8);
  assert_int_equal(ops_of(c, "BQK", ES_K_MUL), 8ull * 32 * 64 * 65 / 2);
  uint64_t el, live;
  at_err e;
  if (es_footprint(c, tensor_of(c, "K"), &el, &live, &e)) fail_msg("%s", e.msg);
  assert_int_equal(el, 8ull * 8 * 64);          /* E * H * M */
  if (es_footprint(c, tensor_of(c, "Q"), &el, &live, &e)) fail_msg("%s", e.msg);
  assert_int_equal(el, 8ull * 32 * 64);         /* E * QH * P */
  assert_int_equal(c->ranks[rank_of(c, "H")].head, ES_HEAD_KV);
  assert_int_equal(c->ranks[rank_of(c, "G")].head, ES_HEAD_GROUP);
  es_free(c);
}

/* ---- MLA ----------------------------------------------------------------- */

/* Score QC.CKV + QR.KR over keys m <= p + M - P; the value is CKV. */
static double mla_err(const es_cascade *c, const es_values *v) {
  int64_t C = size_of(c, "C"), R = size_of(c, "R"), H = size_of(c, "H"), M = size_of(c, "M"), P = size_of(c, "P");
  const double *QC = v->data[tensor_of(c, "QC")], *QR = v->data[tensor_of(c, "QR")];
  const double *CKV = v->data[tensor_of(c, "CKV")], *KR = v->data[tensor_of(c, "KR")];
  const double *AV = v->data[tensor_of(c, "AV")];
  double err = 0;
  for (int64_t h = 0; h < H; h++)
    for (int64_t p = 0; p < P; p++) {
      double s[64], mx = -INFINITY;
      int64_t last = p + M - P;
      for (int64_t m = 0; m <= last; m++) {
        s[m] = 0;
        for (int64_t k = 0; k < C; k++) s[m] += QC[(k * H + h) * P + p] * CKV[k * M + m];
        for (int64_t r = 0; r < R; r++) s[m] += QR[(r * H + h) * P + p] * KR[r * M + m];
        if (s[m] > mx) mx = s[m];
      }
      for (int64_t k = 0; k < C; k++) {
        double num = 0, den = 0;
        for (int64_t m = 0; m <= last; m++) {
          num += exp(s[m] - mx) * CKV[k * M + m];
          den += exp(s[m] - mx);
        }
        worse(&err, AV[(k * H + h) * P + p], num / den);
      }
    }
  return err;
}

static void test_mla_values(void **s) {
  (void)s;
  static const char *const sizes[] = {
    "C=4,R=2,H=3,M=8,P=2,M0=4",     /* decode: 2 new tokens */
    "C=5,R=3,H=2,M=12,P=1,M0=3",
    "C=3,R=2,H=2,M=9,P=9,M0=3",     /* prefill */
  };
  check_values("mla-1pass", sizes, sizeof sizes / sizeof sizes[0], mla_err);
}

static void test_mla_counts(void **s) {
  (void)s;
  es_cascade *c = load_cascade("mla-1pass");
  /* decode, one token, M = 4096, C = 512, R = 64, H = 128 (DeepSeek-V3):
     each head scores all M keys with C + R multiplies */
  bind_sizes(c, "C=512,R=64,H=128,M=4096,P=1,M0=256");
  assert_int_equal(ops_of(c, "BQC", ES_K_MUL) + ops_of(c, "BQR", ES_K_MUL), 128ull * 4096 * (512 + 64));
  es_free(c);
}

/* ---- linear attention ---------------------------------------------------- */

/* (QK^T o causal) V: AV[f,p] = sum_{m <= p} (Q[:,p].K[:,m]) V[f,m];
** AV[f,p1,p0] is laid out as AV[f,p]. */
static double linear_err(const es_cascade *c, const es_values *v) {
  int64_t E = size_of(c, "E"), F = size_of(c, "F"), M = size_of(c, "M"), P = size_of(c, "P");
  const double *Q = v->data[tensor_of(c, "Q")], *K = v->data[tensor_of(c, "K")];
  const double *V = v->data[tensor_of(c, "V")], *AV = v->data[tensor_of(c, "AV")];
  double err = 0;
  for (int64_t f = 0; f < F; f++)
    for (int64_t p = 0; p < P; p++) {
      double want = 0;
      for (int64_t m = 0; m <= p && m < M; m++) {
        double d = 0;
        for (int64_t e = 0; e < E; e++) d += Q[e * P + p] * K[e * M + m];
        want += d * V[f * M + m];
      }
      worse(&err, AV[f * P + p], want);
    }
  return err;
}

static void test_linear_values(void **s) {
  (void)s;
  static const char *const sizes[] = {
    "E=2,F=3,M=16,P=16,M0=4,P0=4", "E=3,F=2,M=12,P=12,M0=3,P0=3",
    "E=2,F=2,M=8,P=8,M0=1,P0=1", "E=2,F=2,M=8,P=8,M0=8,P0=8",
  };
  check_values("linear-causal", sizes, sizeof sizes / sizeof sizes[0], linear_err);
}

/* Work is linear in the length N = M = P with blocks of B = M0 = P0:
**   KVB (K^T V per block): E*F*N multiplies;
**   QKI (diagonal blocks, causal): E * N/B * B(B+1)/2;
**   OA: F times the same;  OB (query block p1 reads the state of blocks
**   0..p1-1 in step m1 = p1, summing e; block 0 the zero initial state):
**   E*F*N multiplies, and as many adds (one per point, as BQK's). */
static void test_linear_counts(void **s) {
  (void)s;
  es_cascade *c = load_cascade("linear-causal");
  bind_sizes(c, "E=4,F=8,M=1K,P=1K,M0=64,P0=64");
  uint64_t N = 1024, B = 64, E = 4, F = 8, diag = N / B * B * (B + 1) / 2;
  assert_int_equal(ops_of(c, "KVB", ES_K_MUL), E * F * N);
  assert_int_equal(ops_of(c, "QKI", ES_K_MUL), E * diag);
  assert_int_equal(ops_of(c, "OA", ES_K_MUL), F * diag);
  assert_int_equal(ops_of(c, "OB", ES_K_MUL), E * F * N);
  assert_int_equal(ops_of(c, "OB", ES_K_ADD), E * F * N);
  es_free(c);
}

/* ---- block sparse -------------------------------------------------------- */

/* Softmax over the keys of the key tiles the mask keeps for p's tile,
** and with `causal` only keys m <= p. */
static double sparse_err_with(const es_cascade *c, const es_values *v, int causal) {
  int64_t E = size_of(c, "E"), F = size_of(c, "F"), M = size_of(c, "M"), P = size_of(c, "P");
  int64_t M0 = size_of(c, "M0"), P0 = size_of(c, "P0"), P1 = P / P0;
  const unsigned char *bm = c->maskbits[tensor_of(c, "BM")];
  const double *Q = v->data[tensor_of(c, "Q")], *K = v->data[tensor_of(c, "K")];
  const double *V = v->data[tensor_of(c, "V")], *AV = v->data[tensor_of(c, "AV")];
  double err = 0;
  for (int64_t p = 0; p < P; p++) {
    double sc[64], mx = -INFINITY;
    for (int64_t m = 0; m < M; m++) {
      if (!bm[(m / M0) * P1 + p / P0] || (causal && m > p)) continue;
      sc[m] = 0;
      for (int64_t e = 0; e < E; e++) sc[m] += Q[e * P + p] * K[e * M + m];
      if (sc[m] > mx) mx = sc[m];
    }
    for (int64_t f = 0; f < F; f++) {
      double num = 0, den = 0;
      for (int64_t m = 0; m < M; m++) {
        if (!bm[(m / M0) * P1 + p / P0] || (causal && m > p)) continue;
        num += exp(sc[m] - mx) * V[f * M + m];
        den += exp(sc[m] - mx);
      }
      worse(&err, AV[f * P + p], num / den);
    }
  }
  return err;
}

static double sparse_err(const es_cascade *c, const es_values *v) { return sparse_err_with(c, v, 0); }
static double causal_sparse_err(const es_cascade *c, const es_values *v) { return sparse_err_with(c, v, 1); }

static uint64_t active_blocks(const es_cascade *c) {
  uint64_t n = 0, blocks = (uint64_t)(size_of(c, "M1") * size_of(c, "P1"));
  const unsigned char *bm = c->maskbits[tensor_of(c, "BM")];
  for (uint64_t i = 0; i < blocks; i++) n += bm[i] != 0;
  return n;
}

static void test_sparse_values(void **s) {
  (void)s;
  static const char *const sizes[] = {
    "E=4,F=3,M=32,P=16,M0=4,P0=4,DENSITY=0.25", "E=3,F=2,M=24,P=12,M0=3,P0=4,DENSITY=0.5",
    "E=2,F=2,M=16,P=8,M0=2,P0=2,DENSITY=0.1", "E=2,F=2,M=16,P=8,M0=4,P0=2,DENSITY=1",
  };
  check_values("blocksparse-1pass", sizes, sizeof sizes / sizeof sizes[0], sparse_err);
}

/* M1 = 16 key tiles, P1 = 8 query tiles: density d keeps k = round(16 d)
** key tiles per query tile (at least one), so k * 8 active blocks; every
** active block is M0*P0 = 64*32 scores of E multiplies and nothing else
** runs: BQK's multiplies are exactly active * 64 * 32 * E, and the steps
** (RM's max) active * P0. */
static void test_sparse_work(void **s) {
  (void)s;
  static const struct { const char *d; uint64_t k; } dens[] = {
    { "0.05", 1 }, { "0.1", 2 }, { "0.25", 4 }, { "0.5", 8 }, { "0.8", 13 }, { "1", 16 } };
  es_cascade *c = load_cascade("blocksparse-1pass");
  for (size_t i = 0; i < sizeof dens / sizeof dens[0]; i++) {
    char spec[128];
    snprintf(spec, sizeof spec, "E=16,F=16,M=1K,P=256,M0=64,P0=32,DENSITY=%s", dens[i].d);
    bind_sizes(c, spec);
    uint64_t active = active_blocks(c);
    assert_int_equal(active, dens[i].k * 8);
    assert_int_equal(ops_of(c, "BQK", ES_K_MUL), active * 64 * 32 * 16);
    assert_int_equal(ops_of(c, "SLN", ES_K_EXP), active * 64 * 32);
    assert_int_equal(ops_of(c, "RM", ES_K_MAX), active * 32);
  }
  es_free(c);
}

/* The fixed patterns, causal inside the diagonal tile (M0 = P0 = B). */
static void test_pattern_values(void **s) {
  (void)s;
  static const char *const streaming[] = {
    "E=3,F=2,M=16,P=16,M0=4,P0=4,SINK=1,WIN=2", "E=2,F=2,M=24,P=24,M0=3,P0=3,SINK=2,WIN=1",
    "E=2,F=2,M=12,P=12,M0=4,P0=4,SINK=5,WIN=9",
  };
  static const char *const strided[] = {
    "E=3,F=2,M=16,P=16,M0=4,P0=4,STRIDE=2", "E=2,F=2,M=27,P=27,M0=3,P0=3,STRIDE=4",
    "E=2,F=2,M=8,P=8,M0=1,P0=1,STRIDE=3",
  };
  check_values("streaming-1pass", streaming, sizeof streaming / sizeof streaming[0], causal_sparse_err);
  check_values("strided-1pass", strided, sizeof strided / sizeof strided[0], causal_sparse_err);
}

/* T = 4 tiles of B = 4 tokens.  Streaming, SINK = 1, WIN = 2: query tile
** p1 keeps key tiles {0}, {0,1}, {0,1,2}, {0,2,3}: 9 blocks, each full
** (16 scores) but the diagonal one, cut by m <= p to B(B+1)/2 = 10, so
** 10 + (16+10) + (2*16+10) + (2*16+10) = 120 scores.  Strided, STRIDE = 2:
** {0}, {1}, {0,2}, {1,3}: 6 blocks, 10 + 10 + 26 + 26 = 72 scores. */
static void test_pattern_work(void **s) {
  (void)s;
  es_cascade *c = load_cascade("streaming-1pass");
  bind_sizes(c, "E=1,F=1,M=16,P=16,M0=4,P0=4,SINK=1,WIN=2");
  assert_int_equal(active_blocks(c), 9);
  assert_int_equal(ops_of(c, "BQK", ES_K_MUL), 120);
  /* 128K tokens in tiles of 64, SINK = 1, WIN = 4: tiles p1 >= 4 keep the
     sink, 3 full window tiles and the diagonal (4*4096 + 2080 scores);
     p1 = 0..3 keep p1 full tiles and the diagonal */
  bind_sizes(c, "E=1,F=1,M=128K,P=128K,M0=64,P0=64,SINK=1,WIN=4");
  assert_int_equal(ops_of(c, "SLN", ES_K_EXP), 2044ull * (4 * 4096 + 2080) + 4 * 2080 + 6 * 4096);
  es_free(c);
  c = load_cascade("strided-1pass");
  bind_sizes(c, "E=1,F=1,M=16,P=16,M0=4,P0=4,STRIDE=2");
  assert_int_equal(active_blocks(c), 6);
  assert_int_equal(ops_of(c, "BQK", ES_K_MUL), 72);
  es_free(c);
}

/* A mask read from a pattern file: tests/einsum/patterns/causal4x4.txt
** sets the 4+3+2+1 = 10 blocks on and above the tile diagonal, each
** M0*P0 = 16 scores; the values match masked softmax over those blocks.
** A rebind at the same sizes keeps the pattern; at others it must be
** loaded again. */
static void test_file_mask(void **s) {
  (void)s;
  const char *dir = ATTNSIM_SOURCE_DIR "/tests/einsum/patterns/";
  char path[512];
  snprintf(path, sizeof path, "%sfile-mask.einsum", dir);
  es_cascade *c;
  at_err e;
  if (es_load(path, &c, &e)) fail_msg("%s", e.msg);
  bind_sizes(c, "E=3,F=2,M=16,P=16,M0=4,P0=4");
  uint64_t n;
  assert_int_equal(es_points(c, einsum_of(c, "BQK"), NULL, &n, &e), -1);
  assert_non_null(strstr(e.msg, "mask BM has no pattern"));
  snprintf(path, sizeof path, "%scausal4x4.txt", dir);
  if (es_mask_load(c, "BM", path, &e)) fail_msg("%s", e.msg);
  assert_int_equal(active_blocks(c), 10);
  assert_int_equal(ops_of(c, "SLN", ES_K_EXP), 160);
  es_values v = eval(c, 4);
  double err = sparse_err(c, &v);
  if (!(err <= 1e-9)) fail_msg("file mask: error %g", err);
  es_values_free(&v);
  bind_sizes(c, "E=2,F=2,M=16,P=16,M0=4,P0=4");
  assert_int_equal(ops_of(c, "SLN", ES_K_EXP), 160);
  bind_sizes(c, "E=2,F=2,M=16,P=8,M0=4,P0=4");
  assert_int_equal(es_points(c, einsum_of(c, "BQK"), NULL, &n, &e), -1);
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gqa_values),
    cmocka_unit_test(test_gqa_counts),
    cmocka_unit_test(test_gqa_decode_values),
    cmocka_unit_test(test_mla_values),
    cmocka_unit_test(test_mla_counts),
    cmocka_unit_test(test_linear_values),
    cmocka_unit_test(test_linear_counts),
    cmocka_unit_test(test_sparse_values),
    cmocka_unit_test(test_sparse_work),
    cmocka_unit_test(test_pattern_values),
    cmocka_unit_test(test_pattern_work),
    cmocka_unit_test(test_file_mask),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
