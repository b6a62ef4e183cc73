/*
** test_ledger.c: the accountings (sim/accounting/, sim/README.md
** "Accountings").  Pins attnsim's own figures under the `artifact`
** accounting at a few points, so they cannot drift (each was checked
** against the FuseMax artifact's published per-point results; the figures
** beside each pin are the artifact's); checks that the ledger attributes
** the whole change to its variants (mean |residual| under 1% of latency
** and 2% of energy for every design); and that a bad accounting is a
** located error.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "paper.h"

static void close_to(double got, double want, double rel, const char *what) {
  if (!(fabs(got - want) <= rel * fabs(want))) fail_msg("%s: got %.9g, want %.9g (within %g)", what, got, want, rel);
}

static const paper_run *pin_run(void) {
  static paper_run *p;
  if (!p) {
    paper_accounting *a;
    at_err e;
    if (paper_accounting_load("artifact", &a, &e)) fail_msg("%s", e.msg);
    paper_config c = { NULL, a, paper_all(a), NULL };
    if (paper_compute_config(&p, &c, &e)) fail_msg("%s", e.msg);
    paper_accounting_free(a);
  }
  return p;
}

/* attnsim's artifact-accounting figures (latency s, energy pJ), and the
** artifact's published ones they were measured against. */
static void artifact_pins(void **state) {
  (void)state;
  static const struct { const char *design, *model; int64_t seq; double lat, pj; } pin[] = {
    { "cascade", "bert", 1024, 0.0153341277, 2.27098781e+12 },    /* artifact 0.0153338553 s, 2.24140e12 pJ */
    { "fusemax", "bert", 16384, 0.465166162, 4.95493434e+14 },     /* artifact 0.465166162 s, 4.93109e14 pJ */
    { "arch", "trxl", 262144, 524.305848, 1.68994475e+17 },       /* artifact 523.163570 s, 1.69071e17 pJ */
    { "flat", "xlm", 65536, 73.1058263, 2.35173761e+16 },      /* artifact 73.1058263 s, 2.39352e16 pJ */
    { "unfused", "t5", 1048576, 14603.3058, 1.77611912e+18 },     /* artifact 14603.3058 s, 1.85699e18 pJ */
  };
  for (size_t i = 0; i < sizeof pin / sizeof pin[0]; i++) {
    const sim_result *r = paper_find(pin_run(), "attention", pin[i].design, pin[i].model, pin[i].seq);
    assert_non_null(r);
    close_to(r->latency_s, pin[i].lat, 1e-8, pin[i].design);
    close_to(r->energy_pJ, pin[i].pj, 1e-8, pin[i].design);
  }
  /* +Cascade's 1D PE under the artifact's costs, BERT 1K: per tile (M0 x P0,
  ** one query per 1D PE) LM 256 + SLN 2 x 256 + SLD 256 + RM 1 + PRM 2 +
  ** SPD 1 + SPNV 64 + RD 1 + RNV 64 = 1157 cycles (900 with exp at 1
  ** cycle), plus AV's 64 divides once per query block over M1 = 4 tiles:
  ** 1173 cycles x 64*12*4*4 tiles, plus one 256-cycle drain. */
  const sim_result *c = paper_find(pin_run(), "attention", "cascade", "bert", 1024);
  const sim_result *f = paper_find(pin_run(), "attention", "fusemax", "bert", 1024);
  assert_non_null(c);
  assert_non_null(f);
  assert_int_equal(c->cycles, 1173ull * 64 * 12 * 4 * 4 + 256);
  /* one PE's registers: negligible next to everything else */
  assert_true(f->energy_by[SIM_C_REGS] < 1e-4 * f->energy_pJ);
}

static void ledger_residual(void **state) {
  (void)state;
  paper_accounting *a;
  at_err e;
  if (paper_accounting_load("artifact", &a, &e)) fail_msg("%s", e.msg);
  static paper_ledger l;
  if (paper_ledger_compute(a, NULL, &l, &e)) fail_msg("%s", e.msg);
  assert_true(l.ndesigns == 8);   /* 5 attention designs + 3 end-to-end */
  for (int k = 0; k < l.ndesigns; k++) {
    assert_int_equal(l.d[k].points, 24);
    /* Every design's variants add within 1% of latency and 2% of energy
    ** (+Cascade's are the least additive, 0.9% of energy: its mapping
    ** variant removes buffer reads, whose worth depends on the buffer's
    ** price, which another variant sets). */
    if (l.d[k].abs_resid_applied[0] >= 0.01 || l.d[k].abs_resid_applied[1] >= 0.02 ||
        l.d[k].abs_resid_removed[0] >= 0.01 || l.d[k].abs_resid_removed[1] >= 0.02)
      fail_msg("%s %s: mean |residual| applied %g / %g, removed %g / %g", l.d[k].study, l.d[k].design,
               l.d[k].abs_resid_applied[0], l.d[k].abs_resid_applied[1], l.d[k].abs_resid_removed[0],
               l.d[k].abs_resid_removed[1]);
    /* the accounting moves every design's energy: the ledger has something to attribute */
    assert_true(l.d[k].total[1].max < -0.05);
  }
  paper_accounting_free(a);
}

static void expect_error(const char *file, const char *want) {
  char path[512];
  snprintf(path, sizeof path, "%s/tests/sim/accounting/%s", ATTNSIM_SOURCE_DIR, file);
  paper_accounting *a = NULL;
  at_err e;
  assert_int_equal(paper_accounting_load(path, &a, &e), -1);
  assert_null(a);
  if (!strstr(e.msg, want)) fail_msg("%s: got '%s', want '%s'", file, e.msg, want);
}

static void bad_accountings(void **state) {
  (void)state;
  expect_error("conflict.yaml", "conflict.yaml:4:3: variants: variants 'a' and 'b' both set energy of design flat");
  expect_error("unknown-knob.yaml", "unknown-knob-v.yaml:4:10: designs.flat.enrgy: unknown field (did you mean \"energy\"?)");
  expect_error("unknown-design.yaml", "unknown-design-v.yaml:4:3: designs.flatt: not a shipped design");
  expect_error("bad-regfile.yaml", "bad-regfile-v.yaml:4:19: designs.flat.regfile: expected one-pe or every-pe");
  paper_accounting *a;
  at_err e;
  assert_int_equal(paper_accounting_load("no such", &a, &e), -1);
  assert_non_null(strstr(e.msg, "--accounting: expected a name"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(artifact_pins),
    cmocka_unit_test(ledger_residual),
    cmocka_unit_test(bad_accountings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
