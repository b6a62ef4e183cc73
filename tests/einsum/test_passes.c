/*
** test_passes.c: does each cascade traverse each rank the number of times
** the FuseMax paper says (reference/fusemax.md sections 1 and 2), and does
** each Einsum land in the right pass?  Passes are computed without sizes.
*/
#include "es_test.h"

#include <stdlib.h>

static int passes(const es_cascade *c, const char *rank) {
  return es_passes(c, rank_of(c, rank));
}

/* The pass in which the Einsum defining `tensor` runs over `rank`. */
static int pass_of(const es_cascade *c, const char *rank, const char *tensor) {
  int *pass = malloc(sizeof(int) * (size_t)c->neinsums);
  assert_non_null(pass);
  es_pass_of(c, rank_of(c, rank), pass);
  int p = pass[einsum_of(c, tensor)];
  free(pass);
  return p;
}

static void expect_passes(const char *cascade, const char *rank, int want) {
  es_cascade *c = load_cascade(cascade);
  assert_int_equal(c->bound, 0);        /* no sizes needed */
  int got = passes(c, rank);
  if (got != want) fail_msg("%s: passes over %s = %d, expected %d", cascade, rank, got, want);
  es_free(c);
}

/* Acceptance: 3, 2, 2, 1 over M; 2, 1, 1 over K. */
static void test_attention_3pass(void **s) { (void)s; expect_passes("attention-3pass", "M", 3); }
static void test_attention_deferred_div(void **s) { (void)s; expect_passes("attention-deferred-div", "M", 2); }
static void test_attention_2pass(void **s) { (void)s; expect_passes("attention-2pass", "M", 2); }
static void test_attention_1pass(void **s) { (void)s; expect_passes("attention-1pass", "M", 1); }
static void test_cascade1(void **s) { (void)s; expect_passes("cascade1", "K", 2); }
static void test_cascade2(void **s) { (void)s; expect_passes("cascade2", "K", 1); }
static void test_cascade3(void **s) { (void)s; expect_passes("cascade3", "K", 1); }

/* No attention cascade needs a second pass over E, F or P, nor gemm over
** any rank. */
static void test_other_ranks_one_pass(void **s) {
  (void)s;
  static const char *const att[] = { "attention-3pass", "attention-deferred-div",
                                     "attention-2pass", "attention-1pass" };
  for (int i = 0; i < 4; i++) {
    expect_passes(att[i], "E", 1);
    expect_passes(att[i], "F", 1);
    expect_passes(att[i], "P", 1);
  }
  expect_passes("gemm", "K", 1);
  expect_passes("gemm", "M", 1);
  expect_passes("gemm", "N", 1);
}

/* 3-pass: GM needs all of m before SN; SD all of m before A. */
static void test_3pass_each_einsum(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-3pass");
  static const struct { const char *t; int pass; } want[] = {
    { "QK", 1 }, { "GM", 1 }, { "SN", 2 }, { "SD", 2 }, { "A", 3 }, { "AV", 3 } };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (pass_of(c, "M", want[i].t) != want[i].pass)
      fail_msg("%s in pass %d over m, expected %d", want[i].t, pass_of(c, "M", want[i].t), want[i].pass);
  es_free(c);
}

/* Deferred division: SNV joins SD in pass 2; AV does not traverse m. */
static void test_deferred_div_each_einsum(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-deferred-div");
  assert_int_equal(pass_of(c, "M", "SN"), 2);
  assert_int_equal(pass_of(c, "M", "SNV"), 2);
  assert_int_equal(pass_of(c, "M", "AV"), 0);
  es_free(c);
}

/* 2-pass: everything up to the global max GM in pass 1, the rescaling
** sums SD and SNV in pass 2 (they reduce over m1, a part of m). */
static void test_2pass_each_einsum(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-2pass");
  static const struct { const char *t; int pass; } want[] = {
    { "BQK", 1 }, { "LM", 1 }, { "SLN", 1 }, { "SLD", 1 }, { "SLNV", 1 }, { "GM", 1 },
    { "PRM", 2 }, { "SD", 2 }, { "SNV", 2 }, { "AV", 0 } };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    if (pass_of(c, "M", want[i].t) != want[i].pass)
      fail_msg("%s in pass %d over m, expected %d", want[i].t, pass_of(c, "M", want[i].t), want[i].pass);
  es_free(c);
}

/* 1-pass: a reduction over m0 alone (LM, SLD) is used within the same m1
** step; the running state is carried by the iterative rank; only the final
** division, outside the traversal, reads the last slice. */
static void test_1pass_each_einsum(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  static const char *const in_pass1[] = { "BQK", "LM", "RM", "SLN", "SLD", "SLNV",
                                          "PRM", "SPD", "RD", "SPNV", "RNV" };
  for (size_t i = 0; i < sizeof in_pass1 / sizeof in_pass1[0]; i++)
    if (pass_of(c, "M", in_pass1[i]) != 1) fail_msg("%s not in pass 1 over m", in_pass1[i]);
  assert_int_equal(pass_of(c, "M", "AV"), 0);
  es_free(c);
}

/* N reductions in a chain make N+1 passes. */
static void test_chain_of_reductions(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks K\n"
    "input A[k]\n"
    "S1 = A[k]\n"
    "B[k] = A[k] * S1\n"
    "S2 = B[k]\n"
    "output C[k] = A[k] * S2\n");
  assert_int_equal(passes(c, "K"), 3);
  assert_int_equal(pass_of(c, "K", "S1"), 1);
  assert_int_equal(pass_of(c, "K", "B"), 2);
  assert_int_equal(pass_of(c, "K", "S2"), 2);
  assert_int_equal(pass_of(c, "K", "C"), 3);
  es_free(c);
}

/* The final slice of an iterative rank is a value of the whole traversal:
** reading it while traversing that rank again is another pass. */
static void test_final_slice_read_in_traversal(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks K\n"
    "input A[k]\n"
    "iterate k\n"
    "init R[0] = 0\n"
    "R[k+1] = R[k] + A[k]\n"
    "output Z[k] = A[k] / R[K]\n");
  assert_int_equal(passes(c, "K"), 2);
  assert_int_equal(pass_of(c, "K", "R"), 1);
  assert_int_equal(pass_of(c, "K", "Z"), 2);
  es_free(c);
}

/* A reduced value that only flows through Einsums not traversing the rank
** still forces the next traversal into a new pass. */
static void test_reduction_through_other_einsums(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks K\n"
    "input A[k]\n"
    "S = A[k]\n"
    "T = exp(S)\n"
    "U = T * 2\n"
    "output Z[k] = A[k] - U\n");
  assert_int_equal(pass_of(c, "K", "T"), 0);
  assert_int_equal(pass_of(c, "K", "U"), 0);
  assert_int_equal(pass_of(c, "K", "Z"), 2);
  es_free(c);
}

/* A declared rank that no Einsum traverses has 0 passes. */
static void test_untraversed_rank(void **s) {
  (void)s;
  es_cascade *c = parse_text("ranks K J\ninput A[k]\noutput Z = A[k]\n");
  assert_int_equal(passes(c, "J"), 0);
  assert_int_equal(passes(c, "K"), 1);
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_attention_3pass),
    cmocka_unit_test(test_attention_deferred_div),
    cmocka_unit_test(test_attention_2pass),
    cmocka_unit_test(test_attention_1pass),
    cmocka_unit_test(test_cascade1),
    cmocka_unit_test(test_cascade2),
    cmocka_unit_test(test_cascade3),
    cmocka_unit_test(test_other_ranks_one_pass),
    cmocka_unit_test(test_3pass_each_einsum),
    cmocka_unit_test(test_deferred_div_each_einsum),
    cmocka_unit_test(test_2pass_each_einsum),
    cmocka_unit_test(test_1pass_each_einsum),
    cmocka_unit_test(test_chain_of_reductions),
    cmocka_unit_test(test_final_slice_read_in_traversal),
    cmocka_unit_test(test_reduction_through_other_einsums),
    cmocka_unit_test(test_untraversed_rank),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
