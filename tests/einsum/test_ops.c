/*
** test_ops.c: are the operation counts right?  Every expected number below
** is derived by hand in the comment beside it from the conventions of
** einsum.h: subtraction counts as add; a reduction over n elements counts n
** operations (an implicit sum too: one add per product); no hoisting, so
** every operator runs once per point of its enclosing iteration space.
** Counts are exact 64-bit integers, and overflow is reported, not wrapped.
*/
#include "es_test.h"

enum { MUL, ADD, MAX, MIN, EXP, DIV, NEG };

/* Expected counts in es_kind order: mul add max min exp div neg. */
static void expect_ops(const es_cascade *c, const char *tensor, int init,
                       uint64_t mul, uint64_t add, uint64_t max, uint64_t min,
                       uint64_t ex, uint64_t div, uint64_t neg) {
  int t = tensor_of(c, tensor);
  int i = init ? c->tensors[t].init : c->tensors[t].def;
  assert_true(i >= 0);
  const uint64_t want[ES_K_COUNT] = { mul, add, max, min, ex, div, neg };
  uint64_t got[ES_K_COUNT];
  at_err e;
  if (es_op_counts(c, i, got, &e)) fail_msg("%s", e.msg);
  for (int k = 0; k < ES_K_COUNT; k++)
    if (got[k] != want[k])
      fail_msg("%s%s: %s = %llu, expected %llu", init ? "init " : "", tensor, es_kind_name[k],
               (unsigned long long)got[k], (unsigned long long)want[k]);
}

static void test_kind_names(void **s) {
  (void)s;
  static const char *const names[] = { "mul", "add", "max", "min", "exp", "div", "neg" };
  for (int k = 0; k < ES_K_COUNT; k++) assert_string_equal(es_kind_name[k], names[k]);
  assert_int_equal(ES_K_MUL, MUL);
  assert_int_equal(ES_K_NEG, NEG);
}

/* E=2, F=3, M=4, P=5. */
static void test_attention_3pass(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-3pass");
  bind_sizes(c, "E=2,F=3,M=4,P=5");
  /* QK[m,p] = Q[e,p]*K[e,m]: space m,p | sum e = 4*5*2 = 40 points, one
     mul and one add (the implicit sum) each. */
  expect_ops(c, "QK", 0, 40, 40, 0, 0, 0, 0, 0);
  /* GM[p] = max(m: QK): a reduction over M*P = 20 elements. */
  expect_ops(c, "GM", 0, 0, 0, 20, 0, 0, 0, 0);
  /* SN[m,p] = exp(QK - GM): 20 points, a subtraction (add) and an exp. */
  expect_ops(c, "SN", 0, 0, 20, 0, 0, 20, 0, 0);
  /* SD[p] = sum(m: SN): 20 adds. */
  expect_ops(c, "SD", 0, 0, 20, 0, 0, 0, 0, 0);
  /* A[m,p] = SN / SD: M*P = 20 divisions. */
  expect_ops(c, "A", 0, 0, 0, 0, 0, 0, 20, 0);
  /* AV[f,p] = A[m,p]*V[f,m]: space f,p | sum m = 3*5*4 = 60. */
  expect_ops(c, "AV", 0, 60, 60, 0, 0, 0, 0, 0);
  es_free(c);
}

/* Deferring the division: F*P = 15 divisions instead of M*P = 20. */
static void test_deferred_div(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-deferred-div");
  bind_sizes(c, "E=2,F=3,M=4,P=5");
  /* SNV[f,p] = SN[m,p]*V[f,m]: space f,p | sum m = 60. */
  expect_ops(c, "SNV", 0, 60, 60, 0, 0, 0, 0, 0);
  expect_ops(c, "AV", 0, 0, 0, 0, 0, 0, 15, 0);
  es_free(c);
}

/* E=2, F=3, M=8, P=5, M0=4, so M1=2. */
static void test_attention_1pass(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  bind_sizes(c, "E=2,F=3,M=8,P=5,M0=4");
  /* inits set constants: no operations (-inf is a constant, not a negation) */
  expect_ops(c, "RM", 1, 0, 0, 0, 0, 0, 0, 0);
  expect_ops(c, "RD", 1, 0, 0, 0, 0, 0, 0, 0);
  expect_ops(c, "RNV", 1, 0, 0, 0, 0, 0, 0, 0);
  /* BQK[m1,m0,p] = Q[e,p]*K[e,m1,m0]: space m1,m0,p | sum e = 2*4*5*2 = 80. */
  expect_ops(c, "BQK", 0, 80, 80, 0, 0, 0, 0, 0);
  /* LM[m1,p] = max(m0: BQK): M1*P points, each over M0: 2*5*4 = 40 max. */
  expect_ops(c, "LM", 0, 0, 0, 40, 0, 0, 0, 0);
  /* RM[m1+1,p] = max(RM, LM): the space is m1,p = 10 (not M1+1). */
  expect_ops(c, "RM", 0, 0, 0, 10, 0, 0, 0, 0);
  /* SLN = exp(BQK - RM): 40 points, one add and one exp each. */
  expect_ops(c, "SLN", 0, 0, 40, 0, 0, 40, 0, 0);
  /* SLD[m1,p] = sum(m0: SLN): 40 adds. */
  expect_ops(c, "SLD", 0, 0, 40, 0, 0, 0, 0, 0);
  /* SLNV[f,m1,p] = SLN*V: space f,m1,p | sum m0 = 3*2*5*4 = 120. */
  expect_ops(c, "SLNV", 0, 120, 120, 0, 0, 0, 0, 0);
  /* PRM[m1,p] = exp(RM[m1] - RM[m1+1]): 10 adds, 10 exps. */
  expect_ops(c, "PRM", 0, 0, 10, 0, 0, 10, 0, 0);
  expect_ops(c, "SPD", 0, 10, 0, 0, 0, 0, 0, 0);
  expect_ops(c, "RD", 0, 0, 10, 0, 0, 0, 0, 0);
  /* SPNV, RNV: space f,m1,p = 30. */
  expect_ops(c, "SPNV", 0, 30, 0, 0, 0, 0, 0, 0);
  expect_ops(c, "RNV", 0, 0, 30, 0, 0, 0, 0, 0);
  /* AV[f,p] = RNV[f,M1,p] / RD[M1,p]: 15 divisions. */
  expect_ops(c, "AV", 0, 0, 0, 0, 0, 0, 15, 0);
  es_free(c);
}

/* K=5. */
static void test_cascades(void **s) {
  (void)s;
  es_cascade *c = load_cascade("cascade1");
  bind_sizes(c, "K=5");
  expect_ops(c, "Y", 0, 5, 5, 0, 0, 0, 0, 0);   /* sum_k A*B */
  expect_ops(c, "Z", 0, 5, 5, 0, 0, 0, 0, 0);   /* sum_k Y*A: Y is multiplied 5 times */
  es_free(c);
  c = load_cascade("cascade2");
  bind_sizes(c, "K=5");
  expect_ops(c, "X", 0, 0, 5, 0, 0, 0, 0, 0);   /* X = A[k]: the implicit sum alone */
  expect_ops(c, "Y", 0, 5, 5, 0, 0, 0, 0, 0);
  expect_ops(c, "Z", 0, 1, 0, 0, 0, 0, 0, 0);   /* the deferred multiply: once */
  es_free(c);
  c = load_cascade("cascade3");
  bind_sizes(c, "K=5");
  /* RY[k+1] = RY[k] + A*B: 5 steps, one add and one mul each */
  expect_ops(c, "RY", 0, 5, 5, 0, 0, 0, 0, 0);
  /* RZ[k+1] = RZ*RY[k+1]/RY[k] + RY[k+1]*A: two muls, a div and an add a step */
  expect_ops(c, "RZ", 0, 10, 5, 0, 0, 0, 5, 0);
  expect_ops(c, "Z", 0, 0, 0, 0, 0, 0, 0, 0);
  es_free(c);
  c = load_cascade("gemm");
  bind_sizes(c, "K=3,M=4,N=5");
  expect_ops(c, "Z", 0, 60, 60, 0, 0, 0, 0, 0); /* M*N*K */
  es_free(c);
}

/* The conventions one at a time, at P=3, Q=4, R=2. */
static void test_conventions(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks P Q R\n"
    "input A[p,q] B[p] C[r]\n"
    "S1[p] = sum(q: A[p,q])\n"               /* n elements, n adds: 12 (not 9) */
    "S2[p] = sum(q: A[p,q] * B[p])\n"        /* B[p] not hoisted: 12 muls */
    "S3[p] = B[p] * C[r]\n"                  /* implicit sum over r: 6 muls, 6 adds */
    "S4[p] = sum(q: A[p,q]) * C[r]\n"        /* the reduction runs per r: 24 + 6 adds */
    "S5 = max(p: min(q: A[p,q]))\n"          /* 3 max, 12 min */
    "S6[p] = -B[p] - -2 * B[p]\n"            /* 3 neg, 3 sub, 3 mul; -2 is a constant */
    "S7[p] = min(B[p], 0) / max(B[p], -inf)\n"
    "output Z[p] = S1[p] + S2[p] + S3[p] + S4[p] + S5 + S6[p] + S7[p]\n");
  bind_sizes(c, "P=3,Q=4,R=2");
  expect_ops(c, "S1", 0, 0, 12, 0, 0, 0, 0, 0);
  expect_ops(c, "S2", 0, 12, 12, 0, 0, 0, 0, 0);
  expect_ops(c, "S3", 0, 6, 6, 0, 0, 0, 0, 0);
  expect_ops(c, "S4", 0, 6, 30, 0, 0, 0, 0, 0);
  expect_ops(c, "S5", 0, 0, 0, 3, 12, 0, 0, 0);
  expect_ops(c, "S6", 0, 3, 3, 0, 0, 0, 0, 3);
  expect_ops(c, "S7", 0, 0, 0, 3, 3, 0, 3, 0);
  expect_ops(c, "Z", 0, 0, 18, 0, 0, 0, 0, 0);  /* 6 adds at 3 points */
  uint64_t pts;
  at_err e;
  assert_int_equal(es_space_points(c, einsum_of(c, "S4"), &pts, &e), 0);
  assert_int_equal(pts, 6);                     /* p, r: the reduction's q is not in the space */
  es_free(c);
}

/* Batched QK at the paper's largest workload: B=64 batch, H=16 heads,
** E=64, M=P=1M tokens: 2^6 * 2^4 * 2^6 * 2^20 * 2^20 = 2^56 points, exact. */
static const char batched_qk[] =
  "ranks B H E M P\n"
  "input Q[b,h,e,p] K[b,h,e,m]\n"
  "output QK[b,h,m,p] = Q[b,h,e,p] * K[b,h,e,m]\n"
  "output QK2[b,h,m,p] = Q[b,h,e,p] * K[b,h,e,m] * 2\n";

static void test_batch_scale_counts_exact(void **s) {
  (void)s;
  es_cascade *c = parse_text(batched_qk);
  bind_sizes(c, "B=64,H=16,E=64,M=1M,P=1M");
  const uint64_t n = (uint64_t)1 << 56;
  expect_ops(c, "QK", 0, n, n, 0, 0, 0, 0, 0);
  expect_ops(c, "QK2", 0, 2 * n, n, 0, 0, 0, 0, 0);
  /* M=16M keys, P=8M queries: 2^16 * 2^24 * 2^23 = 2^63 points still fit */
  bind_sizes(c, "B=64,H=16,E=64,M=16M,P=8M");
  expect_ops(c, "QK", 0, n << 7, n << 7, 0, 0, 0, 0, 0);
  es_free(c);
}

static void test_overflow_detected(void **s) {
  (void)s;
  es_cascade *c = parse_text(batched_qk);
  uint64_t k[ES_K_COUNT], pts;
  at_err e;
  /* 2^63 points: QK2's two muls a point are 2^64, the count overflows */
  bind_sizes(c, "B=64,H=16,E=64,M=16M,P=8M");
  assert_int_equal(es_op_counts(c, einsum_of(c, "QK2"), k, &e), -1);
  assert_string_equal(e.msg, "inline.einsum: operation count overflows 64 bits at these sizes");
  /* M=P=16M: the space itself, 2^64 points, overflows */
  bind_sizes(c, "B=64,H=16,E=64,M=16M,P=16M");
  assert_int_equal(es_space_points(c, einsum_of(c, "QK"), &pts, &e), -1);
  assert_int_equal(es_op_counts(c, einsum_of(c, "QK"), k, &e), -1);
  assert_string_equal(e.msg, "inline.einsum: operation count overflows 64 bits at these sizes");
  es_free(c);
  /* an overflow inside a reduction's own count, with a small space */
  c = parse_text("ranks P Q R S\ninput A[p,q,r,s]\noutput Z[p] = sum(q, r, s: A[p,q,r,s])\n");
  bind_sizes(c, "P=16,Q=1G,R=1G,S=1G");   /* 2^4 * 2^90 */
  assert_int_equal(es_space_points(c, 0, &pts, &e), 0);
  assert_int_equal(pts, 16);
  assert_int_equal(es_op_counts(c, 0, k, &e), -1);
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_kind_names),
    cmocka_unit_test(test_attention_3pass),
    cmocka_unit_test(test_deferred_div),
    cmocka_unit_test(test_attention_1pass),
    cmocka_unit_test(test_cascades),
    cmocka_unit_test(test_conventions),
    cmocka_unit_test(test_batch_scale_counts_exact),
    cmocka_unit_test(test_overflow_detected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
