/*
** data.h: the cycle engine's data-carrying mode (`attnsim run --engine
** cycle --data`), a C11 value model beside the timing model.  It holds
** every tensor of the phase as fp16 cells (the buffer's and DRAM's real
** contents), and when the engine starts a task it lays out that firing of
** the Einsum on its tile: each PE of the array takes the points the
** mapping's spatial parts give it, in the Einsum's temporal loop order, as
** a stream of PE operations, each due at the edge the engine's timing
** gives it (start + edge registers + skew, then back to back).  One global
** clock steps every array's pe_bank (hw/pe/pe_bank.h) at the engine's
** cycles; an operation that finds its operand not yet delivered, or its
** PE not ready, is a timing divergence.  The timing model never reads a
** value: a --data run takes the same decisions as one without.  At the end the output is
** compared with the reference interpreter (double) under a running error
** bound.  Semantics and what is bit-faithful: sim/README.md, "Data mode".
** The struct to understand first is sim_data (data.c).
*/
#ifndef ATTNSIM_SIM_DATA_H
#define ATTNSIM_SIM_DATA_H

#include <stddef.h>

#include "sim_int.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_data sim_data;

/* Limits a run is checked against before anything is allocated. */
#define SIM_DATA_MAX_BYTES   (2ull << 30)           /* tensor cells + reference, bytes */
#define SIM_DATA_MAX_PE_CYCLES 2000000000ull        /* the engine's PE-cycles, whole run */
/* An element fails when it is off by more than LAMBDA times its error
** scale: with independent roundings the chance of that is below
** 2 exp(-LAMBDA^2 / 2) = 2.5e-14 (sim/README.md "Data mode"). */
#define SIM_DATA_LAMBDA 8.0

/* Opens the value model for schedule s: checks that data mode can run it
** (one phase, no predicate or mask, every Einsum an expression the PEs
** compute, the size limits), draws the inputs from o->seed as `attnsim
** eval` does, evaluates the reference and opens one bank per array
** through o->bank_open (NULL: the C twin).  0, or -1 with e (refusals are
** input errors: exit 2). */
int sim_data_open(const sc_schedule *s, const sim_engine_opts *o, sim_data **out, at_err *e);
/* One firing: einsum x (index into the phase's e[]) of batch item `batch`
** over the tile range rg, started by the engine at cycle `cycle`.  First
** steps every bank to `cycle` (the operations due before it), then queues
** this firing's operations at their edges.  Calls come in the engine's
** start order, `cycle` never decreasing.  0, or -1 with e (a timing or a
** bank divergence: sim_data_diverged). */
int sim_data_fire(sim_data *d, int x, uint64_t batch, const es_range *rg, int64_t cycle, at_err *e);
/* Drains the firings still running, then compares the output with the
** reference; fills r->data (r->cycles must hold the engine's cycles).  0,
** or -1 with e (a divergence while draining). */
int sim_data_finish(sim_data *d, sim_result *r, at_err *e);
void sim_data_close(sim_data *d);
/* 1 if the run stopped at a failed check rather than bad input: a bank's
** two implementations diverged (`--engine rtl`: the RTL and its C-twin
** shadow; the error names the PE, the cycle, the operation and both
** values), or the timing did (an operand not delivered when due, a PE not
** ready; the error names the PE, the cycle, the operation, the tensor and
** when the value arrived). */
int sim_data_diverged(const sim_data *d);
/* `--engine rtl`: points o->bank_open at the registered RTL opener
** (sim_rtl_register), shadowed by the C twin unless o->no_shadow.  0, or
** -1 with e when the build has no RTL. */
int sim_data_use_rtl(sim_engine_opts *o, at_err *e);
/* Where PE pe (bank index) of the named firing's array is, and when:
** "array 2d, row R, column C, cycle S + K (the firing of BQK)": S the
** engine cycle the firing started, S + K the edge.
** For a report that names a PE (a deadlock here; a divergence from a
** shadow bank, `--engine rtl`). */
void sim_data_where(const sim_data *d, int pe, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
