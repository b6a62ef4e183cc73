/*
** test_opt.c: the strict number parsers at their edges: at_parse_u64 and
** at_parse_size (util.h) and the cli_opt_* option parsers (cli/opt.c) with
** their messages.  The command-line scenarios are in numbers.sh.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli.h"

static void test_u64_edges(void **st) {
  (void)st;
  uint64_t v = 7;
  assert_int_equal(at_parse_u64("0", 0, &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(at_parse_u64("0010", 0, &v), 0);     /* decimal, never octal */
  assert_int_equal(v, 10);
  assert_int_equal(at_parse_u64("18446744073709551615", 0, &v), 0);
  assert_true(v == UINT64_MAX);
  v = 7;
  assert_int_equal(at_parse_u64("18446744073709551616", 0, &v), AT_NUM_RANGE);
  assert_int_equal(at_parse_u64("99999999999999999999999", 0, &v), AT_NUM_RANGE);
  assert_int_equal(v, 7);                               /* untouched on failure */
  static const char *const bad[] = { "", " 1", "1 ", "+1", "-1", "0x10", "1e3", "1.0", "1K", "K",
                                     "١", "1\n", "12a", NULL };
  for (int i = 0; bad[i]; i++) assert_int_equal(at_parse_u64(bad[i], 0, &v), AT_NUM_BAD);
  assert_int_equal(at_parse_u64(NULL, 0, &v), AT_NUM_BAD);
  /* malformed wins over too large: the user mistyped, the size is moot */
  assert_int_equal(at_parse_u64("99999999999999999999x", 0, &v), AT_NUM_BAD);
}

static void test_suffixes(void **st) {
  (void)st;
  uint64_t v;
  int64_t s;
  assert_int_equal(at_parse_u64("1K", AT_NUM_SUFFIX, &v), 0);
  assert_int_equal(v, 1024);
  assert_int_equal(at_parse_u64("3k", AT_NUM_SUFFIX, &v), 0);
  assert_int_equal(v, 3072);
  assert_int_equal(at_parse_u64("2M", AT_NUM_SUFFIX, &v), 0);
  assert_int_equal(v, 2u << 20);
  assert_int_equal(at_parse_u64("4G", AT_NUM_SUFFIX, &v), 0);
  assert_true(v == 4ull << 30);
  assert_int_equal(at_parse_u64("17179869183G", AT_NUM_SUFFIX, &v), 0);   /* 2^64 - 2^30 */
  assert_true(v == UINT64_MAX - (1ull << 30) + 1);
  assert_int_equal(at_parse_u64("17179869184G", AT_NUM_SUFFIX, &v), AT_NUM_RANGE);
  static const char *const bad[] = { "1KK", "1m", "1g", "1KB", "1 K", "K1", "1T", NULL };
  for (int i = 0; bad[i]; i++) assert_int_equal(at_parse_u64(bad[i], AT_NUM_SUFFIX, &v), AT_NUM_BAD);
  assert_int_equal(at_parse_size("9223372036854775807", &s), 0);
  assert_true(s == INT64_MAX);
  assert_int_equal(at_parse_size("9223372036854775808", &s), AT_NUM_RANGE);
  assert_int_equal(at_parse_size("8589934591G", &s), 0);                  /* 2^63 - 2^30 */
  assert_int_equal(at_parse_size("8589934592G", &s), AT_NUM_RANGE);
  assert_int_equal(at_parse_size("-1", &s), AT_NUM_BAD);
}

static void test_cli_messages(void **st) {
  (void)st;
  at_err e;
  int64_t v;
  uint64_t u;
  double d;
  assert_int_equal(cli_opt_size("--rows", "0", 1, INT64_MAX, &v, &e), -1);
  assert_string_equal(e.msg, "--rows: must be a positive whole number, got '0'");
  assert_int_equal(cli_opt_size("--rows", "16K", 1, INT64_MAX, &v, &e), 0);
  assert_int_equal(v, 16384);
  assert_int_equal(cli_opt_int("--jobs", "1K", 1, 256, &v, &e), -1);        /* no suffix here */
  assert_string_equal(e.msg, "--jobs: must be a whole number from 1 to 256, got '1K'");
  assert_int_equal(cli_opt_int("--jobs", "256", 1, 256, &v, &e), 0);
  assert_int_equal(cli_opt_int("--n", "x", 0, INT64_MAX, &v, &e), -1);
  assert_string_equal(e.msg, "--n: must be a whole number, got 'x'");
  assert_int_equal(cli_opt_size("--seq", "8G", 1, INT64_MAX, &v, &e), 0);
  assert_int_equal(cli_opt_size("--seq", "8589934592G", 1, INT64_MAX, &v, &e), -1);
  assert_string_equal(e.msg, "--seq: must be a positive whole number no larger than 9223372036854775807, "
                             "got '8589934592G'");
  assert_int_equal(cli_opt_u64("--seed", "18446744073709551615", &u, &e), 0);
  assert_int_equal(cli_opt_u64("--seed", "18446744073709551616", &u, &e), -1);
  assert_string_equal(e.msg, "--seed: must be a whole number from 0 to 18446744073709551615, "
                             "got '18446744073709551616'");
  assert_int_equal(cli_opt_real("--bandwidth", "12.5", "GiB/s", &d, &e), 0);
  assert_true(d == 12.5);
  static const char *const bad[] = { "0x10", "inf", "nan", "1e3", " 1", "+1", "-1", "0", "0.0", ".5",
                                     "5.", "1.2.3", "", NULL };
  for (int i = 0; bad[i]; i++) assert_int_equal(cli_opt_real("--bandwidth", bad[i], "GiB/s", &d, &e), -1);
  assert_string_equal(e.msg, "--bandwidth: must be a positive number of GiB/s such as 128 or 12.5, got ''");
}

static void test_cli_list(void **st) {
  (void)st;
  at_err e;
  int64_t v[4];
  int n = -1;
  assert_int_equal(cli_opt_list("--dims", "16,32,8192", 1, 8192, v, 4, &n, &e), 0);
  assert_int_equal(n, 3);
  assert_int_equal(v[2], 8192);
  assert_int_equal(cli_opt_list("--dims", "1,2,3,4", 1, 8192, v, 4, &n, &e), 0);
  static const char *const bad[] = { "1,2,3,4,5", "16,", ",16", "16,,32", "", "8193", "0", "16, 32",
                                     "16,1K", "16,99999999999999999999999999999999", NULL };
  for (int i = 0; bad[i]; i++) assert_int_equal(cli_opt_list("--dims", bad[i], 1, 8192, v, 4, &n, &e), -1);
  assert_string_equal(e.msg, "--dims: must be a comma-separated list of up to 4 values, each a whole "
                             "number from 1 to 8192, got '16,99999999999999999999999999999999'");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_u64_edges),
    cmocka_unit_test(test_suffixes),
    cmocka_unit_test(test_cli_messages),
    cmocka_unit_test(test_cli_list),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
