/*
** fuzz_sim.c: the invariants of an evaluated design point, shared by the
** targets that run the analytical engine (fuzz_mapping, fuzz_arch).
*/
#include "fuzz.h"

#include <math.h>

#include "sim.h"

/* fuzz.h states the invariants. */
void fz_check_result(const char *target, const sim_result *r) {
  if (r->cycles < 1) fz_fail(target, "evaluated point", "latency below one cycle");
  fz_check_quantity(target, "latency_s", r->latency_s);
  fz_check_quantity(target, "energy_pJ", r->energy_pJ);
  double sum = 0;
  for (int c = 0; c < SIM_C_COUNT; c++) {
    fz_check_quantity(target, sim_component_name[c], r->energy_by[c]);
    sum += r->energy_by[c];
  }
  if (fabs(sum - r->energy_pJ) > 1e-9 * r->energy_pJ) fz_fail(target, "energy", "components do not sum to the total");
  const double util[] = { r->util_2d, r->util_1d };
  for (int i = 0; i < 2; i++)
    if (!(util[i] >= 0 && util[i] <= 1 + 1e-9)) fz_fail(target, "utilisation", "outside [0, 1]");
  for (int i = 0; i < r->n_einsums; i++)
    if (!(r->einsum[i].util >= 0 && r->einsum[i].util <= 1 + 1e-9)) fz_fail(target, "Einsum utilisation", r->einsum[i].name);
}
