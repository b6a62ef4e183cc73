/*
** sched.h: the schedule, the contract between the mapper and every engine.
** A schedule is a mapping file bound to one design point: for each phase
** (a fusion group run to completion before the next), its loop parts with
** sizes, the shared (fused) loop nest, for each Einsum the array it runs
** on, its own temporal nest and spatial binding, where each tensor lives,
** and how consecutive tiles overlap.  Engines read it; nothing writes it
** but map_bind().
*/
#ifndef ATTNSIM_SCHED_H
#define ATTNSIM_SCHED_H

#include <stdint.h>
#include "einsum.h"
#include "arch.h"

#define SC_MAX_PARTS    32
#define SC_MAX_LOOPS    24
#define SC_MAX_PHASES   8
#define SC_MAX_EINSUMS  32
#define SC_MAX_TENSORS  48
#define SC_MAX_SPATIAL  4     /* parts on one array dimension (`cols: [g, p0]`) */
#define SC_BATCH        0     /* part 0 is the implicit batch loop (B x H) */

typedef enum sc_home {
  SC_REGS,      /* stays in PE registers or flows PE to PE: no buffer traffic */
  SC_BUFFER,    /* lives in the global buffer for the phase */
  SC_DRAM       /* lives in DRAM; staged through the buffer at keep_at */
} sc_home;

typedef enum sc_policy {
  SC_SEQUENTIAL,  /* a tile completes (fill, work, drain) before the next starts */
  SC_PIPELINED,   /* arrays overlap across tiles; fill/drain once per epoch */
  SC_INTERLEAVED  /* as pipelined, fill/drain hidden except once per phase */
} sc_policy;

/* One loop rank: a cascade rank or a tile of one. */
typedef struct sc_part {
  char name[16];
  int rank;                   /* cascade rank it tiles (m1 is a rank of its own); -1: batch */
  int64_t size;               /* iterations */
  int64_t block;              /* tiling value `ceil`: rank elements per iteration (the
                                 product of the rank's other parts); 0 otherwise */
  int64_t tail;               /* `ceil`: rank elements its last iteration covers, when
                                 the rank is not a multiple of block; 0 otherwise */
} sc_part;

typedef struct sc_einsum {
  int einsum;                 /* index in the phase's cascade */
  int array;                  /* index in hw_arch.arrays */
  int nloop;
  int loop[SC_MAX_LOOPS];     /* temporal nest, outermost first (loop[0] = batch) */
  int nsp[2];                 /* parts on the array's rows / cols (0: none) */
  int spatial[2][SC_MAX_SPATIAL];   /* those parts, the first the outermost digit of the
                                       PE's row / column index (PE column g * P + p for
                                       cols: [g, p]); their sizes' product fits the dimension */
  int fold;                   /* the spatial parts may exceed a one-row array's cols: logical
                                 PE j runs on PE j mod cols, in ceil(PEs / cols) passes
                                 (sim_busy_cycles) */
  int in_tile;                /* runs in every tile (uses every shared loop) */
} sc_einsum;

typedef struct sc_storage {
  sc_home home;
  int keep_at;                /* part whose loop body holds the tile; -1: streamed */
  int nfallback;              /* keep_at alternatives tried in order if it does not fit */
  int fallback[4];
  double spill;               /* fraction of its buffer accesses served by DRAM */
  int alias;                  /* tensor whose buffer space it reuses, or -1 */
  uint64_t forward;           /* bit x: einsum x reads it straight from its producer */
  int tl_elide;               /* 1: its buffer reads follow Timeloop's first-read elision
                                 with a 64-bit partition size (sim_design_set_elision) */
  int tl_elide_at;            /* part whose loop body holds Timeloop's buffer tile of it */
} sc_storage;

typedef struct sc_phase {
  char name[32];
  es_cascade *c;              /* bound to this phase's sizes */
  int nparts;
  sc_part part[SC_MAX_PARTS];
  int nshared;
  int shared[SC_MAX_LOOPS];   /* shared loops after batch, outermost first */
  int ne;
  sc_einsum e[SC_MAX_EINSUMS];
  sc_storage st[SC_MAX_TENSORS];  /* by cascade tensor index */
  sc_policy policy;
  int nepoch;
  int epoch[SC_MAX_LOOPS];    /* pipelined: parts whose every iteration refills the pipeline */
  int window;                 /* pipelined/interleaved: tiles in flight in the cycle
                                 engine (pipeline.window, default 2) */
  int prefetch;               /* tiles beyond the window whose DRAM fetches may be under
                                 way in the cycle engine (pipeline.prefetch, default 1) */
  int64_t buffer_bytes;       /* footprint of the resident tiles */
} sc_phase;

typedef struct sc_schedule {
  const hw_arch *arch;
  int nphases;
  sc_phase phase[SC_MAX_PHASES];
  char tiling[96];            /* bound tile sizes for people, "P1=128 P2=32" */
} sc_schedule;

/* One kind of hardware operation an Einsum performs: `per_point` times per
** point of its iteration space (more than once inside a reduction), with
** `operands` register reads each.  A product that is the body of a sum is
** one MAC and the sum's add is absorbed; subtraction and negation are SUB.
** The one place the cascade's operators become PE operations: the binder
** checks them against the array, every engine charges them. */
typedef struct sc_opuse {
  hw_op op;
  double per_point;           /* executions per iteration-space point */
  int operands;               /* words read per execution */
  uint32_t red;               /* ranks of the explicit reductions around it (bit r:
                                 rank r): it runs once per point of the space and these */
} sc_opuse;
#define SC_MAX_OPUSES 64
/* Fills out[] for einsum xi of c; returns how many (at most SC_MAX_OPUSES;
** -1 if the expression has more operations than that). */
int sc_einsum_ops(const es_cascade *c, int xi, sc_opuse *out);

/* Whether part p tiles a rank that tensor t has (so moving p moves t's tile). */
int sc_relevant(const sc_phase *ph, int p, int t);
/* Whether part p is spatial for se, on either dimension. */
int sc_is_spatial(const sc_einsum *se, int p);
/* PEs of dimension d (0 rows, 1 cols) that se's spatial parts span: the
** product of their sizes; with t >= 0 only of those relevant to tensor t,
** i.e. the distinct values of t's tile along d (the other parts multicast
** each value).  At most the dimension's size but for a fold, which has one
** part. */
uint64_t sc_spatial_extent(const sc_phase *ph, const sc_einsum *se, int d, int t);
/* Whether einsum x (index into ph->e) iterates over part p. */
int sc_uses(const sc_phase *ph, int x, int p);
/* Elements of tensor t's tile held inside the loop body of part `at`
** (-1: the whole nest is outside, i.e. one element), for one batch item;
** an iterative dim counts one live slice.  Uses the nest of einsum x; if
** x does not iterate `at`, the loops above are the shared loops down to
** `at` that x iterates (just the batch loop if `at` is not shared). */
uint64_t sc_tile_elements(const sc_phase *ph, int x, int t, int at);

#endif
