/*
** bound.c: sim_eval_schedule(), the analytical engine on a schedule bound
** by its caller (the mapper binds its own candidates).
*/
#include "sim_bound.h"
#include "sim_int.h"

#include <stdio.h>
#include <string.h>

int sim_eval_schedule(const sc_schedule *s, sim_result *r, at_err *e) {
  memset(r, 0, sizeof *r);
  snprintf(r->engine, sizeof r->engine, "analytical");
  if (sim_analytic(s, r, e)) return -1;
  r->area_um2 = hw_area_um2(s->arch, NULL);
  return 0;
}
