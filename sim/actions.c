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
static int points(const sc_phase *ph, const sc_einsum *se, int lhs_only, uint64_t *n, at_err *e) {
  const es_einsum *x = &ph->c->einsums[se->einsum];
  *n = (uint64_t)ph->part[SC_BATCH].size;
  int upto = lhs_only ? x->nspace - x->nsum : x->nspace;
  for (int i = 0; i < upto; i++)
    if (mul(*n, (uint64_t)ph->c->ranks[x->space[i]].size, n, "iteration-space points", e)) return -1;
  return 0;
}

/* Whether tensor t's tile is indexed by every spatial part of x: if not, a
** word of it is shared by a row or column of PEs and moves between them. */
static int spans_spatial(const sc_phase *ph, const sc_einsum *se, int t) {
  for (int k = 0; k < 2; k++)
    if (se->spatial[k] >= 0 && ph->part[se->spatial[k]].size > 1 && !sc_relevant(ph, se->spatial[k], t)) return 0;
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

static int reads_tensor(const es_expr *x, int t) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return x->acc.tensor == t;
  return reads_tensor(x->a, t) || reads_tensor(x->b, t);
}

/* Whether einsum x's results leave the PE that computes them. */
static int forwards_result(const sc_phase *ph, int x) {
  const sc_einsum *se = &ph->e[x];
  int t = ph->c->einsums[se->einsum].lhs.tensor;
  if (ph->st[t].home != SC_REGS || ph->c->tensors[t].is_output || !spans_spatial(ph, se, t)) return 1;
  for (int q = 0; q < ph->ne; q++)
    if (q != x && reads_tensor(ph->c->einsums[ph->e[q].einsum].rhs, t) &&
        (ph->e[q].array != se->array || !spans_spatial(ph, &ph->e[q], t)))
      return 1;
  return 0;
}

/* Operand words per point of the iteration space that come from outside
** the PE: each access leaf is read once per execution of the enclosing
** reduction body. */
static int external_reads(const sc_phase *ph, int x, const es_expr *ex, uint64_t per, uint64_t *n, at_err *e) {
  if (!ex) return 0;
  if (ex->kind == ES_E_ACCESS)
    return external_operand(ph, x, ex->acc.tensor) ? add(n, per, "operand reads", e) : 0;
  if (ex->kind == ES_E_REDUCE)
    for (int i = 0; i < ex->nred; i++)
      if (mul(per, (uint64_t)ph->c->ranks[ex->red[i]].size, &per, "operand reads", e)) return -1;
  return external_reads(ph, x, ex->a, per, n, e) || external_reads(ph, x, ex->b, per, n, e) ? -1 : 0;
}

static int count(const sc_schedule *s, const sc_phase *ph, int x, uint64_t div, sim_ecount *k, at_err *e) {
  const hw_array *ar = &s->arch->arrays[ph->e[x].array];
  const sc_einsum *se = &ph->e[x];
  memset(k, 0, sizeof *k);
  uint64_t pts, outs, ext = 0, operands = 0, results = 0, serial = 0, unit[HW_UNIT_COUNT] = { 0 };
  if (points(ph, se, 0, &pts, e) || points(ph, se, 1, &outs, e)) return -1;
  if (div == 0 || pts % div || outs % div)
    return at_errf(e, "%llu points do not divide into %llu firings", (unsigned long long)pts, (unsigned long long)div);
  pts /= div;
  outs /= div;
  sc_opuse uses[SC_MAX_OPUSES];
  int nu = sc_einsum_ops(ph->c, se->einsum, uses);   /* the binder checked nu >= 0 */
  for (int i = 0; i < nu; i++) {
    const hw_op_cost *oc = &ar->ops[uses[i].op];
    double pp = uses[i].per_point;   /* a product of rank sizes: integral */
    if (!(pp >= 0 && pp < 9007199254740992.0) || pp != floor(pp))
      return at_errf(e, "operation count per point %g is not an exact integer", pp);
    uint64_t n, c;
    if (mul(pts, (uint64_t)pp, &n, "operation count", e) || add(&k->ops[uses[i].op], n, "operation count", e) ||
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
  if (external_reads(ph, x, ph->c->einsums[se->einsum].rhs, 1, &ext, e) || mul(ext, pts, &ext, "operand reads", e))
    return -1;
  /* a leaf with no operation on it (a plain copy) reads nothing */
  k->edge_operands = ext < operands ? ext : operands;
  k->rf_reads = operands - k->edge_operands;
  k->forwarded = forwards_result(ph, x) ? (outs < results ? outs : results) : 0;
  k->rf_writes = results - k->forwarded;
  return 0;
}

/* Bounded by the Einsum's points, which sim_einsum_count checked. */
int sim_einsum_count(const sc_schedule *s, const sc_phase *ph, int x, uint64_t div, sim_ecount *k, at_err *e) {
  if (!count(s, ph, x, div, k, e)) return 0;
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

/* Only words that touch a PE's register file cost a register access: an
** operand arriving from a neighbour or the edge is latched in the PE's
** input register, and a forwarded result leaves through its output
** register (sim/README.md "Action counts"). */
double sim_regs_pJ(const hw_arch *a, const sim_ecount *k) {
  return (double)k->rf_reads * a->energy.reg_read_pJ + (double)k->rf_writes * a->energy.reg_write_pJ;
}
