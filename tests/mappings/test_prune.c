/*
** test_prune.c: is every pruning rule enforced, with its reason?  For each
** rule, a mapping that breaks it (written as a mapping file, as a user
** would) is refused by map_bind_rule or map_check_schedule naming the rule
** and why; a legal neighbour passes; schedules that differ only in loops
** of one iteration share a duplicate key, and others do not.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mapper.h"
#include "bert_dir.h"

static char dir[64];
static wl_workload bert;
static int64_t width_1d;   /* judge(): the 1D array's width, 0: the architecture's */
static sc_schedule sched;

static int setup(void **state) {
  (void)state;
  return bert_dir_setup(dir, sizeof dir, "prune", &bert);
}

static int teardown(void **state) {
  (void)state;
  return bert_dir_teardown(dir);
}

/* The 1-pass cascade; %s: the architecture, the size of m0, of p1, the
** loops, the storage of RM, RD and RNV (see one()). */
static const char one_pass[] =
  "design: t\narch: %s/hw/%s.yaml\nphases:\n"
  "  - cascade: %s/einsum/cascades/attention-1pass.einsum\n"
  "    batch: B*H\n"
  "    sizes: {E: E, F: F, M: SEQ, P: SEQ}\n"
  "    tiling:\n      m: {m1: rest, m0: %s}\n      p: {p2: rest, p1: %s, p0: 2d.cols}\n"
  "    loops: [%s]\n"
  "    spatial:\n      2d: {rows: m0, cols: p0}\n      1d: {cols: p0}\n"
  "    einsums: {BQK: 2d, LM: 2d, SLN: 2d, SLD: 2d, SLNV: 2d, RM: 1d, PRM: 1d, SPD: 1d, RD: 1d, SPNV: 1d, RNV: 1d, AV: 1d}\n"
  "    storage:\n      default: regs\n      Q: {home: dram, keep_at: p2}\n      K: {home: dram, keep_at: m1}\n"
  "      V: {home: dram, keep_at: m1}\n      AV: dram\n%s"
  "    pipeline: interleaved\n";

static const char buffered_state[] =
  "      RM: {home: buffer, keep_at: p2}\n      RD: {home: buffer, keep_at: p2}\n      RNV: {home: buffer, keep_at: p2}\n";

/* The 1-pass mapping on architecture arch (hw/ARCH.yaml) into t. */
static void one(char *t, size_t cap, const char *arch, const char *m0, const char *p1, const char *loops, const char *state) {
  snprintf(t, cap, one_pass, ATTNSIM_SOURCE_DIR, arch, ATTNSIM_SOURCE_DIR, m0, p1, loops, state);
}

/* The 3-pass cascade on FLAT's arrays; %s: the tiling of m and p, the
** loops, the storage of QK. */
static const char three_pass[] =
  "design: t\narch: %s/hw/flat.yaml\nphases:\n"
  "  - cascade: %s/einsum/cascades/attention-3pass.einsum\n"
  "    batch: B*H\n"
  "    sizes: {E: E, F: F, M: SEQ, P: SEQ}\n"
  "    tiling:\n      p: {pb: rest, pt: %s, p0: 2d.cols}\n      m: {%s}\n"
  "    loops: [%s]\n"
  "    einsums:\n      QK: {array: 2d, spatial: {rows: m0, cols: p0}, loops: [pt]}\n"
  "      GM: {array: 1d, spatial: {cols: m0}, loops: [pt, p0]}\n      SN: {array: 1d, spatial: {cols: m0}, loops: [pt, p0]}\n"
  "      SD: {array: 1d, spatial: {cols: m0}, loops: [pt, p0]}\n      A: {array: 1d, spatial: {cols: m0}, loops: [pt, p0]}\n"
  "      AV: {array: 2d, spatial: {rows: m0, cols: p0}, loops: [pt]}\n"
  "    storage:\n      GM: regs\n      SD: regs\n      QK: %s\n      SN: {home: buffer, alias: QK}\n"
  "      A: {home: buffer, alias: QK}\n"
  "    pipeline: interleaved\n";

static map_spec *load(const char *text, at_err *e) {
  char path[128];
  snprintf(path, sizeof path, "%s/m.yaml", dir);
  FILE *f = fopen(path, "w");
  if (!f) fail_msg("cannot write %s", path);
  fputs(text, f);
  fclose(f);
  map_spec *m;
  if (map_load(path, &m, e)) fail_msg("%s", e->msg);
  return m;
}

/* Binds and checks at BERT, seq; the rule broken (MAP_RULE_NONE: legal)
** and the message in e. */
static map_rule judge(const char *text, const char *arch_name, int64_t buffer, int64_t seq, at_err *e) {
  map_spec *m = load(text, e);
  char ap[300];
  snprintf(ap, sizeof ap, "%s/hw/%s.yaml", ATTNSIM_SOURCE_DIR, arch_name);
  hw_arch *a;
  if (hw_load(ap, &a, e)) fail_msg("%s", e->msg);
  if (buffer) a->buffer.bytes = buffer;
  int i1 = hw_array_index(a, "1d");
  if (width_1d && i1 >= 0) a->arrays[i1].cols = width_1d;
  map_rule rule = MAP_RULE_NONE;
  if (!map_bind_rule(m, a, &bert, seq, &sched, &rule, e)) map_check_schedule(&sched, &rule, e);
  hw_free(a);
  map_free(m);
  return rule;
}

static void expect(map_rule got, map_rule want, const at_err *e, const char *why) {
  if (got != want)
    fail_msg("rule %s, want %s (%s)", got == MAP_RULE_NONE ? "none" : map_rule_name[got],
             want == MAP_RULE_NONE ? "none" : map_rule_name[want], e->msg);
  if (want != MAP_RULE_NONE && !strstr(e->msg, why)) fail_msg("'%s' does not say '%s'", e->msg, why);
}

#define SRC ATTNSIM_SOURCE_DIR

/* The 1-pass rules, one case a row: the mapping (one()), where it is
** judged (architecture, buffer override), the rule and the reason. */
static void one_pass_rules(void **state) {
  (void)state;
  static const struct {
    const char *arch, *m0, *p1, *loops;
    int buffered;
    const char *on;
    int64_t buffer;
    map_rule rule;
    const char *why;
  } cases[] = {
    /* LM = max and SLN = exp on FLAT's 2D array, whose PEs only multiply and add */
    { "flat", "2d.rows", "4", "p2, m1, p1", 1, "flat", 0, MAP_RULE_OPS,
      "Einsum LM needs max, which array 2d of flat does not support" },
    /* the same mapping on FuseMax's arrays, whose 2D PEs have both */
    { "flat", "2d.rows", "4", "p2, m1, p1", 1, "fusemax", 0, MAP_RULE_NONE, "" },
    { "fusemax", "512", "4", "p2, m1, p1", 1, "fusemax", 0, MAP_RULE_FANOUT,
      "spatial factor m0 = 512 is larger than array 2d's 256 rows" },
    { "fusemax", "256", "4", "p2, m1, p1", 1, "fusemax", 0, MAP_RULE_NONE, "" },
    { "fusemax", "2d.rows", "4", "p2, m1, p1", 1, "fusemax", 16384, MAP_RULE_BUFFER, "tile larger than the buffer" },
    /* the running max, sum and numerator of P1 x P0 = 4 x 256 queries in
    ** registers across the m1 loop: 4 + 4 + 4 x 64 words per 1D PE, 32 there */
    { "fusemax", "2d.rows", "4", "p2, m1, p1", 0, "fusemax", 0, MAP_RULE_REGS, "words per PE of array 1d" },
    /* with m1 innermost, one tile's state at a time: 1 + 1 + 64 words, still too many for RNV */
    { "fusemax", "2d.rows", "4", "p2, p1, m1", 0, "fusemax", 0, MAP_RULE_REGS, "RNV" },
    { "fusemax", "2d.rows", "4", "p2, m1, p1", 1, "fusemax", 0, MAP_RULE_NONE, "" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char t[4096];
    at_err e;
    one(t, sizeof t, cases[i].arch, cases[i].m0, cases[i].p1, cases[i].loops, cases[i].buffered ? buffered_state : "");
    expect(judge(t, cases[i].on, cases[i].buffer, 1024, &e), cases[i].rule, &e, cases[i].why);
  }
}

static void operations_missing(void **state) {
  (void)state;
  char t[4096];
  at_err e;
  one(t, sizeof t, "fusemax", "2d.rows", "4", "p2, m1, p1", buffered_state);
  char *at = strstr(t, "AV: 1d");
  assert_non_null(at);
  memcpy(at, "AV: 2d", 6);   /* the final division on the 2D array, which has no divider */
  expect(judge(t, "fusemax", 0, 1024, &e), MAP_RULE_OPS, &e, "Einsum AV needs div, which array 2d of fusemax does not support");
}

static void dependences(void **state) {
  (void)state;
  char t[4096];
  at_err e;
  /* a shared loop over m: GM = max over m must finish before SN reads it */
  snprintf(t, sizeof t, three_pass, SRC, SRC, "1", "mt: rest, m0: 2d.rows", "pb, mt", "{home: buffer, keep_at: pb}");
  expect(judge(t, "flat", 0, 1024, &e), MAP_RULE_DEPEND, &e, "reduces over M before SN reads it");
  snprintf(t, sizeof t, three_pass, SRC, SRC, "1", "mt: rest, m0: 2d.rows", "pb", "{home: buffer, keep_at: pb}");
  expect(judge(t, "flat", 0, 1024, &e), MAP_RULE_NONE, &e, "");
  /* QK in the buffer must be held whole over m until SN: not kept inside QK's own nest */
  snprintf(t, sizeof t, three_pass, SRC, SRC, "1", "mt: rest, m0: 2d.rows", "pb", "{home: buffer, keep_at: mt}");
  expect(judge(t, "flat", 0, 1024, &e), MAP_RULE_DEPEND, &e, "QK is read after a reduction over one of its ranks");
  /* in DRAM, staged a tile at a time, it may be */
  snprintf(t, sizeof t, three_pass, SRC, SRC, "1", "mt: rest, m0: 2d.rows", "pb", "{home: dram, keep_at: mt}");
  expect(judge(t, "flat", 0, 1024, &e), MAP_RULE_NONE, &e, "");
}

/* Replaces the first `from` in t by `to` (t has room). */
static void edit(char *t, size_t cap, const char *from, const char *to) {
  char *at = strstr(t, from);
  assert_non_null(at);
  size_t nf = strlen(from), nt = strlen(to), rest = strlen(at + nf);
  assert_true((size_t)(at - t) + nt + rest < cap);
  memmove(at + nt, at + nf, rest + 1);
  memcpy(at, to, nt);
}

/* A 1D array narrower than P0: refused for fan-out unless the binding
** folds; and partial sums of a reduction split over a shared loop are
** held in registers for every tile inside that loop. */
static void fold_and_partial_sums(void **state) {
  (void)state;
  char t[4096];
  at_err e;
  one(t, sizeof t, "fusemax", "2d.rows", "4", "p2, m1, p1", buffered_state);
  width_1d = 64;
  expect(judge(t, "fusemax", 0, 1024, &e), MAP_RULE_FANOUT, &e, "spatial factor p0 = 256 is larger than array 1d's 64 cols");
  edit(t, sizeof t, "1d: {cols: p0}", "1d: {cols: p0, fold: true}");
  expect(judge(t, "fusemax", 0, 1024, &e), MAP_RULE_NONE, &e, "");
  width_1d = 0;
  /* BQK = sum over e split by a shared loop e2 outside m1 and p1: at 4K
  ** the partial scores of 16 x 4 tiles of 256 x 256 wait in registers for
  ** e2's end, 64 words per 2D PE, which has 16 */
  one(t, sizeof t, "fusemax", "2d.rows", "4", "p2, e2, m1, p1", buffered_state);
  edit(t, sizeof t, "      p: {p2:", "      e: {e2: rest, e0: 16}\n      p: {p2:");
  expect(judge(t, "fusemax", 0, 4096, &e), MAP_RULE_REGS, &e, "need 64 words per PE of array 2d (BQK among them)");
  /* with e2 innermost, one tile's partial scores at a time: a word per PE */
  one(t, sizeof t, "fusemax", "2d.rows", "4", "p2, m1, p1, e2", buffered_state);
  edit(t, sizeof t, "      p: {p2:", "      e: {e2: rest, e0: 16}\n      p: {p2:");
  expect(judge(t, "fusemax", 0, 4096, &e), MAP_RULE_NONE, &e, "");
}

static uint64_t key_of(const char *text, int64_t seq) {
  at_err e;
  map_spec *m = load(text, &e);
  hw_arch *a;
  if (hw_load(SRC "/hw/fusemax.yaml", &a, &e)) fail_msg("%s", e.msg);
  if (map_bind(m, a, &bert, seq, &sched, &e)) fail_msg("%s", e.msg);
  uint64_t k = map_schedule_key(&sched);
  hw_free(a);
  map_free(m);
  return k;
}

static void duplicates(void **state) {
  (void)state;
  char a[4096], b[4096], c[4096];
  /* at 1K, P2 = 1024 / (4 x 256) = 1: p2's place in the nest changes nothing
  ** (as long as nothing is kept at p2: a tile kept there moves with it) */
  static const char at_m1[] =
    "      RM: {home: buffer, keep_at: m1}\n      RD: {home: buffer, keep_at: m1}\n      RNV: {home: buffer, keep_at: m1}\n";
  one(a, sizeof a, "fusemax", "2d.rows", "4", "p2, m1, p1", at_m1);
  one(b, sizeof b, "fusemax", "2d.rows", "4", "m1, p2, p1", at_m1);
  one(c, sizeof c, "fusemax", "2d.rows", "2", "p2, m1, p1", at_m1);
  /* Q kept at m1 too, so that no keep_at names p2 */
  for (char *t = a; t; t = t == a ? b : t == b ? c : NULL) {
    char *q = strstr(t, "Q: {home: dram, keep_at: p2}");
    assert_non_null(q);
    memcpy(q, "Q: {home: dram, keep_at: m1}", 28);
  }
  assert_true(key_of(a, 1024) == key_of(b, 1024));
  assert_true(key_of(a, 1024) != key_of(c, 1024));
  /* at 4K P2 = 4: the order matters */
  assert_true(key_of(a, 4096) != key_of(b, 4096));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(one_pass_rules), cmocka_unit_test(operations_missing), cmocka_unit_test(dependences),
    cmocka_unit_test(duplicates), cmocka_unit_test(fold_and_partial_sums),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
