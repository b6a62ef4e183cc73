/*
** test_pe_shadow.c: does the shadow comparison (hw/pe/pe_shadow.c) catch
** a divergence, at the right PE and edge, and stay quiet otherwise?  Two
** C-twin banks must never diverge; a test-only bank that corrupts one
** register of one PE at one edge (or after a reset) must be reported
** exactly there, with the offers that PE was given.  C only: runs without
** Verilator, and under the sanitizers.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pe_bank.h"
#include "pe_shadow.h"
#include "pe_stream.h"

/* A twin bank that, at step index at_edge (0-based), flips bit 0 of out
** of every PE in pes[] after stepping; with on_reset it leaves t = 1 in
** PE pes[0] after every reset instead. */
typedef struct bad_impl {
  pe_bank *twin;
  uint64_t steps;
  uint64_t at_edge;
  int      pes[4], npes;
  int      on_reset;
} bad_impl;

static void bad_step(pe_bank *b, const pe_in *in)
{
  bad_impl *s = b->impl;
  int k;
  s->twin->step(s->twin, in);
  if (!s->on_reset && s->steps == s->at_edge)
    for (k = 0; k < s->npes; k++) b->st[s->pes[k]].out ^= 1;
  s->steps++;
}

static void bad_reset(pe_bank *b)
{
  bad_impl *s = b->impl;
  s->twin->reset(s->twin);
  if (s->on_reset) b->st[s->pes[0]].t = 1;
}

static void bad_close(pe_bank *b)
{
  bad_impl *s = b->impl;
  s->twin->close(s->twin);
  free(s);
  free(b);
}

static pe_bank *bad_open(int kind, int n, uint64_t at_edge, const int *pes, int npes, int on_reset)
{
  pe_bank *b = calloc(1, sizeof *b);
  bad_impl *s = calloc(1, sizeof *s);
  assert_non_null(b);
  assert_non_null(s);
  s->twin = pe_bank_twin(kind, n);
  assert_non_null(s->twin);
  s->at_edge = at_edge;
  memcpy(s->pes, pes, (size_t)npes * sizeof *pes);
  s->npes = npes;
  s->on_reset = on_reset;
  b->impl_name = "bad";
  b->kind = kind;
  b->n = n;
  b->st = s->twin->st;
  b->step = bad_step;
  b->reset = bad_reset;
  b->close = bad_close;
  b->impl = s;
  return b;
}

/* Steps b `edges` times with a fresh stream (seed); the offers of every
** edge are kept in log (edges * n) when log is not NULL. */
static void run(pe_bank *b, uint64_t seed, int edges, pe_in *log)
{
  gen_rng r = { seed };
  pe_in *in = calloc((size_t)b->n, sizeof *in);
  int e;
  assert_non_null(in);
  for (e = 0; e < edges; e++) {
    pe_stream_fill(&r, in, b->n, 64);
    b->step(b, in);
    if (log) memcpy(&log[(size_t)e * (size_t)b->n], in, (size_t)b->n * sizeof *in);
  }
  free(in);
}

static void test_twins_agree(void **st)
{
  int kind;
  (void)st;
  for (kind = PE_KIND_2D; kind <= PE_KIND_1D; kind++) {
    pe_bank *p = pe_bank_twin(kind, 37), *q = pe_bank_twin(kind, 37);
    pe_bank *b = pe_shadow_open(p, q);
    pe_shadow_diff d;
    assert_non_null(b);
    assert_ptr_equal(b->st, p->st);
    assert_int_equal(b->n, 37);
    assert_int_equal(b->kind, kind);
    assert_string_equal(b->impl_name, "twin/twin");
    run(b, 11 + (uint64_t)kind, 3000, NULL);
    b->reset(b);
    run(b, 12, 500, NULL);
    assert_int_equal(pe_shadow_diverged(b, &d), 0);
    assert_int_equal(pe_shadow_edges(b), 3500);
    b->close(b);
  }
}

static void test_no_shadow(void **st)
{
  pe_bank *p = pe_bank_twin(PE_KIND_2D, 5), *ref = pe_bank_twin(PE_KIND_2D, 5);
  pe_bank *b = pe_shadow_open(p, NULL);
  int i;
  (void)st;
  assert_non_null(b);
  assert_ptr_equal(b->st, p->st);
  run(b, 3, 200, NULL);
  run(ref, 3, 200, NULL);
  for (i = 0; i < 5; i++) assert_true(pe_state_equal(&b->st[i], &ref->st[i]));
  assert_int_equal(pe_shadow_diverged(b, NULL), 0);
  assert_int_equal(pe_shadow_edges(b), 200);
  b->close(b);
  ref->close(ref);
}

/* A corruption at edge at of PE pe is reported there, with its offers. */
static void check_caught(int kind, int n, uint64_t at, const int *pes, int npes, int want_pe)
{
  pe_bank *bad = bad_open(kind, n, at, pes, npes, 0);
  pe_bank *twin = pe_bank_twin(kind, n);
  pe_bank *b = pe_shadow_open(bad, twin);
  int edges = (int)at + 1, k;
  pe_in *log = calloc((size_t)edges * (size_t)n, sizeof *log);
  pe_shadow_diff d;
  assert_non_null(b);
  assert_non_null(log);
  run(b, 99, edges, log);
  assert_int_equal(pe_shadow_diverged(b, &d), 1);
  assert_int_equal(d.edge, at);
  assert_int_equal(d.at_reset, 0);
  assert_int_equal(d.pe, want_pe);
  assert_int_equal(d.primary.out ^ d.shadow.out, 1);
  assert_int_equal(d.hist, at + 1 < PE_SHADOW_HIST ? (int)at + 1 : PE_SHADOW_HIST);
  for (k = 0; k < d.hist; k++)
    assert_memory_equal(&d.recent[k], &log[(size_t)(at - (uint64_t)k) * (size_t)n + (size_t)want_pe],
                        sizeof d.recent[k]);
  /* st is the primary's: the corrupted value is what callers see */
  assert_int_equal(b->st[want_pe].out, d.primary.out);
  /* later edges keep the first divergence */
  run(b, 5, 30, NULL);
  assert_int_equal(pe_shadow_diverged(b, &d), 1);
  assert_int_equal(d.edge, at);
  assert_int_equal(d.pe, want_pe);
  b->close(b);
  free(log);
}

static void test_perturbed_caught(void **st)
{
  const int one[1] = { 3 }, last[1] = { 63 }, first[1] = { 0 }, two[2] = { 40, 9 };
  (void)st;
  check_caught(PE_KIND_2D, 64, 0, first, 1, 0);     /* the very first edge */
  check_caught(PE_KIND_2D, 64, 5, one, 1, 3);       /* history shorter than the ring */
  check_caught(PE_KIND_1D, 64, 777, last, 1, 63);
  check_caught(PE_KIND_1D, 64, 100, two, 2, 9);     /* two at once: the lower index */
}

static void test_reset_divergence(void **st)
{
  const int pe[1] = { 2 };
  pe_bank *bad = bad_open(PE_KIND_2D, 4, 0, pe, 1, 1);
  pe_bank *b = pe_shadow_open(bad, pe_bank_twin(PE_KIND_2D, 4));
  pe_shadow_diff d;
  (void)st;
  assert_non_null(b);
  assert_int_equal(pe_shadow_diverged(b, &d), 1);   /* the reset in open */
  assert_int_equal(d.at_reset, 1);
  assert_int_equal(d.edge, 0);
  assert_int_equal(d.pe, 2);
  assert_int_equal(d.hist, 0);
  assert_int_equal(d.primary.t, 1);
  assert_int_equal(d.shadow.t, 0);
  run(b, 1, 10, NULL);                              /* the first divergence is kept */
  assert_int_equal(pe_shadow_diverged(b, &d), 1);
  assert_int_equal(d.edge, 0);
  assert_int_equal(pe_shadow_edges(b), 10);
  b->close(b);
}

static void test_format(void **st)
{
  pe_shadow_diff d;
  char line[512], tiny[12];
  int n;
  (void)st;
  memset(&d, 0, sizeof d);
  d.edge = 13;
  d.pe = 2;
  d.hist = 3;
  d.recent[0] = (pe_in){ 1, PE_OP_MAC, 0x4000, 0x4200, 0x3C00 };
  d.recent[1] = (pe_in){ 0, PE_OP_ADD, 1, 2, 3 };
  d.recent[2] = (pe_in){ 1, PE_OP_EXP, 0xB800, 0, 0 };
  d.primary.out = 0x3C01;
  d.primary.out_valid = 1;
  d.shadow.out = 0x3C00;
  d.shadow.out_valid = 1;
  d.shadow.n = -4;
  n = pe_shadow_format(&d, line, sizeof line);
  assert_int_equal(n, (int)strlen(line));
  assert_string_equal(line, "edge 13 (after the step): primary {out=3c01 v=1 seq=0 t=0000 f=0000 n=0}, "
                            "shadow {out=3c00 v=1 seq=0 t=0000 f=0000 n=-4}; offers, latest first: "
                            "MAC(4000,4200,3c00) idle EXP(b800,0000)");
  /* truncated, still terminated, and the length it wanted */
  assert_int_equal(pe_shadow_format(&d, tiny, sizeof tiny), n);
  assert_int_equal(strlen(tiny), sizeof tiny - 1);
  assert_memory_equal(tiny, line, sizeof tiny - 1);
  d.at_reset = 1;
  d.hist = 0;
  pe_shadow_format(&d, line, sizeof line);
  assert_non_null(strstr(line, "after a reset"));
  assert_null(strstr(line, "offers"));
}

static void test_mismatch_refused(void **st)
{
  pe_bank *p = pe_bank_twin(PE_KIND_2D, 8);
  pe_bank *q = pe_bank_twin(PE_KIND_2D, 9), *r = pe_bank_twin(PE_KIND_1D, 8);
  (void)st;
  assert_null(pe_shadow_open(p, q));
  assert_null(pe_shadow_open(p, r));
  assert_null(pe_shadow_open(NULL, q));
  assert_int_equal(pe_shadow_diverged(p, NULL), 0);  /* not a shadow bank */
  assert_int_equal(pe_shadow_edges(p), 0);
  p->close(p);
  q->close(q);
  r->close(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_twins_agree),
    cmocka_unit_test(test_no_shadow),
    cmocka_unit_test(test_perturbed_caught),
    cmocka_unit_test(test_reset_divergence),
    cmocka_unit_test(test_format),
    cmocka_unit_test(test_mismatch_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
