/*
** pred.c: iteration-space predicates (`where`, statement suffixes, block
** masks).  Where a predicate applies, its value at a point, and the exact
** count of the points of a scope that run (es_points), which the operation
** counts and the engines use.  Counting never enumerates the whole space:
** ranks no predicate names are multiplied in, and one rank of each scope is
** solved in closed form (an interval, minus the points a `!=` excludes), so
** a causal edge costs one step per value of the other rank, and a tile the
** edge cuts in two is counted exactly.
*/
#include "einsum_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int sadd64(int64_t a, int64_t b, int64_t *r) { return __builtin_add_overflow(a, b, r); }

int es_computable(const es_cascade *c, int r, es_rset s) {
  if (s & ((es_rset)1 << r)) return 1;
  const es_rank *R = &c->ranks[r];
  return R->outer >= 0 && es_computable(c, R->outer, s) && es_computable(c, R->inner, s);
}

int es_pred_computable(const es_cascade *c, const es_pred *p, es_rset s) {
  for (int r = 0; r < c->nranks; r++)
    if ((p->ranks & ((es_rset)1 << r)) && !es_computable(c, r, s)) return 0;
  return 1;
}

int es_pred_of(const es_cascade *c, const es_pred *p, int i) {
  return !c->einsums[i].is_init && (p->einsum < 0 || p->einsum == i);
}

es_rset es_left_set(const es_cascade *c, int i) {
  const es_einsum *x = &c->einsums[i];
  es_rset s = 0;
  for (int k = 0; k < x->nspace - x->nsum; k++) s |= (es_rset)1 << x->space[k];
  return s;
}

es_rset es_space_set(const es_cascade *c, int i) {
  const es_einsum *x = &c->einsums[i];
  es_rset s = 0;
  for (int k = 0; k < x->nspace; k++) s |= (es_rset)1 << x->space[k];
  return s;
}

static es_rset leaves(const es_cascade *c, int r) {
  const es_rank *R = &c->ranks[r];
  if (R->outer < 0) return (es_rset)1 << r;
  return leaves(c, R->outer) | leaves(c, R->inner);
}

es_rset es_block_of(const es_cascade *c, int i) {
  int k = c->iter_rank;
  if (k < 0 || c->einsums[i].is_init) return 0;
  es_rset left = es_left_set(c, i);
  if (!(left & ((es_rset)1 << k))) return 0;
  int root = k;
  while (c->ranks[root].parent >= 0) root = c->ranks[root].parent;
  return leaves(c, root) & ~left & ~((es_rset)1 << k);
}

int64_t es_rank_value(const es_cascade *c, int r, es_rset s, const int64_t *var) {
  if (s & ((es_rset)1 << r)) return var[r];
  const es_rank *R = &c->ranks[r];
  return es_rank_value(c, R->outer, s, var) * c->ranks[R->inner].size + es_rank_value(c, R->inner, s, var);
}

static int64_t term_value(const es_cascade *c, const es_pterm *t, es_rset s, const int64_t *var) {
  switch (t->kind) {
  case ES_PT_INDEX: return t->coef * es_rank_value(c, t->ref, s, var);
  case ES_PT_SIZE: return t->coef * c->ranks[t->ref].size;
  case ES_PT_PARAM: return t->coef * c->params[t->ref].size;
  case ES_PT_NUM: return t->coef;
  }
  return 0;
}

static int cmp_holds(es_cmp k, int64_t v) {
  switch (k) {
  case ES_C_LT: return v < 0;
  case ES_C_LE: return v <= 0;
  case ES_C_GT: return v > 0;
  case ES_C_GE: return v >= 0;
  case ES_C_EQ: return v == 0;
  case ES_C_NE: return v != 0;
  }
  return 0;
}

/* The element of mask p at the tile indices var[] gives in scope s. */
static int mask_holds(const es_cascade *c, const es_pred *p, es_rset s, const int64_t *var) {
  const es_tensor *T = &c->tensors[p->mask];
  uint64_t f = 0;
  for (int d = 0; d < T->ndims; d++)
    f = f * (uint64_t)c->ranks[T->dim[d]].size + (uint64_t)es_rank_value(c, T->dim[d], s, var);
  return c->maskbits[p->mask][f] != 0;
}

/* Interpreter sizes are small (es_eval's element budget), so the plain
** int64 arithmetic here cannot overflow; the counts below check theirs. */
int es_pred_holds(const es_cascade *c, const es_pred *p, es_rset s, const int64_t *var) {
  if (p->mask >= 0) return mask_holds(c, p, s, var);
  int64_t v = 0;
  for (int i = 0; i < p->nterm; i++) v += term_value(c, &p->term[i], s, var);
  return cmp_holds(p->cmp, v);
}

int es_has_preds(const es_cascade *c) { return c->npreds > 0; }

int es_masks_missing(const es_cascade *c, at_err *e) {
  for (int i = 0; i < c->npreds; i++) {
    const es_pred *p = &c->preds[i];
    if (p->mask >= 0 && (!c->maskbits || !c->maskbits[p->mask]))
      return !e ? -1 : at_errloc(e, c->file, p->loc.line, p->loc.col, "mask %s has no pattern (load one: --mask %s=FILE)",
                       c->tensors[p->mask].name, c->tensors[p->mask].name);
  }
  return 0;
}

int es_point_allowed(const es_cascade *c, int einsum, const int64_t *val) {
  if (!c->bound || es_masks_missing(c, NULL)) return -1;
  int64_t var[ES_MAX_RANKS] = { 0 };
  es_rset all = 0;
  /* parts are declared after their parent: derive them in order */
  for (int r = 0; r < c->nranks; r++) {
    const es_rank *R = &c->ranks[r];
    all |= (es_rset)1 << r;
    if (R->parent < 0) var[r] = val[r];
    if (R->outer >= 0) {
      int64_t in = c->ranks[R->inner].size;
      var[R->outer] = var[r] / in;
      var[R->inner] = var[r] % in;
    }
  }
  int global = 0;
  for (int i = 0; i < c->npreds; i++) global |= c->preds[i].einsum < 0;
  for (int i = 0; i < c->npreds; i++) {
    const es_pred *p = &c->preds[i];
    if (einsum >= 0 ? !es_pred_of(c, p, einsum) : global && p->einsum >= 0) continue;
    if (!es_pred_holds(c, p, all, var)) return 0;
  }
  return 1;
}

void es_range_full(const es_cascade *c, es_range *r) {
  memset(r, 0, sizeof *r);
  for (int k = 0; k < c->nranks; k++) r->hi[k] = c->ranks[k].size;
}

/* ---- exact counting ------------------------------------------------------ */

/* A comparison linearised over the leaf ranks of a scope:
** sum k[r] * x_r + c0  (<= | == | !=)  0. */
typedef enum { L_LE, L_EQ, L_NE } lkind;
typedef struct lcons {
  int64_t k[ES_MAX_RANKS];
  int64_t c0;
  lkind kind;
} lcons;

#define MAXC 128              /* an == or != is one constraint; < 64 preds */
#define BUDGET ((uint64_t)1 << 32)   /* enumeration steps per count */

typedef struct cset {
  int n, nm;
  es_rset vars;               /* ranks with a non-zero coefficient */
  es_rset mvars;              /* ranks a mask reads */
  lcons c[MAXC];              /* c[0..n): only these are ever read */
  const es_pred *m[MAXC];     /* masks, m[0..nm) */
} cset;

typedef struct counter {
  const es_cascade *c;
  cset a;                     /* A_S: what each point of the scope must satisfy */
  cset x;                     /* the step's block must hold a point satisfying these */
  int exist;                  /* check x */
  int vars[ES_MAX_RANKS], nvars;    /* scope ranks enumerated, those masks
                                       read first */
  int nmvars;                 /* vars[0..nmvars): every rank a mask reads */
  int solve;                  /* scope rank solved in closed form, or -1 */
  int evars[ES_MAX_RANKS], nevars;  /* block ranks enumerated */
  int esolve;                 /* block rank solved in closed form, or -1 */
  int64_t lo[ES_MAX_RANKS], hi[ES_MAX_RANKS];
  int64_t val[ES_MAX_RANKS];
  uint64_t steps;
  int failed;                 /* overflow or budget */
  int sum;                    /* scope rank summed in closed form around
                                 `solve` (sum2d), or -1 */
  int mbox;                   /* the one mask's ranks are vars[0..nmvars),
                                 each one of its dims, and no constraint
                                 names them: its set bits in the box times
                                 the count of the rest (mask_box) */
  int mrow;                   /* the one mask's ranks are vars[0..nmvars), its
                                 last dim last: that level walks the set
                                 bits of its packed row (a sparse mask's
                                 blocks, not all of them) */
  int mknown;                 /* inside either: the mask of a holds */
} counter;

/* Whether counting takes the closed forms (simplify, sum2d); 0 only in the
** reference count the tests compare them with (es_points_reference). */
static int closed_forms = 1;

static int lin_rank(const es_cascade *c, int r, es_rset s, int64_t coef, lcons *l) {
  if (s & ((es_rset)1 << r)) return sadd64(l->k[r], coef, &l->k[r]);
  const es_rank *R = &c->ranks[r];
  int64_t outer;
  if (at_smul64(coef, c->ranks[R->inner].size, &outer)) return -1;
  if (lin_rank(c, R->outer, s, outer, l)) return -1;
  return lin_rank(c, R->inner, s, coef, l);
}

/* Adds p, computable in scope s, to cs. */
static int add_pred(const es_cascade *c, const es_pred *p, es_rset s, cset *cs) {
  if (p->mask >= 0) {
    cs->m[cs->nm++] = p;
    const es_tensor *T = &c->tensors[p->mask];
    for (int d = 0; d < T->ndims; d++) {
      es_rset need = 0;
      for (int r = 0; r < c->nranks; r++)
        if ((s & ((es_rset)1 << r)) && (leaves(c, T->dim[d]) & leaves(c, r))) need |= (es_rset)1 << r;
      cs->mvars |= need;
    }
    return 0;
  }
  lcons l;
  memset(&l, 0, sizeof l);
  for (int i = 0; i < p->nterm; i++) {
    const es_pterm *t = &p->term[i];
    int64_t v;
    switch (t->kind) {
    case ES_PT_INDEX:
      if (lin_rank(c, t->ref, s, t->coef, &l)) return -1;
      continue;
    case ES_PT_SIZE: if (at_smul64(t->coef, c->ranks[t->ref].size, &v)) return -1; break;
    case ES_PT_PARAM: if (at_smul64(t->coef, c->params[t->ref].size, &v)) return -1; break;
    default: v = t->coef; break;
    }
    if (sadd64(l.c0, v, &l.c0)) return -1;
  }
  /* a < b: a-b+1 <= 0; a > b: b-a+1 <= 0; a >= b: b-a <= 0 */
  int neg = p->cmp == ES_C_GT || p->cmp == ES_C_GE;
  if (neg) {
    for (int r = 0; r < c->nranks; r++) l.k[r] = -l.k[r];
    l.c0 = -l.c0;
  }
  if ((p->cmp == ES_C_LT || p->cmp == ES_C_GT) && sadd64(l.c0, 1, &l.c0)) return -1;
  l.kind = p->cmp == ES_C_EQ ? L_EQ : p->cmp == ES_C_NE ? L_NE : L_LE;
  for (int r = 0; r < c->nranks; r++)
    if (l.k[r]) cs->vars |= (es_rset)1 << r;
  cs->c[cs->n++] = l;
  return 0;
}

/* Every predicate of einsum i computable in s (and, with `need`, naming a
** rank of need's ranks' trees) into cs. */
static int collect_preds(const es_cascade *c, int i, es_rset s, cset *cs) {
  memset(cs, 0, offsetof(cset, c));   /* the arrays are read only below n, nm */
  for (int k = 0; k < c->npreds; k++) {
    const es_pred *p = &c->preds[k];
    if (!es_pred_of(c, p, i) || !es_pred_computable(c, p, s)) continue;
    if (add_pred(c, p, s, cs)) return -1;
  }
  return 0;
}

static int64_t floor_div(int64_t a, int64_t b) {   /* b > 0 */
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* sum over r != s of k[r] * val[r] + c0, checked. */
static int rest_of(counter *q, const lcons *l, int s, int64_t *out) {
  int64_t v = l->c0;
  for (int r = 0; r < q->c->nranks; r++) {
    if (r == s || !l->k[r]) continue;
    int64_t t;
    if (at_smul64(l->k[r], q->val[r], &t) || sadd64(v, t, &v)) return -1;
  }
  *out = v;
  return 0;
}

/* Points x_s in [lo, hi) satisfying every constraint of cs at val[], the
** other ranks fixed; s < 0: 1 or 0 for the point val[] itself.  Masks
** never read s. */
static int masks_hold(counter *q, const cset *cs, es_rset scope) {
  if (q->mknown && cs == &q->a) return 1;
  for (int i = 0; i < cs->nm; i++)
    if (!mask_holds(q->c, cs->m[i], scope, q->val)) return 0;
  return 1;
}

static int64_t solve_count(counter *q, const cset *cs, int s, int64_t lo, int64_t hi, es_rset scope) {
  int64_t L = lo, H = hi - 1, excl[MAXC];
  int nex = 0;
  if (!masks_hold(q, cs, scope)) return 0;
  for (int i = 0; i < cs->n; i++) {
    const lcons *l = &cs->c[i];
    int64_t r;
    if (rest_of(q, l, s, &r)) { q->failed = 1; return 0; }
    int64_t a = s >= 0 ? l->k[s] : 0;
    if (a == 0) {
      if (!(l->kind == L_LE ? r <= 0 : l->kind == L_EQ ? r == 0 : r != 0)) return 0;
      continue;
    }
    if (r == INT64_MIN) { q->failed = 1; return 0; }
    int64_t nr = -r;          /* a * x <= | == | != nr */
    if (l->kind == L_LE) {
      if (a > 0) { int64_t b = floor_div(nr, a); if (b < H) H = b; }
      else { int64_t b = -floor_div(nr, -a); if (b > L) L = b; }    /* x >= ceil(nr / a) */
    } else if (nr % a) {
      if (l->kind == L_EQ) return 0;
    } else if (l->kind == L_EQ) {
      int64_t b = nr / a;
      if (b > L) L = b;
      if (b < H) H = b;
    } else {
      excl[nex++] = nr / a;
    }
  }
  if (s < 0) return 1;
  if (H < L) return 0;
  int64_t n = H - L + 1;
  for (int i = 0; i < nex; i++) {
    int dup = excl[i] < L || excl[i] > H;
    for (int j = 0; j < i && !dup; j++) dup = excl[j] == excl[i];
    if (!dup) n--;
  }
  return n;
}

static int tick(counter *q) {
  if (++q->steps > BUDGET) { q->failed = 2; return -1; }
  return 0;
}

/* Whether the block (ranks evars, esolve) holds a point satisfying q->x. */
static int exists(counter *q, int k, es_rset scope) {
  if (q->failed || tick(q)) return 0;
  if (k == q->nevars) {
    int s = q->esolve;
    int64_t n = solve_count(q, &q->x, s, 0, s >= 0 ? q->c->ranks[s].size : 1, scope);
    return n > 0;
  }
  int r = q->evars[k];
  for (int64_t v = 0; v < q->c->ranks[r].size; v++) {
    q->val[r] = v;
    if (exists(q, k + 1, scope)) return 1;
    if (q->failed) return 0;
  }
  return 0;
}

/* ---- closed forms ---------------------------------------------------------
** Counting by enumeration costs a step per value of every enumerated rank:
** causal attention at 1M tokens enumerates m1 x m0 = 2^20 points per count.
** Two exact reductions first (simplify), then a closed form for the last
** two ranks (sum2d), so the shipped predicates cost a few steps per count
** whatever the sizes.  Both leave the count unchanged by construction; the
** tests compare them with the plain enumeration (es_points_reference). */

typedef __int128 i128;

static i128 floor_div128(i128 a, i128 b) {   /* b != 0 */
  i128 q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Whether rank r has a non-zero coefficient in some constraint of cs. */
static es_rset used_vars(const es_cascade *c, const cset *cs) {
  es_rset v = 0;
  for (int i = 0; i < cs->n; i++)
    for (int r = 0; r < c->nranks; r++)
      if (cs->c[i].k[r]) v |= (es_rset)1 << r;
  return v;
}

static void drop(cset *cs, int i) { cs->c[i] = cs->c[--cs->n]; }

/* Exact reductions of q->a over the box lo..hi of scope s, none of which
** changes the count: a constraint of one rank narrows that rank's range; an
** == with a coefficient +-1 on rank v (not read by a mask) fixes v, which
** is substituted out (its range becomes the constraints its value must
** meet); two ranks u, w whose coefficients are everywhere in the ratio W : 1,
** W = w's extent, are one rank u W + w (a composite m1 M0 + m0 over its
** whole block is m).  Returns 1 if the box holds no point, 0, or -1 on
** overflow (nothing is half-changed: every new coefficient is checked
** before any is written). */
static int simplify(counter *q, es_rset s) {
  const es_cascade *c = q->c;
  cset *a = &q->a;
  es_rset mask = a->mvars;
  for (int changed = 1, rounds = 0; changed && rounds < 4 * ES_MAX_RANKS; rounds++) {
    changed = 0;
    /* a constraint over one rank, or none */
    for (int i = 0; i < a->n; i++) {
      lcons *l = &a->c[i];
      int v = -1, nv = 0;
      for (int r = 0; r < c->nranks; r++)
        if (l->k[r]) v = r, nv++;
      if (nv > 1 || (nv == 1 && l->kind == L_NE)) continue;
      if (nv == 0) {
        int ok = l->kind == L_LE ? l->c0 <= 0 : l->kind == L_EQ ? l->c0 == 0 : l->c0 != 0;
        if (!ok) return 1;
      } else if (l->kind == L_LE) {                 /* k v + c0 <= 0 */
        int64_t k = l->k[v];
        if (l->c0 == INT64_MIN) return -1;
        if (k > 0) { int64_t b = floor_div(-l->c0, k); if (b + 1 < q->hi[v]) q->hi[v] = b + 1; }
        else { int64_t b = -floor_div(-l->c0, -k); if (b > q->lo[v]) q->lo[v] = b; }   /* v >= ceil(c0 / -k) */
      } else {                                      /* k v + c0 == 0 */
        int64_t k = l->k[v];
        if (l->c0 == INT64_MIN || (-l->c0) % k) return 1;
        int64_t b = -l->c0 / k;
        if (b > q->lo[v]) q->lo[v] = b;
        if (b + 1 < q->hi[v]) q->hi[v] = b + 1;
      }
      if (v >= 0 && q->hi[v] <= q->lo[v]) return 1;
      drop(a, i--);
      changed = 1;
    }
    /* an == fixing a rank of coefficient +-1 */
    for (int i = 0; i < a->n && !changed; i++) {
      lcons *e = &a->c[i];
      if (e->kind != L_EQ || a->n + 1 > MAXC || e->c0 == INT64_MIN) continue;
      int v = -1;
      for (int r = 0; r < c->nranks; r++)
        if ((e->k[r] == 1 || e->k[r] == -1) && !(mask >> r & 1) && (v < 0 || q->hi[r] - q->lo[r] > q->hi[v] - q->lo[v]))
          v = r;
      if (v < 0) continue;
      int64_t kv = e->k[v];
      /* v = -kv (c0 + rest): the others lose l.k[v] kv times e */
      int bad = 0;
      for (int pass = 0; pass < 2 && !bad; pass++)
        for (int j = 0; j < a->n && !bad; j++) {
          lcons *l = &a->c[j];
          if (j == i || !l->k[v]) continue;
          int64_t f = l->k[v] * kv, t, nk[ES_MAX_RANKS], nc;
          for (int r = 0; r < c->nranks && !bad; r++)
            bad = at_smul64(f, e->k[r], &t) || __builtin_sub_overflow(l->k[r], t, &nk[r]);
          bad = bad || at_smul64(f, e->c0, &t) || __builtin_sub_overflow(l->c0, t, &nc);
          if (pass && !bad) { memcpy(l->k, nk, sizeof nk); l->c0 = nc; l->k[v] = 0; }
        }
      /* lo_v <= v <= hi_v - 1: kv rest + kv c0 + lo <= 0 and -kv rest - kv c0 - hi + 1 <= 0 */
      lcons g = *e, h = *e;
      g.kind = h.kind = L_LE;
      for (int r = 0; r < c->nranks; r++) { g.k[r] = kv * e->k[r]; h.k[r] = -g.k[r]; }
      g.k[v] = h.k[v] = 0;
      bad = bad || sadd64(kv * e->c0, q->lo[v], &g.c0) || __builtin_sub_overflow(-kv * e->c0, q->hi[v] - 1, &h.c0);
      if (bad) return -1;
      a->c[i] = g;
      a->c[a->n++] = h;
      q->lo[v] = 0;
      q->hi[v] = 1;
      changed = 1;
    }
    /* two ranks in the ratio W : 1 */
    es_rset used = used_vars(c, a) & s & ~mask;
    for (int u = 0; u < c->nranks && !changed; u++) {
      if (!(used >> u & 1)) continue;
      for (int w = 0; w < c->nranks && !changed; w++) {
        if (w == u || !(used >> w & 1)) continue;
        int64_t W = q->hi[w] - q->lo[w], t;
        int ok = 1;
        for (int i = 0; i < a->n && ok; i++)
          ok = !at_smul64(W, a->c[i].k[w], &t) && t == a->c[i].k[u];
        int64_t nlo, nhi;
        if (!ok || at_smul64(q->lo[u], W, &nlo) || sadd64(nlo, q->lo[w], &nlo) || at_smul64(q->hi[u], W, &nhi) ||
            sadd64(nhi, q->lo[w], &nhi))
          continue;
        for (int i = 0; i < a->n; i++) a->c[i].k[u] = 0;
        q->lo[w] = nlo;
        q->hi[w] = nhi;
        q->lo[u] = 0;
        q->hi[u] = 1;
        changed = 1;
      }
    }
  }
  a->vars = used_vars(c, a);
  return 0;
}

/* Points (x, y) of the box, x = q->sum, y = q->solve, satisfying q->a at the
** other ranks' values in val[]: sum over x of max(0, min U(x) - max L(x) +
** 1), U and L the upper and lower bounds on y, lines in x (y's coefficient
** is +-1 wherever it appears, every constraint on x or y is a <=).  Between
** two consecutive crossings of bounds the binding pair is fixed, so the sum
** is an arithmetic series per segment. */
static uint64_t sum2d(counter *q, es_rset scope) {
  const cset *cs = &q->a;
  int x = q->sum, y = q->solve;
  if (!masks_hold(q, cs, scope)) return 0;
  int64_t xl = q->lo[x], xh = q->hi[x] - 1;
  i128 us[MAXC + 1], ud[MAXC + 1], ls[MAXC + 1], ld[MAXC + 1];
  int nu = 1, nl = 1;
  us[0] = 0; ud[0] = q->hi[y] - 1;
  ls[0] = 0; ld[0] = q->lo[y];
  for (int i = 0; i < cs->n; i++) {
    const lcons *l = &cs->c[i];
    i128 R = l->c0;
    for (int r = 0; r < q->c->nranks; r++)
      if (r != x && r != y && l->k[r]) R += (i128)l->k[r] * q->val[r];
    int64_t ay = l->k[y], bx = l->k[x];
    if (!ay && !bx) {
      if (!(l->kind == L_LE ? R <= 0 : l->kind == L_EQ ? R == 0 : R != 0)) return 0;
    } else if (!ay) {                              /* bx x + R <= 0 */
      if (bx > 0) { i128 b = floor_div128(-R, bx); if (b < xh) xh = b < xl ? xl - 1 : (int64_t)b; }
      else { i128 b = -floor_div128(-R, -bx); if (b > xl) xl = b > xh ? xh + 1 : (int64_t)b; }   /* ceil(R / -bx) */
    } else if (ay > 0) {                           /* y <= -bx x - R */
      us[nu] = -bx; ud[nu++] = -R;
    } else {                                       /* y >= bx x + R */
      ls[nl] = bx; ld[nl++] = R;
    }
  }
  if (xh < xl) return 0;
  /* the last x before each crossing of two upper or two lower bounds */
  int64_t br[2 * (MAXC + 1) * (MAXC + 1) / 2 + 2];
  int nb = 0;
  for (int side = 0; side < 2; side++) {
    const i128 *sl = side ? ls : us, *d = side ? ld : ud;
    int n = side ? nl : nu;
    for (int i = 0; i < n; i++)
      for (int k = i + 1; k < n; k++) {
        if (sl[i] == sl[k]) continue;
        i128 t = floor_div128(d[k] - d[i], sl[i] - sl[k]);
        if (t >= xl && t < xh) br[nb++] = (int64_t)t;
      }
  }
  br[nb++] = xh;
  for (int i = 1; i < nb; i++)                     /* insertion sort: a few dozen at most */
    for (int j = i; j > 0 && br[j - 1] > br[j]; j--) { int64_t t = br[j]; br[j] = br[j - 1]; br[j - 1] = t; }
  i128 total = 0;
  int64_t s = xl;
  for (int b = 0; b < nb; b++) {
    int64_t e = br[b];
    if (e < s) continue;
    int iu = 0, il = 0;
    for (int i = 1; i < nu; i++) {
      i128 vi = us[i] * s + ud[i], vb = us[iu] * s + ud[iu];
      if (vi < vb || (vi == vb && us[i] < us[iu])) iu = i;
    }
    for (int i = 1; i < nl; i++) {
      i128 vi = ls[i] * s + ld[i], vb = ls[il] * s + ld[il];
      if (vi > vb || (vi == vb && ls[i] > ls[il])) il = i;
    }
    i128 A = us[iu] - ls[il], B = ud[iu] - ld[il] + 1, lo = s, hi = e;   /* A x + B points at x */
    if (A > 0) { i128 f = -floor_div128(B - 1, A); if (f > lo) lo = f; }      /* x >= ceil((1 - B) / A) */
    else if (A < 0) { i128 f = floor_div128(B - 1, -A); if (f < hi) hi = f; }
    else if (B <= 0) hi = lo - 1;
    if (hi >= lo) {
      i128 n = hi - lo + 1;
      total += A * ((lo + hi) * n / 2) + B * n;
      if (total > (i128)UINT64_MAX) { q->failed = 1; return 0; }
    }
    s = e + 1;
  }
  return (uint64_t)total;
}

/* Whether rank r may be summed (sum2d's x) or solved (its y, need_unit):
** every constraint that names it is a <=, with coefficient +-1 for y. */
static int closed_rank(const cset *cs, int r, int need_unit) {
  for (int i = 0; i < cs->n; i++) {
    int64_t k = cs->c[i].k[r];
    if (!k) continue;
    if (cs->c[i].kind != L_LE || (need_unit && k != 1 && k != -1)) return 0;
  }
  return 1;
}

/* The ranks mask p is indexed by. */
static es_rset mask_dims(const es_cascade *c, const es_pred *p) {
  const es_tensor *T = &c->tensors[p->mask];
  es_rset dims = 0;
  for (int d = 0; d < T->ndims; d++) dims |= (es_rset)1 << T->dim[d];
  return dims;
}

/* Set bits of mask p in the box lo..hi (by rank) of its dims, each a scope
** rank, the box not empty: per row of the outer dims, a popcount of the
** last dim's words. */
static uint64_t mask_box(const es_cascade *c, const es_pred *p, const int64_t *lo, const int64_t *hi) {
  const es_tensor *T = &c->tensors[p->mask];
  const uint64_t *bits = c->maskrows[p->mask];
  int nd = T->ndims, L = T->dim[nd - 1];
  uint64_t words = ((uint64_t)c->ranks[L].size + 63) / 64, a = (uint64_t)lo[L], b = (uint64_t)hi[L] - 1;
  uint64_t wa = a / 64, wb = b / 64, ma = ~(uint64_t)0 << (a % 64), mb = ~(uint64_t)0 >> (63 - b % 64), total = 0;
  int64_t at[ES_MAX_DIMS];
  for (int d = 0; d < nd - 1; d++) at[d] = lo[T->dim[d]];
  for (;;) {
    uint64_t row = 0;
    for (int d = 0; d < nd - 1; d++) row = row * (uint64_t)c->ranks[T->dim[d]].size + (uint64_t)at[d];
    const uint64_t *w = bits + row * words;
    if (wa == wb) {
      total += (uint64_t)__builtin_popcountll(w[wa] & ma & mb);
    } else {
      total += (uint64_t)__builtin_popcountll(w[wa] & ma) + (uint64_t)__builtin_popcountll(w[wb] & mb);
      for (uint64_t k = wa + 1; k < wb; k++) total += (uint64_t)__builtin_popcountll(w[k]);
    }
    int d = nd - 2;
    while (d >= 0 && ++at[d] == hi[T->dim[d]]) { at[d] = lo[T->dim[d]]; d--; }
    if (d < 0) break;
  }
  return total;
}

static uint64_t enumerate(counter *q, int k, es_rset scope, es_rset xscope) {
  if (q->failed || tick(q)) return 0;
  if (k == 0 && q->mbox) {
    /* the rest's count is the same in every block: no constraint names a
    ** mask rank, and nothing below reads them but the mask */
    uint64_t on = mask_box(q->c, q->a.m[0], q->lo, q->hi), rest, total;
    if (!on) return 0;
    q->mknown = 1;
    rest = enumerate(q, q->nmvars, scope, xscope);
    q->mknown = 0;
    if (at_mul64(on, rest, &total)) { q->failed = 1; return 0; }
    return total;
  }
  if (q->sum >= 0 && k == q->nvars - 1) return sum2d(q, scope);
  if (k == q->nvars) {
    if (q->exist && !exists(q, 0, xscope)) return 0;
    int s = q->solve;
    int64_t n = solve_count(q, &q->a, s, s >= 0 ? q->lo[s] : 0, s >= 0 ? q->hi[s] : 1, scope);
    return (uint64_t)n;
  }
  int r = q->vars[k];
  uint64_t total = 0;
  if (q->mrow && k == q->nmvars - 1) {
    /* the last mask rank: only where the mask's row has a bit */
    const es_cascade *c = q->c;
    const es_tensor *T = &c->tensors[q->a.m[0]->mask];
    uint64_t row = 0, words = ((uint64_t)c->ranks[r].size + 63) / 64;
    for (int d = 0; d < T->ndims - 1; d++) row = row * (uint64_t)c->ranks[T->dim[d]].size + (uint64_t)q->val[T->dim[d]];
    const uint64_t *w = c->maskrows[q->a.m[0]->mask] + row * words;
    uint64_t a = (uint64_t)q->lo[r], b = (uint64_t)q->hi[r];
    for (uint64_t wi = a / 64; wi <= (b - 1) / 64 && !q->failed; wi++) {
      uint64_t bits = w[wi];
      if (wi == a / 64) bits &= ~(uint64_t)0 << (a % 64);
      if (wi == (b - 1) / 64) bits &= ~(uint64_t)0 >> (63 - (b - 1) % 64);
      for (; bits && !q->failed; bits &= bits - 1) {
        q->val[r] = (int64_t)(wi * 64 + (uint64_t)__builtin_ctzll(bits));
        q->mknown = 1;
        uint64_t n = enumerate(q, k + 1, scope, xscope);
        q->mknown = 0;
        if (at_add64(total, n, &total)) q->failed = 1;
      }
    }
    return total;
  }
  for (int64_t v = q->lo[r]; v < q->hi[r] && !q->failed; v++) {
    q->val[r] = v;
    /* once the masks' ranks are set, a block that is off prunes the rest */
    if (k + 1 == q->nmvars && !masks_hold(q, &q->a, scope)) continue;
    if (at_add64(total, enumerate(q, k + 1, scope, xscope), &total)) q->failed = 1;
  }
  return total;
}

/* lo - hi, coefficient by coefficient, as the constraint lo - hi <= 0. */
static int bound_pair(const es_cascade *c, const lcons *lo, const lcons *hi, lcons *out) {
  memset(out, 0, sizeof *out);
  out->kind = L_LE;
  for (int r = 0; r < c->nranks; r++)
    if (__builtin_sub_overflow(lo->k[r], hi->k[r], &out->k[r])) return -1;
  return __builtin_sub_overflow(lo->c0, hi->c0, &out->c0) ? -1 : 0;
}

/* x's masks into a, a mask a already has not twice (a step Einsum's own
** scope and its block condition both read blocksparse's BM[m1,p1]). */
static void add_masks(cset *a, const cset *x) {
  for (int i = 0; i < x->nm; i++) {
    int dup = 0;
    for (int j = 0; j < a->nm && !dup; j++) dup = a->m[j] == x->m[i];
    if (!dup) a->m[a->nm++] = x->m[i];
  }
  a->mvars |= x->mvars;
}

/* Whether the block holds a point satisfying x, as constraints on the left
** ranks alone, appended to a: exact (Fourier-Motzkin over the integers)
** when one block rank b is involved, only in <= constraints, with
** coefficient +1 or -1 (a composite m1*M0 + m0 gives m0 coefficient 1):
** b exists in [0, B) iff every lower bound is at most every upper bound.
** Returns 1 if done, 0 if x is not of that form (enumerate instead), -1 on
** overflow. */
static int eliminate(const es_cascade *c, const cset *x, es_rset block, cset *a) {
  es_rset bv = (x->vars | x->mvars) & block;
  if (!bv) {
    /* x names no block rank: the (never empty) block holds a point
    ** satisfying x iff the left ranks do, so x joins a as it is (a mask a
    ** already has is not added twice: blocksparse's step Einsums) */
    if (a->n + x->n > MAXC || a->nm + x->nm > MAXC) return 0;
    for (int i = 0; i < x->n; i++) a->c[a->n++] = x->c[i];
    add_masks(a, x);
    a->vars |= x->vars;
    return 1;
  }
  if ((bv & (bv - 1)) || (x->mvars & bv)) return 0;
  int b = __builtin_ctz(bv);
  lcons lo[MAXC + 1], hi[MAXC + 1];
  int nlo = 1, nhi = 1, nrest = 0;
  memset(&lo[0], 0, sizeof lo[0]);                     /* b >= 0 */
  memset(&hi[0], 0, sizeof hi[0]);                     /* b <= B - 1 */
  hi[0].c0 = c->ranks[b].size - 1;
  for (int i = 0; i < x->n; i++) {
    const lcons *l = &x->c[i];
    if (!l->k[b]) { nrest++; continue; }
    if (l->kind != L_LE || (l->k[b] != 1 && l->k[b] != -1)) return 0;
  }
  for (int i = 0; i < x->n; i++) {
    const lcons *l = &x->c[i];
    if (!l->k[b]) continue;
    /* -b + R <= 0: b >= R;  b + R <= 0: b <= -R */
    lcons *t = l->k[b] < 0 ? &lo[nlo++] : &hi[nhi++];
    *t = *l;
    t->k[b] = 0;
    if (l->k[b] > 0) {
      for (int r = 0; r < c->nranks; r++) t->k[r] = -t->k[r];
      t->c0 = -t->c0;
    }
  }
  if (a->n + nrest + nlo * nhi > MAXC || a->nm + x->nm > MAXC) return 0;
  for (int i = 0; i < x->n; i++)
    if (!x->c[i].k[b]) a->c[a->n++] = x->c[i];
  for (int i = 0; i < nlo; i++)
    for (int j = 0; j < nhi; j++) {
      lcons *t = &a->c[a->n];
      if (bound_pair(c, &lo[i], &hi[j], t)) return -1;
      int any = 0;
      for (int r = 0; r < c->nranks; r++)
        if (t->k[r]) a->vars |= (es_rset)1 << r, any = 1;
      /* a constant pair (0 <= B - 1) always holds; keep only live ones */
      if (any || t->c0 > 0) a->n++;
    }
  add_masks(a, x);
  for (int i = 0; i < x->n; i++)
    for (int r = 0; r < c->nranks; r++)
      if (x->c[i].k[r] && r != b) a->vars |= (es_rset)1 << r;
  return 1;
}

/* Picks the widest rank of `from` that no mask reads and `avoid` lacks. */
static int pick_solve(const counter *q, es_rset from, es_rset avoid, const int64_t *ext) {
  int best = -1;
  for (int r = 0; r < q->c->nranks; r++) {
    if (!(from & ((es_rset)1 << r)) || (avoid & ((es_rset)1 << r))) continue;
    if (best < 0 || ext[r] > ext[best]) best = r;
  }
  return best;
}

/* The part of a count that does not depend on the range: the scope's
** constraints, and a step Einsum's block condition (eliminated when it
** can be).  0, or -1 on overflow. */
static int prepare(counter *q, const es_cascade *c, int i, es_rset s) {
  memset(q, 0, offsetof(counter, a));
  memset(&q->x, 0, offsetof(cset, c));
  memset(&q->exist, 0, sizeof *q - offsetof(counter, exist));
  q->c = c;
  q->sum = -1;
  q->esolve = -1;
  if (collect_preds(c, i, s, &q->a)) return -1;
  es_rset block = es_block_of(c, i), xscope = es_left_set(c, i) | block;
  if (block) {
    if (collect_preds(c, i, xscope, &q->x)) return -1;
    q->exist = q->x.n + q->x.nm > 0;
    int el = q->exist ? eliminate(c, &q->x, block, &q->a) : 0;
    if (el < 0) return -1;
    if (el) q->exist = 0;
  }
  return 0;
}

/* dst = src, reading only the constraints and masks below the counts. */
static void counter_copy(counter *dst, const counter *src) {
  memcpy(dst, src, offsetof(counter, a));
  const cset *from[2] = { &src->a, &src->x };
  cset *to[2] = { &dst->a, &dst->x };
  for (int k = 0; k < 2; k++) {
    memcpy(to[k], from[k], offsetof(cset, c));
    memcpy(to[k]->c, from[k]->c, (size_t)from[k]->n * sizeof *from[k]->c);
    memcpy(to[k]->m, from[k]->m, (size_t)from[k]->nm * sizeof *from[k]->m);
  }
  memcpy(&dst->exist, &src->exist, sizeof *src - offsetof(counter, exist));
}

/* The count of a prepared q over range (see es_points); consumes q. */
static int run_count(counter *q, int i, es_rset s, const es_range *range, uint64_t *points, at_err *e) {
  const es_cascade *c = q->c;
  int rc = -1;
  es_rset left = es_left_set(c, i), block = es_block_of(c, i), xscope = left | block;
  uint64_t mult = 1;
  es_rset enum_l = q->exist ? ((q->x.vars | q->x.mvars) & left) : 0;
  es_rset involved = ((q->a.vars | q->a.mvars) & s) | enum_l;
  for (int r = 0; r < c->nranks; r++) {
    if (!(s & ((es_rset)1 << r))) continue;
    q->lo[r] = range ? range->lo[r] : 0;
    q->hi[r] = range ? range->hi[r] : c->ranks[r].size;
    if (q->lo[r] < 0) q->lo[r] = 0;
    if (q->hi[r] > c->ranks[r].size) q->hi[r] = c->ranks[r].size;
    if (q->hi[r] <= q->lo[r]) { *points = 0; rc = 0; goto done; }
  }
  int fast = closed_forms && !q->exist;
  if (fast) {
    int sr = simplify(q, s);
    if (sr < 0) goto overflow;
    if (sr > 0) { *points = 0; rc = 0; goto done; }
    involved = (q->a.vars | q->a.mvars) & s;
  }
  for (int r = 0; r < c->nranks; r++)
    if ((s & ((es_rset)1 << r)) && !(involved & ((es_rset)1 << r)) &&
        at_mul64(mult, (uint64_t)(q->hi[r] - q->lo[r]), &mult))
      goto overflow;
  int64_t ext[ES_MAX_RANKS] = { 0 };
  for (int r = 0; r < c->nranks; r++) ext[r] = q->hi[r] - q->lo[r];
  es_rset mv = q->a.mvars & s;
  if (fast) {
    /* the widest two ranks the closed form can take: y solved, x summed */
    es_rset unit = 0, lin = 0;
    for (int r = 0; r < c->nranks; r++)
      if ((involved & ~mv & ((es_rset)1 << r))) {
        if (closed_rank(&q->a, r, 1)) unit |= (es_rset)1 << r;
        if (closed_rank(&q->a, r, 0)) lin |= (es_rset)1 << r;
      }
    int y = pick_solve(q, unit, 0, ext);
    int x = y < 0 ? -1 : pick_solve(q, lin, (es_rset)1 << y, ext);
    if (x >= 0) { q->solve = y; q->sum = x; }
    else q->solve = pick_solve(q, q->a.vars & s, q->a.mvars, ext);
  } else {
    q->solve = pick_solve(q, q->a.vars & s, q->a.mvars | enum_l, ext);
  }
  for (int r = 0; r < c->nranks; r++)
    if (mv & ((es_rset)1 << r)) q->vars[q->nvars++] = r;
  q->nmvars = q->a.nm ? q->nvars : -1;
  if (closed_forms && q->a.nm == 1 && q->nmvars > 0 && c->maskrows && c->maskrows[q->a.m[0]->mask]) {
    /* the mask's dims are exactly its ranks in the scope, each once */
    const es_tensor *T = &c->tensors[q->a.m[0]->mask];
    int fits = mask_dims(c, q->a.m[0]) == mv && __builtin_popcountll((unsigned long long)mv) == T->ndims;
    q->mbox = fits && !q->exist && !(q->a.vars & mv);
    q->mrow = fits && !q->mbox && q->vars[q->nmvars - 1] == T->dim[T->ndims - 1];
  }
  for (int r = 0; r < c->nranks; r++)
    if ((involved & ~mv & ((es_rset)1 << r)) && r != q->solve && r != q->sum) q->vars[q->nvars++] = r;
  if (q->sum >= 0) q->vars[q->nvars++] = q->sum;
  if (q->exist) {
    es_rset bv = (q->x.vars | q->x.mvars) & block;
    int64_t bext[ES_MAX_RANKS] = { 0 };
    for (int r = 0; r < c->nranks; r++) bext[r] = c->ranks[r].size;
    q->esolve = pick_solve(q, q->x.vars & block, q->x.mvars, bext);
    for (int r = 0; r < c->nranks; r++)
      if ((bv & ((es_rset)1 << r)) && r != q->esolve) q->evars[q->nevars++] = r;
  }
  uint64_t n = enumerate(q, 0, s, xscope);
  if (q->failed == 2) {
    rc = at_errf(e, "%s: counting the points of %s's predicates takes more than 2^32 steps at these sizes",
                 c->file, c->tensors[c->einsums[i].lhs.tensor].name);
    goto done;
  }
  if (q->failed || at_mul64(n, mult, points)) goto overflow;
  rc = 0;
  goto done;
overflow:
  rc = at_errf(e, "%s: operation count overflows 64 bits at these sizes", c->file);
done:
  return rc;
}

/* Points of scope s of einsum i (its left ranks `left`) inside range that
** run: see es_points. */
static int count_scope(const es_cascade *c, int i, es_rset s, const es_range *range, uint64_t *points, at_err *e) {
  if (!c->bound) return at_errf(e, "%s: counting points needs every rank's size", c->file);
  if (es_masks_missing(c, e)) return -1;
  /* not calloc: the constraint arrays (70 KB) are read only below their
  ** counts, and zeroing them was a quarter of a count's time */
  counter *q = malloc(sizeof *q);
  if (!q) return at_errf(e, "out of memory");
  int rc = prepare(q, c, i, s) ? at_errf(e, "%s: operation count overflows 64 bits at these sizes", c->file)
                               : run_count(q, i, s, range, points, e);
  free(q);
  return rc;
}

struct es_counter {
  counter prepared, work;
  int einsum;
  es_rset scope;
  int mask_only;              /* the one predicate is a mask over scope ranks (es_counter_any) */
  int nbox;                   /* masks of the count whose dims are scope ranks, box[0..nbox) */
  const es_pred *box[MAXC];
};

int es_counter_open(const es_cascade *c, int i, uint32_t ranks, es_counter **out, at_err *e) {
  *out = NULL;
  if (!c->bound) return at_errf(e, "%s: counting points needs every rank's size", c->file);
  if (es_masks_missing(c, e)) return -1;
  es_counter *k = malloc(sizeof *k);
  if (!k) return at_errf(e, "out of memory");
  if (prepare(&k->prepared, c, i, (es_rset)ranks)) {
    free(k);
    return at_errf(e, "%s: operation count overflows 64 bits at these sizes", c->file);
  }
  k->einsum = i;
  k->scope = (es_rset)ranks;
  const counter *q = &k->prepared;
  k->mask_only = 0;
  k->nbox = 0;
  for (int m = 0; m < q->a.nm && c->maskrows; m++) {
    es_rset dims = mask_dims(c, q->a.m[m]);
    if ((dims & k->scope) != dims || !c->maskrows[q->a.m[m]->mask]) continue;
    k->box[k->nbox++] = q->a.m[m];
    k->mask_only = q->a.n == 0 && q->a.nm == 1 && !q->exist && q->a.mvars == dims;
  }
  *out = k;
  return 0;
}

int es_counter_any(es_counter *k, const es_range *range, int *any, at_err *e) {
  const es_cascade *c = k->prepared.c;
  int64_t lo[ES_MAX_RANKS], hi[ES_MAX_RANKS];
  for (int r = 0; r < c->nranks; r++) {
    if (!(k->scope >> r & 1)) continue;
    lo[r] = range->lo[r] < 0 ? 0 : range->lo[r];
    hi[r] = range->hi[r] > c->ranks[r].size ? c->ranks[r].size : range->hi[r];
    if (hi[r] <= lo[r]) { *any = 0; return 0; }
  }
  /* a point runs only where every mask holds: a mask off over the whole
  ** box answers no (most tiles of a sparse mask); with no other
  ** predicate, on somewhere answers yes */
  for (int m = 0; m < k->nbox; m++)
    if (!mask_box(c, k->box[m], lo, hi)) { *any = 0; return 0; }
  if (k->mask_only) { *any = 1; return 0; }
  uint64_t n;
  if (es_counter_points(k, range, &n, e)) return -1;
  *any = n > 0;
  return 0;
}

int es_counter_points(es_counter *k, const es_range *range, uint64_t *points, at_err *e) {
  counter_copy(&k->work, &k->prepared);
  return run_count(&k->work, k->einsum, k->scope, range, points, e);
}

void es_counter_close(es_counter *k) { free(k); }

int es_count_forms(const es_cascade *c, int i, uint32_t ranks, int64_t (*k)[ES_MAX_RANKS], int *le, int max, int *n,
                   uint32_t *mask_ranks, at_err *e) {
  if (!c->bound) return at_errf(e, "%s: counting points needs every rank's size", c->file);
  if (es_masks_missing(c, e)) return -1;
  es_rset s = (es_rset)ranks, block = es_block_of(c, i);
  cset *cs = malloc(sizeof *cs);
  if (!cs) return at_errf(e, "out of memory");
  int rc = 0;
  *n = 0;
  *mask_ranks = 0;
  /* the scope's own constraints, then (a step Einsum) the block's, whose
  ** block ranks count_scope takes whole whatever the range */
  for (int pass = 0; pass < (block ? 2 : 1) && !rc; pass++) {
    es_rset moves = pass ? es_left_set(c, i) & s : s;   /* the ranks the range moves */
    if (collect_preds(c, i, pass ? es_left_set(c, i) | block : s, cs)) { rc = -1; break; }
    *mask_ranks |= (uint32_t)(cs->mvars & moves);
    for (int j = 0; j < cs->n && !rc; j++) {
      if (*n == max) { rc = -1; break; }
      for (int r = 0; r < ES_MAX_RANKS; r++) k[*n][r] = r < c->nranks && (moves >> r & 1) ? cs->c[j].k[r] : 0;
      le[*n] = cs->c[j].kind == L_LE;
      (*n)++;
    }
  }
  free(cs);
  if (rc) return at_errf(e, "%s: the predicates of %s overflow 64 bits or are too many to classify", c->file,
                         c->tensors[c->einsums[i].lhs.tensor].name);
  return 0;
}

int es_points_reference(const es_cascade *c, int i, uint32_t ranks, const es_range *range, uint64_t *points,
                        at_err *e) {
  closed_forms = 0;     /* tests only, single-threaded */
  int rc = count_scope(c, i, (es_rset)ranks, range, points, e);
  closed_forms = 1;
  return rc;
}

int es_points_scope(const es_cascade *c, int i, es_rset s, const es_range *range, uint64_t *points, at_err *e) {
  return count_scope(c, i, s, range, points, e);
}

int es_points(const es_cascade *c, int i, const es_range *range, uint64_t *points, at_err *e) {
  return count_scope(c, i, es_space_set(c, i), range, points, e);
}

int es_points_in(const es_cascade *c, int i, uint32_t ranks, const es_range *range, uint64_t *points, at_err *e) {
  return count_scope(c, i, (es_rset)ranks, range, points, e);
}
