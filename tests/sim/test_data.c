/*
** test_data.c: the data mode's check can fail.  The same FuseMax point
** (16x16 + 16 PEs, M = P = 64) runs on the C twin and on a test-only bank
** whose MAC drops its addend (out = a*b: a deliberately wrong PE, opened
** through the engine options' factory as an RTL bank would be).  The twin
** stays within the derived bound and equals the fp16 emulation of the
** interpreter's order bit for bit; the wrong PE exceeds the bound, differs
** from the emulation, and its cycles
** equal the twin's (values never steer the timing).  Also: the factory's
** refusal is reported with the array's name; an EXP one ulp off passes the
** tolerance but not the emulation; a PE that never becomes
** ready is a timing divergence naming its array, row, column and cycle; and the
** co-simulation path without Verilator: the one-ulp bank shadowed by the
** twin (pe_shadow.h, as engine rtl shadows the RTL) stops at the first
** EXP result with the PE, cycle, operation and both banks' registers
** (result marked diverged), a twin shadowed by a twin gives the twin's
** digest, the one-ulp bank alone another; a fault PE outside the array
** or on an array the architecture lacks is refused.  The timing: a bank
** whose EXP result comes one edge late (the same bits) is a timing
** divergence at its PE and cycle; a firing the value model starts before
** the engine did (a test-only hook) is caught reading a value before it
** arrived, or overlapping its PE's previous firing; and the value model's
** edges against the engine's cycles.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim.h"
#include "pe_bank.h"
#include "pe_shadow.h"

/* b as a test bank around the twin t: t's kind, n and registers, the
** given callbacks and state. */
static pe_bank *wrap(pe_bank *b, pe_bank *t, const char *name, void (*step)(pe_bank *, const pe_in *),
                     void (*reset)(pe_bank *), void (*close)(pe_bank *), void *impl) {
  *b = *t;
  b->impl_name = name;
  b->step = step;
  b->reset = reset;
  b->close = close;
  b->impl = impl;
  return b;
}

static void wrong_step(pe_bank *b, const pe_in *in) {
  pe_bank *twin = b->impl;
  pe_in *w = malloc(sizeof *w * (size_t)b->n);
  assert_non_null(w);
  memcpy(w, in, sizeof *w * (size_t)b->n);
  for (int i = 0; i < b->n; i++)
    if (w[i].valid && w[i].op == PE_OP_MAC) w[i].c = 0x8000u;   /* the addend lost */
  twin->step(twin, w);
  free(w);
}
static void wrong_reset(pe_bank *b) { pe_bank *t = b->impl; t->reset(t); }
static void wrong_close(pe_bank *b) { pe_bank *t = b->impl; t->close(t); free(b); }

static pe_bank *wrong_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)fault_pe;
  pe_bank *t = pe_bank_twin(kind, n), *b = calloc(1, sizeof *b);
  if (!t || !b) { snprintf(err, (size_t)errlen, "out of memory"); free(b); if (t) t->close(t); return NULL; }
  return wrap(b, t, "wrong-mac", wrong_step, wrong_reset, wrong_close, t);   /* the twin's registers are the bank's */
}

/* A bank whose EXP results are one unit in the last place off (the lowest
** bit flipped): far inside the tolerance, but not the emulation's bits. */
typedef struct ulp_bank { pe_bank *twin; uint8_t *exp; } ulp_bank;

static void ulp_step(pe_bank *b, const pe_in *in) {
  ulp_bank *u = b->impl;
  for (int i = 0; i < b->n; i++)
    if (in[i].valid && pe_ready(&u->twin->st[i])) u->exp[i] = in[i].op == PE_OP_EXP;
  u->twin->step(u->twin, in);
  for (int i = 0; i < b->n; i++)
    if (u->twin->st[i].out_valid && u->exp[i]) u->twin->st[i].out ^= 1u;
}
static void ulp_reset(pe_bank *b) { ulp_bank *u = b->impl; u->twin->reset(u->twin); }
static void ulp_close(pe_bank *b) {
  ulp_bank *u = b->impl;
  u->twin->close(u->twin);
  free(u->exp);
  free(u);
  free(b);
}

static pe_bank *ulp_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)fault_pe;
  pe_bank *t = pe_bank_twin(kind, n), *b = calloc(1, sizeof *b);
  ulp_bank *u = calloc(1, sizeof *u);
  uint8_t *x = calloc((size_t)n, 1);
  if (!t || !b || !u || !x) {
    snprintf(err, (size_t)errlen, "out of memory");
    if (t) t->close(t);
    free(b); free(u); free(x);
    return NULL;
  }
  u->twin = t;
  u->exp = x;
  return wrap(b, t, "exp-ulp", ulp_step, ulp_reset, ulp_close, u);
}

/* A bank whose PE 35 (row 2, column 3 of a 16-column array) never becomes
** ready: the data mode must stop and name it. */
static void stuck_step(pe_bank *b, const pe_in *in) {
  pe_bank *twin = b->impl;
  twin->step(twin, in);
  if (b->kind == PE_KIND_2D) twin->st[35].seq = 1;
}

static pe_bank *stuck_open(int kind, int n, int fault_pe, char *err, int errlen) {
  pe_bank *b = wrong_open(kind, n, fault_pe, err, errlen);
  if (b) b->step = stuck_step;
  if (b && kind == PE_KIND_2D) ((pe_bank *)b->impl)->st[35].seq = 1;
  return b;
}

/* A bank whose EXP takes one edge more than the twin's (8 edges): its
** results are the twin's, bit for bit, one edge later, so a run on it has
** the right values and the wrong timing. */
typedef struct slow_bank { pe_bank *twin; pe_state *st; uint8_t *exp, *hold; pe_in *in; } slow_bank;

static void slow_step(pe_bank *b, const pe_in *in) {
  slow_bank *u = b->impl;
  for (int i = 0; i < b->n; i++) {
    u->in[i] = in[i];
    if (u->hold[i]) u->in[i].valid = 0;   /* busy this edge: nothing accepted */
    else if (in[i].valid && pe_ready(&u->twin->st[i])) u->exp[i] = in[i].op == PE_OP_EXP;
  }
  u->twin->step(u->twin, u->in);
  for (int i = 0; i < b->n; i++) {
    u->st[i] = u->twin->st[i];
    if (u->hold[i]) {
      u->hold[i] = 0;
      u->st[i].out_valid = 1;              /* the held result, an edge late */
    } else if (u->st[i].out_valid && u->exp[i]) {
      u->exp[i] = 0;
      u->hold[i] = 1;
      u->st[i].out_valid = 0;
      u->st[i].seq = 6;                    /* not ready for one more edge */
    }
  }
}
static void slow_reset(pe_bank *b) {
  slow_bank *u = b->impl;
  u->twin->reset(u->twin);
  memset(u->st, 0, sizeof *u->st * (size_t)b->n);
  memset(u->hold, 0, (size_t)b->n);
  memset(u->exp, 0, (size_t)b->n);
}
static void slow_close(pe_bank *b) {
  slow_bank *u = b->impl;
  u->twin->close(u->twin);
  free(u->st); free(u->exp); free(u->hold); free(u->in);
  free(u);
  free(b);
}
static pe_bank *slow_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)fault_pe;
  pe_bank *t = pe_bank_twin(kind, n), *b = calloc(1, sizeof *b);
  slow_bank *u = calloc(1, sizeof *u);
  if (u) {
    u->st = calloc((size_t)n, sizeof *u->st);
    u->exp = calloc((size_t)n, 1);
    u->hold = calloc((size_t)n, 1);
    u->in = calloc((size_t)n, sizeof *u->in);
  }
  if (!t || !b || !u || !u->st || !u->exp || !u->hold || !u->in) {
    snprintf(err, (size_t)errlen, "out of memory");
    if (t) t->close(t);
    if (u) { free(u->st); free(u->exp); free(u->hold); free(u->in); }
    free(b); free(u);
    return NULL;
  }
  u->twin = t;
  wrap(b, t, "slow-exp", slow_step, slow_reset, slow_close, u);
  b->st = u->st;   /* its own registers: the twin's, an EXP result held an edge */
  return b;
}

static pe_bank *refusing_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)kind; (void)n; (void)fault_pe;
  snprintf(err, (size_t)errlen, "no such bank here");
  return NULL;
}

/* The one-ulp EXP bank shadowed by the twin (pe_shadow.h), as engine rtl
** shadows the RTL: the data mode must stop at the first EXP result; a
** twin shadowed by a twin never diverges. */
static pe_bank *shadowed(pe_bank *p, int kind, int n, char *err, int errlen) {
  pe_bank *t = p ? pe_bank_twin(kind, n) : NULL, *b = t ? pe_shadow_open(p, t) : NULL;
  if (!b) {
    if (p) p->close(p);
    if (t) t->close(t);
    snprintf(err, (size_t)errlen, "out of memory");
  }
  return b;
}
static pe_bank *ulp_shadowed_open(int kind, int n, int fault_pe, char *err, int errlen) {
  return shadowed(ulp_open(kind, n, fault_pe, err, errlen), kind, n, err, errlen);
}
static pe_bank *twin_shadowed_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)fault_pe;
  return shadowed(pe_bank_twin(kind, n), kind, n, err, errlen);
}

static int run(sim_engine_opts *o, sim_result *r, at_err *e) {
  sim_design *d;
  if (sim_design_find("fusemax", &d, e)) fail_msg("%s", e->msg);
  wl_workload w;
  if (wl_find("bert", NULL, &w, e)) fail_msg("%s", e->msg);
  const char *names[] = { "B", "H", "E", "F" };
  int64_t vals[] = { 1, 1, 16, 16 };
  w.nset = 0;
  for (int i = 0; i < 4; i++) {
    snprintf(w.set[w.nset].name, sizeof w.set[0].name, "%s", names[i]);
    w.set[w.nset++].value = vals[i];
  }
  sim_overrides ov = { 16, 16, 16, 0, 0, 0 };
  int rc = sim_eval_on(d, &w, 64, &ov, sim_engine_find("cycle"), o, r, e);
  sim_design_free(d);
  return rc;
}

static void wrong_mac_caught(void **state) {
  (void)state;
  at_err e;
  sim_result twin, wrong;
  sim_engine_opts o = { .data = 1, .seed = 11 };
  if (run(&o, &twin, &e)) fail_msg("%s", e.msg);
  assert_int_equal(twin.data.on, 1);
  assert_true(twin.data.worst <= 1);
  assert_true(twin.data.max_abs_err > 0 && twin.data.max_abs_err < 0.01);
  assert_int_equal(twin.data.emul_exact, 1);      /* FuseMax's order is the interpreter's */
  assert_int_equal(twin.data.emul_mismatch, 0);
  o.bank_open = wrong_open;
  if (run(&o, &wrong, &e)) fail_msg("%s", e.msg);
  assert_true(wrong.data.worst > 1);
  assert_true(wrong.data.max_abs_err > 10 * twin.data.max_abs_err);
  assert_true(wrong.data.emul_mismatch > 0);
  assert_int_equal(wrong.cycles, twin.cycles);
  assert_int_equal(wrong.data.pe_edges, twin.data.pe_edges);
}

static void refusal_named(void **state) {
  (void)state;
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 1, .bank_open = refusing_open };
  assert_int_equal(run(&o, &r, &e), -1);
  assert_non_null(strstr(e.msg, "cannot open the PEs of array 2d: no such bank here"));
}

static void exp_ulp_caught(void **state) {
  (void)state;
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 11, .bank_open = ulp_open };
  if (run(&o, &r, &e)) fail_msg("%s", e.msg);
  assert_true(r.data.worst <= 1);            /* the tolerance cannot see one ulp */
  assert_int_equal(r.data.emul_exact, 1);    /* but FuseMax folds in the interpreter's order */
  assert_true(r.data.emul_mismatch > 0);     /* and the emulation's bits differ */
}

static void stuck_pe_named(void **state) {
  (void)state;
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 1, .bank_open = stuck_open };
  assert_int_equal(run(&o, &r, &e), -1);
  if (!strstr(e.msg, "data mode: timing divergence at array 2d, row 2, column 3, cycle ") ||
      !strstr(e.msg, " is due but the PE is not ready (busy)"))
    fail_msg("%s", e.msg);
  assert_int_equal(r.data.diverged, 1);   /* a failed check: exit 1 */
}

/* The slow-EXP bank computes the twin's value one edge later (checked on
** one PE), and the data mode, which offers each PE its next operation at
** the edge the engine's schedule gives it, stops at the first EXP's
** successor with the PE and the cycle. */
static void slow_exp_caught(void **state) {
  (void)state;
  char err[64];
  pe_bank *slow = slow_open(PE_KIND_2D, 1, -1, err, sizeof err), *twin = pe_bank_twin(PE_KIND_2D, 1);
  assert_non_null(slow);
  assert_non_null(twin);
  pe_in x = { 1, PE_OP_EXP, 0xb800u, 0x3c00u, 0 }, idle = { 0, 0, 0, 0, 0 };   /* exp(-0.5 - 1) */
  int ts = -1, tt = -1;
  for (int k = 0; k < 12; k++) {
    slow->step(slow, k ? &idle : &x);
    twin->step(twin, k ? &idle : &x);
    if (slow->st[0].out_valid && ts < 0) ts = k;
    if (twin->st[0].out_valid && tt < 0) tt = k;
  }
  assert_int_equal(tt, 6);
  assert_int_equal(ts, 7);                        /* one edge late */
  assert_int_equal(slow->st[0].out, twin->st[0].out);   /* the same bits */
  slow->close(slow);
  twin->close(twin);
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 11, .bank_open = slow_open };
  assert_int_equal(run(&o, &r, &e), -1);
  assert_int_equal(r.data.diverged, 1);
  if (!strstr(e.msg, "data mode: timing divergence at array 2d, row 0, column 0, cycle ") ||
      !strstr(e.msg, "is due but the PE is not ready (its previous result not yet delivered)"))
    fail_msg("%s", e.msg);
}

/* A read before write across arrays: the value model starts RM (1D)
** earlier than the engine did, cutting short its wait for LM's reduction
** down the 2D columns (the engine's drain of R cycles after the last
** operand leaves one cycle of slack over the R-step chain: by two cycles
** is caught), naming the 1D PE, the cycle, MAX, LM and when LM's value
** arrived.  SLN (2D) one cycle early: it waits for RM (1D) and BQK on
** its own PEs alike, and the overlap with BQK's last operation on PE
** (0,0) is caught first.  Started 0 early, it passes. */
static void early_read_caught(void **state) {
  (void)state;
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 11, .early_tensor = "RM", .early_cycles = 2 };
  assert_int_equal(run(&o, &r, &e), -1);
  assert_int_equal(r.data.diverged, 1);
  if (!strstr(e.msg, "data mode: timing divergence at array 1d, row 0, column 0, cycle ") ||
      !strstr(e.msg, "(the firing of RM): MAX reads LM[") ||
      !strstr(e.msg, "] before its value arrived: it arrived at cycle ") || !strstr(e.msg, ", 1 cycles late"))
    fail_msg("%s", e.msg);
  o.early_tensor = "SLN";
  o.early_cycles = 1;
  assert_int_equal(run(&o, &r, &e), -1);
  if (!strstr(e.msg, "data mode: timing divergence at array 2d, row 0, column 0, cycle ") ||
      !strstr(e.msg, "(the firing of SLN): its first operation is due while the PE still runs the previous firing's "
                     "until cycle "))
    fail_msg("%s", e.msg);
  o.early_cycles = 0;
  if (run(&o, &r, &e)) fail_msg("%s", e.msg);
  assert_int_equal(r.data.late_ops, 0);
}

/* The value model steps at the engine's cycles: on FuseMax's arrays no
** operation is late, each bank steps at most the engine's cycles (idle
** stretches skipped), and the last result is delivered width - 1 cycles
** after the engine's last write: the column skew continues into the 1D
** array (sim/README.md "Data mode"), which the engine's lat_final for AV
** leaves out. */
static void engine_cycles(void **state) {
  (void)state;
  at_err e;
  sim_result r;
  sim_engine_opts o = { .data = 1, .seed = 11 };
  if (run(&o, &r, &e)) fail_msg("%s", e.msg);
  assert_int_equal(r.data.late_ops, 0);
  assert_int_equal(r.data.elastic_fires, 0);
  assert_int_equal(r.data.engine_pe_cycles, r.cycles * (16 * 16 + 16));
  assert_true(r.data.pe_edges <= r.data.engine_pe_cycles);
  assert_true(r.data.pe_edges > r.data.engine_pe_cycles / 2);
  assert_int_equal(r.data.last_cycle, r.cycles + 15);
}

/* The reference and the emulation run on a thread beside the array
** (sim/README.md "Data mode", Speed); computed inline instead, every figure
** is the same, and a wrong MAC is still judged against them alike. */
static void inline_equals_thread(void **state) {
  (void)state;
  at_err e;
  sim_result a, b;
  sim_engine_opts o = { .data = 1, .seed = 5 };
  for (int wrong = 0; wrong < 2; wrong++) {
    o.bank_open = wrong ? wrong_open : NULL;
    o.data_inline = 0;
    if (run(&o, &a, &e)) fail_msg("%s", e.msg);
    o.data_inline = 1;
    if (run(&o, &b, &e)) fail_msg("%s", e.msg);
    assert_true(a.data.digest == b.data.digest);
    assert_true(a.data.max_abs_err == b.data.max_abs_err);
    assert_true(a.data.max_rel_err == b.data.max_rel_err);
    assert_true(a.data.worst == b.data.worst);
    assert_true(a.data.emul_max_abs_err == b.data.emul_max_abs_err);
    assert_int_equal(a.data.emul_mismatch, b.data.emul_mismatch);
    assert_int_equal(a.cycles, b.cycles);
    assert_int_equal(a.data.emul_mismatch > 0, wrong);
  }
}

static void divergence_named(void **state) {
  (void)state;
  at_err e;
  sim_result twin, same, r;
  sim_engine_opts o = { .data = 1, .seed = 11 };
  if (run(&o, &twin, &e)) fail_msg("%s", e.msg);
  o.bank_open = twin_shadowed_open;
  if (run(&o, &same, &e)) fail_msg("%s", e.msg);
  assert_int_equal(same.data.diverged, 0);
  assert_true(same.data.digest == twin.data.digest);
  assert_int_equal(same.cycles, twin.cycles);
  o.bank_open = ulp_open;            /* unshadowed: the run completes, other bits */
  if (run(&o, &r, &e)) fail_msg("%s", e.msg);
  assert_true(r.data.digest != twin.data.digest);
  o.bank_open = ulp_shadowed_open;   /* shadowed: stopped at the first EXP result */
  assert_int_equal(run(&o, &r, &e), -1);
  assert_int_equal(r.data.diverged, 1);
  if (!strstr(e.msg, "co-simulation: exp-ulp/twin diverged at array ") || !strstr(e.msg, ", cycle ") ||
      !strstr(e.msg, "): operation EXP(") || !strstr(e.msg, "exp-ulp {out=") || !strstr(e.msg, ", twin {out="))
    fail_msg("%s", e.msg);
  o.bank_open = NULL;                /* a fault PE outside the array, an unknown array */
  o.fault_array = "2d";
  o.fault_row = 16;
  assert_int_equal(run(&o, &r, &e), -1);
  assert_int_equal(r.data.diverged, 0);
  assert_non_null(strstr(e.msg, "no PE at row 16, column 0 of array 2d (16 rows, 16 columns)"));
  o.fault_array = "3d";
  o.fault_row = 0;
  assert_int_equal(run(&o, &r, &e), -1);
  assert_non_null(strstr(e.msg, "no array named '3d'"));
}

int main(void) {
  const struct CMUnitTest t[] = { cmocka_unit_test(wrong_mac_caught), cmocka_unit_test(refusal_named),
                                  cmocka_unit_test(exp_ulp_caught), cmocka_unit_test(stuck_pe_named),
                                  cmocka_unit_test(divergence_named), cmocka_unit_test(slow_exp_caught),
                                  cmocka_unit_test(early_read_caught), cmocka_unit_test(engine_cycles),
                                  cmocka_unit_test(inline_equals_thread) };
  return cmocka_run_group_tests(t, NULL, NULL);
}
