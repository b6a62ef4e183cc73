/*
** test_eval.c: is the value right?  Every attention cascade must agree with
** es_attention_ref (plain softmax attention, computed without any cascade)
** to 1e-9 at several sizes, including M0 = M and M0 = 1, and several seeds;
** the reference itself is checked on cases worked by hand; the language's
** semantics (implicit sums, split addressing, iterative slices) are checked
** on small cascades whose values are computed here independently.
*/
#include "es_test.h"

#include <stdlib.h>

#define BIG (64u << 20)       /* element budget, as the CLI's default */

static es_values eval(const es_cascade *c, uint64_t seed) {
  es_values v;
  at_err e;
  if (es_eval(c, seed, BIG, &v, &e)) fail_msg("%s", e.msg);
  assert_int_equal(v.ntensors, c->ntensors);
  return v;
}

static const double *val(const es_cascade *c, const es_values *v, const char *t) {
  return v->data[tensor_of(c, t)];
}

/* ---- the reference ------------------------------------------------------ */

/* One key: softmax is 1, so AV = V.  Two keys with scores 0 and log 3:
** weights 1/4 and 3/4. */
static void test_reference_by_hand(void **s) {
  (void)s;
  double Q1[] = { 0.7 }, K1[] = { -2.0 }, V1[] = { 0.25, -4.0 }, AV1[2];
  es_attention_ref(Q1, K1, V1, 1, 2, 1, 1, AV1);
  assert_near(AV1[0], 0.25, 0);
  assert_near(AV1[1], -4.0, 0);
  double Q2[] = { 1.0 }, K2[] = { 0.0, log(3.0) }, V2[] = { 8.0, 4.0 }, AV2[1];
  es_attention_ref(Q2, K2, V2, 1, 1, 2, 1, AV2);
  assert_near(AV2[0], 8.0 * 0.25 + 4.0 * 0.75, 1e-15);
  /* no 1/sqrt(E) scale: E=4, Q=K=1 gives scores 4 and 0 (second key 0) */
  double Q3[] = { 1, 1, 1, 1 }, K3[] = { 1, 0, 1, 0, 1, 0, 1, 0 }, V3[] = { 1, 0 }, AV3[1];
  es_attention_ref(Q3, K3, V3, 4, 1, 2, 1, AV3);
  assert_near(AV3[0], exp(4.0) / (exp(4.0) + 1.0), 1e-15);
}

/* ---- attention cascades against the reference --------------------------- */

static const struct { int64_t E, F, M, P, M0; } sizes[] = {
  { 1, 1, 1, 1, 1 },
  { 2, 3, 8, 5, 4 },
  { 4, 4, 8, 3, 8 },      /* M0 = M: one chunk */
  { 4, 4, 8, 3, 1 },      /* M0 = 1: M chunks of one key */
  { 3, 2, 12, 7, 3 },
  { 8, 8, 64, 16, 16 },
  { 8, 8, 64, 16, 64 },   /* M0 = M */
  { 8, 8, 64, 16, 1 },    /* M0 = 1 */
  { 16, 5, 96, 9, 32 },
};
static const uint64_t seeds[] = { 1, 2, 42, 0x9e3779b97f4a7c15ull };

static void agree_with_reference(const char *cascade) {
  es_cascade *c = load_cascade(cascade);
  int split = es_find_rank(c, "M0") >= 0;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    char spec[128];
    snprintf(spec, sizeof spec, "E=%lld,F=%lld,M=%lld,P=%lld", (long long)sizes[i].E,
             (long long)sizes[i].F, (long long)sizes[i].M, (long long)sizes[i].P);
    if (split) snprintf(spec + strlen(spec), sizeof spec - strlen(spec), ",M0=%lld", (long long)sizes[i].M0);
    bind_sizes(c, spec);
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
      es_values v = eval(c, seeds[k]);
      size_t n = (size_t)(sizes[i].F * sizes[i].P);
      double *ref = malloc(sizeof(double) * n);
      assert_non_null(ref);
      es_attention_ref(val(c, &v, "Q"), val(c, &v, "K"), val(c, &v, "V"), sizes[i].E, sizes[i].F,
                       sizes[i].M, sizes[i].P, ref);
      const double *av = val(c, &v, "AV");
      assert_int_equal(v.len[tensor_of(c, "AV")], n);
      for (size_t j = 0; j < n; j++)
        if (!(fabs(av[j] - ref[j]) <= 1e-9))
          fail_msg("%s at %s seed %llu: AV[%zu] = %.17g, reference %.17g", cascade, spec,
                   (unsigned long long)seeds[k], j, av[j], ref[j]);
      free(ref);
      es_values_free(&v);
    }
  }
  es_free(c);
}

static void test_attention_3pass(void **s) { (void)s; agree_with_reference("attention-3pass"); }
static void test_attention_deferred_div(void **s) { (void)s; agree_with_reference("attention-deferred-div"); }
static void test_attention_2pass(void **s) { (void)s; agree_with_reference("attention-2pass"); }
static void test_attention_1pass(void **s) { (void)s; agree_with_reference("attention-1pass"); }

/* The comparison can fail: 1-pass attention without rescaling the running
** numerator by PRM is wrong as soon as there are two chunks. */
static void test_wrong_cascade_disagrees(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks E F M P\n"
    "input Q[e,p] K[e,m] V[f,m]\n"
    "split m = m1 * m0\n"
    "iterate m1\n"
    "init RM[0,p] = -inf\n"
    "init RD[0,p] = 0\n"
    "init RNV[f,0,p] = 0\n"
    "BQK[m1,m0,p] = Q[e,p] * K[e,m1,m0]\n"
    "LM[m1,p] = max(m0: BQK[m1,m0,p])\n"
    "RM[m1+1,p] = max(RM[m1,p], LM[m1,p])\n"
    "SLN[m1,m0,p] = exp(BQK[m1,m0,p] - RM[m1+1,p])\n"
    "SLD[m1,p] = sum(m0: SLN[m1,m0,p])\n"
    "SLNV[f,m1,p] = SLN[m1,m0,p] * V[f,m1,m0]\n"
    "PRM[m1,p] = exp(RM[m1,p] - RM[m1+1,p])\n"
    "RD[m1+1,p] = SLD[m1,p] + RD[m1,p] * PRM[m1,p]\n"
    "RNV[f,m1+1,p] = SLNV[f,m1,p] + RNV[f,m1,p]\n"
    "output AV[f,p] = RNV[f,M1,p] / RD[M1,p]\n");
  bind_sizes(c, "E=4,F=3,M=8,P=5,M0=2");
  es_values v = eval(c, 1);
  double ref[15], err = 0;
  es_attention_ref(val(c, &v, "Q"), val(c, &v, "K"), val(c, &v, "V"), 4, 3, 8, 5, ref);
  for (int j = 0; j < 15; j++) err = fmax(err, fabs(val(c, &v, "AV")[j] - ref[j]));
  if (!(err > 1e-3)) fail_msg("missing rescale not detected: max_abs_err %g", err);
  es_values_free(&v);
  es_free(c);
}

/* ---- semantics ---------------------------------------------------------- */

/* Inputs are filled in declaration order from the seed: the same seed gives
** the same values, another seed others, all in [-1, 1). */
static void test_seeded_inputs(void **s) {
  (void)s;
  es_cascade *c = load_cascade("gemm");
  bind_sizes(c, "K=3,M=4,N=5");
  es_values a = eval(c, 7), b = eval(c, 7), d = eval(c, 8);
  int A = tensor_of(c, "A"), B = tensor_of(c, "B");
  assert_memory_equal(a.data[A], b.data[A], sizeof(double) * 12);
  assert_memory_equal(a.data[B], b.data[B], sizeof(double) * 15);
  assert_memory_not_equal(a.data[A], d.data[A], sizeof(double) * 12);
  at_rng rng = { 7 };
  for (int i = 0; i < 12; i++) assert_near(a.data[A][i], at_rng_sym(&rng), 0);
  for (int i = 0; i < 15; i++) assert_near(a.data[B][i], at_rng_sym(&rng), 0);
  for (int i = 0; i < 12; i++) assert_true(a.data[A][i] >= -1 && a.data[A][i] < 1);
  es_values_free(&a);
  es_values_free(&b);
  es_values_free(&d);
  es_free(c);
}

/* gemm: Z[m,n] = sum_k A[k,m] * B[k,n]. */
static void test_gemm(void **s) {
  (void)s;
  es_cascade *c = load_cascade("gemm");
  bind_sizes(c, "K=3,M=4,N=5");
  es_values v = eval(c, 3);
  const double *A = val(c, &v, "A"), *B = val(c, &v, "B"), *Z = val(c, &v, "Z");
  for (int m = 0; m < 4; m++)
    for (int n = 0; n < 5; n++) {
      double z = 0;
      for (int k = 0; k < 3; k++) z += A[k * 4 + m] * B[k * 5 + n];
      assert_near(Z[m * 5 + n], z, 1e-15);
    }
  es_values_free(&v);
  es_free(c);
}

/* cascade1 and cascade2 compute the same Z = (A.B) * sum(A). */
static void test_cascades_1_2(void **s) {
  (void)s;
  double z[2];
  for (int i = 0; i < 2; i++) {
    es_cascade *c = load_cascade(i ? "cascade2" : "cascade1");
    bind_sizes(c, "K=9");
    es_values v = eval(c, 11);
    const double *A = val(c, &v, "A"), *B = val(c, &v, "B");
    double ab = 0, sa = 0;
    for (int k = 0; k < 9; k++) { ab += A[k] * B[k]; sa += A[k]; }
    z[i] = val(c, &v, "Z")[0];
    assert_near(z[i], ab * sa, 1e-14);
    es_values_free(&v);
    es_free(c);
  }
  assert_near(z[0], z[1], 1e-14);
}

/* cascade3 as published starts RY and RZ at 0, so its first step computes
** RZ[0] * RY[1] / RY[0] = 0 * x / 0: Z is NaN (documented in its header
** and einsum/README.md; do not "fix" it silently). */
static void test_cascade3_is_nan(void **s) {
  (void)s;
  es_cascade *c = load_cascade("cascade3");
  bind_sizes(c, "K=4");
  es_values v = eval(c, 1);
  assert_true(isnan(val(c, &v, "Z")[0]));
  assert_true(isnan(val(c, &v, "RZ")[1]));
  assert_near(val(c, &v, "RZ")[0], 0, 0);
  es_values_free(&v);
  es_free(c);
}

/* Ranks only on the right, outside any reduction, are summed over the whole
** right-hand side: Z[p] = sum_q (A[p] + B[q]) = Q*A[p] + sum_q B[q]. */
static void test_implicit_sum_covers_whole_rhs(void **s) {
  (void)s;
  es_cascade *c = parse_text("ranks P Q\ninput A[p] B[q]\noutput Z[p] = A[p] + B[q]\n");
  bind_sizes(c, "P=3,Q=4");
  es_values v = eval(c, 5);
  const double *A = val(c, &v, "A"), *B = val(c, &v, "B"), *Z = val(c, &v, "Z");
  double sb = B[0] + B[1] + B[2] + B[3];
  for (int p = 0; p < 3; p++) assert_near(Z[p], 4 * A[p] + sb, 1e-15);
  es_values_free(&v);
  es_free(c);
}

/* K[e,m1,m0] is K[e, m1*M0 + m0]; a tensor defined on m1,m0 keeps them as
** two dims, stored row-major in the order written. */
static void test_split_addressing(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks E M\n"
    "input K[e,m]\n"
    "split m = m1 * m0\n"
    "output T[m0,e,m1] = K[e,m1,m0]\n");
  bind_sizes(c, "E=2,M=6,M0=3");
  es_values v = eval(c, 2);
  const double *K = val(c, &v, "K"), *T = val(c, &v, "T");
  assert_int_equal(v.len[tensor_of(c, "T")], 12);
  for (int e = 0; e < 2; e++)
    for (int m1 = 0; m1 < 2; m1++)
      for (int m0 = 0; m0 < 3; m0++)
        assert_near(T[(m0 * 2 + e) * 2 + m1], K[e * 6 + m1 * 3 + m0], 0);
  es_values_free(&v);
  es_free(c);
}

/* An iterative tensor holds slices 0..size: init writes [0], the Einsum
** writes [k+1] from [k], and [K] is the final slice. */
static void test_iterative_slices(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks K P\n"
    "input A[k,p]\n"
    "iterate k\n"
    "init R[0,p] = 5\n"
    "R[k+1,p] = R[k,p] * 2 + A[k,p]\n"
    "output Z[p] = R[K,p]\n");
  bind_sizes(c, "K=4,P=3");
  es_values v = eval(c, 9);
  const double *A = val(c, &v, "A"), *R = val(c, &v, "R"), *Z = val(c, &v, "Z");
  assert_int_equal(v.len[tensor_of(c, "R")], 5 * 3);
  for (int p = 0; p < 3; p++) {
    double r = 5;
    assert_near(R[0 * 3 + p], 5, 0);
    for (int k = 0; k < 4; k++) {
      r = r * 2 + A[k * 3 + p];
      assert_near(R[(k + 1) * 3 + p], r, 1e-15);
    }
    assert_near(Z[p], r, 1e-15);
  }
  es_values_free(&v);
  es_free(c);
}

/* Reductions: sum, max and min over several indices; max/min of two. */
static void test_reductions(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks P Q R\n"
    "input A[p,q,r]\n"
    "S[p] = sum(q, r: A[p,q,r])\n"
    "X[r] = max(p, q: A[p,q,r])\n"
    "N[q] = min(p, r: A[p,q,r])\n"
    "output Z[p,q] = max(A[p,q,r], 0) - min(A[p,q,r], 0)\n"
    "output Y[p] = S[p] + X[r] + N[q]\n");
  bind_sizes(c, "P=2,Q=3,R=4");
  es_values v = eval(c, 4);
  const double *A = val(c, &v, "A");
#define AT(p, q, r) A[((p) * 3 + (q)) * 4 + (r)]
  double sx = 0, sn = 0;
  for (int r = 0; r < 4; r++) {
    double x = -INFINITY;
    for (int p = 0; p < 2; p++) for (int q = 0; q < 3; q++) x = fmax(x, AT(p, q, r));
    assert_near(val(c, &v, "X")[r], x, 0);
    sx += x;
  }
  for (int q = 0; q < 3; q++) {
    double n = INFINITY;
    for (int p = 0; p < 2; p++) for (int r = 0; r < 4; r++) n = fmin(n, AT(p, q, r));
    assert_near(val(c, &v, "N")[q], n, 0);
    sn += n;
  }
  for (int p = 0; p < 2; p++) {
    double sp = 0;
    for (int q = 0; q < 3; q++) {
      double z = 0;             /* sum over r of max(a,0) - min(a,0) = |a| */
      for (int r = 0; r < 4; r++) { sp += AT(p, q, r); z += fabs(AT(p, q, r)); }
      assert_near(val(c, &v, "Z")[p * 3 + q], z, 1e-15);
    }
    assert_near(val(c, &v, "S")[p], sp, 1e-14);
    /* Y[p] = sum over q, r of (S[p] + X[r] + N[q]) */
    assert_near(val(c, &v, "Y")[p], 12 * sp + 3 * sx + 4 * sn, 1e-13);
  }
#undef AT
  es_values_free(&v);
  es_free(c);
}

/* The memory guard refuses, with a message, before allocating. */
static void test_element_budget(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-3pass");
  bind_sizes(c, "E=64,F=64,M=8K,P=8K");  /* QK alone is 64M elements */
  es_values v;
  at_err e;
  assert_int_equal(es_eval(c, 1, BIG, &v, &e), -1);
  assert_string_equal(e.msg, CASCADES "attention-3pass.einsum: evaluating needs more than "
                      "67108864 tensor elements at these sizes; use smaller sizes");
  assert_null(v.data);
  es_values_free(&v);                   /* harmless on a refused result */
  es_free(c);
  c = load_cascade("gemm");
  assert_int_equal(es_eval(c, 1, BIG, &v, &e), -1);
  assert_string_equal(e.msg, CASCADES "gemm.einsum: eval needs every rank's size");
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reference_by_hand),
    cmocka_unit_test(test_attention_3pass),
    cmocka_unit_test(test_attention_deferred_div),
    cmocka_unit_test(test_attention_2pass),
    cmocka_unit_test(test_attention_1pass),
    cmocka_unit_test(test_wrong_cascade_disagrees),
    cmocka_unit_test(test_seeded_inputs),
    cmocka_unit_test(test_gemm),
    cmocka_unit_test(test_cascades_1_2),
    cmocka_unit_test(test_cascade3_is_nan),
    cmocka_unit_test(test_implicit_sum_covers_whole_rhs),
    cmocka_unit_test(test_split_addressing),
    cmocka_unit_test(test_iterative_slices),
    cmocka_unit_test(test_reductions),
    cmocka_unit_test(test_element_budget),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
