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
/* The same with the Verilated PEs shadowed by the C twin (sim_rtl_register;
** options' no_shadow and fault_* as given): engine `rtl`. */
extern const sim_engine sim_engine_rtl;

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
/* Cycles einsum se occupies array ar for pe_cycles spread over `par`
** logical PEs (the product of its spatial parts), as both engines time it:
** logical PE j takes pe_cycles / par (the first pe_cycles % par one more)
** and runs on PE j mod W, W = min(par, ar's cols) when se folds (else par),
** so PE 0, busiest, takes ceil(par / W) shares and ceil((pe_cycles % par) /
** W) extra cycles.  Without a fold: ceil(pe_cycles / par).  -1 if it
** overflows 64 bits. */
int sim_busy_cycles(const hw_array *ar, const sc_einsum *se, uint64_t pe_cycles, uint64_t par, uint64_t *busy);
/* Whether einsum x's results leave its array through the column shift
** chain: they leave (stored in the buffer or DRAM, the cascade's output, or
** read by an Einsum on another array), the array shifts its results out
** (`results: shift`, more than one row) and its output is indexed by a
** part on the rows.  Each such firing occupies the array for at least `rows`
** cycles, in both engines. */
int sim_shifts_out(const sc_schedule *s, const sc_phase *ph, int x);
/* Register-file energy of counts k, pJ (the accounting rule's one home). */
double sim_regs_pJ(const hw_arch *a, const sim_ecount *k);

/* Producers (indices into ph->e) an Einsum waits for.  TILE: in the same
** tile, loop-independent reads (not a slice carried from the previous
** iteration, not the initial or final slice).  CARRIED: reads of the
** previous iteration's slice ([m1] of a tensor written at [m1+1]).  ALL:
** every producer but the initial slice's (an Einsum that fires once after
** a loop, reading its final slice).  FIRED: ALL but the carried reads (what
** such an Einsum waits for in the tile it fires in; the carried slice comes
** from its firing one iteration earlier).  Returns how many, at most
** SC_MAX_EINSUMS; a producer may repeat. */
typedef enum sim_dep_kind { SIM_DEP_TILE, SIM_DEP_CARRIED, SIM_DEP_ALL, SIM_DEP_FIRED } sim_dep_kind;
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
/* Masked tiles are not read from DRAM (skip.c).  Whether the rule applies to tensor
** t: the cascade has predicates or masks, t is an input read by one Einsum
** (or by several that pin the same levels and have no own loops), and no
** part is a `ceil` part (so every tile of t moves the same bytes). */
int sim_read_maskable(const sc_phase *ph, int t);
/* Whether a reader's buffer reads of tensor t skip the positions where
** that reader keeps no point: the cascade has predicates or masks, t is an
** input staged in the buffer, and no part is a `ceil` part. */
int sim_buf_read_maskable(const sc_phase *ph, int t);
/* The levels (1..nshared: ph->shared[level - 1]) that fix which tile of t
** einsum x's read moves when its loops down to part `at` (-1: all) sit
** above the tile, outermost first, the batch loop left out; how many. */
int sim_read_pins(const sc_phase *ph, int x, int t, int at, int *lv);
/* Whether einsum x keeps any point in the block levels lv[0..n) fix at
** indices idx[0..n) (each pinned loop fixes its rank's block; the other
** ranks span their whole extent).  0, or -1 with e. */
int sim_read_kept(const sc_phase *ph, int x, const int *lv, const uint64_t *idx, int n, int *kept, at_err *e);
/* Of the positions of einsum x's read of t at residency `at`, how many
** keep a point (*kept) out of *total: a point of x, or with `at` >= 0 (a
** staged tile, shared) of any reader of t.  0, or -1 with e. */
int sim_read_count(const sc_phase *ph, int x, int t, int at, uint64_t *kept, uint64_t *total, at_err *e);
/* Times einsum x fires keeping a point (sim_firings without predicates):
** the batch times its shared-loop positions where x keeps one.  Each such
** firing whose results shift out holds its array `rows` cycles in both
** engines; one that keeps none shifts nothing.  0, or -1 with e. */
int sim_kept_firings(const sc_phase *ph, int x, uint64_t *n, at_err *e);
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
