/*
** sim_bound.h: evaluating a schedule that was bound elsewhere (the
** mapper's candidates) with the analytical engine: what sim_eval does
** after binding, without a sim_design.
*/
#ifndef ATTNSIM_SIM_BOUND_H
#define ATTNSIM_SIM_BOUND_H

#include "sim.h"
#include "sched.h"
#include "mapper.h"

/* Fills r as sim_eval would (identity fields but the engine name left
** empty).  Thread-safe: it reads the schedule and its architecture only.
** Returns 0, or -1 with e filled. */
int sim_eval_schedule(const sc_schedule *s, sim_result *r, at_err *e);

/* The analytical engine as the mapper calls it (map_search's engine). */
extern const map_engine sim_map_engine;

#endif
