/*
** fuzz_energy.c: the fuzz target for energy tables, read as `--energy`
** reads them: hw_set_energy on copies of two shipped architectures, one
** whose buffer is priced by an SRAM model (fusemax) and one with a
** different buffer row and array set (flat).  Invariants: a refusal is
** located and leaves the architecture's table as it was; an accepted table
** prices everything as finite, non-negative numbers, and the FuseMax
** design evaluated with it has a finite latency and energy.
*/
#include "fuzz.h"

#include <string.h>

#include "arch.h"
#include "sim.h"
#include "workload.h"

#define T "fuzz_energy"

static hw_arch *base[2];

static void load_bases(void) {
  static const char *const names[2] = { "hw/fusemax.yaml", "hw/flat.yaml" };
  at_err e;
  for (int i = 0; i < 2; i++)
    if (!base[i] && hw_load(fz_path(names[i]), &base[i], &e)) fz_fail(T, "shipped architecture", e.msg);
}

/* The shipped FuseMax design priced with the table (as `attnsim run
** --energy` does) for BERT at 1K: a result must pass fz_check_result. */
static void evaluate(const char *path) {
  static sim_design *d;
  static wl_workload bert;
  at_err e;
  if (!d && (sim_design_find("fusemax", &d, &e) ||
             wl_load(fz_path("experiments/workloads/bert.yaml"), &bert, &e)))
    fz_fail(T, "shipped design", e.msg);
  if (sim_design_set_energy(d, path, &e)) return;   /* refused above already */
  sim_result r;
  if (sim_eval(d, &bert, 1024, NULL, &r, &e) == 0) fz_check_result(T, &r);
  else if (!e.msg[0]) fz_fail(T, "sim_eval failed without a message", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load_bases();
  const char *path = fz_write("hw/fuzz-energy.yaml", data, size);
  for (int i = 0; i < 2; i++) {
    hw_arch *a;
    at_err e;
    if (hw_copy(base[i], &a, &e)) fz_fail(T, "hw_copy", e.msg);
    hw_energy before = a->energy;
    if (hw_set_energy(a, path, &e)) {
      fz_check_refusal(T, &e);
      if (memcmp(&before, &a->energy, sizeof before))
        fz_fail(T, "a refused table changed the architecture's", e.msg);
    } else {
      fz_check_arch(T, a);
    }
    hw_free(a);
  }
  evaluate(path);
  return 0;
}
