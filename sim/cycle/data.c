/*
** data.c: the value model of the cycle engine's data mode (data.h).  The
** struct to understand first is sim_data; then dm_prog (an Einsum's point
** compiled to PE operations; dm_ptmpl, each operation's layout),
** sim_data_fire and lay_points (one firing: points to PEs' operation
** streams, the chain of a reduction across PEs), advance and
** edge (the global clock: every bank stepped at the engine's cycles) and emulate (the fp16
** emulation of the interpreter's order).  Every value is a dm_cell: its
** fp16 bits and an error scale (running error analysis, sim/README.md
** "Data mode"), so the comparison's tolerance is derived per element.
*/
#include "data.h"
#include "einsum_int.h"
#include "fp16.h"
#include "pe_bank.h"
#include "pe_shadow.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DM_U     (1.0 / 2048.0)          /* fp16 unit roundoff, 2^-11 */
#define DM_ETA   (1.0 / 33554432.0)      /* half the least subnormal, 2^-25: rounding's absolute floor */
#define DM_EXP_REL 2.6e-3                /* exp's relative error on [-9.70, 0] (rtl/README.md) */
#define DM_EXP_ABS (2.6 / 16777216.0)    /* its absolute error below (2.6 * 2^-24) */
#define DM_MAXP  16                      /* most PE operations one point compiles to */
#define DM_MAXA  16                      /* most tensor accesses in one expression */

/* A value: fp16 bits and a bound on |value - exact| (exact: the cascade
** evaluated in real arithmetic on the unrounded inputs), and its writes:
** an operation that reads a cell expects a number of writes delivered
** before it (scheduled when its firing starts), so reading it too early
** or after a later overwrite is seen (sim/README.md "Data mode"). */
typedef struct dm_cell {
  double err;                 /* bound, same unit as the value */
  uint32_t ns;                /* writes scheduled (firings started so far) */
  uint32_t nw;                /* writes delivered */
  uint16_t h;                 /* fp16 bits */
} dm_cell;

/* An operand of a compiled operation. */
enum { OP_ACCESS, OP_CONST, OP_TEMP, OP_ACC };
typedef struct dm_opnd {
  uint8_t kind;               /* OP_* */
  uint8_t neg;                /* 1: sign flipped on the way in (free: a wire) */
  int16_t ref;                /* ACCESS: access index; CONST: constant; TEMP: operation */
} dm_opnd;

typedef struct dm_pop {
  uint8_t op;                 /* enum pe_op */
  dm_opnd a, b, c;            /* c only for MAC */
} dm_pop;

/* One temporal or spatial part of an Einsum inside a tile. */
typedef struct dm_loop {
  int part;                   /* index in the phase's parts */
  int rank;                   /* cascade rank the part tiles */
  int64_t size;               /* iterations (PEs if spatial) */
  int64_t stride;             /* rank elements one iteration moves */
} dm_loop;

/* One queued PE operation, its operands resolved to cells.  need[k]: the
** writes operand k's cell must have delivered when the operation issues
** (DM_NOCHECK: a constant, a PE-local temporary or the out register); for
** a spatial reduction's chain step, relative to its firing's base[slot]. */
#define DM_NOCHECK UINT32_MAX
typedef struct dm_op {
  const dm_cell *a, *b, *c;   /* operand cells (c: MAC only) */
  dm_cell *dst;
  uint32_t need[3];
  uint32_t slot;              /* chain: the index of its count in its firing's base (slot x nred_pe + rmul . PE) */
  uint8_t op;
  uint8_t neg;                /* bit 0 a, bit 1 b, bit 2 c */
  uint8_t reg;                /* bit 2: c is the PE's out register; bit k+4: need[k] is relative to base[slot] */
  uint32_t cyc;               /* cycles the engine charges it: the PE's next operation is due that much later */
} dm_op;

/* How sim_data_fire lays out operation j of a point: the fields that do
** not depend on the point (op, neg, cyc; need DM_NOCHECK, reg 0), and
** where each operand's cell is in the point's cell table (its accesses,
** the output, the constants, the PE's temporaries: sim_data_fire) and
** what its need is. */
enum { DM_CHK_NONE, DM_CHK_NS, DM_CHK_ACC };
typedef struct dm_ptmpl {
  dm_op op;
  uint8_t src[3];             /* index in the point's cell table */
  uint8_t chk[3];             /* DM_CHK_*: NONE a constant or temporary; NS an access (the cell's scheduled writes); ACC the output */
  uint8_t has_acc;            /* an operand is the output (chk DM_CHK_ACC) */
} dm_ptmpl;

/* An Einsum compiled for the PEs: one point's operations and how a tile's
** points map to PEs. */
enum { CB_NONE, CB_SUM, CB_MAX };
typedef struct dm_prog {
  int nop;
  dm_pop pop[DM_MAXP];        /* the last one's result is the point's value, combined */
  int nacc;
  const es_access *acc[DM_MAXA];
  int nconst;
  dm_cell konst[DM_MAXA];
  int combine;                /* CB_*: how points fold into their output element */
  int nt;
  dm_loop tl[SC_MAX_LOOPS];   /* temporal parts inside the tile, outermost first */
  dm_loop sp[2];              /* rows, cols; size 1 if none */
  int sred;                   /* a spatial part is a reduced rank: the PEs accumulate in turn */
  int interp_order;           /* 1: an output element's points fold in the interpreter's order */
  uint32_t lhs_ranks;         /* bit r: the output is indexed by rank r */
  int array;
  int64_t cols;               /* the array's columns: bank index = row * cols + col */
  uint64_t cap;               /* operations one PE's stream of one firing may hold */
  uint64_t slots;             /* a spatial reduction: output elements of its largest tile */
  int64_t cyc[DM_MAXP];       /* cycles the engine charges each operation: its next one issues that much later */
  dm_ptmpl tmpl[DM_MAXP];     /* each operation as sim_data_fire lays it out */
  uint64_t nred_pe;           /* a spatial reduction: the PEs one slot's chain may pass (its base entries per slot) */
  int64_t rmul[2];            /* ... a PE's index among them: row x rmul[0] + column x rmul[1] */
  const char *elastic;        /* NULL: the PEs keep the engine's schedule; else why they cannot (run late) */
  char why[120];              /* elastic's text when composed */
  /* each access's element as an affine function of the point, k0 + sum of
  ** coef[r] * var[r] (elements; entry nacc: the output) */
  int64_t k0[DM_MAXA + 1];
  int64_t coef[DM_MAXA + 1][ES_MAX_RANKS];
} dm_prog;

typedef struct dm_tensor {
  dm_cell *v;                 /* n cells per batch item (inputs: one copy) */
  int64_t stride[ES_MAX_DIMS];
  uint64_t n;                 /* cells per batch item */
  int shared;                 /* an input: every batch item reads the same cells */
} dm_tensor;


/* One firing in flight on its array: each PE's operations, run from the
** edge the engine's schedule gives it; kept until every PE is past it. */
typedef struct dm_fire {
  struct dm_fire *next;       /* the array's next firing (start order), or the free list's */
  int x;                      /* phase Einsum */
  int64_t S;                  /* engine cycle of its start */
  dm_op *ops;                 /* PE i's operations at ops + i * cap */
  uint64_t cap;               /* operations allocated per PE */
  uint32_t *cnt;              /* per PE: operations */
  uint32_t *base;             /* a chain: per slot x its PEs (nred_pe), the writes its element has before this PE's first */
  dm_cell **slot_cell;        /* a chain: per slot, its element */
  uint64_t slots;             /* slots allocated */
  int left;                   /* PEs not yet past it */
} dm_fire;

/* One array: its bank and each PE's place on the global clock. */
typedef struct dm_arr {
  pe_bank *b;
  int n;
  int64_t rows, cols, g;      /* g: edge registers, cycles before the first PE */
  dm_fire *head, *tail;       /* firings in flight, oldest first */
  dm_fire *freel;             /* finished firings kept for reuse */
  dm_fire **cur;              /* per PE: the firing it works on; NULL when past every one */
  uint32_t *pos;              /* per PE: its next operation in cur */
  int64_t *plan;              /* per PE: the edge the engine's schedule gives its next operation */
  int64_t *lag;               /* per PE: edges it runs behind plan (an elastic run's late inputs) */
  uint8_t *taint;             /* per PE: 1 while its lateness is inherited (elastic firing, late input) */
  dm_cell **inflight;         /* per PE: where the result it is computing goes, or NULL (never a firing's memory: a
                              ** firing every PE is past is reused while its last results are in flight) */
  int64_t *iS;                /* ... that operation's firing's start */
  int *ix;                    /* ... and Einsum */
  double *bound, *regerr;     /* per PE: the in-flight result's error scale; the out register's */
  dm_cell *temp;              /* per PE x DM_MAXP: a point's intermediate results */
  pe_in *in;                  /* per PE: what the next edge offers */
  const dm_cell **prev;       /* per PE, while a firing is laid out: the accumulator its last point wrote */
  int ninflight;              /* PEs with an operation in flight */
  int offered;                /* this edge: an operation offered to some PE */
  int ntaint;                 /* PEs tainted */
} dm_arr;

struct sim_data {
  const sc_schedule *s;       /* the schedule run (one phase) */
  const sc_phase *ph;
  const es_cascade *c;        /* the phase's cascade, bound */
  uint64_t batch;             /* batch items: each holds its own non-input tensors */
  dm_tensor *t;               /* per cascade tensor */
  int *writer;                /* per cascade tensor: the array of the Einsum writing it, -1 none */
  dm_prog p[SC_MAX_EINSUMS];  /* per phase Einsum */
  dm_arr arr[HW_MAX_ARRAYS];
  int narr;
  es_values ref;              /* the reference interpreter's values */
  int npe_max;                /* PEs of the largest array */
  double *dbl;                /* 65536: every fp16 pattern's value (the error scales' hot path) */
  int64_t now;                /* the global clock: the next edge to step, in engine cycles */
  uint64_t edges;             /* PE-edges stepped (each bank's steps x its PEs) */
  uint64_t issued;            /* operations issued */
  uint64_t late_ops;          /* operations issued after the edge the engine's schedule gave them */
  int64_t late_max;           /* ... the most edges late */
  uint64_t elastic_fires;     /* firings whose PEs cannot keep the engine's timing (run late) */
  int64_t last_edge;          /* the last edge a result was delivered on */
  /* a read before its value arrived, held to name when it arrived */
  const dm_cell *pend_cell;
  uint32_t pend_need;
  int64_t pend_at;
  char pend_msg[480];
  /* where a report points: a firing, its start, the edge */
  int64_t cycle;              /* engine cycle of the named firing's start; -1 before any */
  int64_t edge;               /* edges since it */
  int firing;                 /* its Einsum (index into the phase's e[]) */
  int no_emul;                /* skip the fp16 emulation */
  int early_x;                /* tests only: this Einsum's firings start early_by cycles early (-1 none) */
  int64_t early_by;
  int diverged;               /* 1: the run stopped at a divergence (banks, or timing) */
  /* the reference and the emulation depend only on the cascade, the sizes
  ** and the inputs, so they run on their own thread beside the array (a
  ** run's wall time is then the longer of the two, not their sum); only
  ** that thread writes ref, emu_v and bg_err until it is joined */
  pthread_t bg;
  int bg_on;                  /* 1: bg is running or not yet joined */
  int bg_rc;                  /* 0, or -1 with bg_err */
  at_err bg_err;
  uint64_t bg_seed, bg_elems; /* es_eval's seed and element limit */
  uint16_t **emu_v;           /* per tensor: the emulation's batch item; initial slices copied at open */
  uint8_t **emu_state;        /* per tensor: 0 not computed, 1 in progress, 2 done */
  int emu_failed;             /* the emulation found a cycle */
  atomic_int bg_stop;         /* 1: the run failed, the emulation stops early (its result unused) */
};

static void *bg_run(void *arg);

static uint16_t h_of(double x) { return fp16_from_double(x); }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* ---- compiling an Einsum ------------------------------------------------ */

static int refuse(at_err *e, const es_cascade *c, const es_expr *x, const char *why) {
  return at_errf(e, "%s:%d:%d: data mode cannot run this expression on the PEs: %s", c->file, x->loc.line,
                 x->loc.col, why);
}

static int emit(dm_prog *p, int op, dm_opnd a, dm_opnd b, dm_opnd c, dm_opnd *out, const es_cascade *cs,
                const es_expr *x, at_err *e) {
  if (p->nop == DM_MAXP) return refuse(e, cs, x, "more than 16 PE operations per point");
  p->pop[p->nop] = (dm_pop){ (uint8_t)op, a, b, c };
  *out = (dm_opnd){ OP_TEMP, 0, (int16_t)p->nop++ };
  return 0;
}

static int konst(dm_prog *p, double v, dm_opnd *out, const es_cascade *c, const es_expr *x, at_err *e) {
  if (p->nconst == DM_MAXA) return refuse(e, c, x, "more than 16 constants");
  uint16_t h = h_of(v);
  double err = fabs(fp16_to_double(h) - v);
  p->konst[p->nconst] = (dm_cell){ .err = isnan(err) ? 0 : err, .h = h };
  *out = (dm_opnd){ OP_CONST, 0, (int16_t)p->nconst++ };
  return 0;
}

/* Compiles expression x into operations; *out is where its value is. */
static int compile(dm_prog *p, const es_cascade *c, const es_expr *x, int has_div, dm_opnd *out, at_err *e) {
  dm_opnd a, b, z;
  switch (x->kind) {
  case ES_E_NUM: return konst(p, x->num, out, c, x, e);
  case ES_E_ACCESS:
    if (p->nacc == DM_MAXA) return refuse(e, c, x, "more than 16 tensor reads");
    p->acc[p->nacc] = &x->acc;
    *out = (dm_opnd){ OP_ACCESS, 0, (int16_t)p->nacc++ };
    return 0;
  case ES_E_NEG:
    if (compile(p, c, x->a, has_div, out, e)) return -1;
    out->neg ^= 1;
    return 0;
  case ES_E_EXP:
    if (x->a->kind == ES_E_BIN && x->a->op == ES_SUB) {
      if (compile(p, c, x->a->a, has_div, &a, e) || compile(p, c, x->a->b, has_div, &b, e)) return -1;
    } else if (compile(p, c, x->a, has_div, &a, e) || konst(p, 0.0, &b, c, x, e)) {
      return -1;
    }
    return emit(p, PE_OP_EXP, a, b, b, out, c, x, e);
  case ES_E_BIN:
    if (compile(p, c, x->a, has_div, &a, e) || compile(p, c, x->b, has_div, &b, e)) return -1;
    switch (x->op) {
    case ES_ADD: return emit(p, PE_OP_ADD, a, b, b, out, c, x, e);
    case ES_SUB: b.neg ^= 1; return emit(p, PE_OP_ADD, a, b, b, out, c, x, e);
    case ES_MUL:
      if (konst(p, -0.0, &z, c, x, e)) return -1;
      return emit(p, PE_OP_MAC, a, b, z, out, c, x, e);
    case ES_DIV:
      if (!has_div) return refuse(e, c, x, "a division on an array whose PEs have no DIV");
      return emit(p, PE_OP_DIV, a, b, b, out, c, x, e);
    case ES_MAX: return emit(p, PE_OP_MAX, a, b, b, out, c, x, e);
    case ES_MIN: return refuse(e, c, x, "min (the PEs have MAX only)");
    }
    return refuse(e, c, x, "unknown operator");
  case ES_E_REDUCE: return refuse(e, c, x, "a reduction inside an expression (only a whole right-hand side may reduce)");
  }
  return refuse(e, c, x, "unknown expression");
}

/* Whether prog p of einsum x folds each output element's points in the
** interpreter's order, so that its bits must equal the emulation's: a max
** (exact in any order) or an element-wise Einsum always does; a sum does
** when the levels that walk its reduced ranks, in the data mode's order
** (the PE index, row before column, then its temporal loops) are each
** reduced rank's parts, outer to inner, the ranks in the interpreter's
** loop order.  A sum across firings (a shared loop over a reduced rank)
** is not claimed. */
static int interp_order(const sc_phase *ph, int x, const es_einsum *E, const dm_prog *p) {
  if (p->combine != CB_SUM) return 1;
  const int *red = E->nsum ? &E->space[E->nspace - E->nsum] : E->rhs->red;
  int nred = E->nsum ? E->nsum : E->rhs->nred;
  uint32_t rset = 0;
  for (int i = 0; i < nred; i++) rset |= 1u << red[i];
  for (int k = 0; k < ph->nshared; k++) {
    const sc_part *sp = &ph->part[ph->shared[k]];
    if (sc_uses(ph, x, ph->shared[k]) && sp->size > 1 && (rset >> sp->rank & 1)) return 0;
  }
  int got[SC_MAX_LOOPS + 2], ng = 0, want[SC_MAX_PARTS], nw = 0;
  for (int i = 0; i < 2; i++)
    if (p->sp[i].rank >= 0 && p->sp[i].size > 1 && (rset >> p->sp[i].rank & 1)) got[ng++] = p->sp[i].part;
  for (int i = 0; i < p->nt; i++)
    if (p->tl[i].size > 1 && (rset >> p->tl[i].rank & 1)) got[ng++] = p->tl[i].part;
  for (int i = 0; i < nred; i++)
    for (int q = 1; q < ph->nparts; q++)
      if (ph->part[q].rank == red[i] && ph->part[q].size > 1) want[nw++] = q;
  if (ng != nw) return 0;
  for (int i = 0; i < ng; i++) if (got[i] != want[i]) return 0;
  return 1;
}

/* Each operation's cycles as the engine charges them (hw_array.ops, the
** sum of an element's operations on a serial PE), and whether the PEs of
** hw/pe can keep that schedule: one operation at a time, an EXP 7 edges,
** the others 1, and a reduction across PEs whose chain fits the wavefront
** (sim/README.md "Data mode": on a one-row array the engine charges no
** chain, so such a firing runs late, elastically). */
static void schedule(dm_prog *p, const hw_array *ar) {
  static const char *const names[5] = { "MAC", "ADD", "MAX", "EXP", "DIV" };
  p->elastic = NULL;
  for (int j = 0; j < p->nop; j++) {
    const dm_pop *q = &p->pop[j];
    int64_t c = 1, pe = q->op == PE_OP_EXP ? 7 : 1;
    switch (q->op) {
    case PE_OP_MAC: c = ar->ops[q->c.kind == OP_ACC ? HW_OP_MAC : HW_OP_MUL].cycles; break;
    case PE_OP_ADD: c = ar->ops[q->b.neg ? HW_OP_SUB : HW_OP_ADD].cycles; break;
    case PE_OP_MAX: c = ar->ops[HW_OP_MAX].cycles; break;
    case PE_OP_EXP: c = ar->ops[HW_OP_EXP].cycles + (q->b.kind == OP_CONST ? 0 : ar->ops[HW_OP_SUB].cycles); break;
    default: c = ar->ops[HW_OP_DIV].cycles; break;
    }
    p->cyc[j] = c > pe ? c : pe;   /* at most 2 x HW_DIM_MAX: 32 bits hold it */
    if (!p->elastic && (ar->issue != HW_ISSUE_SERIAL || c < pe)) {
      snprintf(p->why, sizeof p->why, "its %s takes %lld cycles on the PE, the engine charges %lld%s", names[q->op],
               (long long)pe, (long long)c, ar->issue != HW_ISSUE_SERIAL ? " (the array issues by units)" : "");
      p->elastic = p->why;
    }
  }
  if (!p->elastic && p->sred && ar->rows == 1)
    p->elastic = "its reduction chains along a one-row array, where the engine charges no chain";
}

/* Compiles einsum x of the phase: its point program and its parts. */
static int prepare(sim_data *d, int x, at_err *e) {
  const sc_phase *ph = d->ph;
  const es_cascade *c = d->c;
  const sc_einsum *se = &ph->e[x];
  const es_einsum *E = &c->einsums[se->einsum];
  const hw_array *ar = &d->s->arch->arrays[se->array];
  dm_prog *p = &d->p[x];
  memset(p, 0, sizeof *p);
  p->array = se->array;
  p->cols = ar->cols;
  int has_div = ar->ops[HW_OP_DIV].supported;
  const es_expr *body = E->rhs;
  p->combine = E->nsum ? CB_SUM : CB_NONE;
  if (body->kind == ES_E_REDUCE) {
    if (E->nsum) return refuse(e, c, body, "a reduction and summed ranks in one Einsum");
    if (body->op == ES_MIN) return refuse(e, c, body, "a min reduction (the PEs have MAX only)");
    p->combine = body->op == ES_ADD ? CB_SUM : CB_MAX;
    body = body->a;
  }
  dm_opnd v, acc = { OP_ACC, 0, 0 };
  if (compile(p, c, body, has_div, &v, e)) return -1;
  if (p->combine == CB_NONE) {
    /* the point's value is the output: a leaf (or a negated result) goes
    ** through the PE as x + (-0), exact */
    if (v.kind != OP_TEMP || v.neg || p->nop == 0) {
      dm_opnd z;
      if (konst(p, -0.0, &z, c, body, e) || emit(p, PE_OP_ADD, v, z, z, &v, c, body, e)) return -1;
    }
  } else if (p->combine == CB_SUM && v.kind == OP_TEMP && !v.neg && p->pop[p->nop - 1].op == PE_OP_MAC &&
             p->pop[p->nop - 1].c.kind == OP_CONST) {
    p->pop[p->nop - 1].c = acc;   /* a product summed: one MAC with c = the accumulator */
  } else {
    if (emit(p, p->combine == CB_SUM ? PE_OP_ADD : PE_OP_MAX, v, acc, acc, &v, c, body, e)) return -1;
  }
  for (int i = 0; i < E->lhs.n; i++) {
    const es_index *ix = &E->lhs.ix[i];
    if (ix->kind == ES_IX_VAR) p->lhs_ranks |= 1u << ix->rank;
    if (ix->kind == ES_IX_SPLIT) p->lhs_ranks |= 1u << ix->rank | 1u << ix->rank2;
  }
  /* the parts inside the tile: its own loops in nest order, then spatial */
  for (int i = 0; i < se->nloop; i++) {
    int q = se->loop[i];
    if (q == SC_BATCH) continue;
    int shared = 0;
    for (int k = 0; k < ph->nshared; k++) shared |= ph->shared[k] == q;
    if (shared) continue;
    p->tl[p->nt++] = (dm_loop){ q, ph->part[q].rank, ph->part[q].size, 0 };
  }
  for (int k = 0; k < 2; k++) {
    if (se->nsp[k] > 1) return refuse(e, c, E->rhs, "it has several parts on one array dimension (a spatial list)");
    int q = se->nsp[k] ? se->spatial[k][0] : -1;
    p->sp[k] = (dm_loop){ -1, -1, 1, 0 };
    if (q >= 0) {
      p->sp[k] = (dm_loop){ q, ph->part[q].rank, ph->part[q].size, 0 };
      if (!(p->lhs_ranks >> ph->part[q].rank & 1)) p->sred = 1;
    }
  }
  if (p->sp[0].size > ar->rows || p->sp[1].size > ar->cols)
    /* a fold (FuseMax's P0 on a narrower 1D array) takes several passes per
    ** firing, which the PEs' streams here do not lay out */
    return at_errf(e, "data mode does not run Einsum %s folded onto array %s yet (%lld x %lld PEs of work on %lld x "
                   "%lld): give the array as many PEs as the spatial parts", c->tensors[E->lhs.tensor].name, ar->name,
                   (long long)p->sp[0].size, (long long)p->sp[1].size, (long long)ar->rows, (long long)ar->cols);
  p->interp_order = interp_order(ph, x, E, p);
  schedule(p, ar);
  /* a part's stride in its rank: `ceil` block, else the inner parts' product */
  for (int i = 0; i <= p->nt + 1; i++) {
    dm_loop *l = i < p->nt ? &p->tl[i] : &p->sp[i - p->nt];
    if (l->rank < 0) continue;
    int q = l->part;
    int64_t st = 1;
    if (ph->part[q].block) st = ph->part[q].block;
    else
      for (int r = q + 1; r < ph->nparts; r++)
        if (ph->part[r].rank == l->rank) st *= ph->part[r].size;
    l->stride = st;
  }
  /* the PEs that share a slot of a spatial reduction differ only in the
  ** reduced spatial coordinates (a slot is an output element, and the
  ** others are its coordinates), so its chain runs over those alone, in
  ** bank order; both dimensions on one rank: every PE, in bank order */
  if (p->sred) {
    int red0 = p->sp[0].rank >= 0 && !(p->lhs_ranks >> p->sp[0].rank & 1);
    int red1 = p->sp[1].rank >= 0 && !(p->lhs_ranks >> p->sp[1].rank & 1);
    if (p->sp[0].rank >= 0 && p->sp[0].rank == p->sp[1].rank) {
      p->rmul[0] = ar->cols;
      p->rmul[1] = 1;
      p->nred_pe = (uint64_t)(ar->rows * ar->cols);
    } else {
      p->rmul[1] = red1;
      p->rmul[0] = red0 ? (red1 ? p->sp[1].size : 1) : 0;
      p->nred_pe = (uint64_t)((red0 ? p->sp[0].size : 1) * (red1 ? p->sp[1].size : 1));
    }
  }
  for (int j = 0; j < p->nop; j++) {
    const dm_pop *q = &p->pop[j];
    const dm_opnd *o3[3] = { &q->a, &q->b, &q->c };
    dm_ptmpl *t = &p->tmpl[j];
    memset(t, 0, sizeof *t);
    t->op.op = q->op;
    t->op.cyc = (uint32_t)p->cyc[j];
    for (int k = 0; k < 3; k++) {
      const dm_opnd *o = o3[k];
      t->op.need[k] = DM_NOCHECK;
      if (o->neg) t->op.neg |= (uint8_t)(1u << k);
      switch (o->kind) {
      case OP_ACCESS: t->src[k] = (uint8_t)o->ref; t->chk[k] = DM_CHK_NS; break;
      case OP_CONST: t->src[k] = (uint8_t)(p->nacc + 1 + o->ref); break;
      case OP_TEMP: t->src[k] = (uint8_t)(p->nacc + 1 + p->nconst + o->ref); break;
      default: t->src[k] = (uint8_t)p->nacc; t->chk[k] = DM_CHK_ACC; t->has_acc = 1; break;
      }
    }
  }
  return 0;
}

/* The affine addressing of prog p's accesses (interp.c's flat_of, unrolled
** into coefficients), once the tensors' strides are known. */
static void address(sim_data *d, dm_prog *p, const es_access *lhs) {
  for (int a = 0; a <= p->nacc; a++) {
    const es_access *ac = a < p->nacc ? p->acc[a] : lhs;
    const dm_tensor *s = &d->t[ac->tensor];
    p->k0[a] = 0;
    memset(p->coef[a], 0, sizeof p->coef[a]);
    for (int k = 0; k < ac->n; k++) {
      const es_index *ix = &ac->ix[k];
      int64_t st = s->stride[k];
      switch (ix->kind) {
      case ES_IX_VAR: p->coef[a][ix->rank] += st; p->k0[a] += ix->offset * st; break;
      case ES_IX_SPLIT: p->coef[a][ix->rank] += st * d->c->ranks[ix->rank2].size; p->coef[a][ix->rank2] += st; break;
      case ES_IX_ZERO: break;
      case ES_IX_LAST: p->k0[a] += d->c->ranks[ix->rank].size * st; break;
      }
    }
  }
}

/* ---- opening ------------------------------------------------------------ */

static pe_bank *twin_open(int kind, int n, int fault_pe, char *err, int errlen) {
  (void)fault_pe;
  pe_bank *b = pe_bank_twin(kind, n);
  if (!b) snprintf(err, (size_t)errlen, "out of memory for %d PEs", n);
  return b;
}

/* The Verilated banks' opener, registered by a build with the RTL
** (sim_rtl_register); NULL: this build has none. */
static pe_bank_open_fn rtl_open;

void sim_rtl_register(pe_bank *(*open)(int kind, int n, int fault_pe, char *err, int errlen)) { rtl_open = open; }
int sim_rtl_available(void) { return rtl_open != NULL; }

/* `--engine rtl`: the RTL bank as primary, a C-twin bank as its shadow
** (hw/pe/pe_shadow.h), compared after every edge. */
static pe_bank *rtl_shadowed(int kind, int n, int fault_pe, char *err, int errlen) {
  pe_bank *p = rtl_open(kind, n, fault_pe, err, errlen);
  if (!p) return NULL;
  pe_bank *t = pe_bank_twin(kind, n), *b = t ? pe_shadow_open(p, t) : NULL;
  if (!b) {
    p->close(p);
    if (t) t->close(t);
    snprintf(err, (size_t)errlen, "out of memory for %d PEs", n);
  }
  return b;
}

int sim_data_use_rtl(sim_engine_opts *o, at_err *e) {
  if (!rtl_open)
    return at_errf(e, "engine rtl: this build has no RTL co-simulation (configure with -DATTNSIM_RTL=ON)");
  o->bank_open = o->no_shadow ? rtl_open : rtl_shadowed;
  return 0;
}

static int add_bytes(uint64_t *acc, uint64_t n, uint64_t size) {
  uint64_t b;
  return at_mul64(n, size, &b) || at_add64(*acc, b, acc);
}

/* Fills every cell of tensor t: inputs from the generator (as es_eval),
** others with their defining Einsum's identity, or NaN (never written). */
static void fill(sim_data *d, int t, at_rng *rng) {
  const es_tensor *T = &d->c->tensors[t];
  dm_tensor *s = &d->t[t];
  if (s->shared) {
    for (uint64_t i = 0; i < s->n; i++) {
      double x = at_rng_sym(rng);
      uint16_t h = h_of(x);
      s->v[i] = (dm_cell){ .err = fabs(fp16_to_double(h) - x), .h = h };
    }
    return;
  }
  uint16_t id = FP16_QNAN;
  for (int x = 0; x < d->ph->ne; x++)
    if (d->ph->e[x].einsum == T->def)
      id = d->p[x].combine == CB_SUM ? FP16_NZERO : d->p[x].combine == CB_MAX ? FP16_NINF : FP16_QNAN;
  for (uint64_t i = 0; i < s->n * d->batch; i++) s->v[i] = (dm_cell){ .err = 0, .h = id };
}

/* The initial slice of an iterative tensor: `init T[..0..] = constant`. */
static int init_slice(sim_data *d, int xi, at_err *e) {
  const es_einsum *E = &d->c->einsums[xi];
  const es_expr *x = E->rhs;
  int neg = 0;
  while (x->kind == ES_E_NEG) { neg ^= 1; x = x->a; }
  if (x->kind != ES_E_NUM) return refuse(e, d->c, E->rhs, "an initial slice that is not a constant");
  int t = E->lhs.tensor;
  const es_tensor *T = &d->c->tensors[t];
  dm_tensor *s = &d->t[t];
  double v = neg ? -x->num : x->num;
  uint16_t h = h_of(v);
  double err = fabs(fp16_to_double(h) - v);
  dm_cell cell = { .err = isnan(err) ? 0 : err, .h = h };   /* an infinity is exact */
  for (uint64_t f = 0; f < s->n; f++)
    if ((f / (uint64_t)s->stride[T->iter_dim]) % (uint64_t)(d->c->ranks[T->dim[T->iter_dim]].size + 1) == 0)
      for (uint64_t b = 0; b < d->batch; b++) s->v[b * s->n + f] = cell;
  return 0;
}

/* Array state for bank b (owned from then on, also on failure after it
** is stored) of array ar.  0, or -1 out of memory. */
static int arr_open(dm_arr *A, pe_bank *b, const hw_array *ar) {
  size_t n = (size_t)b->n;
  A->b = b;
  A->n = b->n;
  A->rows = ar->rows;
  A->cols = ar->cols;
  A->g = ar->edge_registers;
  A->cur = calloc(n, sizeof *A->cur);
  A->pos = calloc(n, sizeof *A->pos);
  A->plan = calloc(n, sizeof *A->plan);
  A->lag = calloc(n, sizeof *A->lag);
  A->taint = calloc(n, sizeof *A->taint);
  A->inflight = calloc(n, sizeof *A->inflight);
  A->iS = calloc(n, sizeof *A->iS);
  A->ix = calloc(n, sizeof *A->ix);
  A->bound = calloc(n, sizeof *A->bound);
  A->regerr = calloc(n, sizeof *A->regerr);
  A->temp = calloc(n * DM_MAXP, sizeof *A->temp);
  A->in = calloc(n, sizeof *A->in);
  A->prev = calloc(n, sizeof *A->prev);
  return A->cur && A->pos && A->plan && A->lag && A->taint && A->inflight && A->iS && A->ix && A->bound && A->regerr &&
                 A->temp && A->in && A->prev ? 0 : -1;
}

int sim_data_open(const sc_schedule *s, const sim_engine_opts *o, sim_data **out, at_err *e) {
  *out = NULL;
  if (s->nphases != 1)
    return at_errf(e, "data mode runs one phase; this schedule has %d (the values between phases are not modelled)",
                   s->nphases);
  const sc_phase *ph = &s->phase[0];
  const es_cascade *c = ph->c;
  if (es_has_preds(c))
    return at_errf(e, "%s: data mode does not run cascades with predicates or masks yet", c->file);
  sim_data *d = calloc(1, sizeof *d);
  if (!d) return at_errf(e, "out of memory");
  d->s = s;
  d->ph = ph;
  d->c = c;
  d->batch = (uint64_t)ph->part[SC_BATCH].size;
  d->cycle = -1;
  d->early_x = -1;
  for (int x = 0; o->early_tensor && x < ph->ne; x++)
    if (!strcmp(c->tensors[c->einsums[ph->e[x].einsum].lhs.tensor].name, o->early_tensor)) d->early_x = x;
  d->early_by = o->early_cycles;
  d->no_emul = o->no_emul;
  /* the limits, before anything large is allocated */
  uint64_t bytes = 0, pe_cycles = 0, elems = 0, cap = 0, slots_max = 0;
  int bad = 0;
  for (int x = 0; x < ph->ne; x++) {
    if (prepare(d, x, e)) { sim_data_close(d); return -1; }
    sim_ecount k;
    if (sim_einsum_count(s, ph, x, &k, e)) { sim_data_close(d); return -1; }
    bad |= at_add64(pe_cycles, k.pe_cycles, &pe_cycles);
    /* the firing's operation lists: its points, operations each */
    const dm_prog *p = &d->p[x];
    uint64_t pts = 1;
    for (int i = 0; i < p->nt; i++) bad |= at_mul64(pts, (uint64_t)p->tl[i].size, &pts);
    bad |= at_mul64(pts, (uint64_t)p->nop, &pts);
    d->p[x].cap = pts;
    if (pts > cap) cap = pts;
    const hw_array *ar = &s->arch->arrays[p->array];
    if (ar->rows * ar->cols > d->npe_max) d->npe_max = (int)(ar->rows * ar->cols);
  }

  d->t = calloc((size_t)c->ntensors, sizeof *d->t);
  if (!d->t) { sim_data_close(d); return at_errf(e, "out of memory"); }
  for (int t = 0; t < c->ntensors; t++) {
    const es_tensor *T = &c->tensors[t];
    dm_tensor *ts = &d->t[t];
    uint64_t n = 1;
    for (int k = T->ndims - 1; k >= 0; k--) {
      ts->stride[k] = (int64_t)n;
      bad |= at_mul64(n, (uint64_t)(c->ranks[T->dim[k]].size + (k == T->iter_dim)), &n);
    }
    ts->n = n;
    ts->shared = T->is_input;
    bad |= at_add64(elems, n, &elems);
    bad |= add_bytes(&bytes, T->is_input ? n : n * d->batch, sizeof(dm_cell));
    bad |= add_bytes(&bytes, n, sizeof(double) + 1);   /* the reference's copy */
  }
  /* a reduction across PEs keeps two op pointers per PE and output element
  ** of its tile: the elements its own parts (not the shared loops) span */
  for (int x = 0; x < ph->ne; x++) {
    dm_prog *p = &d->p[x];
    if (!p->sred) continue;
    uint64_t sl = 1;
    for (int i = 0; i < p->nt + 2; i++) {
      const dm_loop *l = i < p->nt ? &p->tl[i] : &p->sp[i - p->nt];
      if (l->rank >= 0 && (p->lhs_ranks >> l->rank & 1)) bad |= at_mul64(sl, (uint64_t)l->size, &sl);
    }
    p->slots = sl;
    if (sl > slots_max) slots_max = sl;
  }
  /* the largest firing's operation lists and chain tables (the firings in
  ** flight at once beside it are the small ones of FuseMax's tiles) */
  bad |= add_bytes(&bytes, slots_max * (uint64_t)d->npe_max, sizeof(uint32_t) + sizeof(dm_cell *));
  bad |= at_mul64(cap, (uint64_t)d->npe_max, &elems) || add_bytes(&bytes, elems, sizeof(dm_op));
  elems = 0;
  for (int t = 0; t < c->ntensors; t++) bad |= at_add64(elems, d->t[t].n, &elems);
  if (bad || bytes > SIM_DATA_MAX_BYTES || pe_cycles > SIM_DATA_MAX_PE_CYCLES) {
    sim_data_close(d);
    if (bad) return at_errf(e, "data mode: this run's size overflows 64 bits");
    if (bytes > SIM_DATA_MAX_BYTES)
      return at_errf(e, "data mode: this run needs %llu bytes of tensors, reference and operation lists, more than "
                     "the limit of %llu (every tensor is held for every batch item); use smaller sizes or batch",
                     (unsigned long long)bytes, (unsigned long long)SIM_DATA_MAX_BYTES);
    return at_errf(e, "data mode: this run is %llu PE-cycles, more than the limit of %llu (about 100 s of "
                   "stepping the PEs); use smaller sizes or batch", (unsigned long long)pe_cycles,
                   (unsigned long long)SIM_DATA_MAX_PE_CYCLES);
  }
  for (int x = 0; x < ph->ne; x++) address(d, &d->p[x], &c->einsums[ph->e[x].einsum].lhs);
  for (int t = 0; t < c->ntensors; t++) {
    dm_tensor *ts = &d->t[t];
    ts->v = malloc(sizeof(dm_cell) * (size_t)(ts->shared ? ts->n : ts->n * d->batch));
    if (!ts->v) { sim_data_close(d); return at_errf(e, "out of memory"); }
  }
  d->dbl = malloc(sizeof *d->dbl * 65536);
  d->writer = malloc(sizeof *d->writer * (size_t)c->ntensors);
  if (!d->dbl || !d->writer) { sim_data_close(d); return at_errf(e, "out of memory"); }
  for (uint32_t h = 0; h < 65536; h++) d->dbl[h] = fp16_to_double((uint16_t)h);
  for (int t = 0; t < c->ntensors; t++) d->writer[t] = -1;
  for (int x = 0; x < ph->ne; x++) d->writer[c->einsums[ph->e[x].einsum].lhs.tensor] = d->p[x].array;
  /* inputs in declaration order, each row-major: the generator of es_eval */
  at_rng rng = { o->seed };
  char *done = calloc((size_t)c->ntensors, 1);
  if (!done) { sim_data_close(d); return at_errf(e, "out of memory"); }
  for (;;) {
    int best = -1;
    for (int t = 0; t < c->ntensors; t++) {
      const es_tensor *T = &c->tensors[t];
      if (!T->is_input || done[t]) continue;
      if (best < 0 || T->loc.line < c->tensors[best].loc.line ||
          (T->loc.line == c->tensors[best].loc.line && T->loc.col < c->tensors[best].loc.col))
        best = t;
    }
    if (best < 0) break;
    done[best] = 1;
    fill(d, best, &rng);
  }
  for (int t = 0; t < c->ntensors; t++) if (!c->tensors[t].is_input) fill(d, t, &rng);
  free(done);
  for (int xi = 0; xi < c->neinsums; xi++)
    if (c->einsums[xi].is_init && init_slice(d, xi, e)) { sim_data_close(d); return -1; }
  /* the emulation's memory, its initial slices copied now (the array
  ** owns the cells from here on), then the reference and the emulation
  ** start beside the array, or inline if no thread can be had */
  d->emu_v = calloc((size_t)c->ntensors, sizeof *d->emu_v);
  d->emu_state = calloc((size_t)c->ntensors, sizeof *d->emu_state);
  if (!d->emu_v || !d->emu_state) { sim_data_close(d); return at_errf(e, "out of memory"); }
  for (int t = 0; !d->no_emul && t < c->ntensors; t++) {
    if (c->tensors[t].is_input) continue;
    d->emu_v[t] = malloc(sizeof **d->emu_v * (size_t)d->t[t].n);
    d->emu_state[t] = calloc((size_t)d->t[t].n, 1);
    if (!d->emu_v[t] || !d->emu_state[t]) { sim_data_close(d); return at_errf(e, "out of memory"); }
    for (uint64_t i = 0; i < d->t[t].n; i++) d->emu_v[t][i] = d->t[t].v[i].h;
  }
  d->bg_seed = o->seed;
  d->bg_elems = elems;
  if (o->data_inline || pthread_create(&d->bg, NULL, bg_run, d)) bg_run(d);
  else d->bg_on = 1;
  int fault_found = 0;
  for (int a = 0; a < s->arch->n_arrays; a++) {
    const hw_array *ar = &s->arch->arrays[a];
    int kind = ar->ops[HW_OP_DIV].supported ? PE_KIND_1D : PE_KIND_2D;
    char why[200] = "";
    int fault_pe = -1;
    if (o->fault_array && !strcmp(o->fault_array, ar->name)) {
      if (o->fault_row < 0 || o->fault_row >= ar->rows || o->fault_col < 0 || o->fault_col >= ar->cols) {
        sim_data_close(d);
        return at_errf(e, "data mode: no PE at row %lld, column %lld of array %s (%lld rows, %lld columns)",
                       (long long)o->fault_row, (long long)o->fault_col, ar->name, (long long)ar->rows,
                       (long long)ar->cols);
      }
      fault_pe = (int)(o->fault_row * ar->cols + o->fault_col);
      fault_found = 1;
    }
    if (ar->rows * ar->cols > INT32_MAX) {
      sim_data_close(d);
      return at_errf(e, "data mode: array %s has %lld PEs, more than a bank holds", ar->name,
                     (long long)(ar->rows * ar->cols));
    }
    pe_bank *b = (o->bank_open ? o->bank_open : twin_open)(kind, (int)(ar->rows * ar->cols), fault_pe, why,
                                                           (int)sizeof why);
    if (!b || arr_open(&d->arr[a], b, ar)) {
      if (b && !d->arr[a].b) b->close(b);
      sim_data_close(d);
      return at_errf(e, "data mode: cannot open the PEs of array %s: %s", ar->name,
                     !b ? (why[0] ? why : "no reason given") : "out of memory");
    }
    d->narr = a + 1;
  }
  if (o->fault_array && !fault_found) {
    sim_data_close(d);
    return at_errf(e, "data mode: the architecture has no array named '%s' for the fault", o->fault_array);
  }
  *out = d;
  return 0;
}

static void fire_free(dm_fire *f) {
  if (!f) return;
  free(f->ops); free(f->cnt); free(f->base); free(f->slot_cell);
  free(f);
}

static void arr_close(dm_arr *A) {
  if (A->b) A->b->close(A->b);
  for (dm_fire *f = A->head, *nx; f; f = nx) { nx = f->next; fire_free(f); }
  for (dm_fire *f = A->freel, *nx; f; f = nx) { nx = f->next; fire_free(f); }
  free(A->cur); free(A->pos); free(A->plan); free(A->lag); free(A->taint); free(A->inflight); free(A->iS); free(A->ix);
  free(A->bound); free(A->regerr); free(A->temp); free(A->in); free(A->prev);
  memset(A, 0, sizeof *A);
}

/* Waits for the reference and the emulation (at once if the run failed:
** the emulation stops at its next slice). */
static void bg_join(sim_data *d) {
  if (!d->bg_on) return;
  pthread_join(d->bg, NULL);
  d->bg_on = 0;
}

void sim_data_close(sim_data *d) {
  if (!d) return;
  atomic_store(&d->bg_stop, 1);
  bg_join(d);
  for (int t = 0; d->emu_v && t < d->c->ntensors; t++) free(d->emu_v[t]);
  for (int t = 0; d->emu_state && t < d->c->ntensors; t++) free(d->emu_state[t]);
  free(d->emu_v);
  free(d->emu_state);
  if (d->t)
    for (int t = 0; t < d->c->ntensors; t++) free(d->t[t].v);
  free(d->t);
  for (int a = 0; a < HW_MAX_ARRAYS; a++) arr_close(&d->arr[a]);
  es_values_free(&d->ref);
  free(d->dbl);
  free(d->writer);
  free(d);
}

/* ---- executing a firing ------------------------------------------------- */

/* The result's error scale from the operands' values and scales: the
** propagated errors and this operation's rounding, independent terms
** combined in quadrature (Higham and Mary's probabilistic model of
** rounding, sim/README.md "Data mode"); exp's own error, a deterministic
** function of its input, adds linearly. */
static double op_bound(const double *dbl, int op, uint16_t ha, double ea, uint16_t hb, double eb, uint16_t hc,
                       double ec) {
  double a = dbl[ha], b = dbl[hb], r;
  switch (op) {
  case PE_OP_MAC: {
    double cv = dbl[hc];
    double x = a * b + cv, p1 = fabs(a) * eb, p2 = fabs(b) * ea, p3 = DM_U * fabs(x) + DM_ETA;
    r = sqrt(p1 * p1 + p2 * p2 + ec * ec + p3 * p3) + ea * eb;
    if (ea == 0 && eb == 0 && ec == 0 && (isinf(a) || isinf(b) || isinf(cv))) r = 0;
    break;
  }
  case PE_OP_ADD: {
    double p3 = DM_U * fabs(a + b) + DM_ETA;
    r = sqrt(ea * ea + eb * eb + p3 * p3);
    if (ea == 0 && eb == 0 && (isinf(a) || isinf(b))) r = 0;
    break;
  }
  case PE_OP_MAX: r = ea > eb ? ea : eb; break;
  case PE_OP_EXP: {
    double t = a - b;
    if (isinf(t)) {
      /* exp(-inf) = 0 whatever the finite operand's error, if the infinity is exact */
      int exact = (!isinf(a) || ea == 0) && (!isinf(b) || eb == 0) && isfinite(ea) && isfinite(eb);
      return exact && t < 0 ? 0 : INFINITY;
    }
    double x = exp(t), dl = sqrt(ea * ea + eb * eb + DM_U * t * DM_U * t);   /* step 0 rounds a - b */
    double rel = t <= 0 ? DM_EXP_REL : 3.1e-4 * t + 4 * DM_U;
    r = x * expm1(dl) + rel * x * exp(dl) + DM_EXP_ABS;
    break;
  }
  case PE_OP_DIV: {
    double x = a / b, p1 = fabs(x) * eb, p3 = DM_U * fabs(x) + DM_ETA;
    r = fabs(b) > eb ? sqrt(ea * ea + p1 * p1) / (fabs(b) - eb) + p3 : INFINITY;
    break;
  }
  default: r = INFINITY; break;
  }
  return isnan(r) ? INFINITY : r;
}

/* ---- the global clock ---------------------------------------------------- */

/* The edge PE pe of array A begins a firing that starts at engine cycle S:
** after the edge registers and the wavefront's skew, row + column (the
** engine's skew).  On a one-row array the column skew the producer's
** wavefront brought continues (sim/README.md "The cycle-level engine":
** "the column skew continues into the consumer"): PE c begins c later. */
static int64_t pe_start(const dm_arr *A, int pe, int64_t S) {
  return S + A->g + pe / A->cols + pe % A->cols;
}

static void name_at(sim_data *d, const dm_fire *f, int64_t t) {
  d->cycle = f->S;
  d->edge = t - f->S;
  d->firing = f->x;
}

/* The tensor and element cell c belongs to, as "SLN[m1=0,m0=3,p=5]". */
static void cell_name(const sim_data *d, const dm_cell *c, char *buf, size_t n) {
  for (int t = 0; t < d->c->ntensors; t++) {
    const dm_tensor *s = &d->t[t];
    uint64_t cells = s->shared ? s->n : s->n * d->batch;
    if (c < s->v || c >= s->v + cells) continue;
    const es_tensor *T = &d->c->tensors[t];
    uint64_t f = (uint64_t)(c - s->v), b = f / s->n, rem = f % s->n;
    size_t at = (size_t)snprintf(buf, n, "%s[", T->name);
    for (int k = 0; k < T->ndims && at < n; k++) {
      at += (size_t)snprintf(buf + at, n - at, "%s%s=%llu", k ? "," : "", d->c->ranks[T->dim[k]].name,
                             (unsigned long long)(rem / (uint64_t)s->stride[k]));
      rem %= (uint64_t)s->stride[k];
    }
    if (at < n) snprintf(buf + at, n - at, "]%s", d->batch > 1 && !s->shared ? " of a batch item" : "");
    (void)b;
    return;
  }
  snprintf(buf, n, "an operand");
}

static const char *op_name(int op) {
  static const char *const names[8] = { "MAC", "ADD", "MAX", "EXP", "DIV", "op5", "op6", "op7" };
  return names[op & 7];
}

/* Stops the run at a timing divergence of PE pe of array A at edge t. */
static int timing_fail(sim_data *d, const dm_fire *f, int pe, int64_t t, at_err *e, const char *fmt, ...)
  __attribute__((format(printf, 6, 7)));
static int timing_fail(sim_data *d, const dm_fire *f, int pe, int64_t t, at_err *e, const char *fmt, ...) {
  char where[200], what[300];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  name_at(d, f, t);
  sim_data_where(d, pe, where, sizeof where);
  d->diverged = 1;
  return at_errf(e, "data mode: timing divergence at %s: %s", where, what);
}

/* PE pe moves past its firing: to the array's next one it has not run,
** from the edge the schedule gives it there (or later, if it runs behind
** for an inherited reason). */
static int next_fire(sim_data *d, dm_arr *A, int pe, at_err *e) {
  dm_fire *f = A->cur[pe];
  int64_t free_at = A->plan[pe] + A->lag[pe];   /* where its last operation left it */
  int was_taint = A->taint[pe] || d->p[f->x].elastic;
  f->left--;
  for (f = f->next; f && f->cnt[pe] == 0; f = f->next) f->left--;
  A->cur[pe] = f;
  A->pos[pe] = 0;
  if (A->taint[pe]) A->ntaint--;
  A->taint[pe] = 0;
  A->lag[pe] = 0;
  /* free the firings every PE is past */
  while (A->head && A->head->left == 0) {
    dm_fire *h = A->head;
    A->head = h->next;
    if (!A->head) A->tail = NULL;
    h->next = A->freel;
    A->freel = h;
  }
  if (!f) return 0;
  A->plan[pe] = pe_start(A, pe, f->S);
  if (free_at > A->plan[pe]) {
    if (!was_taint)
      return timing_fail(d, f, pe, A->plan[pe], e, "its first operation is due while the PE still runs the previous "
                         "firing's until cycle %lld", (long long)free_at);
    A->lag[pe] = free_at - A->plan[pe];
  }
  A->taint[pe] = A->lag[pe] > 0 || d->p[f->x].elastic;
  A->ntaint += A->taint[pe];
  return 0;
}

/* The operands of op on PE pe (firing f) at edge t: 0 all delivered; 1
** the PE must wait (an elastic run); -1 with e a divergence. */
static int operands(sim_data *d, dm_arr *A, const dm_fire *f, int pe, const dm_op *op, int64_t t, at_err *e) {
  const dm_cell *cl[3] = { op->a, op->b, op->c };
  for (int k = 0; k < 3; k++) {
    if (op->need[k] == DM_NOCHECK) continue;
    uint32_t need = op->need[k];
    if (op->reg >> (k + 4) & 1) need += f->base[op->slot];
    const dm_cell *c = cl[k];
    if (c->nw == need) continue;
    char nm[120];
    if (c->nw > need) {
      cell_name(d, c, nm, sizeof nm);
      return timing_fail(d, f, pe, t, e, "%s reads %s after a later write overwrote the value it needs (write %u "
                         "of it, %u delivered)", op_name(op->op), nm, need, c->nw);
    }
    /* not yet delivered: an elastic run waits for it, as does a PE whose
    ** producer's array runs late for such a reason */
    int w = -1;
    for (int t2 = 0; t2 < d->c->ntensors && w < 0; t2++) {
      const dm_tensor *s = &d->t[t2];
      if (c >= s->v && c < s->v + (s->shared ? s->n : s->n * d->batch)) w = d->writer[t2];
    }
    if (d->p[f->x].elastic || A->taint[pe] || (w >= 0 && d->arr[w].ntaint)) return 1;
    if (!d->pend_cell) {
      char where[200];
      cell_name(d, c, nm, sizeof nm);
      name_at(d, f, t);
      sim_data_where(d, pe, where, sizeof where);
      snprintf(d->pend_msg, sizeof d->pend_msg, "data mode: timing divergence at %s: %s reads %s before its value "
               "arrived", where, op_name(op->op), nm);
      d->pend_cell = c;
      d->pend_need = need;
      d->pend_at = t;
    }
  }
  return 0;
}

/* 1 if every operand of op (PE pe, firing f) has its needed writes
** delivered: the common case, checked without operands()'s reports. */
static inline int operands_ready(const dm_fire *f, const dm_op *op) {
  uint32_t rel = op->reg & 0x70u ? f->base[op->slot] : 0;
  return (op->need[0] == DM_NOCHECK || op->a->nw == op->need[0] + (op->reg & 0x10u ? rel : 0)) &&
         (op->need[1] == DM_NOCHECK || op->b->nw == op->need[1] + (op->reg & 0x20u ? rel : 0)) &&
         (op->need[2] == DM_NOCHECK || op->c->nw == op->need[2] + (op->reg & 0x40u ? rel : 0));
}

/* Edge t of array A, first half: each PE whose next operation is due is
** offered it (A->offered: anything offered).  Every array's offers are
** made before any bank steps: a result delivered on edge t is usable from
** edge t + 1, on every array alike. */
static int edge_offer(sim_data *d, dm_arr *A, int64_t t, at_err *e) {
  pe_bank *b = A->b;
  int n = A->n, offered = 0;
  /* the per-PE arrays in locals (next_fire and the reports write through
  ** A into the same arrays; none is reallocated) */
  pe_in *ins = A->in;
  dm_fire **cur = A->cur;
  int64_t *plan = A->plan, *lag = A->lag;
  uint32_t *pos = A->pos;
  dm_cell **inflight = A->inflight;
  const pe_state *st = b->st;
  const double *dbl = d->dbl;
  for (int i = 0; i < n; i++) {
    pe_in *in = &ins[i];
    in->valid = 0;
    dm_fire *f = cur[i];
    if (!f || plan[i] + lag[i] > t) continue;
    dm_op *op = &f->ops[(uint64_t)i * f->cap + pos[i]];
    if (inflight[i] || !pe_ready(&st[i])) {
      if (A->taint[i] && inflight[i]) { lag[i]++; continue; }
      return timing_fail(d, f, i, t, e, "%s is due but the PE is not ready (%s)", op_name(op->op),
                         inflight[i] ? "its previous result not yet delivered" : "busy");
    }
    int w = operands_ready(f, op) ? 0 : operands(d, A, f, i, op, t, e);
    if (w < 0) return -1;
    if (w > 0) {
      /* wait an edge: the PE runs late from here on */
      if (!A->taint[i]) { A->taint[i] = 1; A->ntaint++; }
      lag[i]++;
      continue;
    }
    const dm_cell *ca = op->a, *cb = op->b;
    uint16_t ha = (uint16_t)(ca->h ^ (op->neg & 1 ? 0x8000u : 0));
    uint16_t hb = (uint16_t)(cb->h ^ (op->neg & 2 ? 0x8000u : 0));
    uint16_t hc = 0;
    double ec = 0;
    int code = op->op;
    if (code == PE_OP_MAC) {
      if (op->reg & 4) { hc = st[i].out; ec = A->regerr[i]; }
      else { hc = op->c->h; ec = op->c->err; }
      hc = (uint16_t)(hc ^ (op->neg & 4 ? 0x8000u : 0));
    }
    *in = (pe_in){ 1, (uint8_t)code, ha, hb, hc };
    A->bound[i] = op_bound(dbl, code, ha, ca->err, hb, cb->err, hc, ec);
    inflight[i] = op->dst;
    A->iS[i] = f->S;
    A->ix[i] = f->x;
    A->ninflight++;
    d->issued++;
    offered = 1;
    if (lag[i] > 0) {
      d->late_ops++;
      if (lag[i] > d->late_max) d->late_max = lag[i];
    }
    plan[i] += op->cyc;
    if (++pos[i] == f->cnt[i] && next_fire(d, A, i, e)) return -1;
  }
  A->offered = offered;
  return 0;
}

/* ... second half: the bank steps if anything is offered or in flight;
** results are delivered on the edge that raises out_valid. */
static int edge_step(sim_data *d, dm_arr *A, int64_t t, at_err *e) {
  pe_bank *b = A->b;
  int n = A->n;
  if (!A->offered && !A->ninflight) return 0;
  b->step(b, A->in);
  int bad;
  char what[256];
  if (b->diverged && b->diverged(b, &bad, what, sizeof what)) {
    /* the first divergence stops the run: what follows it compares nothing */
    char where[200];
    d->diverged = 1;
    if (A->inflight[bad]) { d->cycle = A->iS[bad]; d->edge = t - A->iS[bad]; d->firing = A->ix[bad]; }
    sim_data_where(d, bad, where, sizeof where);
    return at_errf(e, "co-simulation: %s diverged at %s: %s", b->impl_name, where, what);
  }
  d->edges += (uint64_t)n;
  for (int i = 0; i < n; i++) {
    dm_cell *dst = A->inflight[i];
    if (!dst || !b->st[i].out_valid) continue;
    dst->h = b->st[i].out;
    dst->err = A->bound[i];
    dst->nw++;
    A->regerr[i] = A->bound[i];
    A->inflight[i] = NULL;
    A->ninflight--;
    d->last_edge = t;
  }
  return 0;
}

/* Steps every bank to edge T (exclusive; INT64_MAX: until every firing is
** done), jumping over stretches where nothing is in flight and nothing is
** due, as the engine does. */
static int advance(sim_data *d, int64_t T, at_err *e) {
  while (d->now < T) {
    int inflight = 0, work = 0;
    int64_t due = INT64_MAX;
    for (int a = 0; a < d->narr; a++) {
      dm_arr *A = &d->arr[a];
      inflight |= A->ninflight > 0;
      if (!A->head) continue;
      work = 1;
      if (!inflight)
        for (int i = 0; i < A->n; i++)
          if (A->cur[i] && A->plan[i] + A->lag[i] < due) due = A->plan[i] + A->lag[i];
    }
    if (!inflight) {
      if (!work || due >= T) { if (T != INT64_MAX) d->now = T; break; }
      if (due > d->now) d->now = due;
    }
    int64_t t = d->now;
    uint64_t before = d->issued;
    for (int a = 0; a < d->narr; a++) {
      d->arr[a].offered = 0;
      if (d->arr[a].head && edge_offer(d, &d->arr[a], t, e)) return -1;
    }
    for (int a = 0; a < d->narr; a++)
      if (edge_step(d, &d->arr[a], t, e)) return -1;
    if (d->pend_cell && d->pend_cell->nw >= d->pend_need) {
      d->diverged = 1;
      return at_errf(e, "%s: it arrived at cycle %lld, %lld cycles late", d->pend_msg, (long long)t + 1,
                     (long long)(t + 1 - d->pend_at));
    }
    d->now = t + 1;
    int busy = d->issued != before;
    for (int a = 0; a < d->narr; a++) busy |= d->arr[a].ninflight > 0;
    if (!busy) {
      /* every PE with work waited, and nothing is in flight to end a wait */
      for (int a = 0; a < d->narr; a++)
        for (int i = 0; i < d->arr[a].n; i++)
          if (d->arr[a].cur[i] && d->arr[a].plan[i] + d->arr[a].lag[i] <= t + 1) {
            char where[200];
            name_at(d, d->arr[a].cur[i], t);
            sim_data_where(d, i, where, sizeof where);
            d->diverged = 1;
            return at_errf(e, "data mode: the PEs stopped with work left (%s): its next operation waits on a value "
                           "never delivered", where);
          }
    }
  }
  return 0;
}

/* One point of the tile on each of nrow x ncol PEs (sim_data_fire): its
** operations appended to each PE's stream.  Inlined with na (the
** accesses) and nop (operations per point) constant for the common
** shapes, so that the loops over them unroll. */
typedef struct dm_lay {
  dm_cell *tb[DM_MAXA + 1];   /* each access's tensor cells (the output last) */
  int64_t fb[DM_MAXA + 1];    /* ... its element at the point on PE (0, 0) */
  int64_t rc[DM_MAXA + 1], cc[DM_MAXA + 1];   /* ... its step per row and per column */
  const dm_cell **cell;       /* the point's cell table (sim_data_fire) */
  const dm_cell **ctmp;       /* ... its temporaries' part */
  int64_t slb, src, scc;      /* a chain: the slot of PE (0, 0), its step per row and column */
  uint64_t nr;                /* ... base entries per slot */
} dm_lay;

static inline __attribute__((always_inline)) void lay_points(const dm_prog *p, dm_arr *A, dm_fire *f, const dm_lay *L,
                                                             int64_t nrow, int64_t ncol, const int na, const int nop) {
  /* locals, so that the stores into the streams need not reload them */
  const dm_cell **cell = L->cell, **ctmp = L->ctmp;
  dm_cell *tb[DM_MAXA + 1];
  int64_t rc[DM_MAXA + 1], cc[DM_MAXA + 1], ro[DM_MAXA + 1];   /* ro: each access's element at the row's first PE */
  for (int a = 0; a <= na; a++) { tb[a] = L->tb[a]; rc[a] = L->rc[a]; cc[a] = L->cc[a]; ro[a] = L->fb[a]; }
  int64_t slb = L->slb, src = L->src, scc = L->scc, cols = p->cols, rm0 = p->rmul[0], rm1 = p->rmul[1];
  uint64_t nr = L->nr, cap = f->cap;
  int sred = p->sred;
  dm_op *fops = f->ops;
  uint32_t *cnt = f->cnt, *fbase = f->base;
  dm_cell *temp = A->temp, **slot_cell = f->slot_cell;
  const dm_cell **prev = A->prev;
  for (int64_t row = 0; row < nrow; row++) {
    int64_t co[DM_MAXA + 1];
    for (int a = 0; a <= na; a++) co[a] = ro[a];
    for (int64_t col = 0; col < ncol; col++) {
      /* a partial tile leaves the PEs past its elements without a point */
      int pe = (int)(row * cols + col);
      dm_cell *acc = tb[na] + co[na];
      dm_cell *tmp = &temp[(size_t)pe * DM_MAXP];
      for (int a = 0; a < na; a++) cell[a] = tb[a] + co[a];
      cell[na] = acc;
      for (int j = 0; j < nop; j++) ctmp[j] = &tmp[j];
      dm_op *ops = &fops[(size_t)pe * cap + cnt[pe]];
      uint64_t sl = sred ? (uint64_t)(slb + row * src + col * scc) : 0;
      uint64_t bi = sl * nr + (uint64_t)(row * rm0 + col * rm1);   /* a chain: its count in base */
      int inreg = prev[pe] == acc;
      for (int j = 0; j < nop; j++) {
        const dm_ptmpl *q = &p->tmpl[j];
        dm_op *op = &ops[j];
        const dm_cell *c0 = cell[q->src[0]], *c1 = cell[q->src[1]], *c2 = cell[q->src[2]];
        *op = q->op;
        op->a = c0;
        op->b = c1;
        op->c = c2;
        op->slot = (uint32_t)bi;
        op->dst = j == nop - 1 ? acc : &tmp[j];
        if (q->chk[0] == DM_CHK_NS) op->need[0] = c0->ns;
        if (q->chk[1] == DM_CHK_NS) op->need[1] = c1->ns;
        if (q->chk[2] == DM_CHK_NS) op->need[2] = c2->ns;
        if (!q->has_acc) continue;
        for (int k = 0; k < 3; k++) {
          if (q->chk[k] != DM_CHK_ACC) continue;
          /* the running sum stays in the PE: c = out (the same bits as the cell) */
          if (k == 2 && j == 0 && inreg) { op->reg |= 4; continue; }
          if (sred) {
            /* a chain step: this PE's own writes so far, after its predecessors' */
            op->need[k] = fbase[bi];
            op->reg |= (uint8_t)(16u << k);
          } else {
            op->need[k] = acc->ns;
          }
        }
      }
      if (sred) {
        fbase[bi]++;
        slot_cell[sl] = acc;
      } else {
        acc->ns++;
      }
      cnt[pe] += (uint32_t)nop;
      prev[pe] = acc;
      for (int a = 0; a <= na; a++) co[a] += cc[a];
    }
    for (int a = 0; a <= na; a++) ro[a] += rc[a];
  }
}

int sim_data_fire(sim_data *d, int x, uint64_t batch, const es_range *rg, int64_t cycle, at_err *e) {
  const dm_prog *p = &d->p[x];
  dm_arr *A = &d->arr[p->array];
  int n = A->n;
  const es_cascade *c = d->c;
  const es_einsum *E = &c->einsums[d->ph->e[x].einsum];
  if (x == d->early_x) cycle -= d->early_by;
  /* everything scheduled before this firing's start runs first */
  if (advance(d, cycle, e)) return -1;
  /* the smallest finished firing that holds this one (FLAT's one huge
  ** firing per head stays for the next huge one) */
  dm_fire *f = NULL, **best = NULL;
  for (dm_fire **fp = &A->freel; *fp; fp = &(*fp)->next)
    if ((*fp)->cap >= p->cap && (*fp)->slots >= p->slots && (!best || (*fp)->cap < (*best)->cap)) best = fp;
  if (best) { f = *best; *best = f->next; }
  if (!f) {
    f = calloc(1, sizeof *f);
    if (f) {
      f->cap = p->cap;
      f->slots = p->slots;
      f->ops = malloc(sizeof *f->ops * (size_t)p->cap * (size_t)n);
      f->cnt = malloc(sizeof *f->cnt * (size_t)n);
      if (p->slots) {
        f->base = malloc(sizeof *f->base * (size_t)p->slots * (size_t)n);
        f->slot_cell = malloc(sizeof *f->slot_cell * (size_t)p->slots);
      }
    }
    if (!f || !f->ops || !f->cnt || (p->slots && (!f->base || !f->slot_cell))) {
      fire_free(f);
      return at_errf(e, "data mode: out of memory for a firing of %llu operations per PE",
                     (unsigned long long)p->cap);
    }
  }
  f->next = NULL;
  f->x = x;
  f->S = cycle;
  d->cycle = cycle;
  d->edge = 0;
  d->firing = x;
  if (p->elastic) d->elastic_fires++;
  for (int i = 0; i < n; i++) { f->cnt[i] = 0; A->prev[i] = NULL; }
  /* a spatial reduction: the output elements of the tile, densely; a
  ** slot's chain counts per PE of its reduced spatial coordinates only
  ** (the PEs that share a slot differ in nothing else: rsh) */
  uint64_t slots = 1, mult[ES_MAX_RANKS] = { 0 };
  uint64_t nr = p->nred_pe;
  if (p->sred) {
    for (int r = c->nranks - 1; r >= 0; r--)
      if (p->lhs_ranks >> r & 1) { mult[r] = slots; slots *= (uint64_t)(rg->hi[r] - rg->lo[r]); }
    if (slots > f->slots) return at_errf(e, "data mode: internal: %llu output slots", (unsigned long long)slots);
    memset(f->base, 0, sizeof *f->base * (size_t)slots * (size_t)nr);
    memset(f->slot_cell, 0, sizeof *f->slot_cell * (size_t)slots);
  }
  /* each access's cells, its offset per row and per column step */
  dm_lay L;
  dm_cell **tb = L.tb;
  int64_t *rc = L.rc, *cc = L.cc, *fb = L.fb;
  int na = p->nacc, r0 = p->sp[0].rank, r1 = p->sp[1].rank, nop = p->nop;
  for (int a = 0; a <= na; a++) {
    const dm_tensor *s = &d->t[(a < na ? p->acc[a] : &E->lhs)->tensor];
    tb[a] = s->v + (s->shared ? 0 : batch * s->n);
    rc[a] = r0 >= 0 ? p->coef[a][r0] * p->sp[0].stride : 0;
    cc[a] = r1 >= 0 ? p->coef[a][r1] * p->sp[1].stride : 0;
  }
  int64_t src = 0, scc = 0;   /* the slot's step per row and column */
  if (p->sred) {
    if (r0 >= 0) src = (int64_t)mult[r0] * p->sp[0].stride;
    if (r1 >= 0) scc = (int64_t)mult[r1] * p->sp[1].stride;
  }
  L.src = src;
  L.scc = scc;
  L.nr = nr;
  /* the point's cells: its accesses' (the output last), the constants, the PE's temporaries */
  const dm_cell *cell[DM_MAXA + 1 + DM_MAXA + DM_MAXP];
  for (int k = 0; k < p->nconst; k++) cell[na + 1 + k] = &p->konst[k];
  L.cell = cell;
  L.ctmp = &cell[na + 1 + p->nconst];
  int64_t dig[SC_MAX_LOOPS] = { 0 };
  for (;;) {
    int64_t base[ES_MAX_RANKS];
    for (int r = 0; r < c->nranks; r++) base[r] = rg->lo[r];
    for (int i = 0; i < p->nt; i++) base[p->tl[i].rank] += dig[i] * p->tl[i].stride;
    int in = 1;
    for (int i = 0; i < p->nt; i++) in &= base[p->tl[i].rank] < rg->hi[p->tl[i].rank];
    for (int a = 0; in && a <= na; a++) {
      fb[a] = p->k0[a];
      for (int r = 0; r < c->nranks; r++) fb[a] += p->coef[a][r] * base[r];
    }
    int64_t slb = 0;
    for (int r = 0; in && p->sred && r < c->nranks; r++)
      if (p->lhs_ranks >> r & 1) slb += (base[r] - rg->lo[r]) * (int64_t)mult[r];
    int64_t nrow = !in ? 0 : r0 >= 0 ? min64(p->sp[0].size, (rg->hi[r0] - base[r0] + p->sp[0].stride - 1) / p->sp[0].stride) : 1;
    int64_t ncol = r1 >= 0 ? min64(p->sp[1].size, (rg->hi[r1] - base[r1] + p->sp[1].stride - 1) / p->sp[1].stride) : 1;
    L.slb = slb;
    if (na == 2 && nop == 1) lay_points(p, A, f, &L, nrow, ncol, 2, 1);
    else if (na == 1 && nop == 1) lay_points(p, A, f, &L, nrow, ncol, 1, 1);
    else lay_points(p, A, f, &L, nrow, ncol, na, nop);
    int i = p->nt - 1;
    while (i >= 0 && ++dig[i] == p->tl[i].size) dig[i--] = 0;
    if (i < 0) break;
  }
  if (p->sred) {
    /* a reduction across PEs: the PEs accumulate into the output in bank
    ** order (row-major), each continuing the running value with its own
    ** points, in its temporal order (a systolic chain: c = the value from
    ** the PE before); base becomes the element's writes before each PE's */
    for (uint64_t sl = 0; sl < slots; sl++) {
      uint32_t k = f->slot_cell[sl] ? f->slot_cell[sl]->ns : 0;
      uint32_t *bp = &f->base[sl * nr];
      for (uint64_t r = 0; r < nr; r++) {
        uint32_t own = bp[r];
        bp[r] = k;
        k += own;
      }
      if (f->slot_cell[sl]) f->slot_cell[sl]->ns = k;
    }
  }
  /* into the array's queue; the PEs past every earlier firing begin it */
  f->left = n;
  if (A->tail) A->tail->next = f;
  else A->head = f;
  A->tail = f;
  for (int i = 0; i < n; i++) {
    if (A->cur[i]) continue;
    if (f->cnt[i] == 0) { f->left--; continue; }
    A->cur[i] = f;
    A->pos[i] = 0;
    A->plan[i] = pe_start(A, i, cycle);
    A->lag[i] = 0;
    A->taint[i] = p->elastic != NULL;
    A->ntaint += A->taint[i];
  }
  return 0;
}

int sim_data_diverged(const sim_data *d) { return d && d->diverged; }

void sim_data_where(const sim_data *d, int pe, char *buf, size_t n) {
  if (d->cycle < 0) { snprintf(buf, n, "before the first firing"); return; }
  const dm_prog *p = &d->p[d->firing];
  const sc_phase *ph = d->ph;
  snprintf(buf, n, "array %s, row %lld, column %lld, cycle %lld + %lld (the firing of %s)",
           d->s->arch->arrays[p->array].name, (long long)(pe / p->cols), (long long)(pe % p->cols),
           (long long)d->cycle, (long long)d->edge,
           d->c->tensors[d->c->einsums[ph->e[d->firing].einsum].lhs.tensor].name);
}

/* ---- the fp16 emulation of the interpreter's order ----------------------- */

/* The cascade evaluated as interp.c does (demand-driven, memoised, a sum's
** or reduction's ranks in its loop order, the last fastest), each point by
** the same PE operations in fp16 (hw/pe/fp16.h) but no array: where the
** data mode's order is the interpreter's (sim/README.md "Data mode") the
** two agree bit for bit. */
typedef struct dm_eacc {
  const dm_cell *cells;       /* an input: its cells (every batch item reads them); else NULL */
  const uint16_t *v;          /* else: the emulation's values of the tensor ... */
  const uint8_t *state;       /* ... and their states (2: computed) */
  int t;                      /* the tensor */
} dm_eacc;
typedef struct dm_emu {
  sim_data *d;
  uint16_t **v;               /* per tensor, one batch item */
  uint8_t **state;            /* 0 not computed, 1 in progress, 2 done */
  int prog_of[SC_MAX_EINSUMS];   /* per cascade Einsum: its phase Einsum, or -1 */
  dm_eacc acc[SC_MAX_EINSUMS][DM_MAXA];   /* per phase Einsum, its accesses' tensors */
  int failed;
} dm_emu;

static uint16_t emu_demand(dm_emu *m, int t, uint64_t flat);

/* Each access's element at the point var[]. */
static void emu_flat(const dm_prog *p, int nranks, const int64_t *var, int64_t *fl) {
  for (int a = 0; a < p->nacc; a++) {
    fl[a] = p->k0[a];
    for (int r = 0; r < nranks; r++) fl[a] += p->coef[a][r] * var[r];
  }
}

/* One point: fl[a], access a's element at it (the affine addressing of
** address(), which is interp.c's flat_of unrolled). */
/* Operand o of a point: its access's element (computed first if need
** be), constant, temporary or the running value. */
static inline uint16_t emu_opnd(dm_emu *m, const dm_prog *p, const dm_eacc *ea, const dm_opnd *o, const int64_t *fl,
                                const uint16_t *tmp, uint16_t acc) {
  uint16_t v;
  switch (o->kind) {
  case OP_ACCESS: {
    const dm_eacc *e = &ea[o->ref];
    int64_t f = fl[o->ref];
    v = e->cells ? e->cells[f].h : e->state[f] == 2 ? e->v[f] : emu_demand(m, e->t, (uint64_t)f);
    break;
  }
  case OP_CONST: v = p->konst[o->ref].h; break;
  case OP_TEMP: v = tmp[o->ref]; break;
  default: v = acc; break;
  }
  return o->neg ? (uint16_t)(v ^ 0x8000u) : v;
}

/* One point of phase Einsum x: fl[a], access a's element at it (the
** affine addressing of address(), which is interp.c's flat_of unrolled). */
static uint16_t emu_point(dm_emu *m, int x, const int64_t *fl, uint16_t acc) {
  const dm_prog *p = &m->d->p[x];
  const dm_eacc *ea = m->acc[x];
  uint16_t tmp[DM_MAXP];
  for (int j = 0; j < p->nop; j++) {
    const dm_pop *q = &p->pop[j];
    uint16_t a = emu_opnd(m, p, ea, &q->a, fl, tmp, acc), b = emu_opnd(m, p, ea, &q->b, fl, tmp, acc);
    switch (q->op) {
    case PE_OP_MAC: tmp[j] = fp16_fma(a, b, emu_opnd(m, p, ea, &q->c, fl, tmp, acc)); break;
    case PE_OP_ADD: tmp[j] = fp16_add(a, b); break;
    case PE_OP_MAX: tmp[j] = fp16_max(a, b); break;
    case PE_OP_EXP: tmp[j] = fp16_expdiff(a, b); break;
    default: tmp[j] = fp16_div(a, b); break;
    }
  }
  return tmp[p->nop - 1];
}

static uint16_t emu_demand(dm_emu *m, int t, uint64_t flat) {
  sim_data *d = m->d;
  const es_cascade *c = d->c;
  const es_tensor *T = &c->tensors[t];
  const dm_tensor *s = &d->t[t];
  if (T->is_input) return s->v[flat].h;
  if (m->state[t][flat] == 2) return m->v[t][flat];
  if (m->state[t][flat] == 1 || m->failed) { m->failed = 1; return FP16_QNAN; }
  m->state[t][flat] = 1;
  int64_t var[ES_MAX_RANKS] = { 0 }, idx[ES_MAX_DIMS] = { 0 };
  uint64_t rem = flat;
  for (int k = 0; k < T->ndims; k++) {
    idx[k] = (int64_t)(rem / (uint64_t)s->stride[k]);
    rem %= (uint64_t)s->stride[k];
  }
  int xi = T->def;
  if (T->iter_dim >= 0 && idx[T->iter_dim] == 0) xi = T->init;
  const es_einsum *E = &c->einsums[xi];
  uint16_t v;
  if (E->is_init || m->prog_of[xi] < 0) {
    v = m->v[t][flat];   /* the initial slice, copied at open */
  } else {
    for (int k = 0; k < T->ndims; k++)
      if (E->lhs.ix[k].kind == ES_IX_VAR) var[E->lhs.ix[k].rank] = idx[k] - E->lhs.ix[k].offset;
    const dm_prog *p = &d->p[m->prog_of[xi]];
    int64_t fl[DM_MAXA];
    if (p->combine == CB_NONE) {
      emu_flat(p, c->nranks, var, fl);
      v = emu_point(m, m->prog_of[xi], fl, 0);
    } else {
      const int *red = E->nsum ? &E->space[E->nspace - E->nsum] : E->rhs->red;
      int nred = E->nsum ? E->nsum : E->rhs->nred;
      for (int i = 0; i < nred; i++) var[red[i]] = 0;
      emu_flat(p, c->nranks, var, fl);
      v = p->combine == CB_SUM ? FP16_NZERO : FP16_NINF;
      int x = m->prog_of[xi];
      const dm_pop *q = &p->pop[0];
      /* a dot product (one MAC of two reads into the running sum) runs its
      ** innermost rank as one loop; the points and their order are those
      ** of the general walk below */
      int dot = nred >= 1 && c->ranks[red[nred - 1]].size >= 1 && p->nop == 1 && q->op == PE_OP_MAC &&
                q->a.kind == OP_ACCESS && q->b.kind == OP_ACCESS && q->c.kind == OP_ACC && !q->c.neg;
      for (;;) {
        int i = nred - 1;
        if (dot) {
          int rl = red[i];
          int64_t len = c->ranks[rl].size, ia = q->a.ref, ib = q->b.ref, sa = p->coef[ia][rl], sb = p->coef[ib][rl];
          int64_t fa = fl[ia], fb = fl[ib];
          const dm_eacc *ea = &m->acc[x][ia], *eb = &m->acc[x][ib];
          uint16_t na = q->a.neg ? 0x8000u : 0, nb = q->b.neg ? 0x8000u : 0;
          for (int64_t k = 0; k < len; k++, fa += sa, fb += sb) {
            uint16_t va = ea->cells ? ea->cells[fa].h : ea->state[fa] == 2 ? ea->v[fa] : emu_demand(m, ea->t, (uint64_t)fa);
            uint16_t vb = eb->cells ? eb->cells[fb].h : eb->state[fb] == 2 ? eb->v[fb] : emu_demand(m, eb->t, (uint64_t)fb);
            v = fp16_fma((uint16_t)(va ^ na), (uint16_t)(vb ^ nb), v);
          }
          /* where the general walk leaves the last point's elements */
          var[rl] = len - 1;
          for (int a = 0; a < p->nacc; a++) fl[a] += p->coef[a][rl] * (len - 1);
        } else {
          v = emu_point(m, x, fl, v);
        }
        /* the next point, the last reduced rank fastest; the accesses' elements move with it */
        while (i >= 0 && ++var[red[i]] == c->ranks[red[i]].size) {
          for (int a = 0; a < p->nacc; a++) fl[a] -= p->coef[a][red[i]] * (c->ranks[red[i]].size - 1);
          var[red[i--]] = 0;
        }
        if (i < 0) break;
        for (int a = 0; a < p->nacc; a++) fl[a] += p->coef[a][red[i]];
      }
    }
  }
  m->v[t][flat] = v;
  m->state[t][flat] = 2;
  return v;
}

/* Evaluates every tensor, iterative ones slice by slice (as interp.c's
** materialise), into d->emu_v; only the reference's thread runs it. */
static void emulate(sim_data *d) {
  const es_cascade *c = d->c;
  dm_emu m;
  memset(&m, 0, sizeof m);
  m.d = d;
  m.v = d->emu_v;
  m.state = d->emu_state;
  for (int i = 0; i < SC_MAX_EINSUMS; i++) m.prog_of[i] = -1;
  for (int x = 0; x < d->ph->ne; x++) {
    m.prog_of[d->ph->e[x].einsum] = x;
    for (int a = 0; a < d->p[x].nacc; a++) {
      int t = d->p[x].acc[a]->tensor;
      m.acc[x][a] = (dm_eacc){ c->tensors[t].is_input ? d->t[t].v : NULL, m.v[t], m.state[t], t };
    }
  }
  for (int k = 0; k < c->neinsums && !m.failed; k++) {
    const es_einsum *E = &c->einsums[c->order[k]];
    if (E->is_init) continue;
    int t = E->lhs.tensor;
    const es_tensor *T = &c->tensors[t];
    const dm_tensor *s = &d->t[t];
    int it = T->iter_dim;
    int64_t slices = it >= 0 ? c->ranks[T->dim[it]].size + 1 : 1;
    /* slice sl's elements: outer x (slices x st) + sl x st + inner */
    uint64_t st = it >= 0 ? (uint64_t)s->stride[it] : s->n, outer = s->n / (st * (uint64_t)slices);
    for (int64_t sl = 0; sl < slices && !atomic_load_explicit(&d->bg_stop, memory_order_relaxed); sl++)
      for (uint64_t o = 0; o < outer; o++)
        for (uint64_t i = 0; i < st; i++) emu_demand(&m, t, o * st * (uint64_t)slices + (uint64_t)sl * st + i);
  }
  d->emu_failed = m.failed;
}

/* The reference's thread (or the caller's, inline): the reference values,
** then the emulation. */
static void *bg_run(void *arg) {
  sim_data *d = arg;
  d->bg_rc = es_eval(d->c, d->bg_seed, d->bg_elems, &d->ref, &d->bg_err);
  if (!d->bg_rc && !d->no_emul) emulate(d);
  return NULL;
}

/* Counts the output elements of every batch item whose bits differ from
** the emulation's, and the emulation's own error. */
static int emu_compare(sim_data *d, sim_result *r, at_err *e) {
  const es_cascade *c = d->c;
  if (d->emu_failed) return at_errf(e, "data mode: the fp16 emulation found a cycle in the cascade");
  for (int t = 0; t < c->ntensors; t++) {
    if (!c->tensors[t].is_output) continue;
    const dm_tensor *s = &d->t[t];
    for (uint64_t i = 0; i < s->n; i++) {
      uint16_t h = d->emu_v[t][i];
      double diff = fabs(fp16_to_double(h) - d->ref.data[t][i]);
      if (!(diff <= r->data.emul_max_abs_err)) r->data.emul_max_abs_err = isnan(diff) ? INFINITY : diff;
      for (uint64_t b = 0; b < d->batch; b++) {
        uint16_t g = s->v[b * s->n + i].h;
        r->data.emul_mismatch += g != h && !(fp16_is_nan(g) && fp16_is_nan(h));
      }
    }
  }
  r->data.emul_exact = 1;
  for (int x = 0; x < d->ph->ne; x++) r->data.emul_exact &= d->p[x].interp_order;
  return 0;
}

/* ---- the comparison ----------------------------------------------------- */

int sim_data_finish(sim_data *d, sim_result *r, at_err *e) {
  const es_cascade *c = d->c;
  /* drain: the firings still running after the engine's last start */
  if (advance(d, INT64_MAX, e)) return -1;
  bg_join(d);
  if (d->bg_rc) { *e = d->bg_err; return -1; }
  if (d->pend_cell) {
    d->diverged = 1;
    return at_errf(e, "%s: it never arrived", d->pend_msg);
  }
  memset(&r->data, 0, sizeof r->data);
  r->data.on = 1;
  uint64_t pes = 0;
  for (int a = 0; a < d->narr; a++) pes += (uint64_t)d->arr[a].n;
  r->data.engine_pe_cycles = r->cycles * pes;
  r->data.late_ops = d->late_ops;
  r->data.late_max = (uint64_t)d->late_max;
  r->data.elastic_fires = d->elastic_fires;
  r->data.last_cycle = d->issued ? (uint64_t)d->last_edge + 1 : 0;
  for (int t = 0; t < c->ntensors; t++) {
    if (!c->tensors[t].is_output) continue;
    const dm_tensor *s = &d->t[t];
    const double *ref = d->ref.data[t];
    for (uint64_t bi = 0; bi < d->batch; bi++)
      for (uint64_t i = 0; i < s->n; i++) {
        const dm_cell *cl = &s->v[bi * s->n + i];
        double v = fp16_to_double(cl->h), diff = fabs(v - ref[i]);
        /* the reference is itself double: a relative 1e-12 covers it */
        double bound = SIM_DATA_LAMBDA * cl->err + 1e-12 * fabs(ref[i]);
        double rel = diff / (fabs(ref[i]) > 6.103515625e-05 ? fabs(ref[i]) : 6.103515625e-05);
        double w = diff == 0 ? 0 : diff / bound;
        if (isnan(diff)) diff = rel = w = INFINITY;
        if (diff > r->data.max_abs_err) r->data.max_abs_err = diff;
        if (rel > r->data.max_rel_err) r->data.max_rel_err = rel;
        if (fabs(ref[i]) > r->data.max_ref) r->data.max_ref = fabs(ref[i]);
        if (bound > r->data.max_bound) r->data.max_bound = bound;
        if (w > r->data.worst) r->data.worst = w;
      }
  }
  r->data.pe_edges = d->edges;
  /* FNV-1a over the output's fp16 bits, batch item by item, row-major */
  uint64_t h = 14695981039346656037ull;
  for (int t = 0; t < c->ntensors; t++) {
    if (!c->tensors[t].is_output) continue;
    const dm_tensor *s = &d->t[t];
    for (uint64_t i = 0; i < s->n * d->batch; i++) {
      h = (h ^ (s->v[i].h & 0xffu)) * 1099511628211ull;
      h = (h ^ (unsigned)(s->v[i].h >> 8)) * 1099511628211ull;
    }
  }
  r->data.digest = h;
  return d->no_emul ? 0 : emu_compare(d, r, e);
}
