/*
** analyze.c: analyses on the IR: operation counts by kind per Einsum,
** passes per rank (FuseMax paper, section on passes), and per-tensor
** footprints.  Counts are exact 64-bit integers with overflow checks; no
** hoisting: every node runs once per point of its enclosing scope.
*/
#include "einsum_int.h"

#include <stdlib.h>
#include <string.h>

const char *const es_kind_name[ES_K_COUNT] = {
  "mul", "add", "max", "min", "exp", "div", "neg"
};

static int overflow(const es_cascade *c, at_err *e) {
  return at_errf(e, "%s: operation count overflows 64 bits at these sizes", c->file);
}

static int add_count(uint64_t *slot, uint64_t n) {
  return at_add64(*slot, n, slot);
}

int es_space_points(const es_cascade *c, int i, uint64_t *points, at_err *e) {
  const es_einsum *x = &c->einsums[i];
  uint64_t n = 1;
  for (int k = 0; k < x->nspace; k++)
    if (at_mul64(n, (uint64_t)c->ranks[x->space[k]].size, &n)) return overflow(c, e);
  *points = n;
  return 0;
}

/* What the operation count walks: einsum i, points restricted to range. */
typedef struct opctx {
  const es_cascade *c;
  int i;
  const es_range *range;
  at_err *e;
  int err;                    /* 1: e holds a message (not an overflow) */
} opctx;

/* Points of scope s (einsum i's space plus enclosing reduction ranks): the
** product of the extents without predicates, else the exact count. */
static int scope_points(opctx *o, es_rset s, uint64_t *n) {
  const es_cascade *c = o->c;
  if (c->npreds) {
    if (es_points_scope(c, o->i, s, o->range, n, o->e)) { o->err = 1; return -1; }
    return 0;
  }
  uint64_t v = 1;
  for (int r = 0; r < c->nranks; r++) {
    if (!(s & ((es_rset)1 << r))) continue;
    int64_t lo = o->range ? o->range->lo[r] : 0, hi = o->range ? o->range->hi[r] : c->ranks[r].size;
    if (lo < 0) lo = 0;
    if (hi > c->ranks[r].size) hi = c->ranks[r].size;
    if (at_mul64(v, hi > lo ? (uint64_t)(hi - lo) : 0, &v)) return -1;
  }
  *n = v;
  return 0;
}

static int count(opctx *o, const es_expr *x, es_rset s, uint64_t pts, uint64_t *k) {
  switch (x->kind) {
  case ES_E_NUM:
  case ES_E_ACCESS:
    return 0;
  case ES_E_NEG:
    if (add_count(&k[ES_K_NEG], pts)) return -1;
    return count(o, x->a, s, pts, k);
  case ES_E_EXP:
    if (add_count(&k[ES_K_EXP], pts)) return -1;
    return count(o, x->a, s, pts, k);
  case ES_E_BIN: {
    static const es_kind of[] = { ES_K_ADD, ES_K_ADD, ES_K_MUL, ES_K_DIV, ES_K_MAX, ES_K_MIN };
    if (add_count(&k[of[x->op]], pts)) return -1;
    if (count(o, x->a, s, pts, k)) return -1;
    return count(o, x->b, s, pts, k);
  }
  case ES_E_REDUCE: {
    es_rset in = s;
    for (int i = 0; i < x->nred; i++) in |= (es_rset)1 << x->red[i];
    uint64_t inner;
    if (scope_points(o, in, &inner)) return -1;
    es_kind kd = x->op == ES_MAX ? ES_K_MAX : x->op == ES_MIN ? ES_K_MIN : ES_K_ADD;
    if (add_count(&k[kd], inner)) return -1;
    return count(o, x->a, in, inner, k);
  }
  }
  return 0;
}

int es_op_counts_range(const es_cascade *c, int i, const es_range *range, uint64_t counts[ES_K_COUNT], at_err *e) {
  const es_einsum *x = &c->einsums[i];
  memset(counts, 0, sizeof(uint64_t) * ES_K_COUNT);
  opctx o = { c, i, range, e, 0 };
  es_rset s = es_space_set(c, i);
  uint64_t pts = 0;
  if (scope_points(&o, s, &pts)) return o.err ? -1 : overflow(c, e);
  if (x->nsum && add_count(&counts[ES_K_ADD], pts)) return overflow(c, e);
  if (count(&o, x->rhs, s, pts, counts)) return o.err ? -1 : overflow(c, e);
  return 0;
}

int es_op_counts(const es_cascade *c, int i, uint64_t counts[ES_K_COUNT], at_err *e) {
  return es_op_counts_range(c, i, NULL, counts, e);
}

int es_footprint(const es_cascade *c, int t, uint64_t *elements, uint64_t *live, at_err *e) {
  const es_tensor *T = &c->tensors[t];
  uint64_t n = 1, slice = 1;
  for (int d = 0; d < T->ndims; d++) {
    uint64_t ext = (uint64_t)c->ranks[T->dim[d]].size;
    if (d == T->iter_dim) ext += 1;
    if (at_mul64(n, ext, &n)) return at_errf(e, "%s: footprint of %s overflows", c->file, T->name);
    if (d != T->iter_dim && at_mul64(slice, ext, &slice))
      return at_errf(e, "%s: footprint of %s overflows", c->file, T->name);
  }
  *elements = n;
  *live = T->iter_dim >= 0 ? 2 * slice : n;
  return 0;
}

/* ---- passes ------------------------------------------------------------- */

/* A rank "belongs" to original rank r if it is r or one of r's split parts. */
static int belongs(const es_cascade *c, int x, int r) {
  return x == r || c->ranks[x].parent == r;
}

static int expr_reduces_r(const es_cascade *c, const es_expr *x, int r) {
  if (!x) return 0;
  if (x->kind == ES_E_REDUCE)
    for (int i = 0; i < x->nred; i++)
      if (belongs(c, x->red[i], r)) return 1;
  return expr_reduces_r(c, x->a, r) || expr_reduces_r(c, x->b, r);
}

static int traverses(const es_cascade *c, int xi, int r) {
  const es_einsum *x = &c->einsums[xi];
  for (int k = 0; k < x->nspace; k++)
    if (belongs(c, x->space[k], r)) return 1;
  return expr_reduces_r(c, x->rhs, r);
}

static int has_r(const es_cascade *c, const es_tensor *t, int r) {
  for (int d = 0; d < t->ndims; d++)
    if (belongs(c, t->dim[d], r)) return 1;
  return 0;
}

typedef struct passctx {
  const es_cascade *c;
  int r;
  int *pass;                  /* per einsum: pass if it traverses r, else 0 */
  int *need;                  /* per einsum: earliest pass that may consume its output */
} passctx;

/* The earliest pass in which an Einsum traversing r may read this access. */
static int access_need(passctx *q, const es_access *a) {
  const es_cascade *c = q->c;
  const es_tensor *t = &c->tensors[a->tensor];
  if (t->is_input) return 1;
  int d = t->def;
  if (t->iter_dim >= 0) {
    const es_index *ix = &a->ix[t->iter_dim];
    if (ix->kind == ES_IX_ZERO || (ix->kind == ES_IX_VAR && !ix->offset))
      d = t->init;            /* loop-carried state: ready with its init */
    else if (ix->kind == ES_IX_LAST && belongs(c, t->dim[t->iter_dim], q->r) && q->pass[d] > 0)
      return q->pass[d] + 1;  /* the final slice needs the whole traversal */
  }
  return q->need[d];
}

static int max_need(passctx *q, const es_expr *x) {
  if (!x) return 1;
  if (x->kind == ES_E_ACCESS) return access_need(q, &x->acc);
  int a = max_need(q, x->a), b = max_need(q, x->b);
  return a > b ? a : b;
}

void es_pass_of(const es_cascade *c, int r, int *pass) {
  int n = c->neinsums;
  int *need = malloc(sizeof(int) * (size_t)(n ? n : 1));
  for (int i = 0; i < n; i++) pass[i] = 0;
  if (!need) return;          /* out of memory: report no passes */
  passctx q = { c, r, pass, need };
  for (int i = 0; i < n; i++) pass[i] = 0, need[i] = 1;
  /* c->order lists producers before consumers (loop-carried reads aside,
     which resolve to the init, also ordered earlier). */
  for (int k = 0; k < n; k++) {
    int i = c->order[k];
    const es_einsum *x = &c->einsums[i];
    int in = max_need(&q, x->rhs);
    if (!x->is_init && traverses(c, i, r)) {
      pass[i] = in;
      need[i] = in + !has_r(c, &c->tensors[x->lhs.tensor], r);
    } else {
      need[i] = in;
    }
  }
  free(need);
}

int es_passes(const es_cascade *c, int r) {
  int n = c->neinsums, best = 0;
  int *pass = malloc(sizeof(int) * (size_t)(n ? n : 1));
  if (!pass) return -1;
  es_pass_of(c, r, pass);
  for (int i = 0; i < n; i++) if (pass[i] > best) best = pass[i];
  free(pass);
  return best;
}
