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
    return es_errat(p, x->lhs.loc, "'%s' has %d dimension%s, but this init gives %d ind%s", t->name, t->ndims,
                    t->ndims == 1 ? "" : "s", x->lhs.n, x->lhs.n == 1 ? "ex" : "ices");
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
      } else if (R->outer >= 0) {
        return es_errat(p, ix.loc, "dimension %d of '%s' is rank %s (index '%s', or '%s,%s' split), not '%s'",
                        d + 1, t->name, R->name, R->index, c->ranks[R->outer].index,
                        c->ranks[R->inner].index, ix_name(c, &ix));
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
    return es_errat(p, a->ix[k].loc, "'%s' has %d dimension%s, but this access gives too many indices",
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
    if (p->c->tensors[x->acc.tensor].is_mask)
      return es_errat(p, x->loc, "mask '%s' cannot be read; it applies as a predicate wherever its tile ranks are",
                      p->c->tensors[x->acc.tensor].name);
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

/* ---- predicates ----------------------------------------------------------- */

/* Whether p applies in a reduction somewhere under x, s being the ranks
** bound around it; *all collects every rank bound anywhere. */
static int applies_under(const es_cascade *c, const es_pred *q, const es_expr *x, es_rset s, es_rset *all) {
  if (!x) return 0;
  if (x->kind == ES_E_REDUCE) {
    for (int i = 0; i < x->nred; i++) s |= (es_rset)1 << x->red[i];
    *all |= s;
    if (es_pred_computable(c, q, s)) return 1;
  }
  return applies_under(c, q, x->a, s, all) | applies_under(c, q, x->b, s, all);
}

/* Whether q applies to einsum i: at its space, its step's block, or a
** reduction.  *all: every rank bound in i. */
static int applies_to(const es_cascade *c, const es_pred *q, int i, es_rset *all) {
  es_rset s = es_space_set(c, i), b = es_block_of(c, i);
  *all = s | b;
  if (es_pred_computable(c, q, s) || (b && es_pred_computable(c, q, s | b))) return 1;
  return applies_under(c, q, c->einsums[i].rhs, s, all);
}

static int check_preds(es_parser *p) {
  es_cascade *c = p->c;
  for (int k = 0; k < c->npreds; k++) {
    const es_pred *q = &c->preds[k];
    for (int t = 0; t < q->nterm; t++)
      if (q->term[t].kind == ES_PT_PARAM && c->params[q->term[t].ref].kind == ES_P_DENSITY)
        return es_errat(p, q->term[t].loc, "'%s' is a mask density, a fraction; predicates compare integer sizes",
                        c->params[q->term[t].ref].name);
    es_rset all = 0;
    if (q->einsum >= 0) {
      if (applies_to(c, q, q->einsum, &all)) continue;
      for (int t = 0; t < q->nterm; t++)
        if (q->term[t].kind == ES_PT_INDEX && !es_computable(c, q->term[t].ref, all))
          return es_errat(p, q->term[t].loc, "predicate index '%s' is not in this Einsum's iteration space",
                          c->ranks[q->term[t].ref].index);
      return es_errat(p, q->loc, "the predicate's indices are never bound together in this Einsum");
    }
    int any = 0;
    for (int i = 0; i < c->neinsums && !any; i++)
      any = !c->einsums[i].is_init && applies_to(c, q, i, &all);
    if (any) continue;
    char names[200];
    size_t n = 0;
    names[0] = 0;
    for (int r = 0; r < c->nranks && n < sizeof names - ES_MAX_NAME - 2; r++)
      if (q->ranks & ((es_rset)1 << r))
        n += (size_t)snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", c->ranks[r].index);
    if (q->mask >= 0)
      return es_errat(p, q->loc, "mask '%s' applies to no Einsum: none binds all of %s", c->tensors[q->mask].name, names);
    return es_errat(p, q->loc, "predicate applies to no Einsum: none binds all of %s", names);
  }
  return 0;
}

/* ---- dependency cycles -------------------------------------------------- */

/* How an Einsum depends on the Einsum producing what it reads, k being the
** iterative index and a "step" Einsum one with k on its left:
**   DEP_SAME     at the same step, or outside the steps altogether;
**   DEP_CARRIED  at the previous step: a step Einsum reading slice R[k];
**   DEP_ALL      at every step: a read of the final slice R[K], or a read
**                of a step Einsum's result by an Einsum that is not one
**                (k summed or reduced, or an init).
** The only legal cycles go through a DEP_CARRIED edge and no DEP_ALL edge:
** then step k waits only for earlier steps.  So "init R[0] = Z" with
** "Z = sum(k: R[k])" is refused (a cycle through an init), and so is
** "X[k] = R[k]", "S = sum(k: X[k])", "R[k+1] = R[k] + S" (S needs every
** step of X, and X's later steps need S). */
typedef enum dep_kind { DEP_SAME, DEP_CARRIED, DEP_ALL } dep_kind;

typedef struct dep {
  int to;                     /* the producing Einsum */
  dep_kind kind;
  es_loc at;                  /* the read */
} dep;

typedef struct graph {
  es_parser *p;
  dep *e;                     /* edges, grouped by reader: */
  int *first;                 /* reader x's are e[first[x] .. first[x+1]) */
  int ne, cap;
  char *color;                /* DFS: 0 white, 1 on stack, 2 done */
  int *stack, depth;
  int *post, npost;           /* Einsums in dependency (post) order */
  int *index, *low, *comp, *tstack, ntstack, counter, ncomp;   /* Tarjan */
} graph;

static int step_einsum(const es_cascade *c, const es_einsum *x) {
  for (int i = 0; i < x->lhs.n; i++)
    if (x->lhs.ix[i].kind == ES_IX_VAR && x->lhs.ix[i].rank == c->iter_rank) return 1;
  return 0;
}

static int add_dep(graph *g, int to, dep_kind kind, es_loc at) {
  if (to < 0) return 0;
  if (g->ne == g->cap) {
    int ncap = g->cap ? g->cap * 2 : 64;
    dep *ne = realloc(g->e, sizeof *ne * (size_t)ncap);
    if (!ne) return at_errf(g->p->e, "%s: out of memory", g->p->file);
    g->e = ne;
    g->cap = ncap;
  }
  g->e[g->ne++] = (dep){ to, kind, at };
  return 0;
}

/* The edges of an Einsum (a step Einsum if `step`) reading expression x. */
static int collect(graph *g, int step, const es_expr *x) {
  const es_cascade *c = g->p->c;
  if (!x) return 0;
  if (x->kind != ES_E_ACCESS) {
    if (collect(g, step, x->a)) return -1;
    return collect(g, step, x->b);
  }
  const es_tensor *t = &c->tensors[x->acc.tensor];
  if (t->is_input || t->def < 0) return 0;
  if (t->iter_dim < 0) {
    int all = !step && step_einsum(c, &c->einsums[t->def]);
    return add_dep(g, t->def, all ? DEP_ALL : DEP_SAME, x->loc);
  }
  const es_index *ix = &x->acc.ix[t->iter_dim];
  switch (ix->kind) {
  case ES_IX_ZERO:
    return add_dep(g, t->init, DEP_SAME, x->loc);
  case ES_IX_LAST:
    return add_dep(g, t->def, DEP_ALL, x->loc);
  default:
    if (!ix->offset && add_dep(g, t->init, DEP_SAME, x->loc)) return -1;
    return add_dep(g, t->def, !step ? DEP_ALL : ix->offset ? DEP_SAME : DEP_CARRIED, x->loc);
  }
}

/* "init R -> S -> R -> init R": an init and its Einsum share a tensor name. */
static const char *einsum_name(const es_cascade *c, int xi, char *buf, size_t n) {
  snprintf(buf, n, "%s%s", c->einsums[xi].is_init ? "init " : "", c->tensors[c->einsums[xi].lhs.tensor].name);
  return buf;
}

/* Depth-first over DEP_SAME and DEP_ALL edges: a cycle there has no step
** to go back through.  Leaves the post order (producers first). */
static int visit(graph *g, int xi, es_loc from) {
  es_cascade *c = g->p->c;
  char nm[ES_MAX_NAME + 8];
  if (g->color[xi] == 2) return 0;
  if (g->color[xi] == 1) {
    char path[300];
    size_t n = 0;
    int start = g->depth - 1;
    while (start > 0 && g->stack[start] != xi) start--;
    for (int i = start; i < g->depth; i++) {
      if (n > sizeof path - 88) {   /* keep room for "... -> " and the last name */
        n += (size_t)snprintf(path + n, sizeof path - n, "... -> ");
        break;
      }
      n += (size_t)snprintf(path + n, sizeof path - n, "%s -> ", einsum_name(c, g->stack[i], nm, sizeof nm));
    }
    snprintf(path + n, sizeof path - n, "%s", einsum_name(c, xi, nm, sizeof nm));
    return es_errat(g->p, from, "dependency cycle not through the iterative rank: %s", path);
  }
  g->color[xi] = 1;
  g->stack[g->depth++] = xi;
  for (int k = g->first[xi]; k < g->first[xi + 1]; k++)
    if (g->e[k].kind != DEP_CARRIED && visit(g, g->e[k].to, g->e[k].at)) return -1;
  g->depth--;
  g->color[xi] = 2;
  g->post[g->npost++] = xi;
  return 0;
}

/* Tarjan's strongly connected components over every edge. */
static void scc(graph *g, int v) {
  g->index[v] = g->low[v] = ++g->counter;
  g->tstack[g->ntstack++] = v;
  g->comp[v] = -2;            /* on the stack */
  for (int k = g->first[v]; k < g->first[v + 1]; k++) {
    int w = g->e[k].to;
    if (!g->index[w]) {
      scc(g, w);
      if (g->low[w] < g->low[v]) g->low[v] = g->low[w];
    } else if (g->comp[w] == -2 && g->index[w] < g->low[v]) {
      g->low[v] = g->index[w];
    }
  }
  if (g->low[v] == g->index[v]) {
    int w;
    do {
      w = g->tstack[--g->ntstack];
      g->comp[w] = g->ncomp;
    } while (w != v);
    g->ncomp++;
  }
}

static int check_cycles(es_parser *p) {
  es_cascade *c = p->c;
  int n = c->neinsums;
  size_t sz = (size_t)n + 1;
  graph g;
  memset(&g, 0, sizeof g);
  g.p = p;
  g.first = malloc(sizeof(int) * sz);
  g.color = calloc(sz, 1);
  g.stack = malloc(sizeof(int) * sz);
  g.post = malloc(sizeof(int) * sz);
  g.index = calloc(sz, sizeof(int));
  g.low = malloc(sizeof(int) * sz);
  g.comp = malloc(sizeof(int) * sz);
  g.tstack = malloc(sizeof(int) * sz);
  int rc = 0;
  if (!g.first || !g.color || !g.stack || !g.post || !g.index || !g.low || !g.comp || !g.tstack)
    rc = at_errf(p->e, "%s: out of memory", p->file);
  for (int i = 0; !rc && i < n; i++) {
    g.first[i] = g.ne;
    rc = collect(&g, step_einsum(c, &c->einsums[i]), c->einsums[i].rhs);
  }
  if (!rc) g.first[n] = g.ne;
  for (int i = 0; !rc && i < n; i++)
    rc = visit(&g, i, c->einsums[i].loc);
  for (int i = 0; !rc && i < n; i++)
    if (!g.index[i]) scc(&g, i);
  /* a DEP_ALL edge inside a component closes a cycle across the steps */
  for (int i = 0; !rc && i < n; i++)
    for (int k = g.first[i]; !rc && k < g.first[i + 1]; k++) {
      const dep *d = &g.e[k];
      if (d->kind != DEP_ALL || g.comp[d->to] != g.comp[i]) continue;
      char a[ES_MAX_NAME + 8], b[ES_MAX_NAME + 8];
      rc = es_errat(p, d->at, "dependency cycle across the steps of '%s': %s reads every step of %s, which depends on %s",
                    c->ranks[c->iter_rank].index, einsum_name(c, i, a, sizeof a),
                    einsum_name(c, d->to, b, sizeof b), a);
    }
  free(g.e);
  free(g.first);
  free(g.color);
  free(g.stack);
  free(g.index);
  free(g.low);
  free(g.comp);
  free(g.tstack);
  if (rc) free(g.post);
  else c->order = g.post;
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
  if (check_preds(p)) return -1;
  return check_cycles(p);
}
