/*
** interp.c: the reference interpreter.  Evaluates a bound cascade in
** double precision by demand: an element is computed from its Einsum the
** first time it is read and memoised.  Tensors are materialised in
** dependency order (iterative tensors slice by slice), so each demand
** recurses only through one iteration's worth of Einsums.
*/
#include "einsum_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tstore {
  double *v;
  unsigned char *state;       /* 0 not computed, 1 in progress, 2 done */
  int64_t ext[ES_MAX_DIMS];   /* extent of each dim (iterative: size+1) */
  int64_t stride[ES_MAX_DIMS];
  uint64_t n;
} tstore;

typedef struct ictx {
  const es_cascade *c;
  tstore *t;
  int failed;
  at_err *e;
} ictx;

static double demand(ictx *x, int t, uint64_t flat);

static uint64_t flat_of(ictx *x, const es_access *a, const int64_t *var) {
  const es_cascade *c = x->c;
  const tstore *s = &x->t[a->tensor];
  uint64_t f = 0;
  for (int d = 0; d < a->n; d++) {
    const es_index *ix = &a->ix[d];
    int64_t i = 0;
    switch (ix->kind) {
    case ES_IX_VAR: i = var[ix->rank] + ix->offset; break;
    case ES_IX_SPLIT: i = var[ix->rank] * c->ranks[ix->rank2].size + var[ix->rank2]; break;
    case ES_IX_ZERO: i = 0; break;
    case ES_IX_LAST: i = c->ranks[ix->rank].size; break;
    }
    f += (uint64_t)(i * s->stride[d]);
  }
  return f;
}

/* Whether the point var[] of scope s of einsum xi satisfies every
** predicate that becomes computable in s and was not in `outer`. */
static int runs(const es_cascade *c, int xi, es_rset outer, es_rset s, const int64_t *var) {
  for (int k = 0; k < c->npreds; k++) {
    const es_pred *p = &c->preds[k];
    if (!es_pred_of(c, p, xi) || !es_pred_computable(c, p, s) || es_pred_computable(c, p, outer)) continue;
    if (!es_pred_holds(c, p, s, var)) return 0;
  }
  return 1;
}

/* Whether some point of step einsum xi's block satisfies its predicates,
** the left ranks at var[]; enumerates the block's ranks from rank r on. */
static int block_runs(const es_cascade *c, int xi, es_rset left, es_rset block, int r, int64_t *var) {
  while (r < c->nranks && !(block & ((es_rset)1 << r))) r++;
  if (r == c->nranks) return runs(c, xi, 0, left | block, var);
  for (var[r] = 0; var[r] < c->ranks[r].size; var[r]++)
    if (block_runs(c, xi, left, block, r + 1, var)) return 1;
  return 0;
}

static double eval(ictx *x, int xi, const es_expr *e, int64_t *var, es_rset s) {
  switch (e->kind) {
  case ES_E_NUM: return e->num;
  case ES_E_ACCESS: return demand(x, e->acc.tensor, flat_of(x, &e->acc, var));
  case ES_E_NEG: return -eval(x, xi, e->a, var, s);
  case ES_E_EXP: return exp(eval(x, xi, e->a, var, s));
  case ES_E_BIN: {
    double a = eval(x, xi, e->a, var, s), b = eval(x, xi, e->b, var, s);
    switch (e->op) {
    case ES_ADD: return a + b;
    case ES_SUB: return a - b;
    case ES_MUL: return a * b;
    case ES_DIV: return a / b;
    case ES_MAX: return a > b ? a : b;
    case ES_MIN: return a < b ? a : b;
    }
    return NAN;
  }
  case ES_E_REDUCE: {
    const es_cascade *c = x->c;
    double acc = e->op == ES_ADD ? 0.0 : e->op == ES_MAX ? -INFINITY : INFINITY;
    es_rset in = s;
    for (int i = 0; i < e->nred; i++) var[e->red[i]] = 0, in |= (es_rset)1 << e->red[i];
    for (;;) {
      /* a masked point contributes nothing, not even the identity's work */
      if (!c->npreds || runs(c, xi, s, in, var)) {
        double v = eval(x, xi, e->a, var, in);
        if (e->op == ES_ADD) acc += v;
        else if (e->op == ES_MAX) acc = v > acc ? v : acc;
        else acc = v < acc ? v : acc;
      }
      int i = e->nred - 1;
      while (i >= 0 && ++var[e->red[i]] == c->ranks[e->red[i]].size) var[e->red[i--]] = 0;
      if (i < 0) break;
    }
    return acc;
  }
  }
  return NAN;
}

static double demand(ictx *x, int t, uint64_t flat) {
  tstore *s = &x->t[t];
  if (s->state[flat] == 2) return s->v[flat];
  const es_cascade *c = x->c;
  const es_tensor *T = &c->tensors[t];
  if (s->state[flat] == 1 || x->failed) {
    if (!x->failed) at_errf(x->e, "%s: evaluation of %s depends on itself", c->file, T->name);
    x->failed = 1;
    return NAN;
  }
  s->state[flat] = 1;
  int64_t var[ES_MAX_RANKS] = { 0 };
  int64_t idx[ES_MAX_DIMS] = { 0 };
  uint64_t rem = flat;
  for (int d = 0; d < T->ndims; d++) {
    idx[d] = (int64_t)(rem / (uint64_t)s->stride[d]);
    rem %= (uint64_t)s->stride[d];
  }
  int xi = T->def;
  if (T->iter_dim >= 0 && idx[T->iter_dim] == 0) xi = T->init;
  const es_einsum *E = &c->einsums[xi];
  for (int d = 0; d < T->ndims; d++) {
    const es_index *ix = &E->lhs.ix[d];
    if (ix->kind == ES_IX_VAR) var[ix->rank] = idx[d] - ix->offset;
  }
  double v;
  es_rset left = es_left_set(c, xi), space = es_space_set(c, xi), block = es_block_of(c, xi);
  int on = 1;
  if (c->npreds && !E->is_init) {
    int64_t save[ES_MAX_RANKS];
    memcpy(save, var, sizeof save);
    on = block ? block_runs(c, xi, left, block, 0, var) : runs(c, xi, 0, left, var);
    memcpy(var, save, sizeof save);
  }
  if (!on) {
    /* a masked element holds 0; a masked step carries the iterative
       tensor's previous slice unchanged */
    v = T->iter_dim >= 0 ? demand(x, t, flat - (uint64_t)s->stride[T->iter_dim]) : 0;
  } else if (E->nsum == 0) {
    v = eval(x, xi, E->rhs, var, space);
  } else {
    const int *sum = &E->space[E->nspace - E->nsum];
    for (int i = 0; i < E->nsum; i++) var[sum[i]] = 0;
    v = 0;
    for (;;) {
      if (!c->npreds || E->is_init || runs(c, xi, left, space, var)) v += eval(x, xi, E->rhs, var, space);
      int i = E->nsum - 1;
      while (i >= 0 && ++var[sum[i]] == c->ranks[sum[i]].size) var[sum[i--]] = 0;
      if (i < 0) break;
    }
  }
  s->v[flat] = v;
  s->state[flat] = 2;
  return v;
}

/* Demands every element of tensor t; an iterative dim goes slice by slice
** in ascending order so that each slice finds the previous one done. */
static void materialise(ictx *x, int t) {
  const es_tensor *T = &x->c->tensors[t];
  tstore *s = &x->t[t];
  int it = T->iter_dim;
  int64_t slices = it >= 0 ? s->ext[it] : 1;
  for (int64_t k = 0; k < slices && !x->failed; k++) {
    int64_t idx[ES_MAX_DIMS] = { 0 };
    for (;;) {
      uint64_t f = 0;
      for (int d = 0; d < T->ndims; d++) f += (uint64_t)((d == it ? k : idx[d]) * s->stride[d]);
      demand(x, t, f);
      if (x->failed) return;
      int d = T->ndims - 1;
      while (d >= 0 && (d == it || ++idx[d] == s->ext[d])) { if (d != it) idx[d] = 0; d--; }
      if (d < 0) break;
    }
  }
}

void es_values_free(es_values *v) {
  if (!v->data) return;
  for (int i = 0; i < v->ntensors; i++) free(v->data[i]);
  free(v->data);
  free(v->len);
  memset(v, 0, sizeof *v);
}

int es_eval(const es_cascade *c, uint64_t seed, uint64_t max_elements, es_values *out, at_err *e) {
  memset(out, 0, sizeof *out);
  if (!c->bound) return at_errf(e, "%s: eval needs every rank's size", c->file);
  if (es_masks_missing(c, e)) return -1;
  ictx x = { c, calloc((size_t)c->ntensors, sizeof(tstore)), 0, e };
  if (!x.t) return at_errf(e, "out of memory");
  int rc = -1;
  uint64_t total = 0;
  for (int t = 0; t < c->ntensors; t++) {
    const es_tensor *T = &c->tensors[t];
    tstore *s = &x.t[t];
    uint64_t n = 1;
    for (int d = T->ndims - 1; d >= 0; d--) {
      s->ext[d] = c->ranks[T->dim[d]].size + (d == T->iter_dim);
      s->stride[d] = (int64_t)n;
      if (at_mul64(n, (uint64_t)s->ext[d], &n)) { at_errf(e, "%s: %s is too large to evaluate", c->file, T->name); goto done; }
    }
    s->n = n;
    if (at_add64(total, n, &total) || total > max_elements) {
      at_errf(e, "%s: evaluating needs more than %llu tensor elements at these sizes; use smaller sizes",
              c->file, (unsigned long long)max_elements);
      goto done;
    }
  }
  for (int t = 0; t < c->ntensors; t++) {
    tstore *s = &x.t[t];
    s->v = malloc(sizeof(double) * (size_t)s->n);
    s->state = calloc((size_t)s->n, 1);
    if (!s->v || !s->state) { at_errf(e, "out of memory"); goto done; }
  }
  /* inputs in declaration order */
  at_rng rng = { seed };
  for (;;) {
    int best = -1;
    for (int t = 0; t < c->ntensors; t++) {
      const es_tensor *T = &c->tensors[t];
      if (!T->is_input || x.t[t].state[0] == 2) continue;
      if (best < 0 || T->loc.line < c->tensors[best].loc.line ||
          (T->loc.line == c->tensors[best].loc.line && T->loc.col < c->tensors[best].loc.col))
        best = t;
    }
    if (best < 0) break;
    tstore *s = &x.t[best];
    for (uint64_t i = 0; i < s->n; i++) { s->v[i] = at_rng_sym(&rng); s->state[i] = 2; }
  }
  for (int k = 0; k < c->neinsums && !x.failed; k++) {
    const es_einsum *E = &c->einsums[c->order[k]];
    if (!E->is_init) materialise(&x, E->lhs.tensor);
  }
  if (x.failed) goto done;
  out->ntensors = c->ntensors;
  out->data = calloc((size_t)c->ntensors, sizeof(double *));
  out->len = calloc((size_t)c->ntensors, sizeof(uint64_t));
  if (!out->data || !out->len) { free(out->data); free(out->len); memset(out, 0, sizeof *out); at_errf(e, "out of memory"); goto done; }
  for (int t = 0; t < c->ntensors; t++) {
    out->data[t] = x.t[t].v;
    out->len[t] = x.t[t].n;
    x.t[t].v = NULL;
  }
  rc = 0;
done:
  for (int t = 0; t < c->ntensors; t++) { free(x.t[t].v); free(x.t[t].state); }
  free(x.t);
  return rc;
}

void es_attention_ref(const double *Q, const double *K, const double *V,
                      int64_t E, int64_t F, int64_t M, int64_t P, double *AV) {
  es_attention_ref_masked(Q, K, V, E, F, M, P, NULL, AV);
}

void es_attention_ref_masked(const double *Q, const double *K, const double *V,
                             int64_t E, int64_t F, int64_t M, int64_t P,
                             const unsigned char *allow, double *AV) {
  double *s = malloc(sizeof(double) * (size_t)M);
  if (!s) { for (int64_t i = 0; i < F * P; i++) AV[i] = NAN; return; }
  for (int64_t p = 0; p < P; p++) {
    double mx = -INFINITY, den = 0;
    for (int64_t m = 0; m < M; m++) {
      double d = 0;
      for (int64_t e = 0; e < E; e++) d += Q[e * P + p] * K[e * M + m];
      s[m] = d;
      if (allow && !allow[m * P + p]) continue;
      if (d > mx) mx = d;
    }
    for (int64_t m = 0; m < M; m++) {
      s[m] = allow && !allow[m * P + p] ? 0 : exp(s[m] - mx);
      den += s[m];
    }
    for (int64_t f = 0; f < F; f++) {
      double num = 0;
      for (int64_t m = 0; m < M; m++) num += s[m] * V[f * M + m];
      AV[f * P + p] = num / den;
    }
  }
  free(s);
}

void es_linear_attention_ref(const double *Q, const double *K, const double *V,
                             int64_t E, int64_t F, int64_t M, int64_t P,
                             const unsigned char *allow, double *AV) {
  for (int64_t i = 0; i < F * P; i++) AV[i] = 0;
  for (int64_t p = 0; p < P; p++)
    for (int64_t m = 0; m < M; m++) {
      if (allow && !allow[m * P + p]) continue;
      double d = 0;
      for (int64_t e = 0; e < E; e++) d += Q[e * P + p] * K[e * M + m];
      for (int64_t f = 0; f < F; f++) AV[f * P + p] += d * V[f * M + m];
    }
}
