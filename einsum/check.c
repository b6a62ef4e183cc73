/*
** check.c: semantic checks of a parsed cascade.  Gives every tensor its
** shape, resolves raw accesses against those shapes (merging "m1,m0" into
** one split term), computes each Einsum's iteration space, and refuses
** undefined or redefined tensors, arity and rank mismatches, left-hand
** indices the right cannot produce, missing outputs and inits, and
** dependency cycles that do not go through the iterative rank.
*/
#include "einsum_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *ix_name(const es_cascade *c, const es_index *ix) {
  return ix->kind == ES_IX_ZERO ? "0" : ix->kind == ES_IX_LAST ? c->ranks[ix->rank].name
                                                               : c->ranks[ix->rank].index;
}

/* Gives the defined tensor of a (non-init) Einsum its shape. */
static int define(es_parser *p, int xi) {
  es_cascade *c = p->c;
  es_einsum *x = &c->einsums[xi];
  es_tensor *t = &c->tensors[x->lhs.tensor];
  es_tinfo *in = &p->info[x->lhs.tensor];
  if (t->is_input)
    return es_errat(p, x->lhs.loc, "cannot assign to input '%s' (declared at %d:%d)", t->name, t->loc.line, t->loc.col);
  if (t->def >= 0)
    return es_errat(p, x->lhs.loc, "tensor '%s' redefined (first defined at %d:%d)", t->name, t->loc.line, t->loc.col);
  t->def = xi;
  t->loc = x->lhs.loc;
  t->ndims = x->lhs.n;
  in->declared = 1;
  for (int i = 0; i < x->lhs.n; i++) {
    const es_index *ix = &x->lhs.ix[i];
    if (ix->kind != ES_IX_VAR)
      return es_errat(p, ix->loc, "constant index '%s' on the left of an Einsum (initial slices are set with 'init')", ix_name(c, ix));
    for (int j = 0; j < i; j++)
      if (t->dim[j] == ix->rank)
        return es_errat(p, ix->loc, "index '%s' repeated on the left", c->ranks[ix->rank].index);
    if (ix->offset) {
      if (!c->ranks[ix->rank].iterative)
        return es_errat(p, ix->loc, "'%s+1' needs an iterative rank (declare 'iterate %s')",
                        c->ranks[ix->rank].index, c->ranks[ix->rank].index);
      t->iter_dim = i;
    } else if (c->ranks[ix->rank].iterative) {
      /* a plain m1 dim on the left is an ordinary dimension of extent M1;
         an iterative tensor must be written at m1+1 */
    }
    t->dim[i] = ix->rank;
  }
  return 0;
}

/* Attaches an `init` statement to its iterative tensor. */
static int attach_init(es_parser *p, int xi) {
  es_cascade *c = p->c;
  es_einsum *x = &c->einsums[xi];
  es_tensor *t = &c->tensors[x->lhs.tensor];
  if (t->is_input) return es_errat(p, x->lhs.loc, "cannot initialise input '%s'", t->name);
  if (t->def < 0) return es_errat(p, x->lhs.loc, "init of '%s', which no Einsum defines", t->name);
  if (t->iter_dim < 0)
    return es_errat(p, x->lhs.loc, "init applies to iterative tensors only ('%s' is never written at an 'i+1' index)", t->name);
  if (t->init >= 0) {
    const es_einsum *f = &c->einsums[t->init];
    return es_errat(p, x->lhs.loc, "'%s' initialised twice (first at %d:%d)", t->name, f->loc.line, f->loc.col);
  }
  if (x->lhs.n != t->ndims)
    return es_errat(p, x->lhs.loc, "'%s' has %d dimensions, but this init gives %d indices", t->name, t->ndims, x->lhs.n);
  for (int i = 0; i < t->ndims; i++) {
    const es_index *ix = &x->lhs.ix[i];
    if (i == t->iter_dim) {
      if (ix->kind != ES_IX_ZERO)
        return es_errat(p, ix->loc, "init sets slice 0: write 0 for the iterative index of '%s'", t->name);
    } else if (ix->kind != ES_IX_VAR || ix->offset || ix->rank != t->dim[i]) {
      return es_errat(p, ix->loc, "'%s' dimension %d is indexed by '%s', not '%s'", t->name, i + 1,
                      c->ranks[t->dim[i]].index, ix_name(c, ix));
    }
  }
  t->init = xi;
  return 0;
}

/* Resolves a raw access against its tensor's shape, in place. */
static int resolve(es_parser *p, es_access *a) {
  es_cascade *c = p->c;
  const es_tensor *t = &c->tensors[a->tensor];
  es_index out[ES_MAX_DIMS];
  int k = 0;
  for (int d = 0; d < t->ndims; d++) {
    if (k >= a->n)
      return es_errat(p, a->loc, "'%s' has %d dimension%s, but this access gives too few indices",
                      t->name, t->ndims, t->ndims == 1 ? "" : "s");
    const es_rank *R = &c->ranks[t->dim[d]];
    es_index ix = a->ix[k];
    int iter = d == t->iter_dim;
    switch (ix.kind) {
    case ES_IX_VAR:
      if (ix.rank == t->dim[d]) {
        if (ix.offset && !iter)
          return es_errat(p, ix.loc, "'+1' selects the next slice of an iterative dimension; dimension %d of '%s' is not one", d + 1, t->name);
        k++;
      } else if (R->outer == ix.rank && !ix.offset && k + 1 < a->n &&
                 a->ix[k + 1].kind == ES_IX_VAR && a->ix[k + 1].rank == R->inner &&
                 !a->ix[k + 1].offset) {
        ix.kind = ES_IX_SPLIT;
        ix.rank2 = R->inner;
        k += 2;
      } else {
        return es_errat(p, ix.loc, "dimension %d of '%s' is rank %s (index '%s'), not '%s'", d + 1,
                        t->name, R->name, R->index, ix_name(c, &ix));
      }
      break;
    case ES_IX_ZERO:
      if (!iter) return es_errat(p, ix.loc, "0 selects the initial slice of an iterative dimension; dimension %d of '%s' is not one", d + 1, t->name);
      ix.rank = t->dim[d];
      k++;
      break;
    case ES_IX_LAST:
      if (!iter || ix.rank != t->dim[d])
        return es_errat(p, ix.loc, "'%s' selects the final slice of an iterative dimension of rank %s; dimension %d of '%s' is not one",
                        c->ranks[ix.rank].name, c->ranks[ix.rank].name, d + 1, t->name);
      k++;
      break;
    case ES_IX_SPLIT:
      return es_errat(p, ix.loc, "internal: access resolved twice");
    }
    out[d] = ix;
  }
  if (k < a->n)
    return es_errat(p, a->ix[k].loc, "'%s' has %d dimension%s, but this access gives more indices",
                    t->name, t->ndims, t->ndims == 1 ? "" : "s");
  memcpy(a->ix, out, sizeof out[0] * (size_t)t->ndims);
  a->n = t->ndims;
  return 0;
}

/* Rank sets as bit masks: ES_MAX_RANKS <= 32. */
typedef uint32_t rset;

/* Resolves accesses under x and collects its free index ranks (those not
** bound by an enclosing reduction) in first-use order into order[]. */
static int walk(es_parser *p, es_expr *x, rset bound, rset *free_, int *order, int *norder, rset *used) {
  switch (x->kind) {
  case ES_E_NUM:
    return 0;
  case ES_E_ACCESS: {
    if (resolve(p, &x->acc)) return -1;
    for (int d = 0; d < x->acc.n; d++) {
      const es_index *ix = &x->acc.ix[d];
      if (ix->kind != ES_IX_VAR && ix->kind != ES_IX_SPLIT) continue;
      int rs[2] = { ix->rank, ix->rank2 };
      for (int j = 0; j < 2 && rs[j] >= 0; j++) {
        rset b = (rset)1 << rs[j];
        *used |= b;
        if (bound & b) continue;
        if (!(*free_ & b)) { *free_ |= b; order[(*norder)++] = rs[j]; }
      }
    }
    return 0;
  }
  case ES_E_NEG:
  case ES_E_EXP:
    return walk(p, x->a, bound, free_, order, norder, used);
  case ES_E_BIN:
    if (walk(p, x->a, bound, free_, order, norder, used)) return -1;
    return walk(p, x->b, bound, free_, order, norder, used);
  case ES_E_REDUCE: {
    rset mine = 0;
    for (int i = 0; i < x->nred; i++) {
      rset b = (rset)1 << x->red[i];
      if (bound & b)
        return es_errat(p, x->loc, "index '%s' is already reduced by an enclosing reduction", p->c->ranks[x->red[i]].index);
      mine |= b;
    }
    rset inner_used = 0;
    if (walk(p, x->a, bound | mine, free_, order, norder, &inner_used)) return -1;
    for (int i = 0; i < x->nred; i++)
      if (!(inner_used & ((rset)1 << x->red[i])))
        return es_errat(p, x->loc, "reduction over '%s', which its operand does not use", p->c->ranks[x->red[i]].index);
    *used |= inner_used;
    return 0;
  }
  }
  return 0;
}

/* Reductions may not bind an index that is on the left. */
static int check_reduced_not_lhs(es_parser *p, const es_expr *x, rset lhs) {
  if (!x) return 0;
  if (x->kind == ES_E_REDUCE)
    for (int i = 0; i < x->nred; i++)
      if (lhs & ((rset)1 << x->red[i]))
        return es_errat(p, x->loc, "index '%s' is both reduced and on the left", p->c->ranks[x->red[i]].index);
  if (check_reduced_not_lhs(p, x->a, lhs)) return -1;
  return check_reduced_not_lhs(p, x->b, lhs);
}

static int space_of(es_parser *p, int xi) {
  es_cascade *c = p->c;
  es_einsum *x = &c->einsums[xi];
  rset lhs = 0, free_ = 0, used = 0;
  int order[ES_MAX_RANKS], norder = 0;
  x->nspace = 0;
  for (int i = 0; i < x->lhs.n; i++)
    if (x->lhs.ix[i].kind == ES_IX_VAR) {
      lhs |= (rset)1 << x->lhs.ix[i].rank;
      x->space[x->nspace++] = x->lhs.ix[i].rank;
    }
  if (check_reduced_not_lhs(p, x->rhs, lhs)) return -1;
  if (walk(p, x->rhs, 0, &free_, order, &norder, &used)) return -1;
  if (!x->is_init)
    for (int i = 0; i < x->lhs.n; i++) {
      const es_index *ix = &x->lhs.ix[i];
      if (ix->kind == ES_IX_VAR && !(free_ & ((rset)1 << ix->rank)))
        return es_errat(p, ix->loc, "index '%s' on the left does not occur on the right", c->ranks[ix->rank].index);
    }
  x->nsum = 0;
  for (int i = 0; i < norder; i++)
    if (!(lhs & ((rset)1 << order[i]))) {
      x->space[x->nspace++] = order[i];
      x->nsum++;
    }
  return 0;
}

/* ---- dependency cycles -------------------------------------------------- */

typedef struct dfs {
  es_parser *p;
  char *color;                /* 0 white, 1 on stack, 2 done */
  int *stack, depth;
  int *post, npost;           /* einsums in dependency (post) order */
} dfs;

/* Calls fn(d, arg) for every Einsum that einsum x must wait for within an
** iteration: the definer of each tensor it reads, except reads of earlier
** slices of an iterative tensor (loop-carried), which wait for its init. */
static int for_deps(const es_cascade *c, const es_expr *x, int (*fn)(dfs *, int, es_loc), dfs *st) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) {
    const es_tensor *t = &c->tensors[x->acc.tensor];
    int carried = 0;
    if (t->iter_dim >= 0) {
      const es_index *ix = &x->acc.ix[t->iter_dim];
      carried = ix->kind == ES_IX_ZERO || (ix->kind == ES_IX_VAR && !ix->offset);
    }
    int d = carried ? t->init : t->def;
    if (d >= 0 && fn(st, d, x->loc)) return -1;
    return 0;
  }
  if (for_deps(c, x->a, fn, st)) return -1;
  return for_deps(c, x->b, fn, st);
}

static int visit(dfs *st, int xi, es_loc from);

static int visit(dfs *st, int xi, es_loc from) {
  es_cascade *c = st->p->c;
  if (st->color[xi] == 2) return 0;
  if (st->color[xi] == 1) {
    char path[300];
    size_t n = 0;
    int start = st->depth - 1;
    while (start > 0 && st->stack[start] != xi) start--;
    for (int i = start; i < st->depth && n < sizeof path - 40; i++)
      n += (size_t)snprintf(path + n, sizeof path - n, "%s -> ",
                            c->tensors[c->einsums[st->stack[i]].lhs.tensor].name);
    snprintf(path + n, sizeof path - n, "%s", c->tensors[c->einsums[xi].lhs.tensor].name);
    return es_errat(st->p, from, "dependency cycle not through the iterative rank: %s", path);
  }
  st->color[xi] = 1;
  st->stack[st->depth++] = xi;
  if (for_deps(c, c->einsums[xi].rhs, visit, st)) return -1;
  st->depth--;
  st->color[xi] = 2;
  st->post[st->npost++] = xi;
  return 0;
}

static int check_cycles(es_parser *p) {
  es_cascade *c = p->c;
  size_t n = (size_t)c->neinsums + 1;
  dfs st = { p, calloc(n, 1), malloc(sizeof(int) * n), 0, malloc(sizeof(int) * n), 0 };
  int rc = 0;
  if (!st.color || !st.stack || !st.post) rc = at_errf(p->e, "%s: out of memory", p->file);
  for (int i = 0; !rc && i < c->neinsums; i++)
    rc = visit(&st, i, c->einsums[i].loc);
  free(st.color);
  free(st.stack);
  if (rc) free(st.post);
  else c->order = st.post;
  return rc;
}

int es_check(es_parser *p) {
  es_cascade *c = p->c;
  for (int i = 0; i < c->neinsums; i++)
    if (!c->einsums[i].is_init && define(p, i)) return -1;
  for (int i = 0; i < c->neinsums; i++)
    if (c->einsums[i].is_init && attach_init(p, i)) return -1;
  for (int i = 0; i < c->ntensors; i++) {
    const es_tensor *t = &c->tensors[i];
    if (!p->info[i].declared && t->def < 0 && !p->info[i].out_decl)
      return es_errat(p, p->info[i].first_use, "undefined tensor '%s'", t->name);
  }
  int outputs = 0;
  for (int i = 0; i < c->ntensors; i++) {
    es_tensor *t = &c->tensors[i];
    es_tinfo *in = &p->info[i];
    outputs += t->is_output;
    if (!in->out_decl) continue;
    if (t->is_input) return es_errat(p, in->out_access.loc, "input '%s' cannot be an output", t->name);
    if (t->def < 0) return es_errat(p, in->out_access.loc, "output '%s' is never produced", t->name);
    int ok = in->out_access.n == t->ndims;
    for (int d = 0; ok && d < t->ndims; d++) {
      const es_index *ix = &in->out_access.ix[d];
      ok = ix->kind == ES_IX_VAR && !ix->offset && ix->rank == t->dim[d] && d != t->iter_dim;
    }
    if (!ok) return es_errat(p, in->out_access.loc, "output declaration of '%s' does not match its definition at %d:%d",
                             t->name, t->loc.line, t->loc.col);
  }
  if (!outputs) return es_errat(p, p->eof, "the cascade has no output (mark its result with 'output')");
  for (int i = 0; i < c->neinsums; i++)
    if (space_of(p, i)) return -1;
  for (int i = 0; i < c->ntensors; i++) {
    const es_tensor *t = &c->tensors[i];
    if (t->iter_dim >= 0 && t->init < 0)
      return es_errat(p, t->loc, "iterative tensor '%s' has no init (add 'init %s[..0..] = value')", t->name, t->name);
    if (t->is_output && t->iter_dim >= 0)
      return es_errat(p, t->loc, "output '%s' is iterative; output its final slice through another Einsum", t->name);
  }
  return check_cycles(p);
}
