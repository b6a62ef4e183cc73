/*
** test_read.c: does at_read_file refuse what is not a regular file without
** blocking (a FIFO with no writer, /dev/zero, a directory), enforce the
** documented 16 MiB limit (exactly the limit loads, one byte more does not,
** whatever st_size claims), and do the JSON writers always produce valid
** JSON (no inf or nan, no invalid UTF-8)?
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "ytree.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  /* A blocked read would hang ctest until its timeout: fail fast instead. */
  alarm(20);
  strcpy(dir, "/tmp/attnsim-read-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void expect_refused(const char *path, const char *msg) {
  char *buf = (char *)1;
  size_t len = 7;
  at_err e;
  assert_int_equal(at_read_file(path, &buf, &len, &e), -1);
  assert_string_equal(e.msg, msg);
  assert_ptr_equal(buf, (char *)1);   /* nothing handed out */
  /* every loader reads through at_read_file: yt_load says the same */
  yt_doc *d = (yt_doc *)1;
  assert_int_equal(yt_load(path, &d, &e), -1);
  assert_null(d);
  assert_string_equal(e.msg, msg);
}

static void test_fifo_is_refused_at_once(void **state) {
  (void)state;
  char path[128], msg[256];
  snprintf(path, sizeof path, "%s/spec.yaml", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  snprintf(msg, sizeof msg, "%s: is a FIFO; spec files must be regular files", path);
  expect_refused(path, msg);
}

static void test_devices_and_directories_are_refused(void **state) {
  (void)state;
  expect_refused("/dev/zero",
                 "/dev/zero: is a character device; spec files must be regular files");
  expect_refused("/dev/null",
                 "/dev/null: is a character device; spec files must be regular files");
  char msg[256];
  snprintf(msg, sizeof msg, "%s: is a directory; spec files must be regular files", dir);
  expect_refused(dir, msg);
  expect_refused("/nonexistent/x.yaml", "/nonexistent/x.yaml: No such file or directory");
}

/* A sparse file of n bytes (zeros: the size matters, not the text). */
static void make_sized(const char *path, off_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, n), 0);
  close(fd);
}

static void test_size_limit(void **state) {
  (void)state;
  char path[128], msg[256];
  char *buf;
  size_t len;
  at_err e;
  snprintf(path, sizeof path, "%s/big.yaml", dir);
  make_sized(path, AT_MAX_FILE_BYTES);
  assert_int_equal(at_read_file(path, &buf, &len, &e), 0);
  assert_int_equal(len, AT_MAX_FILE_BYTES);
  assert_int_equal(buf[len], 0);
  free(buf);
  make_sized(path, (off_t)AT_MAX_FILE_BYTES + 1);
  snprintf(msg, sizeof msg, "%s: 16777217 bytes, over the 16 MiB limit for spec files", path);
  expect_refused(path, msg);
  /* yt_load_string has the same bound */
  yt_doc *d;
  assert_int_equal(yt_load_string("s.yaml", "", (size_t)AT_MAX_FILE_BYTES + 1, &d, &e), -1);
  assert_string_equal(e.msg, "s.yaml: over the 16 MiB limit for spec files");
}

/* /proc files say st_size 0 and still have contents: they are read. */
static void test_size_zero_but_contents(void **state) {
  (void)state;
  char *buf;
  size_t len;
  at_err e;
  if (access("/proc/self/status", R_OK)) skip();
  assert_int_equal(at_read_file("/proc/self/status", &buf, &len, &e), 0);
  assert_true(len > 0);
  assert_non_null(strstr(buf, "Pid:"));
  free(buf);
}

static char *capture(void (*fn)(FILE *, const void *), const void *arg) {
  char *out = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&out, &n);
  assert_non_null(f);
  fn(f, arg);
  fclose(f);
  return out;
}

static void str_fn(FILE *f, const void *s) { at_json_str(f, s); }

static void expect_json_str(const char *in, const char *want) {
  char *got = capture(str_fn, in);
  assert_string_equal(got, want);
  free(got);
}

static void test_json_str_is_valid_utf8(void **state) {
  (void)state;
  expect_json_str("a\"b\\c\n", "\"a\\\"b\\\\c\\u000a\"");
  expect_json_str("\xc2\xb5m \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc2\xb5m \xe2\x82\xac \xf0\x9f\x98\x80\"");
  expect_json_str("x\xffy", "\"x\\ufffdy\"");
  expect_json_str("\xc0\xaf", "\"\\ufffd\\ufffd\"");             /* overlong '/' */
  expect_json_str("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");  /* a surrogate */
  expect_json_str("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  /* > U+10FFFF */
  expect_json_str("\xe2\x82", "\"\\ufffd\\ufffd\"");             /* cut short */
}

static void num_fn(FILE *f, const void *v) {
  const double *x = v;
  int rc = at_json_num(f, x[0], 9);
  fprintf(f, " %d", rc);
}

static void expect_json_num(double v, const char *want) {
  char *got = capture(num_fn, &v);
  assert_string_equal(got, want);
  free(got);
}

static void test_json_num_never_inf_or_nan(void **state) {
  (void)state;
  expect_json_num(1.5, "1.5 0");
  expect_json_num(-0.0, "0 0");
  expect_json_num(1e300 * 1e10, "null -1");
  expect_json_num(-1e300 * 1e10, "null -1");
  expect_json_num(nan(""), "null -1");
  expect_json_num(123456789012.0, "1.23456789e+11 0");
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fifo_is_refused_at_once),
    cmocka_unit_test(test_devices_and_directories_are_refused),
    cmocka_unit_test(test_size_limit),
    cmocka_unit_test(test_size_zero_but_contents),
    cmocka_unit_test(test_json_str_is_valid_utf8),
    cmocka_unit_test(test_json_num_never_inf_or_nan),
  };
  return cmocka_run_group_tests_name("util_read", tests, setup, teardown);
}
