/*
** test_footprint.c: is each tensor's footprint right?  Elements are the
** product of its dims, an iterative dim holding size+1 slices (0..size);
** the live footprint of an iterative tensor is two slices (current and
** next), of any other tensor all of it.  Expected values derived by hand.
*/
#include "es_test.h"

static void expect_fp(const es_cascade *c, const char *tensor, uint64_t elements, uint64_t live) {
  uint64_t el, lv;
  at_err e;
  if (es_footprint(c, tensor_of(c, tensor), &el, &lv, &e)) fail_msg("%s", e.msg);
  if (el != elements || lv != live)
    fail_msg("%s: %llu elements, %llu live; expected %llu, %llu", tensor, (unsigned long long)el,
             (unsigned long long)lv, (unsigned long long)elements, (unsigned long long)live);
}

/* The sizes: E=F=64, M=P=4096, M0=256, so M1=16. */
static void test_attention_1pass(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  bind_sizes(c, "E=64,F=64,M=4096,P=4096,M0=256");
  expect_fp(c, "Q", 64 * 4096, 64 * 4096);
  expect_fp(c, "K", 64 * 4096, 64 * 4096);        /* addressed split, stored unsplit */
  expect_fp(c, "BQK", 16 * 256 * 4096, 16 * 256 * 4096);
  expect_fp(c, "LM", 16 * 4096, 16 * 4096);
  expect_fp(c, "RM", 17 * 4096, 2 * 4096);        /* M1+1 slices; 2 live */
  expect_fp(c, "RD", 17 * 4096, 2 * 4096);
  expect_fp(c, "RNV", 64 * 17 * 4096, 2 * 64 * 4096);
  expect_fp(c, "SLNV", 64 * 16 * 4096, 64 * 16 * 4096);
  expect_fp(c, "AV", 64 * 4096, 64 * 4096);
  es_free(c);
}

/* E=2, F=3, M=4, P=5: QK and A hold the whole M x P score matrix. */
static void test_attention_3pass(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-3pass");
  bind_sizes(c, "E=2,F=3,M=4,P=5");
  expect_fp(c, "QK", 20, 20);
  expect_fp(c, "GM", 5, 5);
  expect_fp(c, "SD", 5, 5);
  expect_fp(c, "A", 20, 20);
  expect_fp(c, "V", 12, 12);
  expect_fp(c, "AV", 15, 15);
  es_free(c);
}

/* Scalars are one element; cascade3's running sums hold K+1 slices. */
static void test_scalars_and_iterative(void **s) {
  (void)s;
  es_cascade *c = load_cascade("cascade1");
  bind_sizes(c, "K=7");
  expect_fp(c, "A", 7, 7);
  expect_fp(c, "Y", 1, 1);
  expect_fp(c, "Z", 1, 1);
  es_free(c);
  c = load_cascade("cascade3");
  bind_sizes(c, "K=7");
  expect_fp(c, "RY", 8, 2);
  expect_fp(c, "RZ", 8, 2);
  expect_fp(c, "Z", 1, 1);
  es_free(c);
}

/* Footprints follow rebinding. */
static void test_rebind(void **s) {
  (void)s;
  es_cascade *c = load_cascade("gemm");
  bind_sizes(c, "K=3,M=4,N=5");
  expect_fp(c, "Z", 20, 20);
  bind_sizes(c, "K=3,M=1K,N=2K");
  expect_fp(c, "Z", 1024 * 2048, 1024 * 2048);
  es_free(c);
}

/* 1M-token batched scores fit (2^6*2^4*2^40 = 2^50); a 4-dim tensor of
** 2^20 each (2^80 elements) is an error, not a wrapped number. */
static void test_large_and_overflow(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks B H E M P\n"
    "input Q[b,h,e,p] K[b,h,e,m]\n"
    "output QK[b,h,m,p] = Q[b,h,e,p] * K[b,h,e,m]\n");
  bind_sizes(c, "B=64,H=16,E=64,M=1M,P=1M");
  expect_fp(c, "QK", (uint64_t)1 << 50, (uint64_t)1 << 50);
  bind_sizes(c, "B=1M,H=1M,E=64,M=1M,P=1M");
  uint64_t el, lv;
  at_err e;
  assert_int_equal(es_footprint(c, tensor_of(c, "QK"), &el, &lv, &e), -1);
  assert_string_equal(e.msg, "inline.einsum: footprint of QK overflows");
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_attention_1pass),
    cmocka_unit_test(test_attention_3pass),
    cmocka_unit_test(test_scalars_and_iterative),
    cmocka_unit_test(test_rebind),
    cmocka_unit_test(test_large_and_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
