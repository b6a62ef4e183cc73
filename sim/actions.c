/*
** actions.c: the one rule that turns a schedule's Einsums into exact
** action counts (operations by kind, PE-cycles, register-file reads and
** writes, operands from neighbours or the edge, forwarded results), in
** checked 64-bit integers.  Both engines call it: the analytical engine
** once per Einsum for all its points, the cycle engine once per tile
** (or firing) of the enumerated nest, so the two totals are equal by
** construction only if the enumeration visits every point exactly once.
*/
#include "sim_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const sim_stall_name[SIM_S_COUNT] = {
  "fill", "drain", "window", "dependency", "dram", "buffer_port", "fifo_full"
};

_Static_assert(SIM_MAX_ARRAYS >= HW_MAX_ARRAYS, "sim_actions holds every array");

static int add(uint64_t *acc, uint64_t v, const char *what, at_err *e) {
  if (at_add64(*acc, v, acc)) return at_errf(e, "%s overflows 64 bits", what);
  return 0;
}

static int mul(uint64_t a, uint64_t b, uint64_t *r, const char *what, at_err *e) {
  if (at_mul64(a, b, r)) return at_errf(e, "%s overflows 64 bits", what);
  return 0;
}

int sim_add_counts(sim_ecount *acc, const sim_ecount *k, at_err *e) {
  for (int o = 0; o < HW_OP_COUNT; o++)
    if (add(&acc->ops[o], k->ops[o], "operation count", e)) return -1;
  return add(&acc->pe_cycles, k->pe_cycles, "PE-cycles", e) ||
         add(&acc->rf_reads, k->rf_reads, "register-file reads", e) ||
         add(&acc->edge_operands, k->edge_operands, "operands from neighbours", e) ||
         add(&acc->rf_writes, k->rf_writes, "register-file writes", e) ||
         add(&acc->forwarded, k->forwarded, "forwarded results", e) ? -1 : 0;
}

/* Points of einsum x's iteration space (times the batch loop); with
** lhs_only, of its output only. */
static int points(const sc_phase *ph, const sc_einsum *se, const es_range *rg, uint64_t batch, int lhs_only,
                  uint64_t *n, at_err *e) {
  const es_einsum *x = &ph->c->einsums[se->einsum];
  *n = batch;
  int upto = lhs_only ? x->nspace - x->nsum : x->nspace;
  for (int i = 0; i < upto; i++) {
    int r = x->space[i];
    if (mul(*n, (uint64_t)(rg ? rg->hi[r] - rg->lo[r] : ph->c->ranks[r].size), n, "iteration-space points", e))
      return -1;
  }
  return 0;
}

/* Where einsum x's work is counted: a tile range (NULL: everywhere), the
** batch items, the space's points, and whether predicates decide it. */
typedef struct scope {
  const sc_phase *ph;
  int xi;                      /* cascade einsum */
  const es_range *rg;
  uint64_t batch, pts;
  int preds;
  uint32_t left, space;        /* bit r: rank r on the left / in the space */
} scope;

static uint32_t rank_bits(const es_einsum *x, int n) {
  uint32_t b = 0;
  for (int i = 0; i < n; i++) b |= 1u << x->space[i];
  return b;
}

/* Executions of an operation run `per` times per point of the space, inside
** reductions over the ranks `red`: with no predicate per x the points; with
** predicates, exactly the points of the space and `red` that run (es_points_in). */
static int runs(const scope *sc, double per, uint32_t red, uint64_t *n, at_err *e) {
  if (!(per >= 0 && per < 9007199254740992.0) || per != floor(per))
    return at_errf(e, "operation count per point %g is not an exact integer", per);
  if (!sc->preds) return mul(sc->pts, (uint64_t)per, n, "operation count", e);
  return es_points_in(sc->ph->c, sc->xi, sc->space | red, sc->rg, n, e) || mul(*n, sc->batch, n, "operation count", e)
         ? -1 : 0;
}

/* Whether tensor t's tile is indexed by every spatial part of x: if not, a
** word of it is shared by a row or column of PEs and moves between them
** (along a dimension of several parts, t has as many distinct values as
** the product of its relevant parts' sizes, sc_spatial_extent, each
** multicast over the others). */
static int spans_spatial(const sc_phase *ph, const sc_einsum *se, int t) {
  for (int k = 0; k < 2; k++)
    if (sc_spatial_extent(ph, se, k, t) != sc_spatial_extent(ph, se, k, -1)) return 0;
  return 1;
}

static int producer(const sc_phase *ph, int t) {
  int def = ph->c->tensors[t].def;
  for (int q = 0; q < ph->ne; q++) if (def >= 0 && ph->e[q].einsum == def) return q;
  return -1;
}

/* An operand of einsum x that does not sit in the PE's own register file:
** it comes through the edge (buffer, DRAM, an input), from another array,
** or from a neighbour PE (it is shared along a spatial dimension). */
static int external_operand(const sc_phase *ph, int x, int t) {
  int q = producer(ph, t);
  return ph->st[t].home != SC_REGS || q < 0 || ph->e[q].array != ph->e[x].array ||
         !spans_spatial(ph, &ph->e[x], t) || !spans_spatial(ph, &ph->e[q], t);
}

int sim_reads(const es_expr *x, int t) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return x->acc.tensor == t;
  return sim_reads(x->a, t) || sim_reads(x->b, t);
}

/* Whether einsum x's results leave the PE that computes them. */
static int forwards_result(const sc_phase *ph, int x) {
  const sc_einsum *se = &ph->e[x];
  int t = ph->c->einsums[se->einsum].lhs.tensor;
  if (ph->st[t].home != SC_REGS || ph->c->tensors[t].is_output || !spans_spatial(ph, se, t)) return 1;
  for (int q = 0; q < ph->ne; q++)
    if (q != x && sim_reads(ph->c->einsums[ph->e[q].einsum].rhs, t) &&
        (ph->e[q].array != se->array || !spans_spatial(ph, &ph->e[q], t)))
      return 1;
  return 0;
}

/* Operand words per point of the iteration space that come from outside
** the PE: each access leaf is read once per execution of the enclosing
** reduction body. */
static int external_reads(const scope *sc, int x, const es_expr *ex, uint64_t per, uint32_t red, uint64_t *n,
                          at_err *e) {
  const sc_phase *ph = sc->ph;
  if (!ex) return 0;
  if (ex->kind == ES_E_ACCESS) {
    uint64_t r;
    if (!external_operand(ph, x, ex->acc.tensor)) return 0;
    return runs(sc, (double)per, red, &r, e) || add(n, r, "operand reads", e) ? -1 : 0;
  }
  if (ex->kind == ES_E_REDUCE)
    for (int i = 0; i < ex->nred; i++) {
      if (mul(per, (uint64_t)ph->c->ranks[ex->red[i]].size, &per, "operand reads", e)) return -1;
      red |= 1u << ex->red[i];
    }
  return external_reads(sc, x, ex->a, per, red, n, e) || external_reads(sc, x, ex->b, per, red, n, e) ? -1 : 0;
}

static int count(const sc_schedule *s, const sc_phase *ph, int x, const es_range *rg, uint64_t batch, int completes,
                 sim_ecount *k, at_err *e) {
  const hw_array *ar = &s->arch->arrays[ph->e[x].array];
  const sc_einsum *se = &ph->e[x];
  memset(k, 0, sizeof *k);
  uint64_t pts, outs, ext = 0, operands = 0, results = 0, serial = 0, unit[HW_UNIT_COUNT] = { 0 };
  if (points(ph, se, rg, batch, 0, &pts, e) || points(ph, se, rg, batch, 1, &outs, e)) return -1;
  const es_einsum *X = &ph->c->einsums[se->einsum];
  const scope sc = { ph, se->einsum, rg, batch, pts, es_has_preds(ph->c), rank_bits(X, X->nspace - X->nsum),
                     rank_bits(X, X->nspace) };
  /* the outputs that run: a masked element is never produced */
  if (sc.preds && (es_points_in(ph->c, se->einsum, sc.left, rg, &outs, e) || mul(outs, batch, &outs, "outputs", e)))
    return -1;
  sc_opuse uses[SC_MAX_OPUSES];
  int nu = sc_einsum_ops(ph->c, se->einsum, uses);   /* the binder checked nu >= 0 */
  for (int i = 0; i < nu; i++) {
    const hw_op_cost *oc = &ar->ops[uses[i].op];
    uint64_t n, c;
    if (runs(&sc, uses[i].per_point, uses[i].red, &n, e) || add(&k->ops[uses[i].op], n, "operation count", e) ||
        mul(n, (uint64_t)oc->cycles, &c, "PE-cycles", e) || add(&serial, c, "PE-cycles", e) ||
        mul(n, (uint64_t)uses[i].operands, &c, "operand reads", e) || add(&operands, c, "operand reads", e) ||
        add(&results, n, "results", e))
      return -1;
    for (int u = 0; u < HW_UNIT_COUNT; u++)
      if (mul(n, (uint64_t)oc->uses[u], &c, "unit activations", e) || add(&unit[u], c, "unit activations", e)) return -1;
  }
  if (ar->issue == HW_ISSUE_SERIAL) {
    k->pe_cycles = serial;
  } else {
    for (int u = 0; u < HW_UNIT_COUNT; u++) if (unit[u] > k->pe_cycles) k->pe_cycles = unit[u];
  }
  if (external_reads(&sc, x, ph->c->einsums[se->einsum].rhs, 1, 0, &ext, e)) return -1;
  /* a leaf with no operation on it (a plain copy) reads nothing */
  k->edge_operands = ext < operands ? ext : operands;
  k->rf_reads = operands - k->edge_operands;
  k->forwarded = completes && forwards_result(ph, x) ? (outs < results ? outs : results) : 0;
  k->rf_writes = results - k->forwarded;
  return 0;
}

/* Bounded by the Einsum's points, which sim_einsum_count checked. */
/* Explicit reductions count their rank's whole size per point: a tile must
** not cut one. */
static int reduces_whole(const sc_phase *ph, const es_expr *x, const es_range *rg) {
  if (!x) return 1;
  if (x->kind == ES_E_REDUCE)
    for (int i = 0; i < x->nred; i++)
      if (rg->lo[x->red[i]] != 0 || rg->hi[x->red[i]] != ph->c->ranks[x->red[i]].size) return 0;
  return reduces_whole(ph, x->a, rg) && reduces_whole(ph, x->b, rg);
}

int sim_einsum_count_in(const sc_schedule *s, const sc_phase *ph, int x, const es_range *rg, int completes,
                        sim_ecount *k, at_err *e) {
  const char *tn = ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name;
  if (!reduces_whole(ph, ph->c->einsums[ph->e[x].einsum].rhs, rg))
    return at_errf(e, "Einsum %s/%s reduces over a rank the shared loops tile", ph->name, tn);
  if (!count(s, ph, x, rg, 1, completes, k, e)) return 0;
  char why[sizeof e->msg];
  snprintf(why, sizeof why, "%s", e->msg);
  return at_errf(e, "Einsum %s/%s: %s in one tile", ph->name, tn, why);
}

int sim_einsum_count(const sc_schedule *s, const sc_phase *ph, int x, sim_ecount *k, at_err *e) {
  if (!count(s, ph, x, NULL, (uint64_t)ph->part[SC_BATCH].size, 1, k, e)) return 0;
  char why[sizeof e->msg];
  snprintf(why, sizeof why, "%s", e->msg);
  return at_errf(e, "Einsum %s/%s: %s at this size", ph->name,
                 ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name, why);
}

uint64_t sim_firings(const sc_phase *ph, int x) {
  uint64_t n = (uint64_t)ph->part[SC_BATCH].size;
  for (int k = 0; k < ph->nshared; k++)
    if (sc_uses(ph, x, ph->shared[k])) n *= (uint64_t)ph->part[ph->shared[k]].size;
  return n;
}

int sim_busy_cycles(const hw_array *ar, const sc_einsum *se, uint64_t pe_cycles, uint64_t par, uint64_t *busy) {
  if (par == 0) par = 1;
  uint64_t w = se->fold && (uint64_t)ar->cols < par ? (uint64_t)ar->cols : par;
  uint64_t passes = par / w + (par % w != 0), q = pe_cycles / par, r = pe_cycles % par;
  if (at_mul64(q, passes, busy) || at_add64(*busy, r / w + (r % w != 0), busy)) return -1;
  return 0;
}

int sim_shifts_out(const sc_schedule *s, const sc_phase *ph, int x) {
  const sc_einsum *se = &ph->e[x];
  const hw_array *ar = &s->arch->arrays[se->array];
  int t = ph->c->einsums[se->einsum].lhs.tensor;
  int by_row = 0;     /* its output differs from row to row */
  for (int i = 0; i < se->nsp[0]; i++) by_row |= sc_relevant(ph, se->spatial[0][i], t);
  if (ar->results != HW_RESULTS_SHIFT || ar->rows <= 1 || !by_row) return 0;
  if (ph->st[t].home != SC_REGS || ph->c->tensors[t].is_output) return 1;
  for (int q = 0; q < ph->ne; q++) {
    int dq[SC_MAX_EINSUMS], nq = sim_deps(ph, q, SIM_DEP_ALL, dq);
    for (int i = 0; i < nq; i++)
      if (dq[i] == x && ph->e[q].array != se->array) return 1;
  }
  return 0;
}

/* Only words that touch a PE's register file cost a register access: an
** operand arriving from a neighbour or the edge is latched in the PE's
** input register, and a forwarded result leaves through its output
** register (sim/README.md "Action counts"). */
double sim_regs_pJ(const hw_arch *a, const sim_ecount *k) {
  return (double)k->rf_reads * a->energy.reg_read_pJ + (double)k->rf_writes * a->energy.reg_write_pJ;
}

int sim_add_traffic(sim_actions *acc, const sim_actions *tr, uint64_t *dram, at_err *e) {
  if (at_add64(tr->dram_read_bytes, tr->dram_write_bytes, dram) ||
      at_add64(acc->dram_read_bytes, tr->dram_read_bytes, &acc->dram_read_bytes) ||
      at_add64(acc->dram_write_bytes, tr->dram_write_bytes, &acc->dram_write_bytes) ||
      at_add64(acc->buffer_read_bytes, tr->buffer_read_bytes, &acc->buffer_read_bytes) ||
      at_add64(acc->buffer_write_bytes, tr->buffer_write_bytes, &acc->buffer_write_bytes) ||
      at_add64(acc->buffer_row_reads, tr->buffer_row_reads, &acc->buffer_row_reads) ||
      at_add64(acc->buffer_row_writes, tr->buffer_row_writes, &acc->buffer_row_writes))
    return at_errf(e, "DRAM or buffer traffic overflows 64 bits");
  return 0;
}

/* dst = a, or "a/b" when b is not NULL, cut to cap - 1 characters as
** snprintf would: by hand, because it runs for every Einsum of every
** mapping the mapper evaluates (snprintf was 5% of a search). */
static void name_copy(char *dst, size_t cap, const char *a, const char *b) {
  size_t n = 0;
  for (; *a && n + 1 < cap; a++) dst[n++] = *a;
  if (b && n + 1 < cap) dst[n++] = '/';
  for (; b && *b && n + 1 < cap; b++) dst[n++] = *b;
  dst[n] = 0;
}

/* Arithmetic energy of one Einsum's counted operations, pJ. */
static double ops_energy_pJ(const hw_arch *a, const hw_array *ar, const sim_ecount *k) {
  double pJ = 0;
  for (int o = 0; o < HW_OP_COUNT; o++) pJ += (double)k->ops[o] * hw_op_energy_pJ(a, ar, (hw_op)o);
  return pJ;
}

/* Energy as a number, never inf or NaN: an energy table of 1e300 pJ makes
** a product overflow, which must be an error naming what overflowed. */
static int finite_energy(const sim_result *r, const hw_arch *a, at_err *e) {
  const char *t = a->energy.path ? a->energy.path : "?";
  for (int k = 0; k < SIM_C_COUNT; k++)
    if (!isfinite(r->energy_by[k]))
      return at_errf(e, "%s energy is not a finite number of pJ (energy table %s)", sim_component_name[k], t);
  if (!isfinite(r->energy_pJ)) return at_errf(e, "total energy is not a finite number of pJ (energy table %s)", t);
  if (!isfinite(r->latency_s)) return at_errf(e, "latency is not a finite number of seconds");
  return 0;
}

int sim_report(const sc_schedule *s, sim_ecount cost[][SC_MAX_EINSUMS], uint64_t busy[][SC_MAX_EINSUMS],
               double total, sim_result *r, at_err *e) {
  const hw_arch *a = s->arch;
  uint64_t arr_busy[HW_MAX_ARRAYS] = { 0 };
  if (at_add64(r->act.dram_read_bytes, r->act.dram_write_bytes, &r->traffic_bytes))
    return at_errf(e, "DRAM traffic (bytes read + written) overflows 64 bits");
  if (at_add64(r->act.buffer_read_bytes, r->act.buffer_write_bytes, &r->buffer_bytes))
    return at_errf(e, "global-buffer traffic (bytes read + written) overflows 64 bits");
  for (int i = 0; i < s->nphases; i++)
    for (int x = 0; x < s->phase[i].ne; x++)
      if (at_add64(arr_busy[s->phase[i].e[x].array], busy[i][x], &arr_busy[s->phase[i].e[x].array]))
        return at_errf(e, "busy cycles overflow 64 bits");
  r->cycles = (uint64_t)ceil(total);
  r->latency_s = total / a->clock_hz;
  r->n_arrays = a->n_arrays;
  for (int k = 0; k < a->n_arrays && k < SIM_MAX_ARRAYS; k++) {
    const hw_array *ar = &a->arrays[k];
    name_copy(r->array_name[k], sizeof r->array_name[k], ar->name, NULL);
    r->array_busy[k] = arr_busy[k];
    r->array_util[k] = total > 0 ? (double)r->act.array[k].pe_cycles / ((double)hw_array_pes(ar) * total) : 0;
    if (!strcmp(ar->name, "2d")) r->util_2d = r->array_util[k];
    if (!strcmp(ar->name, "1d")) r->util_1d = r->array_util[k];
  }
  double regs_pJ = 0;
  r->n_einsums = 0;
  for (int i = 0; i < s->nphases; i++) {
    const sc_phase *ph = &s->phase[i];
    for (int x = 0; x < ph->ne; x++) {
      const sim_ecount *k = &cost[i][x];
      const hw_array *ar = &a->arrays[ph->e[x].array];
      double ops_pJ = ops_energy_pJ(a, ar, k);
      double rg = sim_regs_pJ(a, k);
      regs_pJ += rg;
      r->energy_by[strcmp(ar->name, "1d") ? SIM_C_COMPUTE_2D : SIM_C_COMPUTE_1D] += ops_pJ;
      if (r->n_einsums < SIM_MAX_EINSUMS) {
        sim_einsum_result *er = &r->einsum[r->n_einsums++];
        name_copy(er->name, sizeof er->name, ph->name, ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name);
        name_copy(er->array, sizeof er->array, ar->name, NULL);
        er->busy_cycles = busy[i][x];
        er->util = total > 0 ? (double)k->pe_cycles / ((double)hw_array_pes(ar) * total) : 0;
        er->energy_pJ = ops_pJ + rg;
      }
    }
  }
  double row_bytes = (double)a->buffer.row_bits / 8.0;
  r->energy_by[SIM_C_REGS] = regs_pJ;
  r->energy_by[SIM_C_BUFFER] = (double)r->act.buffer_read_bytes / row_bytes * hw_buffer_row_pJ(a, false) +
                               (double)r->act.buffer_write_bytes / row_bytes * hw_buffer_row_pJ(a, true);
  r->energy_by[SIM_C_DRAM] = (double)r->traffic_bytes * 8.0 / (double)a->energy.dram_access_bits * a->energy.dram_access_pJ;
  r->energy_pJ = 0;
  for (int k = 0; k < SIM_C_COUNT; k++) r->energy_pJ += r->energy_by[k];
  name_copy(r->tiling, sizeof r->tiling, s->tiling, NULL);
  return finite_energy(r, a, e);
}

/* Walks einsum x's reads, adding the producers that `kind` selects. */
static int deps_of(const sc_phase *ph, const es_expr *x, sim_dep_kind kind, int *dep, int n) {
  if (!x) return n;
  if (x->kind == ES_E_ACCESS) {
    const es_tensor *T = &ph->c->tensors[x->acc.tensor];
    if (T->def < 0) return n;
    int carried = 0, initial = 0;
    if (T->iter_dim >= 0) {
      const es_index *ix = &x->acc.ix[T->iter_dim];
      initial = ix->kind == ES_IX_ZERO;
      carried = ix->kind == ES_IX_VAR && !ix->offset;
    }
    int want = kind == SIM_DEP_ALL ? !initial
             : kind == SIM_DEP_FIRED ? !initial && !carried
             : kind == SIM_DEP_CARRIED ? carried
             : !initial && !carried && !(T->iter_dim >= 0 && x->acc.ix[T->iter_dim].kind == ES_IX_LAST);
    for (int q = 0; want && q < ph->ne; q++)
      if (ph->e[q].einsum == T->def && n < SC_MAX_EINSUMS) dep[n++] = q;
    return n;
  }
  n = deps_of(ph, x->a, kind, dep, n);
  return deps_of(ph, x->b, kind, dep, n);
}

int sim_deps(const sc_phase *ph, int x, sim_dep_kind kind, int *dep) {
  return deps_of(ph, ph->c->einsums[ph->e[x].einsum].rhs, kind, dep, 0);
}
