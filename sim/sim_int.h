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

/* The registered engines (analytic.c, cycle/cycle.cpp). */
extern const sim_engine sim_engine_analytical, sim_engine_cycle;
/* The cycle engine with --data (seed 1 unless the options give one): what a
** sweep stores under engine `cycle-data`. */
extern const sim_engine sim_engine_cycle_data;

/* Counts of one Einsum (sim_array_actions' fields). */
typedef sim_array_actions sim_ecount;
/* Action counts of einsum x (index into ph->e), all its points.  Errors:
** a count past 2^64, naming the Einsum and the quantity. */
int sim_einsum_count(const sc_schedule *s, const sc_phase *ph, int x, sim_ecount *k, at_err *e);
/* The same for one firing, one batch item: rg gives the elements of each
** cascade rank it covers (lo <= i < hi; with predicates only the points
** they keep count); completes: its outputs are final (it forwards them). */
int sim_einsum_count_in(const sc_schedule *s, const sc_phase *ph, int x, const es_range *rg, int completes,
                        sim_ecount *k, at_err *e);
/* acc += k, checked. */
int sim_add_counts(sim_ecount *acc, const sim_ecount *k, at_err *e);
/* Times einsum x fires: the batch loop times the shared loops it uses
** (every tile for an in-tile Einsum). */
uint64_t sim_firings(const sc_phase *ph, int x);
/* Register-file energy of counts k, pJ (the accounting rule's one home). */
double sim_regs_pJ(const hw_arch *a, const sim_ecount *k);

/* Producers (indices into ph->e) an Einsum waits for.  TILE: in the same
** tile, loop-independent reads (not a slice carried from the previous
** iteration, not the initial or final slice).  CARRIED: reads of the
** previous iteration's slice ([m1] of a tensor written at [m1+1]).  ALL:
** every producer but the initial slice's (an Einsum that fires once after
** a loop, reading its final slice).  Returns how many, at most
** SC_MAX_EINSUMS; a producer may repeat. */
typedef enum sim_dep_kind { SIM_DEP_TILE, SIM_DEP_CARRIED, SIM_DEP_ALL } sim_dep_kind;
int sim_deps(const sc_phase *ph, int x, sim_dep_kind kind, int *dep);

/* One phase's DRAM and buffer bytes and rows, added to a (reuse analysis,
** analytic.c). */
int sim_phase_traffic(const sc_schedule *s, const sc_phase *ph, sim_actions *a, at_err *e);
/* Whether expression x reads tensor t. */
int sim_reads(const es_expr *x, int t);
/* A tensor's bytes moved in one phase, before spill: what the reuse
** analysis (analytic.c) or the cycle engine's per-tile enumeration found. */
enum { SIM_MOVE_DRAM_READ, SIM_MOVE_DRAM_WRITE, SIM_MOVE_BUF_READ, SIM_MOVE_BUF_WRITE, SIM_MOVE_COUNT };
/* Adds tensor t's moved bytes to a: its spill (the fraction of its buffer
** bytes served by DRAM, exactly rounded once per phase total) and the
** buffer rows its bytes touch (ceiling per direction).  The one rule both
** engines apply to their totals. */
int sim_tensor_traffic(const sc_schedule *s, const sc_phase *ph, int t, const uint64_t moved[SIM_MOVE_COUNT],
                       sim_actions *a, at_err *e);
/* acc += tr (checked); *dram = tr's DRAM bytes read + written. */
int sim_add_traffic(sim_actions *acc, const sim_actions *tr, uint64_t *dram, at_err *e);
/* Fills r from counts every engine produces: r->act (already summed),
** per-Einsum counts cost[phase][einsum] and busy cycles, and the total
** latency in cycles: traffic, cycles, per-array and per-Einsum figures,
** energy (an error if not finite) and tiling.  Not: bound, compute and
** memory cycles. */
int sim_report(const sc_schedule *s, sim_ecount cost[][SC_MAX_EINSUMS], uint64_t busy[][SC_MAX_EINSUMS],
               double total, sim_result *r, at_err *e);

#endif
