/*
** cycle.h: the seam between the C11 tree and the SystemC cycle-level
** engine (cycle.cpp, C++17).  The engine executes a bound schedule tile
** by tile: one clocked SC_METHOD per PE array, a DRAM channel and a
** controller that enumerates the shared nest in loop order.  Semantics:
** sim/README.md "The cycle-level engine".
*/
#ifndef ATTNSIM_CYCLE_H
#define ATTNSIM_CYCLE_H

#include "sim_int.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs schedule s; fills r like sim_analytic (all but identity fields).
** o selects full stepping or fast-forward and the window.  Returns 0, or
** -1 with e naming why the schedule cannot be executed. */
int sim_cycle(const sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e);

#ifdef __cplusplus
}
#endif

#endif
