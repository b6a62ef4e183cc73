/*
** bound.c: sim_eval_schedule(), the analytical engine on a schedule bound
** by its caller (the mapper binds its own candidates), and the same as
** the mapper's engine callback.
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

static int map_eval(const sc_schedule *s, map_figures *f, at_err *e) {
  sim_result r;
  if (sim_eval_schedule(s, &r, e)) return -1;
  f->cycles = r.cycles;
  f->latency_s = r.latency_s;
  f->energy_pJ = r.energy_pJ;
  snprintf(f->bound, sizeof f->bound, "%s", r.bound);
  return 0;
}

const map_engine sim_map_engine = { map_eval };
