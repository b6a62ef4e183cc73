/*
** sim_int.h: private to sim/.  The engine entry points that work on a
** bound schedule; design.c binds and calls them.
*/
#ifndef ATTNSIM_SIM_INT_H
#define ATTNSIM_SIM_INT_H

#include "sim.h"
#include "sched.h"

/* Analytical engine: fills everything in r but the identity fields
** (design, model, engine, seq_len, area). */
int sim_analytic(const sc_schedule *s, sim_result *r, at_err *e);

#endif
