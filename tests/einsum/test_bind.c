/*
** test_bind.c: do sizes bind?  Split parts left unset are derived from
** their parent (and a parent from its parts, through nested splits); sizes
** that do not divide, missing sizes and unknown names are errors, the
** file's at the `split` statement that cannot hold.
*/
#include "es_test.h"

static int64_t size(const es_cascade *c, const char *r) { return c->ranks[rank_of(c, r)].size; }

static const char *bind_error(es_cascade *c, const char *spec, at_err *e) {
  es_binding b;
  memset(&b, 0, sizeof b);
  if (es_binding_parse(spec, &b, e)) return e->msg;
  if (es_bind(c, &b, e) == 0) fail_msg("%s: accepted", spec);
  assert_int_equal(c->bound, 0);
  return e->msg;
}

static void test_derived_split(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  bind_sizes(c, "E=64,F=64,M=4096,P=4096,M0=256");
  assert_int_equal(c->bound, 1);
  assert_int_equal(size(c, "M1"), 16);
  bind_sizes(c, "E=64,F=64,M=4096,P=4096,M1=8");       /* either part */
  assert_int_equal(size(c, "M0"), 512);
  bind_sizes(c, "E=1,F=1,M=8,P=1,M0=8");               /* M0 = M */
  assert_int_equal(size(c, "M1"), 1);
  bind_sizes(c, "E=1,F=1,M=8,P=1,M0=1");               /* M0 = 1 */
  assert_int_equal(size(c, "M1"), 8);
  bind_sizes(c, "E=1,F=1,P=1,M1=3,M0=5");              /* parent from parts */
  assert_int_equal(size(c, "M"), 15);
  bind_sizes(c, "E=1,F=1,M=6,P=1,M1=2,M0=3");          /* all three, consistent */
  bind_sizes(c, "E=4K,F=1,M=1M,P=2,M0=1K");            /* K and M suffixes */
  assert_int_equal(size(c, "E"), 4096);
  assert_int_equal(size(c, "M1"), 1024);
  es_free(c);
}

/* A split of a split part: sizes flow up and down until all are known. */
static void test_nested_split(void **s) {
  (void)s;
  es_cascade *c = parse_text(
    "ranks M\n"
    "input A[m]\n"
    "split m = m1 * m0\n"
    "split m0 = m01 * m00\n"
    "X[m1,m0] = A[m1,m0]\n"
    "output Z[m1,m01,m00] = X[m1,m01,m00]\n");
  bind_sizes(c, "M1=2,M01=3,M00=4");
  assert_int_equal(size(c, "M0"), 12);
  assert_int_equal(size(c, "M"), 24);
  bind_sizes(c, "M=24,M01=3,M00=4");
  assert_int_equal(size(c, "M1"), 2);
  bind_sizes(c, "M=24,M0=6,M00=3");
  assert_int_equal(size(c, "M01"), 2);
  assert_int_equal(size(c, "M1"), 4);
  es_free(c);
}

static void test_errors(void **s) {
  (void)s;
  es_cascade *c = load_cascade("attention-1pass");
  at_err e;
  /* the location is the split statement's index */
  assert_string_equal(bind_error(c, "E=1,F=1,M=10,P=1,M0=3", &e),
                      CASCADES "attention-1pass.einsum:6:7: M (10) is not a multiple of M0 (3)");
  assert_string_equal(bind_error(c, "E=1,F=1,M=10,P=1,M1=4", &e),
                      CASCADES "attention-1pass.einsum:6:7: M (10) is not a multiple of M1 (4)");
  assert_string_equal(bind_error(c, "E=1,F=1,M=10,P=1,M1=2,M0=4", &e),
                      CASCADES "attention-1pass.einsum:6:7: M (10) is not M1 * M0 (2 * 4)");
  assert_string_equal(bind_error(c, "E=1,F=1,M=10,P=1", &e),
                      CASCADES "attention-1pass.einsum:6:7: split of M needs the size of M1 or M0 (e.g. --set M0=...)");
  assert_string_equal(bind_error(c, "E=1,M=10,P=1,M0=5", &e),
                      CASCADES "attention-1pass.einsum:4:9: rank F has no size (give one with --set F=N)");
  assert_string_equal(bind_error(c, "E=1,F=1,M=10,P=1,M0=5,X=3", &e),
                      "--set: " CASCADES "attention-1pass.einsum has no rank named 'X'");
  assert_string_equal(bind_error(c, "E=1,F=1,M1=4611686018427387904,P=1,M0=4", &e),
                      CASCADES "attention-1pass.einsum:6:7: M = M1 * M0 overflows");
  /* binding text */
  assert_string_equal(bind_error(c, "E=0", &e), "--set: E=0 is not a positive size (examples: 64, 4K, 1M)");
  assert_string_equal(bind_error(c, "E=-4", &e), "--set: E=-4 is not a positive size (examples: 64, 4K, 1M)");
  assert_string_equal(bind_error(c, "E=4X", &e), "--set: E=4X is not a positive size (examples: 64, 4K, 1M)");
  assert_string_equal(bind_error(c, "E", &e), "--set: expected NAME=SIZE in 'E'");
  assert_string_equal(bind_error(c, "=4", &e), "--set: expected NAME=SIZE in '=4'");
  assert_string_equal(bind_error(c, "E-1=4", &e), "--set: bad rank name 'E-1'");
  es_free(c);
}

/* A later --set of the same name wins, as on the command line. */
static void test_binding_repeats(void **s) {
  (void)s;
  es_binding b;
  at_err e;
  memset(&b, 0, sizeof b);
  assert_int_equal(es_binding_parse("K=3,M=4", &b, &e), 0);
  assert_int_equal(es_binding_parse("N=5,K=7", &b, &e), 0);
  assert_int_equal(b.n, 3);
  es_cascade *c = load_cascade("gemm");
  assert_int_equal(es_bind(c, &b, &e), 0);
  assert_int_equal(size(c, "K"), 7);
  es_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_derived_split),
    cmocka_unit_test(test_nested_split),
    cmocka_unit_test(test_errors),
    cmocka_unit_test(test_binding_repeats),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
