/*
** test_rtl_bank.c: is the Verilated PE array (rtl/array) the C twin, edge
** for edge, and does the shadow comparison catch a faulty RTL PE where it
** is?  (1) rtl_bank_open banks against pe_bank_twin banks on random op
** streams (idle cycles, exp, div, illegal codes, offers while busy,
** resets) for several n, including n below the model's lane count: every
** register of every PE equal after every edge.  (2) Fault banks (one PE
** built with FAULT=1) through pe_shadow against a twin bank: the
** divergence names the faulty PE and the first edge where a direct
** comparison also sees one.  (3) Banks larger than the compiled limit are
** refused with the limit.  Label rtl (needs Verilator).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pe_bank.h"
#include "pe_shadow.h"
#include "pe_stream.h"
#include "rtl_bank.h"

static pe_bank *open_rtl(int kind, int n, int fault_pe)
{
  char err[256] = "";
  pe_bank *b = rtl_bank_open(kind, n, fault_pe, err, sizeof err);
  if (!b) fail_msg("rtl_bank_open(%d, %d, %d): %s", kind, n, fault_pe, err);
  return b;
}

/* Counts of what the stream exercised, so a test cannot pass on idle PEs. */
typedef struct seen {
  long results;   /* out_valid after an edge */
  long exps;      /* exp results (seq 6 -> 0) */
  long busy;      /* PE-edges with seq != 0 */
  long resets;
} seen;

static void rtl_vs_twin(int kind, int n, int edges, uint64_t seed, seen *sn)
{
  pe_bank *r = open_rtl(kind, n, -1), *t = pe_bank_twin(kind, n);
  pe_in *in = calloc((size_t)n, sizeof *in);
  uint8_t *prev_seq = calloc((size_t)n, 1);
  gen_rng g = { seed };
  int e, i;
  assert_non_null(t);
  assert_non_null(in);
  assert_non_null(prev_seq);
  assert_string_equal(r->impl_name, "rtl");
  assert_int_equal(r->n, n);
  assert_true(rtl_bank_lanes(r) >= n);
  for (i = 0; i < n; i++) assert_true(pe_state_equal(&r->st[i], &t->st[i]));
  for (e = 0; e < edges; e++) {
    if (gen_u64(&g) % 400 == 0) {
      r->reset(r);
      t->reset(t);
      sn->resets++;
    } else {
      /* idle 1/4 of the time, and whole idle edges now and then */
      pe_stream_fill(&g, in, n, gen_u64(&g) % 16 == 0 ? 256 : 64);
      r->step(r, in);
      t->step(t, in);
    }
    for (i = 0; i < n; i++) {
      if (!pe_state_equal(&r->st[i], &t->st[i]))
        fail_msg("kind %d n %d edge %d PE %d: rtl out %04x v%d seq %d t %04x f %04x n %d, "
                 "twin out %04x v%d seq %d t %04x f %04x n %d", kind, n, e, i,
                 r->st[i].out, r->st[i].out_valid, r->st[i].seq, r->st[i].t, r->st[i].f,
                 r->st[i].n, t->st[i].out, t->st[i].out_valid, t->st[i].seq, t->st[i].t,
                 t->st[i].f, t->st[i].n);
      sn->results += t->st[i].out_valid;
      sn->busy += t->st[i].seq != 0;
      sn->exps += prev_seq[i] == 6 && t->st[i].seq == 0 && t->st[i].out_valid;
      prev_seq[i] = t->st[i].seq;
    }
  }
  r->close(r);
  t->close(t);
  free(in);
  free(prev_seq);
}

/* rtl_vs_twin over several n, and enough exps and resets seen. */
static void equal_runs(int kind, const int *ns, size_t count, uint64_t seed)
{
  seen sn = { 0, 0, 0, 0 };
  size_t k;
  for (k = 0; k < count; k++)
    rtl_vs_twin(kind, ns[k], ns[k] >= 64 ? 1500 : 4000, seed + k, &sn);
  print_message("%s: %ld results, %ld exps, %ld busy PE-edges, %ld resets\n",
                kind == PE_KIND_1D ? "1D" : "2D", sn.results, sn.exps, sn.busy, sn.resets);
  assert_true(sn.exps > 1000);
  assert_true(sn.resets > 10);
}

static void test_equal_2d(void **st)
{
  static const int ns[] = { 1, 16, 17, 64, 100, 256 };   /* 17, 100: below the lane count */
  (void)st;
  equal_runs(PE_KIND_2D, ns, sizeof ns / sizeof ns[0], 100);
}

static void test_equal_1d(void **st)
{
  static const int ns[] = { 1, 5, 16, 40, 256 };
  (void)st;
  equal_runs(PE_KIND_1D, ns, sizeof ns / sizeof ns[0], 200);
}

/* DIV is really divided on the 1D RTL (and NaN on the 2D), not just equal. */
static void test_div(void **st)
{
  pe_in in[2] = { { 1, PE_OP_DIV, 0x4200, 0x4000, 0 }, { 1, PE_OP_DIV, 0x3C00, 0x4200, 0 } };
  pe_bank *d1 = open_rtl(PE_KIND_1D, 2, -1), *d2 = open_rtl(PE_KIND_2D, 2, -1);
  (void)st;
  d1->step(d1, in);
  d2->step(d2, in);
  assert_int_equal(d1->st[0].out, 0x3E00);   /* 3 / 2 = 1.5 */
  assert_int_equal(d1->st[1].out, 0x3555);   /* 1 / 3 */
  assert_int_equal(d1->st[0].out_valid, 1);
  assert_int_equal(d2->st[0].out, 0x7E00);   /* no divider: NaN */
  d1->close(d1);
  d2->close(d2);
}

/* A fault bank with the fault at logical fault_pe, shadowed by a twin bank,
** and an unshadowed copy compared directly: the shadow must report
** fault_pe at the first edge of a direct mismatch, and no other PE may
** ever differ. */
static void fault_caught(int kind, int n, int fault_pe)
{
  pe_bank *b = pe_shadow_open(open_rtl(kind, n, fault_pe), pe_bank_twin(kind, n));
  pe_bank *raw = open_rtl(kind, n, fault_pe), *twin = pe_bank_twin(kind, n);
  pe_in *in = calloc((size_t)n, sizeof *in);
  gen_rng g = { 7 + (uint64_t)fault_pe };
  long first = -1;
  int e, i;
  pe_shadow_diff d;
  char line[400];
  assert_non_null(b);
  assert_non_null(twin);
  assert_non_null(in);
  for (e = 0; e < 3000 && (first < 0 || e < first + 50); e++) {
    pe_stream_fill(&g, in, n, 32);
    b->step(b, in);
    raw->step(raw, in);
    twin->step(twin, in);
    for (i = 0; i < n; i++)
      if (!pe_state_equal(&raw->st[i], &twin->st[i])) {
        if (i != fault_pe) fail_msg("kind %d n %d fault %d: PE %d differs at edge %d", kind, n, fault_pe, i, e);
        if (first < 0) first = e;
      }
  }
  if (first < 0) fail_msg("kind %d n %d fault %d: fault never visible in %d edges", kind, n, fault_pe, e);
  assert_int_equal(pe_shadow_diverged(b, &d), 1);
  assert_int_equal(d.pe, fault_pe);
  assert_int_equal(d.edge, first);
  assert_int_equal(d.at_reset, 0);
  assert_false(pe_state_equal(&d.primary, &d.shadow));
  assert_true(d.hist >= 1);
  pe_shadow_format(&d, line, sizeof line);
  print_message("kind %d n %d fault PE %d: %s\n", kind, n, fault_pe, line);
  b->close(b);
  raw->close(raw);
  twin->close(twin);
  free(in);
}

static void test_fault_caught(void **st)
{
  (void)st;
  fault_caught(PE_KIND_2D, 16, 0);
  fault_caught(PE_KIND_2D, 16, 9);
  fault_caught(PE_KIND_2D, 256, 255);
  fault_caught(PE_KIND_2D, 256, 130);
  fault_caught(PE_KIND_2D, 100, 99);   /* n below the model's lanes */
  fault_caught(PE_KIND_1D, 16, 15);
  fault_caught(PE_KIND_1D, 7, 3);
  fault_caught(PE_KIND_1D, 256, 0);
}

/* The fault bank without a fault op stream: equal to the twin on ops that
** do not round (MAX, idle), so the fault is in the arithmetic, not wiring. */
static void test_fault_bank_wiring(void **st)
{
  pe_bank *r = open_rtl(PE_KIND_2D, 16, 5), *t = pe_bank_twin(PE_KIND_2D, 16);
  pe_in in[16];
  gen_rng g = { 3 };
  int e, i;
  (void)st;
  assert_non_null(t);
  for (e = 0; e < 2000; e++) {
    for (i = 0; i < 16; i++) {
      in[i].valid = (uint8_t)(gen_u64(&g) & 1);
      in[i].op = PE_OP_MAX;
      gen_set(&g, PE_OP_MAX, &in[i].a, &in[i].b, &in[i].c);
    }
    r->step(r, in);
    t->step(t, in);
    for (i = 0; i < 16; i++) assert_true(pe_state_equal(&r->st[i], &t->st[i]));
  }
  r->close(r);
  t->close(t);
}

static void test_limits(void **st)
{
  char err[256], want[32];
  int kind;
  (void)st;
  for (kind = PE_KIND_2D; kind <= PE_KIND_1D; kind++) {
    int max = rtl_bank_max(kind, 0), fmax = rtl_bank_max(kind, 1);
    pe_bank *b;
    assert_true(max >= 256);
    assert_true(fmax >= 16);
    err[0] = 0;
    assert_null(rtl_bank_open(kind, max + 1, -1, err, sizeof err));
    snprintf(want, sizeof want, "%d lanes", max);
    if (!strstr(err, want)) fail_msg("message without the limit: %s", err);
    err[0] = 0;
    assert_null(rtl_bank_open(kind, fmax + 1, 0, err, sizeof err));
    snprintf(want, sizeof want, "%d lanes", fmax);
    if (!strstr(err, want)) fail_msg("message without the fault limit: %s", err);
    err[0] = 0;
    assert_null(rtl_bank_open(kind, 0, -1, err, sizeof err));
    assert_true(err[0] != 0);
    err[0] = 0;
    assert_null(rtl_bank_open(kind, 8, 8, err, sizeof err));   /* fault PE outside */
    assert_true(err[0] != 0);
    b = open_rtl(kind, max, -1);
    assert_int_equal(rtl_bank_lanes(b), max);
    b->close(b);
    b = open_rtl(kind, 16, -1);
    assert_int_equal(rtl_bank_lanes(b), 16);
    b->close(b);
  }
  assert_null(rtl_bank_open(7, 4, -1, err, sizeof err));
  assert_null(rtl_bank_open(PE_KIND_2D, 0, -1, NULL, 0));   /* no room for a message: still NULL */
  assert_int_equal(rtl_bank_max(7, 0), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_equal_2d),
    cmocka_unit_test(test_equal_1d),
    cmocka_unit_test(test_div),
    cmocka_unit_test(test_fault_caught),
    cmocka_unit_test(test_fault_bank_wiring),
    cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
