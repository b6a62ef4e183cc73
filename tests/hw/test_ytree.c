/*
** test_ytree.c: does util/ytree parse YAML into located nodes, do its typed
** getters accept exactly the documented forms and units, and does no
** malformed input (truncations and byte mutations of a real spec file)
** crash it or leak (run under valgrind)?
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ytree.h"

/* Loads "v: <value>" and returns the node of v. */
static const yt_node *value_of(const char *value, yt_doc **d) {
  char buf[256];
  at_err e;
  snprintf(buf, sizeof buf, "v: %s\n", value);
  if (yt_load_string("t.yaml", buf, strlen(buf), d, &e)) fail_msg("%s", e.msg);
  return yt_find(yt_root(*d), "v");
}

static const char doc1[] =
  "top: 1\n"
  "sub:\n"
  "  a: 2 MiB\n"
  "  list: [x, 'y', 3]\n"
  "seq:\n"
  "  - k: v\n"
  "  - 5\n";

static void test_tree_shape_and_locations(void **state) {
  (void)state;
  yt_doc *d;
  at_err e;
  assert_int_equal(yt_load_string("doc1.yaml", doc1, strlen(doc1), &d, &e), 0);
  const yt_node *r = yt_root(d);
  assert_int_equal(yt_node_kind(r), YT_MAP);
  assert_int_equal(yt_len(r), 3);
  assert_string_equal(yt_key(r, 0), "top");
  assert_string_equal(yt_key(r, 2), "seq");
  assert_string_equal(yt_path(r), "");
  assert_string_equal(yt_file(r), "doc1.yaml");
  assert_string_equal(yt_doc_file(d), "doc1.yaml");

  const yt_node *sub = yt_find(r, "sub");
  assert_int_equal(yt_node_kind(sub), YT_MAP);
  assert_int_equal(yt_line(sub), 3);
  assert_int_equal(yt_col(sub), 3);
  const yt_node *a = yt_find(sub, "a");
  assert_string_equal(yt_path(a), "sub.a");
  assert_string_equal(yt_scalar(a), "2 MiB");
  assert_int_equal(yt_line(a), 3);
  assert_int_equal(yt_col(a), 6);

  const yt_node *list = yt_find(sub, "list");
  assert_int_equal(yt_node_kind(list), YT_SEQ);
  assert_int_equal(yt_len(list), 3);
  assert_int_equal(yt_line(list), 4);
  assert_int_equal(yt_col(list), 9);
  const yt_node *y = yt_at(list, 1);
  assert_string_equal(yt_scalar(y), "y");
  assert_string_equal(yt_path(y), "sub.list[1]");
  assert_int_equal(yt_col(y), 13);
  assert_null(yt_at(list, 3));
  assert_null(yt_key(list, 0));

  const yt_node *seq = yt_find(r, "seq");
  const yt_node *k = yt_find(yt_at(seq, 0), "k");
  assert_string_equal(yt_path(k), "seq[0].k");
  assert_int_equal(yt_line(k), 6);
  assert_int_equal(yt_col(k), 8);
  assert_string_equal(yt_path(yt_key_node(yt_at(seq, 0), 0)), "seq[0].k");
  assert_null(yt_find(seq, "k"));              /* not a map */
  assert_null(yt_scalar(seq));
  assert_int_equal(yt_len(a), 0);
  yt_free(d);
}

static void test_fields(void **state) {
  (void)state;
  yt_doc *d;
  at_err e;
  int64_t i = 7;
  const yt_node *n;
  assert_int_equal(yt_load_string("doc1.yaml", doc1, strlen(doc1), &d, &e), 0);
  const yt_node *r = yt_root(d), *sub = yt_find(r, "sub");

  assert_int_equal(yt_get_int(r, "top", &i, &e), 0);
  assert_int_equal(i, 1);
  assert_int_equal(yt_opt_int(r, "nope", &i, &e), 0);
  assert_int_equal(i, 1);                                  /* untouched */
  assert_int_equal(yt_opt_bytes(sub, "a", &i, &e), 1);
  assert_int_equal(i, 2 << 20);

  assert_int_equal(yt_get(sub, "b", &n, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:3:3: sub.b: missing required field");
  assert_int_equal(yt_get(r, "gone", &n, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:1:1: gone: missing required field");
  assert_int_equal(yt_get_int(yt_find(r, "seq"), "x", &i, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:6:3: seq: expected a mapping, got a sequence");
  assert_int_equal(yt_opt_int(sub, "a", &i, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:3:6: sub.a: expected an integer, got \"2 MiB\"");

  static const char *const ok[] = {"a", "list", NULL};
  static const char *const typo[] = {"a", "lists", NULL};
  static const char *const other[] = {"alpha", "beta", NULL};
  assert_int_equal(yt_check_keys(sub, ok, &e), 0);
  assert_int_equal(yt_check_keys(sub, typo, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:4:3: sub.list: unknown field (did you mean \"lists\"?)");
  assert_int_equal(yt_check_keys(sub, other, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:3:3: sub.a: unknown field (allowed: alpha, beta)");
  assert_int_equal(yt_check_keys(yt_find(r, "seq"), ok, &e), -1);
  assert_int_equal(yt_expect_seq(yt_find(r, "seq"), &e), 0);
  assert_int_equal(yt_expect_seq(sub, &e), -1);
  assert_string_equal(e.msg, "doc1.yaml:3:3: sub: expected a sequence, got a mapping");
  assert_int_equal(yt_errf(r, &e, "at the root %d", 1), -1);
  assert_string_equal(e.msg, "doc1.yaml:1:1: at the root 1");
  yt_free(d);
}

typedef enum { K_INT, K_DOUBLE, K_BYTES, K_BW, K_FREQ, K_ENERGY, K_AREA } kind;
typedef struct vcase {
  kind k;
  const char *in;      /* YAML text after "v: " */
  double want;         /* when err is NULL */
  const char *err;     /* expected message after "t.yaml:1:4: v: " */
} vcase;

static const vcase vcases[] = {
  {K_INT, "12", 12, NULL},
  {K_INT, "-3", -3, NULL},
  {K_INT, "+4", 4, NULL},
  {K_INT, "'256'", 256, NULL},
  {K_INT, "9223372036854775807", 9223372036854775807.0, NULL},
  {K_INT, "1.5", 0, "expected an integer, got \"1.5\""},
  {K_INT, "0x10", 0, "expected an integer, got \"0x10\""},
  {K_INT, "12abc", 0, "expected an integer, got \"12abc\""},
  {K_INT, "9223372036854775808", 0, "integer out of range (64-bit), got \"9223372036854775808\""},
  {K_INT, "", 0, "expected an integer, got an empty value"},
  {K_INT, "[1]", 0, "expected an integer, got a sequence"},
  {K_DOUBLE, "0.25", 0.25, NULL},
  {K_DOUBLE, "1e-3", 1e-3, NULL},
  {K_DOUBLE, ".5", 0.5, NULL},
  {K_DOUBLE, "-2", -2, NULL},
  {K_DOUBLE, "nan", 0, "expected a number, got \"nan\""},
  {K_DOUBLE, "inf", 0, "expected a number, got \"inf\""},
  {K_DOUBLE, "1e999", 0, "expected a number, got \"1e999\""},
  {K_DOUBLE, "1.2.3", 0, "expected a number, got \"1.2.3\""},
  {K_BYTES, "32768", 32768, NULL},
  {K_BYTES, "512 B", 512, NULL},
  {K_BYTES, "512 KiB", 524288, NULL},
  {K_BYTES, "16 MiB", 16777216, NULL},
  {K_BYTES, "16MiB", 16777216, NULL},
  {K_BYTES, "1 GiB", 1073741824, NULL},
  {K_BYTES, "2 TiB", 2199023255552.0, NULL},
  {K_BYTES, "4096 bit", 512, NULL},
  {K_BYTES, "1.5 KiB", 1536, NULL},
  {K_BYTES, "0", 0, NULL},
  {K_BYTES, "sixteen", 0, "expected a size in bytes such as \"16 MiB\", got \"sixteen\""},
  {K_BYTES, "16 MB", 0, "ambiguous unit \"MB\" (write KiB, MiB or GiB, powers of 1024), got \"16 MB\""},
  {K_BYTES, "1K", 0, "ambiguous unit \"K\" (write KiB, MiB or GiB, powers of 1024), got \"1K\""},
  {K_BYTES, "12 bit", 0, "not a whole number of bytes, got \"12 bit\""},
  {K_BYTES, "0.3 B", 0, "not a whole number of bytes, got \"0.3 B\""},
  {K_BYTES, "-1 KiB", 0, "must not be negative, got \"-1 KiB\""},
  {K_BYTES, "99999999999 TiB", 0, "size too large (64-bit bytes), got \"99999999999 TiB\""},
  {K_BYTES, "1e3 B", 0, "expected a size in bytes such as \"16 MiB\", got \"1e3 B\""},
  {K_BW, "400 GiB/s", 400.0 * 1073741824.0, NULL},
  {K_BW, "50GiB/s", 50.0 * 1073741824.0, NULL},
  {K_BW, "1.2 TB/s", 1.2e12, NULL},
  {K_BW, "100 B/s", 100, NULL},
  {K_BW, "400 GiB", 0, "expected a bandwidth such as \"400 GiB/s\", got \"400 GiB\""},
  {K_BW, "400", 0, "expected a bandwidth such as \"400 GiB/s\", got \"400\""},
  {K_BW, "-1 GB/s", 0, "must not be negative, got \"-1 GB/s\""},
  {K_FREQ, "940 MHz", 940e6, NULL},
  {K_FREQ, "1.2 GHz", 1.2e9, NULL},
  {K_FREQ, "100 kHz", 1e5, NULL},
  {K_FREQ, "940", 0, "expected a frequency such as \"940 MHz\", got \"940\""},
  {K_FREQ, "940 mhz", 0, "expected a frequency such as \"940 MHz\", got \"940 mhz\""},
  {K_ENERGY, "17.16 pJ", 17.16, NULL},
  {K_ENERGY, "28 fJ", 0.028, NULL},
  {K_ENERGY, "0.5 nJ", 500, NULL},
  {K_ENERGY, "17.16", 0, "expected an energy such as \"17.16 pJ\", got \"17.16\""},
  {K_ENERGY, "17.16 J", 0, "expected an energy such as \"17.16 pJ\", got \"17.16 J\""},
  {K_AREA, "1234 um^2", 1234, NULL},
  {K_AREA, "1234 um2", 1234, NULL},
  {K_AREA, "1.5 mm^2", 1.5e6, NULL},
  {K_AREA, "12 um", 0, "expected an area such as \"1234 um^2\", got \"12 um\""},
  {K_AREA, "{a: 1}", 0, "expected an area such as \"1234 um^2\", got a mapping"},
};

static void test_typed_values(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof vcases / sizeof vcases[0]; i++) {
    const vcase *c = &vcases[i];
    yt_doc *d;
    at_err e;
    const yt_node *n = value_of(c->in, &d);
    double got = 0;
    int64_t gi = 0;
    int rc;
    switch (c->k) {
    case K_INT: rc = yt_int(n, &gi, &e); got = (double)gi; break;
    case K_DOUBLE: rc = yt_double(n, &got, &e); break;
    case K_BYTES: rc = yt_bytes(n, &gi, &e); got = (double)gi; break;
    case K_BW: rc = yt_bandwidth(n, &got, &e); break;
    case K_FREQ: rc = yt_frequency(n, &got, &e); break;
    case K_ENERGY: rc = yt_energy(n, &got, &e); break;
    default: rc = yt_area(n, &got, &e); break;
    }
    if (c->err) {
      char want[512];
      /* libyaml places an empty value right after the colon */
      snprintf(want, sizeof want, "t.yaml:1:%d: v: %s", c->in[0] ? 4 : 3, c->err);
      if (rc != -1 || strcmp(e.msg, want))
        fail_msg("case %zu \"%s\": rc %d, message\n  %s\nwanted\n  %s", i, c->in,
                 rc, rc ? e.msg : "(none)", want);
    } else {
      if (rc != 0) fail_msg("case %zu \"%s\": %s", i, c->in, e.msg);
      if (got != c->want) fail_msg("case %zu \"%s\": got %.17g want %.17g", i, c->in, got, c->want);
    }
    yt_free(d);
  }
}

static void test_str_and_bool(void **state) {
  (void)state;
  yt_doc *d;
  at_err e;
  const char *s;
  bool b;
  assert_int_equal(yt_str(value_of("hello", &d), &s, &e), 0);
  assert_string_equal(s, "hello");
  yt_free(d);
  assert_int_equal(yt_str(value_of("'~'", &d), &s, &e), 0);
  assert_string_equal(s, "~");
  yt_free(d);
  assert_int_equal(yt_str(value_of("~", &d), &s, &e), -1);
  assert_string_equal(e.msg, "t.yaml:1:4: v: expected a string, got \"~\"");
  yt_free(d);
  assert_int_equal(yt_str(value_of("", &d), &s, &e), -1);
  assert_string_equal(e.msg, "t.yaml:1:3: v: expected a string, got an empty value");
  yt_free(d);
  assert_int_equal(yt_str(value_of("\"a\\0b\"", &d), &s, &e), -1);
  assert_string_equal(e.msg, "t.yaml:1:4: v: expected a string, got \"a\\x00b\"");
  yt_free(d);
  assert_int_equal(yt_bool(value_of("true", &d), &b, &e), 0);
  assert_true(b);
  yt_free(d);
  assert_int_equal(yt_bool(value_of("FALSE", &d), &b, &e), 0);
  assert_false(b);
  yt_free(d);
  assert_int_equal(yt_bool(value_of("yes", &d), &b, &e), -1);
  assert_string_equal(e.msg, "t.yaml:1:4: v: expected true or false, got \"yes\"");
  yt_free(d);
}

/* Loads text and expects failure with exactly msg. */
static void expect_load_error(const char *text, const char *msg) {
  yt_doc *d = (yt_doc *)1;
  at_err e;
  assert_int_equal(yt_load_string("t.yaml", text, strlen(text), &d, &e), -1);
  assert_null(d);
  assert_string_equal(e.msg, msg);
}

static void test_rejected_documents(void **state) {
  (void)state;
  expect_load_error("a: 1\na: 2\n", "t.yaml:2:1: a: duplicate field (first at line 1, column 1)");
  /* a long key is cut to 80 characters in paths */
  char longkey[256], want[256];
  snprintf(longkey, sizeof longkey, "%0100d: {b: 1, b: 2}\n", 7);
  snprintf(want, sizeof want, "t.yaml:1:110: %080d....b: duplicate field (first at line 1, column 104)", 0);
  expect_load_error(longkey, want);
  /* a key's control characters do not reach the terminal through a path */
  expect_load_error("\"a\\e[2J\": {b: 1, b: 2}\n", "t.yaml:1:18: a?[2J.b: duplicate field (first at line 1, column 12)");
  expect_load_error("a: &x 1\nb: *x\n", "t.yaml:2:4: YAML aliases (*x) are not supported: write the value out");
  expect_load_error("? [1, 2]\n: 3\n", "t.yaml:1:3: mapping keys must be plain scalars, got a sequence");
  expect_load_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: expected one YAML document, found a second one");
  expect_load_error("", "t.yaml:1:1: empty file: expected a YAML document");
  expect_load_error("# only a comment\n", "t.yaml:1:1: empty file: expected a YAML document");
  expect_load_error("a: [1, 2\n", "t.yaml:2:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 1, column 4)");
  expect_load_error("a:\n\tb: 1\n", "t.yaml:2:1: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 2, column 1)");
  expect_load_error("a: \"open\n", "t.yaml:2:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar at line 1, column 4)");
  expect_load_error("a: b\xff\n", "t.yaml:1:5: invalid input: invalid leading UTF-8 octet (byte 0xff)");
  char deep[200];
  memset(deep, '[', 70);
  memset(deep + 70, ']', 70);
  deep[140] = 0;
  expect_load_error(deep, "t.yaml:1:65: nesting deeper than 64 levels");
  memset(deep, '[', 64);
  memset(deep + 64, ']', 64);
  deep[128] = 0;
  yt_doc *d;
  at_err e;
  assert_int_equal(yt_load_string("t.yaml", deep, strlen(deep), &d, &e), 0);
  yt_free(d);
}

static void test_file_errors(void **state) {
  (void)state;
  yt_doc *d;
  at_err e;
  assert_int_equal(yt_load("bad/does-not-exist.yaml", &d, &e), -1);
  assert_string_equal(e.msg, "bad/does-not-exist.yaml: No such file or directory");
  assert_int_equal(yt_load("bad", &d, &e), -1);   /* a directory */
  assert_null(d);
  yt_free(NULL);
}

/* Calls every getter on every node: none may crash on any tree. */
static void walk(const yt_node *n) {
  at_err e;
  int64_t i;
  double x;
  bool b;
  const char *s;
  (void)yt_int(n, &i, &e);
  (void)yt_double(n, &x, &e);
  (void)yt_str(n, &s, &e);
  (void)yt_bool(n, &b, &e);
  (void)yt_bytes(n, &i, &e);
  (void)yt_bandwidth(n, &x, &e);
  (void)yt_frequency(n, &x, &e);
  (void)yt_energy(n, &x, &e);
  (void)yt_area(n, &x, &e);
  static const char *const none[] = {NULL};
  (void)yt_check_keys(n, none, &e);
  const yt_node *o;
  (void)yt_get(n, "x", &o, &e);
  (void)yt_find(n, "x");
  for (size_t k = 0; k < yt_len(n); k++) walk(yt_at(n, k));
}

static void check_any(const char *text, size_t len) {
  yt_doc *d;
  at_err e;
  if (yt_load_string("m.yaml", text, len, &d, &e) == 0) {
    walk(yt_root(d));
    yt_free(d);
  } else if (strncmp(e.msg, "m.yaml:", 7) != 0) {
    fail_msg("message without location: %s", e.msg);
  }
}

static void test_malformed_inputs_do_not_crash(void **state) {
  (void)state;
  char *text;
  size_t len;
  at_err e;
  if (at_read_file(ATTNSIM_SOURCE_DIR "/hw/fusemax.yaml", &text, &len, &e))
    fail_msg("%s", e.msg);
  for (size_t cut = 0; cut <= len; cut += 7) check_any(text, cut);
  static const char junk[] = ":-[]{}\"'\n \t&*!|>#,?%@`\xff\xc3\0";
  at_rng rng = {42};
  char *m = malloc(len);
  for (int round = 0; round < 400; round++) {
    memcpy(m, text, len);
    int flips = 1 + (int)(at_rng_next(&rng) % 4);
    for (int f = 0; f < flips; f++)
      m[at_rng_next(&rng) % len] = junk[at_rng_next(&rng) % (sizeof junk - 1)];
    check_any(m, len);
  }
  free(m);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_tree_shape_and_locations),
    cmocka_unit_test(test_fields),
    cmocka_unit_test(test_typed_values),
    cmocka_unit_test(test_str_and_bool),
    cmocka_unit_test(test_rejected_documents),
    cmocka_unit_test(test_file_errors),
    cmocka_unit_test(test_malformed_inputs_do_not_crash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
