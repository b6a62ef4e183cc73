/*
** test_bad.c: does every class of bad input give exactly the documented
** "FILE:LINE:COL: field: message"?  One fixture per case under bad/, each
** starting with a comment saying what is wrong; the expected message is
** here.  Covers architecture, energy and area files, workloads and the
** FLAT configuration CSV.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "arch.h"
#include "flatcfg.h"
#include "workload.h"

typedef enum { ARCH, WORKLOAD, CSV } loader;

typedef struct bad_case {
  loader kind;
  const char *file;
  const char *msg;
} bad_case;

static const bad_case cases[] = {
  /* wrong type */
  {ARCH, "bad/wrong-type.yaml",
   "bad/wrong-type.yaml:7:11: arrays.2d.rows: expected an integer, got \"many\""},
  {ARCH, "bad/size-words.yaml",
   "bad/size-words.yaml:15:9: buffer.size: expected a size in bytes such as \"16 MiB\", got \"sixteen\""},
  {ARCH, "bad/bool-not-int.yaml",
   "bad/bool-not-int.yaml:7:11: arrays.2d.rows: expected an integer, got a mapping"},
  {ARCH, "bad/root-sequence.yaml",
   "bad/root-sequence.yaml:2:1: expected a mapping, got a sequence"},
  {ARCH, "bad/huge-int.yaml",
   "bad/huge-int.yaml:7:11: arrays.2d.rows: integer out of range (64-bit), got \"99999999999999999999\""},
  /* wrong or missing unit */
  {ARCH, "bad/wrong-unit.yaml",
   "bad/wrong-unit.yaml:19:14: dram.bandwidth: expected a bandwidth such as \"400 GiB/s\", got \"50 GiB\""},
  {ARCH, "bad/missing-unit.yaml",
   "bad/missing-unit.yaml:3:8: clock: expected a frequency such as \"940 MHz\", got \"940\""},
  {ARCH, "bad/ambiguous-unit.yaml",
   "bad/ambiguous-unit.yaml:15:9: buffer.size: ambiguous unit \"MB\" (write KiB, MiB or GiB, powers of 1024), got \"16 MB\""},
  {ARCH, "bad/energy-no-unit.yaml",
   "bad/energy-no-unit-table.yaml:16:8: units.mac: expected an energy such as \"17.16 pJ\", got \"17.16\""},
  /* missing field */
  {ARCH, "bad/missing-field.yaml",
   "bad/missing-field.yaml:15:3: buffer.banks: missing required field"},
  {ARCH, "bad/missing-top-field.yaml",
   "bad/missing-top-field.yaml:2:1: clock: missing required field"},
  {WORKLOAD, "bad/wl-missing-ffn.yaml",
   "bad/wl-missing-ffn.yaml:2:1: FFN: missing required field"},
  /* unknown field */
  {ARCH, "bad/unknown-field.yaml",
   "bad/unknown-field.yaml:15:3: buffer.sise: unknown field (did you mean \"size\"?)"},
  {ARCH, "bad/unknown-op.yaml",
   "bad/unknown-op.yaml:12:7: arrays.2d.ops.tanh: unknown field (allowed: mac, mul, add, sub, max, min, exp, div)"},
  {WORKLOAD, "bad/wl-unknown-field.yaml",
   "bad/wl-unknown-field.yaml:3:1: heads: unknown field (allowed: name, description, H, E, F, D, FFN, B, KVH, G, W, C, R, phase, NEW)"},
  {ARCH, "bad/width-and-rows.yaml",
   "bad/width-and-rows.yaml:7:11: arrays.2d.rows: give either width (a 1D array) or rows and cols, not both"},
  /* malformed YAML */
  {ARCH, "bad/malformed-flow.yaml",
   "bad/malformed-flow.yaml:9:16: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 8, column 11)"},
  {ARCH, "bad/malformed-indent.yaml",
   "bad/malformed-indent.yaml:8:4: YAML syntax error: did not find expected key (while parsing a block mapping at line 6, column 3)"},
  {ARCH, "bad/bad-utf8.yaml",
   "bad/bad-utf8.yaml:2:8: invalid input: invalid leading UTF-8 octet (byte 0xff)"},
  {ARCH, "bad/alias.yaml",
   "bad/alias.yaml:8:11: YAML aliases (*n) are not supported: write the value out"},
  {ARCH, "bad/duplicate.yaml",
   "bad/duplicate.yaml:8:5: arrays.2d.rows: duplicate field (first at line 7, column 5)"},
  {ARCH, "bad/two-docs.yaml",
   "bad/two-docs.yaml:3:1: expected one YAML document, found a second one"},
  {ARCH, "bad/empty.yaml",
   "bad/empty.yaml:1:1: empty file: expected a YAML document"},
  /* nonexistent files */
  {ARCH, "bad/does-not-exist.yaml",
   "bad/does-not-exist.yaml: No such file or directory"},
  {ARCH, "bad/energy-missing.yaml",
   "bad/energy-missing.yaml:4:9: energy: cannot read \"bad/nope.yaml\": No such file or directory"},
  {WORKLOAD, "bad/does-not-exist.yaml",
   "bad/does-not-exist.yaml: No such file or directory"},
  {CSV, "bad/does-not-exist.csv",
   "bad/does-not-exist.csv: No such file or directory"},
  /* a table that is not a regular file: refused without reading, at the field */
  {ARCH, "bad/energy-device.yaml",
   "bad/energy-device.yaml:4:9: energy: cannot read \"/dev/zero\": is a character device; spec files must be regular files"},
  {ARCH, "bad/area-directory.yaml",
   "bad/area-directory.yaml:4:7: area: cannot read \"bad/.\": is a directory; spec files must be regular files"},
  /* negative or zero sizes */
  {ARCH, "bad/negative-size.yaml",
   "bad/negative-size.yaml:15:9: buffer.size: must not be negative, got \"-16 KiB\""},
  {ARCH, "bad/zero-size.yaml",
   "bad/zero-size.yaml:15:9: buffer.size: must be positive, got \"0 KiB\""},
  {ARCH, "bad/zero-rows.yaml",
   "bad/zero-rows.yaml:7:11: arrays.2d.rows: must be positive, got \"0\""},
  {ARCH, "bad/negative-regs.yaml",
   "bad/negative-regs.yaml:9:18: arrays.2d.regs_per_pe: must not be negative, got \"-1\""},
  {ARCH, "bad/clock-zero.yaml",
   "bad/clock-zero.yaml:3:8: clock: must be positive, got \"0 MHz\""},
  {ARCH, "bad/area-negative.yaml",
   "bad/area-negative-table.yaml:20:8: units.add: must not be negative, got \"-1360 um^2\""},
  {WORKLOAD, "bad/wl-zero-heads.yaml",
   "bad/wl-zero-heads.yaml:3:4: H: must be positive, got \"0\""},
  {WORKLOAD, "bad/wl-float.yaml",
   "bad/wl-float.yaml:8:4: B: expected an integer, got \"6.4\""},
  /* the LLM fields: heads grouping, window, MLA ranks, phase */
  {WORKLOAD, "bad/wl-g-not-divide.yaml",
   "bad/wl-g-not-divide.yaml:9:4: G: query heads per KV head must divide H = 32, got \"5\""},
  {WORKLOAD, "bad/wl-kvh-not-divide.yaml",
   "bad/wl-kvh-not-divide.yaml:9:6: KVH: KV heads must divide the H = 32 query heads, got \"6\""},
  {WORKLOAD, "bad/wl-kvh-g-mismatch.yaml",
   "bad/wl-kvh-g-mismatch.yaml:10:4: G: must be H / KVH = 32 / 8 = 4, got \"8\""},
  {WORKLOAD, "bad/wl-zero-kvh.yaml",
   "bad/wl-zero-kvh.yaml:9:6: KVH: must be positive, got \"0\""},
  {WORKLOAD, "bad/wl-zero-window.yaml",
   "bad/wl-zero-window.yaml:9:4: W: must be positive, got \"0\""},
  {WORKLOAD, "bad/wl-zero-latent.yaml",
   "bad/wl-zero-latent.yaml:9:4: C: must be positive, got \"0\""},
  {WORKLOAD, "bad/wl-rope-no-latent.yaml",
   "bad/wl-rope-no-latent.yaml:9:4: R: a rope part needs C, the latent KV rank (MLA)"},
  {WORKLOAD, "bad/wl-bad-phase.yaml",
   "bad/wl-bad-phase.yaml:9:8: phase: expected prefill or decode, got \"generate\""},
  {WORKLOAD, "bad/wl-phase-map.yaml",
   "bad/wl-phase-map.yaml:9:8: phase: expected a string, got a mapping"},
  {WORKLOAD, "bad/wl-decode-no-new.yaml",
   "bad/wl-decode-no-new.yaml:9:8: phase: decode needs NEW, the new tokens per request"},
  {WORKLOAD, "bad/wl-prefill-new.yaml",
   "bad/wl-prefill-new.yaml:10:6: NEW: only with phase: decode (prefill's queries are the whole sequence)"},
  {WORKLOAD, "bad/wl-zero-new.yaml",
   "bad/wl-zero-new.yaml:10:6: NEW: must be positive, got \"0\""},
  /* an op with a non-positive cycle count */
  {ARCH, "bad/zero-cycles.yaml",
   "bad/zero-cycles.yaml:13:21: arrays.2d.ops.exp.cycles: must be a positive number of cycles, got \"0\""},
  {ARCH, "bad/negative-cycles.yaml",
   "bad/negative-cycles.yaml:11:12: arrays.2d.ops.mac: must be a positive number of cycles, got \"-1\""},
  {ARCH, "bad/no-uses.yaml",
   "bad/no-uses.yaml:13:30: arrays.2d.ops.exp.uses: an operation must use at least one unit"},
  /* values out of range or inconsistent with each other */
  {ARCH, "bad/too-large.yaml",
   "bad/too-large.yaml:7:11: arrays.2d.rows: must be at most 1048576, got \"2000000\""},
  {ARCH, "bad/too-many-banks.yaml",
   "bad/too-many-banks.yaml:17:10: buffer.banks: more banks than buffer rows (32), got \"64\""},
  {ARCH, "bad/partial-row.yaml",
   "bad/partial-row.yaml:15:9: buffer.size: must be a whole number of 4096-bit rows, got \"1000\""},
  {ARCH, "bad/row-bits-mismatch.yaml",
   "bad/row-bits-mismatch.yaml:17:13: buffer.row_bits: the energy table bad/../../../hw/energy-45nm-fixed.yaml prices 4096-bit rows, got \"2048\""},
  /* physical ranges: finite values whose products would not be */
  {ARCH, "bad/energy-huge.yaml",
   "bad/energy-huge-table.yaml:9:8: units.mac: must be at most 1e6 pJ (1 uJ), got \"1e300 uJ\""},
  {ARCH, "bad/energy-tiny.yaml",
   "bad/energy-tiny-table.yaml:16:9: regfile.read: must be at least 1e-6 pJ (1 aJ), got \"1e-300 pJ\""},
  {ARCH, "bad/clock-tiny.yaml",
   "bad/clock-tiny.yaml:3:8: clock: must be at least 1 Hz, got \"1e-300 Hz\""},
  {ARCH, "bad/bandwidth-huge.yaml",
   "bad/bandwidth-huge.yaml:19:14: dram.bandwidth: must be at most 1e15 B/s (1 PB/s), got \"1e290 GB/s\""},
  {ARCH, "bad/area-huge.yaml",
   "bad/area-huge-table.yaml:29:15: sram_per_KiB: must be at most 1e9 um^2 (1000 mm^2), got \"1e300 mm^2\""},
  {ARCH, "bad/sram-steep.yaml",
   "bad/sram-steep.yaml:16:9: buffer.size: the SRAM model of bad/sram-steep-table.yaml, extended to this size, prices a row above 1e9 pJ, got \"1 MiB\""},
  /* the energy table's SRAM model of the buffer */
  {ARCH, "bad/sram-mixed.yaml",
   "bad/sram-mixed-table.yaml:19:9: buffer.read: not allowed with by_capacity (give per-row figures or an SRAM model, not both)"},
  {ARCH, "bad/sram-one-point.yaml",
   "bad/sram-one-point-table.yaml:20:5: buffer.by_capacity: needs 2 to 16 (size, access) points, got 1"},
  {ARCH, "bad/sram-unsorted.yaml",
   "bad/sram-unsorted-table.yaml:21:14: buffer.by_capacity[1].size: must be larger than the previous point's size, got \"8 KiB\""},
  {ARCH, "bad/sram-zero-energy.yaml",
   "bad/sram-zero-energy-table.yaml:20:29: buffer.by_capacity[0].access: must be positive, got \"0 pJ\""},
  {ARCH, "bad/sram-access-bits.yaml",
   "bad/sram-access-bits-table.yaml:18:16: buffer.access_bits: only with by_capacity (an SRAM model); per-row figures take row_bits, read and write"},
  /* the FLAT configuration CSV */
  {CSV, "bad/csv-header.csv",
   "bad/csv-header.csv:1:129: expected column \"P1\", got \"p1\""},
  {CSV, "bad/csv-columns.csv",
   "bad/csv-columns.csv:3:116: expected 23 columns, got 22"},
  {CSV, "bad/csv-p1.csv",
   "bad/csv-p1.csv:3:111: P1: expected a positive integer, got \"abc\""},
  {CSV, "bad/csv-loc.csv",
   "bad/csv-loc.csv:3:46: Q_loc: expected offchip or onchip, got \"dram\""},
  {CSV, "bad/csv-proportions.csv",
   "bad/csv-proportions.csv:3:119: proportion_buffered + proportion_spilled must be 1, got 0.9"},
  {CSV, "bad/csv-duplicate.csv",
   "bad/csv-duplicate.csv:3:1: duplicate point (cloud, BERT, 512): first at line 2"},
  {CSV, "bad/csv-platform.csv",
   "bad/csv-platform.csv:3:1: platform: expected cloud or edge, got \"datacenter\""},
  {CSV, "bad/csv-hex.csv",
   "bad/csv-hex.csv:3:115: proportion_buffered: expected a proportion in [0, 1], got \"0x1p-1\""},
  {CSV, "bad/csv-huge-int.csv",
   "bad/csv-huge-int.csv:3:15: B: expected a positive integer of at most 2^32, got \"99999999999999\""},
  {CSV, "bad/csv-seq-sign.csv",
   "bad/csv-seq-sign.csv:3:12: seq_len: expected a length such as 1024 or 1K, got \"+1K\""},
  {CSV, "bad/csv-model-space.csv",
   "bad/csv-model-space.csv:3:7: model: expected a model name of 1 to 15 letters, digits, - or _, got \"BERT \""},
  {CSV, "bad/csv-dup-then-error.csv",
   "bad/csv-dup-then-error.csv:3:1: duplicate point (cloud, bert, 512): first at line 2"},
  {CSV, "bad/csv-stationarity.csv",
   "bad/csv-stationarity.csv:3:99: AV_stationarity: expected output or weight, got \"input\""},
};

static void check_case(void **state) {
  const bad_case *c = *state;
  at_err e;
  int rc;
  memset(&e, 0, sizeof e);
  if (c->kind == ARCH) {
    hw_arch *a = NULL;
    rc = hw_load(c->file, &a, &e);
    hw_free(a);
  } else if (c->kind == WORKLOAD) {
    wl_workload w;
    rc = wl_load(c->file, &w, &e);
  } else {
    fc_table *t = NULL;
    rc = fc_load(c->file, &t, &e);
    fc_free(t);
  }
  if (rc != -1) fail_msg("%s: loaded, expected\n  %s", c->file, c->msg);
  if (strcmp(e.msg, c->msg))
    fail_msg("%s: message\n  %s\nexpected\n  %s", c->file, e.msg, c->msg);
}

/* The control case: the fixtures' base file is valid, so each failure above
** comes from its one edit. */
static void control_loads(void **state) {
  (void)state;
  hw_arch *a;
  at_err e;
  if (hw_load("bad/ok-minimal.yaml", &a, &e)) fail_msg("%s", e.msg);
  hw_free(a);
}

int main(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  struct CMUnitTest tests[N + 1];
  for (size_t i = 0; i < N; i++) {
    tests[i] = (struct CMUnitTest)cmocka_unit_test_prestate(check_case, (void *)&cases[i]);
    tests[i].name = cases[i].file;
  }
  tests[N] = (struct CMUnitTest)cmocka_unit_test(control_loads);
  return cmocka_run_group_tests_name("hw_bad", tests, NULL, NULL);
}
