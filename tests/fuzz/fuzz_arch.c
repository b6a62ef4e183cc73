/*
** fuzz_arch.c: the fuzz target for architecture files (hw_load, with the
** energy and area tables the file names, then hw_validate).  The input is
** written as hw/fuzz.yaml of the data-tree mirror, so "energy-45nm.yaml"
** and the other shipped tables resolve.  Invariants: a refusal is located
** and returns no architecture; a loaded one passes hw_validate, copies,
** and prices every operation, buffer row and its area as finite,
** non-negative numbers; the shipped FuseMax mapping evaluated on it (as
** loaded and resized as a sweep would) gives a finite, positive latency
** and finite energies.
*/
#include "fuzz.h"

#include <stdio.h>

#include "arch.h"
#include "sim.h"
#include "workload.h"

#define T "fuzz_arch"

static wl_workload bert;

/* The shipped FuseMax mapping on the architecture at path (a, as loaded)
** for BERT at 1K, as it is and with its arrays and buffer resized (a
** sweep's overrides): a refusal needs a message, a result must pass
** fz_check_result.  Every array is resized, present or not: resizing a
** missing one must be a refusal naming the array (it read freed memory
** once, regress/arch/no-1d-array-resized-use-after-free.yaml). */
static void evaluate(const char *path, const hw_arch *a) {
  at_err e;
  if (!bert.H && wl_load(fz_path("experiments/workloads/bert.yaml"), &bert, &e)) fz_fail(T, "shipped workload", e.msg);
  sim_design *d;
  if (sim_design_load(fz_path("mappings/fusemax.yaml"), path, &d, &e)) {
    if (!e.msg[0]) fz_fail(T, "sim_design_load failed without a message", path);
    return;
  }
  (void)a;
  const sim_overrides ov[2] = { { 0, 0, 0, 0, 0, 0 }, { 16, 32, 16, 1 << 20, 1e9, 0 } };
  for (int i = 0; i < 2; i++) {
    sim_result r;
    if (sim_eval(d, &bert, 1024, &ov[i], &r, &e) == 0) fz_check_result(T, &r);
    else if (!e.msg[0]) fz_fail(T, "sim_eval failed without a message", path);
  }
  sim_design_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[4096];   /* a copy: evaluate() calls fz_path */
  snprintf(path, sizeof path, "%s", fz_write("hw/fuzz.yaml", data, size));
  hw_arch *a = fz_load_arch(T, path);
  if (a) evaluate(path, a);
  hw_free(a);
  return 0;
}
