/*
** test_actions.c: are the action counts exact integers, derived by the
** documented rule (sim/README.md "Action counts"), and is every overflow or
** non-finite energy refused with a message naming its cause?  The counts
** below are derived by hand in each comment; none is read from the engine.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <unistd.h>

#include "sim.h"

static int eval(const char *design, const char *model, int64_t seq, const char *energy, sim_result *r, at_err *e) {
  sim_design *d;
  wl_workload w;
  if (sim_design_find(design, &d, e) || wl_find(model, NULL, &w, e)) fail_msg("%s", e->msg);
  int rc = energy ? sim_design_set_energy(d, energy, e) : 0;
  if (!rc) rc = sim_eval(d, &w, seq, NULL, r, e);
  sim_design_free(d);
  return rc;
}

/* FuseMax, BERT 1K, 2D array.  T = B*H*M*P = 805306368 score elements.
** BQK: T*E = 64T MACs, Q and K from the edge (DRAM tiles), the accumulator
** from the RF: 128T edge words, 64T RF reads, 64T RF writes (BQK stays in
** its PE for LM, SLN).  LM = max(m0: BQK): T MAX, 2T RF reads; its T/256
** results leave the PE (a reduction across the rows).  SLN = exp(BQK - RM):
** T SUB + T EXP, 3T operands, RM from the buffer (T edge), 2T RF writes.
** SLD: T ADD, 2T RF reads, T/256 forwarded.  SLNV: 64T MACs, V from the
** edge (64T), accumulator and SLN from the RF (128T); its 64T/256 results
** go to the 1D array.  Totals: MAC 128T, PE-cycles 64+1+7+1+64 = 137T,
** edge 193T, RF reads 391T - 193T = 198T, forwarded 66T/256, RF writes
** 132T - 66T/256. */
static void fusemax_bert_1k_2d(void **state) {
  (void)state;
  sim_result r;
  at_err e;
  if (eval("fusemax", "bert", 1024, NULL, &r, &e)) fail_msg("%s", e.msg);
  const uint64_t T = 805306368;
  assert_string_equal(r.array_name[0], "2d");
  const sim_array_actions *a = &r.act.array[0];
  assert_int_equal(a->ops[HW_OP_MAC], 128 * T);
  assert_int_equal(a->ops[HW_OP_MAX], T);
  assert_int_equal(a->ops[HW_OP_SUB], T);
  assert_int_equal(a->ops[HW_OP_EXP], T);
  assert_int_equal(a->ops[HW_OP_ADD], T);
  assert_int_equal(a->ops[HW_OP_DIV], 0);
  assert_int_equal(a->pe_cycles, 137 * T);
  assert_int_equal(a->edge_operands, 193 * T);
  assert_int_equal(a->rf_reads, 198 * T);
  assert_int_equal(a->forwarded, 66 * T / 256);
  assert_int_equal(a->rf_writes, 132 * T - 66 * T / 256);
}

/* Register-file energy charges only words that touch a register file:
** 2D at FuseMax BERT 1K, 198T reads x 0.65 pJ + (132T - 66T/256) writes x
** 0.57 pJ (hw/energy-45nm.yaml); the component sums every array's. */
static void regs_energy(void **state) {
  (void)state;
  sim_result r;
  at_err e;
  if (eval("fusemax", "bert", 1024, NULL, &r, &e)) fail_msg("%s", e.msg);
  const double T = 805306368.0;
  double want2d = 198 * T * 0.65 + (132 * T - 66 * T / 256) * 0.57, sum = 0;
  double got2d = (double)r.act.array[0].rf_reads * 0.65 + (double)r.act.array[0].rf_writes * 0.57;
  assert_true(fabs(got2d - want2d) <= 1e-9 * want2d);
  for (int k = 0; k < r.n_arrays; k++)
    sum += (double)r.act.array[k].rf_reads * 0.65 + (double)r.act.array[k].rf_writes * 0.57;
  assert_true(fabs(r.energy_by[SIM_C_REGS] - sum) <= 1e-9 * sum);
  assert_true(r.energy_by[SIM_C_REGS] > want2d);
}

/* XLM at 1M tokens: the 2D MAC count is B*H*M*P*(E+F) = 64*16*2^40*256 =
** 2^58, above 2^53, exactly; the sum of bytes read and written matches
** traffic_bytes. */
static void xlm_1m_exact(void **state) {
  (void)state;
  sim_result r;
  at_err e;
  if (eval("fusemax", "xlm", 1 << 20, NULL, &r, &e)) fail_msg("%s", e.msg);
  assert_int_equal(r.act.array[0].ops[HW_OP_MAC], 1ull << 58);
  assert_int_equal(r.act.array[0].ops[HW_OP_MAC] + r.act.array[0].ops[HW_OP_EXP], (1ull << 58) + (1ull << 50));
  assert_int_equal(r.act.dram_read_bytes + r.act.dram_write_bytes, r.traffic_bytes);
  assert_int_equal(r.act.buffer_read_bytes + r.act.buffer_write_bytes, r.buffer_bytes);
}

/* 64M tokens: BQK's B*H*M*P*E = 64*12*2^52*64 > 2^64 points; refused, with
** the Einsum named.  2G likewise (it used to wrap traffic_bytes). */
static void overflow_refused(void **state) {
  (void)state;
  sim_result r;
  at_err e;
  assert_int_equal(eval("fusemax", "bert", 64ll << 20, NULL, &r, &e), -1);
  assert_non_null(strstr(e.msg, "attention/BQK"));
  assert_non_null(strstr(e.msg, "overflows 64 bits"));
  assert_int_equal(eval("fusemax", "bert", 2ll << 30, NULL, &r, &e), -1);
  assert_non_null(strstr(e.msg, "overflows 64 bits"));
}

/* An energy table of 1e300 pJ per MAC is refused where it is written
** (hw/ caps a unit at 1 uJ), and at that cap the largest paper point's
** energy is still a finite number: sim_report would refuse inf or NaN
** with the component's name, but no valid table reaches it. */
static void huge_energy(void **state) {
  (void)state;
  char path[64];
  snprintf(path, sizeof path, "/tmp/attnsim-test-actions-%d.yaml", (int)getpid());
  for (int pass = 0; pass < 2; pass++) {
    FILE *in = fopen(ATTNSIM_SOURCE_DIR "/hw/energy-45nm.yaml", "r"), *out = fopen(path, "w");
    assert_non_null(in);
    assert_non_null(out);
    char line[512];
    int changed = 0;
    while (fgets(line, sizeof line, in)) {
      char *m = strstr(line, "mac: 17.16 pJ");
      if (m) { memcpy(m, pass ? "mac: 1.00e6 pJ" : "mac: 1e300 pJ", pass ? 14 : 13); changed = 1; }
      fputs(line, out);
    }
    fclose(in);
    fclose(out);
    assert_true(changed);
    sim_result r;
    at_err e;
    int rc = eval("fusemax", "xlm", 1 << 20, path, &r, &e);
    if (!pass) {
      assert_int_equal(rc, -1);
      assert_non_null(strstr(e.msg, "units.mac: must be at most"));
    } else {
      if (rc) fail_msg("%s", e.msg);
      assert_true(isfinite(r.energy_pJ) && r.energy_pJ > 1e6 * (double)(1ull << 58));
    }
  }
  remove(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(fusemax_bert_1k_2d),
    cmocka_unit_test(regs_energy),
    cmocka_unit_test(xlm_1m_exact),
    cmocka_unit_test(overflow_refused),
    cmocka_unit_test(huge_energy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
