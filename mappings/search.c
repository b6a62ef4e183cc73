/*
** search.c: the mapper.  The mapspace of one cascade fused into one phase
** (mappings/README.md, "The mapper"): per rank a spatial factor and a
** temporal tile (divisors), an order of the outer parts with how many of
** them are shared loops, per Einsum an array and the ranks on its rows and
** columns, per tensor a home and keep_at level, and the pipeline policy.
** A candidate is a vector of choice indices; it is built into an
** in-memory mapping (never YAML), bound, checked against the pruning
** rules, deduplicated by its schedule's key, and only then evaluated.
** Small spaces are enumerated; larger ones are sampled and then improved
** by coordinate descent, all driven by one seeded generator, and in
** batches whose results are merged in order, so the outcome depends on
** the seed alone, not on --jobs.
*/
#define _XOPEN_SOURCE 700
#include "map_int.h"
#include "mapper.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_R     12          /* unsplit ranks */
#define MAX_O     (2 * MAX_R) /* outer (temporal) parts */
#define MAX_E     SC_MAX_EINSUMS
#define MAX_PAIRS 64
#define MAX_DIV   128         /* divisors of a rank kept */
/* keep_at levels: the batch loop, the shared loops outermost first, then
** every other part in part order (S->nlev of them).  Storage choices of an
** intermediate: 0 registers, 1..nlev the buffer at a level, then DRAM kept
** at a level, DRAM streamed, overwriting an earlier intermediate. */
#define KEEP_LEVELS (S->nlev)
#define ST_DRAM_KEEP (1 + KEEP_LEVELS)
#define ST_DRAM_STREAM (ST_DRAM_KEEP + KEEP_LEVELS)
#define ST_ALIAS (ST_DRAM_STREAM + 1)
#define MAX_LEV SC_MAX_PARTS
#define BATCH     512         /* candidates per batch */
#define MAP_WINDOW 12         /* tiles in flight the written pipelined mappings ask for */

/* ---- the space ------------------------------------------------------------------ */

typedef struct space {
  const es_cascade *c;        /* structure only (sizes belong to the workers' copies) */
  const map_search_opts *o;
  int nr;
  int rank[MAX_R];            /* unsplit cascade ranks, in cascade order */
  int split[MAX_R];           /* the cascade splits it (parts: its outer and inner index) */
  int64_t size[MAX_R];
  int ndiv[MAX_R];
  int64_t div[MAX_R][MAX_DIV];    /* ascending */
  int nsp[MAX_R];             /* spatial choices: the divisors up to twice the widest array */
  int nouter;
  int outer_r[MAX_O];         /* rank (index into rank[]) of each outer part */
  int outer_k[MAX_O];         /* 2: the rank's outermost (rest) part; 1: its tile */
  int ne;
  int xi[MAX_E];              /* non-init einsums, cascade order */
  int narr[MAX_E];
  int arr[MAX_E][HW_MAX_ARRAYS];  /* the arrays, as choices */
  uint32_t able[MAX_E];       /* bit q: choice q's PEs have its operations */
  int npair[MAX_E];
  int pair[MAX_E][MAX_PAIRS][2];  /* rank indices on rows / cols, -1 none; [0]: the two largest */
  int nt;
  int kind[SC_MAX_TENSORS];   /* 0 input or output (DRAM), 1 intermediate */
  int alias[SC_MAX_TENSORS];  /* a buffer tensor it may overwrite, or -1 */
  int nst[SC_MAX_TENSORS];    /* storage choices */
  int nlev;                   /* keep_at levels: every part of the phase */
  char pname[MAX_R][3][MAP_NAME];   /* the parts' names, outer to inner */
  char tkey[MAX_R][MAP_NAME];       /* the tiling keys (rank names in lower case) */
  map_term size_term[MAX_R];  /* each rank's `sizes:` entry, one term (set_rank_expr), worked out once */
  /* the temporal tile of an unsplit rank i at spatial choice a and tile
  ** choice b: tile[i][a * ndiv[i] + b], the b-th divisor of size / div[a]
  ** clamped to the last; ntile[i][a]: how many divisors that quotient has.
  ** Worked out once (tile_init; freed by tile_free) */
  int64_t *tile[MAX_R];
  int ntile[MAX_R][MAX_DIV];
} space;

typedef struct cand {
  int sp[MAX_R], tl[MAX_R];
  int perm[MAX_O], nshared;
  int arr[MAX_E], pair[MAX_E];
  int st[SC_MAX_TENSORS];
  int policy;
} cand;

static void divisors(int64_t n, int64_t *d, int *nd) {
  int k = 0;
  int64_t big[MAX_DIV];
  int nb = 0;
  for (int64_t i = 1; i <= n / i && k < MAX_DIV / 2; i++)
    if (n % i == 0) {
      d[k++] = i;
      if (i != n / i) big[nb++] = n / i;
    }
  for (int i = nb - 1; i >= 0 && k < MAX_DIV; i--) d[k++] = big[i];
  *nd = k;
}

static int rank_in_einsum(const es_cascade *c, int xi, int r) {
  const es_einsum *x = &c->einsums[xi];
  for (int k = 0; k < x->nspace; k++)
    if (x->space[k] == r || c->ranks[x->space[k]].parent == r) return 1;
  return 0;
}


/* A rank's size for this search: --set, else the workload (E, F; SEQ for
** M and P). */
static int rank_size(const map_search_opts *o, const es_rank *R, int64_t *v, int *named, at_err *e) {
  for (int i = 0; i < o->sizes.n; i++)
    if (!strcmp(o->sizes.name[i], R->name)) { *v = o->sizes.value[i]; *named = 0; return 0; }
  *named = 1;
  if (o->w && !strcmp(R->name, "E")) { *v = o->w->E; return 0; }
  if (o->w && !strcmp(R->name, "F")) { *v = o->w->F; return 0; }
  if (o->seq > 0 && (!strcmp(R->name, "M") || !strcmp(R->name, "P"))) { *v = o->seq; return 0; }
  return at_errf(e, "rank %s of %s has no size: give it with --set %s=N (ranks E and F come from --model, M and P from --seq)",
                 R->name, o->cascade_path, R->name);
}

static void set_rank_expr(const space *S, map_expr *x, int i);

static int space_init(space *S, const map_search_opts *o, const es_cascade *c, at_err *e) {
  memset(S, 0, sizeof *S);
  S->c = c;
  S->o = o;
  const hw_arch *a = o->arch;
  int64_t widest = 1;
  for (int k = 0; k < a->n_arrays; k++) {
    if (a->arrays[k].rows > widest) widest = a->arrays[k].rows;
    if (a->arrays[k].cols > widest) widest = a->arrays[k].cols;
  }
  for (int r = 0; r < c->nranks; r++) {
    if (c->ranks[r].parent >= 0) continue;
    if (S->nr == MAX_R) return at_errf(e, "%s: the mapper handles at most %d ranks", c->file, MAX_R);
    int i = S->nr++, named;
    S->rank[i] = r;
    S->split[i] = c->ranks[r].outer >= 0;
    if (rank_size(o, &c->ranks[r], &S->size[i], &named, e)) return -1;
    if (S->size[i] < 1) return at_errf(e, "rank %s: size must be positive", c->ranks[r].name);
    divisors(S->size[i], S->div[i], &S->ndiv[i]);
    S->nsp[i] = 0;
    while (S->nsp[i] < S->ndiv[i] && S->div[i][S->nsp[i]] <= 2 * widest) S->nsp[i]++;
    S->outer_r[S->nouter] = i;
    S->outer_k[S->nouter++] = 2;
    if (!S->split[i]) {
      S->outer_r[S->nouter] = i;
      S->outer_k[S->nouter++] = 1;
    }
  }
  for (int xi = 0; xi < c->neinsums; xi++) {
    if (c->einsums[xi].is_init) continue;
    if (S->ne == MAX_E) return at_errf(e, "%s: the mapper handles at most %d Einsums", c->file, MAX_E);
    int x = S->ne++;
    S->xi[x] = xi;
    sc_opuse uses[SC_MAX_OPUSES];
    int nu = sc_einsum_ops(c, xi, uses);
    if (nu < 0) return at_errf(e, "%s: Einsum %s has more than %d operations", c->file, c->tensors[c->einsums[xi].lhs.tensor].name, SC_MAX_OPUSES);
    /* every array is a choice (the operations rule prunes those that
    ** cannot run it), but some array must be able to */
    int able = 0;
    for (int k = 0; k < a->n_arrays; k++) {
      int ok = 1;
      for (int u = 0; u < nu; u++) ok &= a->arrays[k].ops[uses[u].op].supported;
      able |= ok;
      if (ok) S->able[x] |= 1u << S->narr[x];
      S->arr[x][S->narr[x]++] = k;
    }
    if (!able) {
      const char *miss = NULL;
      for (int u = 0; u < nu && !miss; u++) {
        int any = 0;
        for (int k = 0; k < a->n_arrays; k++) any |= a->arrays[k].ops[uses[u].op].supported;
        if (!any) miss = hw_op_name(uses[u].op);
      }
      const char *tn = c->tensors[c->einsums[xi].lhs.tensor].name;
      if (miss)
        return at_errf(e, "no array of %s can run Einsum %s of %s: it needs %s, which no PE there has, so no mapping exists",
                       a->name, tn, c->file, miss);
      return at_errf(e, "no array of %s can run Einsum %s of %s: no one array's PEs have all its operations, so no mapping exists",
                     a->name, tn, c->file);
    }
    /* spatial choices: ordered pairs of its ranks, the two largest first, then one rank, then none */
    int rs[MAX_R], nrs = 0;
    for (int i = 0; i < S->nr; i++)
      if (rank_in_einsum(c, xi, S->rank[i])) rs[nrs++] = i;
    for (int p = 0; p < nrs; p++)      /* by size, descending (stable) */
      for (int q = p + 1; q < nrs; q++)
        if (S->size[rs[q]] > S->size[rs[p]]) { int t = rs[p]; rs[p] = rs[q]; rs[q] = t; }
    int n = 0;
    for (int p = 0; p < nrs; p++)
      for (int q = 0; q < nrs; q++)
        if (p != q && n < MAX_PAIRS - nrs - 1) { S->pair[x][n][0] = rs[p]; S->pair[x][n][1] = rs[q]; n++; }
    for (int p = 0; p < nrs; p++) { S->pair[x][n][0] = -1; S->pair[x][n][1] = rs[p]; n++; }
    S->pair[x][n][0] = S->pair[x][n][1] = -1;
    S->npair[x] = n + 1;
  }
  S->nlev = 1;
  for (int i = 0; i < S->nr; i++) {
    const es_rank *R = &c->ranks[S->rank[i]];
    S->nlev += S->split[i] ? 2 : 3;
    for (int q = 0; R->name[q] && q < MAP_NAME - 1; q++) S->tkey[i][q] = (char)tolower((unsigned char)R->name[q]);
    for (int j = 0; j < (S->split[i] ? 2 : 3); j++) {
      if (S->split[i]) snprintf(S->pname[i][j], MAP_NAME, "%s", c->ranks[j == 0 ? R->outer : R->inner].index);
      else snprintf(S->pname[i][j], MAP_NAME, "%.13s%d", R->index, 2 - j);
    }
  }
  for (int i = 0; i < S->nr; i++) {
    map_expr x;
    set_rank_expr(S, &x, i);
    S->size_term[i] = x.t[0];
  }
  S->nt = c->ntensors;
  for (int t = 0; t < c->ntensors; t++) {
    const es_tensor *T = &c->tensors[t];
    S->kind[t] = !(T->is_input || T->is_output);
    S->alias[t] = -1;
    /* it may overwrite an earlier intermediate of the same ranks whose
    ** readers all come no later than its own producer */
    if (S->kind[t] && T->def >= 0) {
      int pos = -1;
      for (int k = 0; k < c->neinsums; k++) if (c->order[k] == T->def) pos = k;
      for (int u = 0; u < c->ntensors; u++) {
        const es_tensor *U = &c->tensors[u];
        if (u == t || !S->kind[u] || U->ndims != T->ndims || U->def < 0 || U->iter_dim >= 0 || T->iter_dim >= 0) continue;
        int same = 1;
        for (int d = 0; d < T->ndims; d++) same &= U->dim[d] == T->dim[d];
        int upos = -1, late = 0;
        for (int k = 0; k < c->neinsums; k++) {
          if (c->order[k] == U->def) upos = k;
          if (map_expr_reads(c->einsums[c->order[k]].rhs, u) && k > pos) late = 1;
        }
        if (same && upos >= 0 && upos < pos && !late) S->alias[t] = u;
      }
    }
    /* inputs, outputs: streamed, or kept at a level.  Intermediates:
    ** registers, the buffer at a level, DRAM kept at a level, DRAM
    ** streamed, or overwriting an earlier intermediate (ST_ALIAS) */
    S->nst[t] = S->kind[t] ? ST_ALIAS + (S->alias[t] >= 0) : 1 + KEEP_LEVELS;
  }
  return 0;
}

/* ---- building a candidate ------------------------------------------------------- */

static void set_rank_expr(const space *S, map_expr *x, int i) {
  int named;
  int64_t v;
  at_err ignore;
  rank_size(S->o, &S->c->ranks[S->rank[i]], &v, &named, &ignore);
  map_expr_int(x, v);
  if (!named) return;
  const char *nm = S->c->ranks[S->rank[i]].name;
  if (!strcmp(nm, "M") || !strcmp(nm, "P")) {
    x->t[0] = (map_term){ .op = '*', .kind = MX_SEQ };
  } else {    /* E, F: the rank's own name, which falls back to the workload's */
    x->t[0] = (map_term){ .op = '*', .kind = MX_RANK, .idx = (int16_t)S->rank[i] };
    snprintf(x->t[0].name, sizeof x->t[0].name, "%s", nm);
  }
}

/* Fills S->tile and S->ntile: per spatial choice, the divisors of the
** quotient it leaves, each tile choice past the last clamped to it (so a
** clamped choice builds a duplicate).  0, or -1 when out of memory. */
static int tile_init(space *S) {
  for (int i = 0; i < S->nr; i++) {
    if (S->split[i]) continue;
    int nd = S->ndiv[i];
    S->tile[i] = malloc(sizeof(int64_t) * (size_t)(nd * nd));
    if (!S->tile[i]) return -1;
    for (int a = 0; a < nd; a++) {
      int64_t q = S->size[i] / S->div[i][a], last = 1;
      int n = 0;
      for (int d = 0; d < nd; d++)
        if (q % S->div[i][d] == 0) S->tile[i][a * nd + n++] = last = S->div[i][d];
      S->ntile[i][a] = n;
      while (n < nd) S->tile[i][a * nd + n++] = last;
    }
  }
  return 0;
}

static void tile_free(space *S) {
  for (int i = 0; i < S->nr; i++) free(S->tile[i]);
}

static int64_t tile_of(const space *S, const cand *k, int i) {
  if (S->split[i]) return 1;
  return S->tile[i][k->sp[i] * S->ndiv[i] + k->tl[i]];
}

/* The storage choice of tensor t that candidate k builds: an alias needs
** a chain ending in buffer space; without one it is registers (so a
** duplicate of that choice). */
static int store_opt(const space *S, const cand *k, int t) {
  int opt = k->st[t];
  for (int u = t, steps = 0; S->kind[t] && opt == ST_ALIAS && steps <= S->nt; steps++) {
    u = S->alias[u];
    if (k->st[u] == 0 || k->st[u] == ST_DRAM_STREAM) opt = 0;
    if (k->st[u] < ST_DRAM_STREAM) break;
  }
  return opt;
}

/* Fills ph (phase 0 of a mapping on S's cascade) with candidate k. */
static int build(const space *S, const cand *k, map_phase *ph) {
  const es_cascade *c = S->c;
  const map_search_opts *o = S->o;
  memset(ph, 0, offsetof(map_phase, expr));
  ph->batch = ph->loops = ph->store_default = ph->pipe = -1;
  for (int i = 0; i < MAP_MAX_CEINSUMS; i++) ph->entry[i] = -1;
  for (int i = 0; i < SC_MAX_TENSORS; i++) ph->store[i] = -1;
  memcpy(ph->name, "mapped", 7);
  ph->named = 1;
  ph->has_storage = 1;
  for (int i = 0; i < S->nr; i++) {
    int x = map_new_expr(ph);
    map_expr_int(&ph->expr[x], 0);
    ph->expr[x].t[0] = S->size_term[i];
    ph->size_rank[ph->nsize] = S->rank[i];
    ph->size_expr[ph->nsize++] = x;
  }
  if (o->w) {
    int x = map_new_expr(ph);
    map_expr *b = &ph->expr[x];
    b->nterm = 2;
    b->t[0] = (map_term){ .op = '*', .kind = MX_B };
    b->t[1] = (map_term){ .op = '*', .kind = MX_H };
    ph->batch = x;
  }
  memcpy(ph->part[0].name, "batch", 6);
  ph->part[0].rank = -1;
  ph->part[0].expr = ph->part[0].tiled = -1;
  ph->nparts = 1;
  for (int i = 0; i < S->nr; i++) {
    const es_rank *R = &c->ranks[S->rank[i]];
    map_tiled *t = &ph->tiled[ph->ntiled];
    memcpy(t->key, S->tkey[i], MAP_NAME);
    t->rank = S->rank[i];
    t->first = ph->nparts;
    int nparts = S->split[i] ? 2 : 3;
    for (int j = 0; j < nparts; j++) {
      map_part *p = &ph->part[ph->nparts];
      int x = map_new_expr(ph);
      memcpy(p->name, S->pname[i][j], MAP_NAME);
      p->rank = S->split[i] ? (j == 0 ? R->outer : R->inner) : S->rank[i];
      p->expr = x;
      p->tiled = ph->ntiled;
      if (j == 0) ph->expr[x].special = MAP_REST;
      else if (j == nparts - 1) map_expr_int(&ph->expr[x], S->div[i][k->sp[i]]);
      else map_expr_int(&ph->expr[x], tile_of(S, k, i));
      ph->nparts++;
    }
    t->n = nparts;
    ph->ntiled++;
  }
  /* shared loops */
  int level[MAX_LEV], nl = 1;
  level[0] = SC_BATCH;
  int l = map_new_list(ph);
  ph->loops = l;
  for (int j = 0; j < k->nshared; j++) {
    int op = k->perm[j], i = S->outer_r[op];
    int first = ph->tiled[i].first;
    int part = S->outer_k[op] == 2 ? first : first + 1;
    ph->list[l].part[ph->list[l].n++] = part;
  }
  uint64_t shared = 0;
  for (int j = 0; j < ph->list[l].n; j++) {
    level[nl++] = ph->list[l].part[j];
    shared |= 1ull << ph->list[l].part[j];
  }
  for (int p = 1; p < ph->nparts; p++)
    if (!(shared >> p & 1)) level[nl++] = p;
  /* einsums */
  for (int x = 0; x < S->ne; x++) {
    int xi = S->xi[x];
    int ei = map_new_entry(ph), si = map_new_spatial(ph);
    map_entry *en = &ph->ent[ei];
    const hw_array *ar = &o->arch->arrays[S->arr[x][k->arr[x]]];
    en->full = 1;
    memcpy(en->array, ar->name, sizeof en->array < sizeof ar->name ? sizeof en->array : sizeof ar->name);
    en->array[sizeof en->array - 1] = 0;
    en->loops = -1;
    en->spatial = si;
    /* one part per dimension (mappings/README.md "The mapspace") */
    int on[2];
    for (int d = 0; d < 2; d++) {
      int ri = S->pair[x][k->pair[x]][d];
      on[d] = ri < 0 || (d == 0 && ar->rows == 1) ? -1 : ph->tiled[ri].first + ph->tiled[ri].n - 1;
    }
    /* a one-row array time-multiplexes a cols factor wider than itself */
    int rc = S->pair[x][k->pair[x]][1];
    ph->sp[si].fold = ar->rows == 1 && rc >= 0 && S->div[rc][k->sp[rc]] > ar->cols;
    if (on[0] < 0 && on[1] >= 0 && ar->rows > 1 && ar->cols == 1) {
      on[0] = on[1];
      on[1] = -1;
    }
    for (int d = 0; d < 2; d++)
      if (on[d] >= 0) ph->sp[si].part[d][ph->sp[si].n[d]++] = on[d];
    ph->entry[xi] = ei;
    ph->entry_order[ph->nentry_order++] = xi;
  }
  /* storage */
  for (int t = 0; t < S->nt; t++) {
    int s = map_new_store(ph), opt = store_opt(S, k, t);
    map_store *st = &ph->sto[s];
    st->keep = st->spill = st->alias = -1;
    if (opt == 0 || opt == ST_DRAM_STREAM) {
      st->home = S->kind[t] && opt == 0 ? SC_REGS : SC_DRAM;
    } else if (opt < ST_DRAM_STREAM) {
      st->full = 1;
      st->home = S->kind[t] && opt <= KEEP_LEVELS ? SC_BUFFER : SC_DRAM;
      int li = map_new_list(ph);
      ph->list[li].scalar = 1;
      ph->list[li].n = 1;
      ph->list[li].part[0] = level[opt <= KEEP_LEVELS ? opt - 1 : opt - 1 - KEEP_LEVELS];   /* (opt - 1) mod levels */
      st->keep = li;
    } else {
      st->full = 1;
      st->home = SC_BUFFER;
      st->alias = S->alias[t];
    }
    ph->store[t] = s;
    ph->store_order[ph->nstore_order++] = t;
  }
  int pi = map_new_pipe(ph);
  /* tiles overlap only as far as the cycle engine's window lets them; the
  ** analytical engine assumes they do, so the mapper asks for the window
  ** FuseMax's own mapping declares (MAP_WINDOW; mappings/README.md, "The
  ** mapper on the cycle engine") */
  int win = k->policy == SC_SEQUENTIAL ? 0 : MAP_WINDOW;
  ph->pip[pi] = (map_pipe){ -1, win != 0, (sc_policy)k->policy, -1, win, -1 };
  ph->pipe = pi;
  return 0;
}

static void describe(const space *S, const cand *k, const sc_schedule *s, char *out, size_t cap) {
  static const char *const pol[] = { "sequential", "pipelined", "interleaved" };
  const sc_phase *ph = &s->phase[0];
  size_t n = (size_t)snprintf(out, cap, "%s loops [", s->tiling[0] ? s->tiling : "untiled");
  for (int j = 0; j < ph->nshared && n < cap; j++)
    n += (size_t)snprintf(out + n, cap - n, "%s%s", j ? " " : "", ph->part[ph->shared[j]].name);
  if (n < cap) snprintf(out + n, cap - n, "] %s", pol[k->policy]);
  (void)S;
}

/* ---- dimensions of a candidate, for enumeration and descent --------------------- */

enum { D_SP, D_TL, D_NSHARED, D_MOVE, D_ARR, D_PAIR, D_ST, D_POLICY };

typedef struct dim {
  int kind, i, n;
} dim;

static int dims_of(const space *S, dim *d) {
  int n = 0;
  for (int i = 0; i < S->nr; i++) {
    d[n++] = (dim){ D_SP, i, S->nsp[i] };
    if (!S->split[i]) d[n++] = (dim){ D_TL, i, S->ndiv[i] };
  }
  d[n++] = (dim){ D_NSHARED, 0, S->nouter + 1 };
  d[n++] = (dim){ D_MOVE, 0, S->nouter * S->nouter };
  for (int x = 0; x < S->ne; x++) {
    d[n++] = (dim){ D_ARR, x, S->narr[x] };
    d[n++] = (dim){ D_PAIR, x, S->npair[x] };
  }
  for (int t = 0; t < S->nt; t++) d[n++] = (dim){ D_ST, t, S->nst[t] };
  d[n++] = (dim){ D_POLICY, 0, 3 };
  return n;
}

/* Candidate k with dimension d set to value v (D_MOVE: move the part at
** position v / n to position v % n). */
static void set_dim(const space *S, cand *k, const dim *d, int v) {
  switch (d->kind) {
  case D_SP: k->sp[d->i] = v; break;
  case D_TL: k->tl[d->i] = v; break;
  case D_NSHARED: k->nshared = v; break;
  case D_MOVE: {
    int from = v / S->nouter, to = v % S->nouter, p = k->perm[from];
    if (from < to) memmove(&k->perm[from], &k->perm[from + 1], sizeof(int) * (size_t)(to - from));
    else memmove(&k->perm[to + 1], &k->perm[to], sizeof(int) * (size_t)(from - to));
    k->perm[to] = p;
    break;
  }
  case D_ARR: k->arr[d->i] = v; break;
  case D_PAIR: k->pair[d->i] = v; break;
  case D_ST: k->st[d->i] = v; break;
  default: k->policy = v;
  }
}

static void random_cand(const space *S, at_rng *r, cand *k) {
  memset(k, 0, sizeof *k);
  dim d[512];
  int nd = dims_of(S, d);
  for (int i = 0; i < S->nouter; i++) k->perm[i] = i;
  for (int i = S->nouter - 1; i > 0; i--) {
    int j = (int)(at_rng_next(r) % (uint64_t)(i + 1)), t = k->perm[i];
    k->perm[i] = k->perm[j];
    k->perm[j] = t;
  }
  for (int i = 0; i < nd; i++) {
    if (d[i].kind == D_MOVE) continue;
    if (d[i].kind == D_ARR) {   /* among the arrays that can run it: the rest are pruned anyway */
      int able[HW_MAX_ARRAYS], na = 0;
      for (int q = 0; q < S->narr[d[i].i]; q++)
        if (S->able[d[i].i] >> q & 1) able[na++] = q;
      set_dim(S, k, &d[i], able[at_rng_next(r) % (uint64_t)na]);
      continue;
    }
    /* half of the storage choices the plainest one (registers or
    ** streamed), so that fewer samples overflow the buffer */
    if (d[i].kind == D_ST && at_rng_next(r) % 2) { set_dim(S, k, &d[i], 0); continue; }
    set_dim(S, k, &d[i], (int)(at_rng_next(r) % (uint64_t)d[i].n));
  }
}

/* A plain start: the widest array that can run each Einsum, its two largest
** ranks spatial at the largest factor that fits, the largest rank's outer
** loop shared, everything streamed or in registers, pipelined. */
static void start_cand(const space *S, cand *k) {
  memset(k, 0, sizeof *k);
  const hw_arch *a = S->o->arch;
  int64_t widest = 1;
  for (int q = 0; q < a->n_arrays; q++) widest = a->arrays[q].cols > widest ? a->arrays[q].cols : widest;
  for (int i = 0; i < S->nr; i++)
    for (int j = 0; j < S->nsp[i]; j++)
      if (S->div[i][j] <= widest) k->sp[i] = j;
  int order[MAX_O] = { 0 };     /* copied whole into k->perm, past nouter zero as in every cand */
  for (int i = 0; i < S->nouter; i++) order[i] = i;
  for (int p = 0; p < S->nouter; p++)
    for (int q = p + 1; q < S->nouter; q++)
      if (S->size[S->outer_r[order[q]]] > S->size[S->outer_r[order[p]]]) { int t = order[p]; order[p] = order[q]; order[q] = t; }
  memcpy(k->perm, order, sizeof order);
  k->nshared = 1;
  for (int x = 0; x < S->ne; x++) {
    int best = -1;
    sc_opuse uses[SC_MAX_OPUSES];
    int nu = sc_einsum_ops(S->c, S->xi[x], uses);
    for (int q = 0; q < S->narr[x]; q++) {
      const hw_array *ar = &a->arrays[S->arr[x][q]];
      int ok = 1;
      for (int u = 0; u < nu; u++) ok &= ar->ops[uses[u].op].supported;
      if (ok && (best < 0 || hw_array_pes(ar) > hw_array_pes(&a->arrays[S->arr[x][best]]))) best = q;
    }
    k->arr[x] = best < 0 ? 0 : best;
  }
  k->policy = SC_PIPELINED;
}

/* Structured starts, variant v of S->nouter * 3: outer part v / 3 first,
** the others by size, v % 3 + 1 of them shared, intermediates in the
** buffer at the innermost shared loop. */
static void start_variant(const space *S, int v, cand *k) {
  start_cand(S, k);
  int first = v / 3, j = 0;
  int order[MAX_O] = { 0 };     /* the same */
  order[j++] = k->perm[first];
  for (int i = 0; i < S->nouter; i++)
    if (i != first) order[j++] = k->perm[i];
  memcpy(k->perm, order, sizeof order);
  k->nshared = v % 3 + 1 < S->nouter ? v % 3 + 1 : S->nouter;
  for (int t = 0; t < S->nt; t++)
    if (S->kind[t]) k->st[t] = 1 + k->nshared;
}

/* ---- evaluation --------------------------------------------------------------------- */

typedef struct worker {
  map_spec *m;                /* its own mapping (binding writes the cascade's sizes) */
  map_cinfo ci;               /* its cascade, analysed once */
  sc_schedule s;
} worker;

typedef struct outcome {
  int rule;                   /* MAP_RULE_*, MAP_RULE_NONE: legal */
  int memo;                   /* the rule came from the memo: not built */
  uint64_t canon;             /* canon_key */
  uint64_t raw;               /* cand_key */
  int failed;                 /* binding or the engine failed for another reason */
  uint64_t key;
  map_figures f;
  char desc[200];
  char why[512];              /* the first failure's message */
} outcome;

/* The memo: canonical candidate key -> the rule its mapping breaks, or
** MAP_RULE_DUPLICATE for a legal one (its schedule's key is seen, so a
** twin is a duplicate).  Open addressing, key 0 marks a free slot. */
typedef struct memo {
  uint64_t *k;
  signed char *v;
  size_t cap, n;
} memo;

static int memo_get(const memo *m, uint64_t key) {
  if (!m->cap) return -1;
  if (key == 0) key = 1;
  for (size_t j = key & (m->cap - 1); m->k[j]; j = (j + 1) & (m->cap - 1))
    if (m->k[j] == key) return m->v[j];
  return -1;
}

static void memo_put(memo *m, uint64_t key, int v) {
  if (key == 0) key = 1;
  if (2 * (m->n + 1) > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 4096;
    uint64_t *k = calloc(cap, sizeof *k);
    signed char *vv = malloc(cap);
    if (!k || !vv) { free(k); free(vv); return; }    /* no room: the memo just stops growing */
    for (size_t i = 0; i < m->cap; i++)
      if (m->k[i]) {
        size_t j = m->k[i] & (cap - 1);
        while (k[j]) j = (j + 1) & (cap - 1);
        k[j] = m->k[i];
        vv[j] = m->v[i];
      }
    free(m->k);
    free(m->v);
    m->k = k;
    m->v = vv;
    m->cap = cap;
  }
  size_t j = key & (m->cap - 1);
  while (m->k[j] && m->k[j] != key) j = (j + 1) & (m->cap - 1);
  if (!m->k[j]) m->n++;
  m->k[j] = key;
  m->v[j] = (signed char)v;
}

typedef struct keyset {
  uint64_t *v;
  size_t cap, n;
} keyset;

typedef struct search {
  space S;
  const map_search_opts *o;
  worker *w;
  int nworkers;
  /* the batch */
  cand *batch;
  outcome *out;
  int n;
  int stage;                  /* 1: bind and check; 2: bind and evaluate */
  keyset seen;                /* schedule keys */
  keyset tried;               /* candidates (their bytes), to skip exact repeats unbuilt */
  double desc_below;          /* describe only what may enter the top list */
  map_eval_hook hook;         /* map_search_hooked's, or NULL */
  void *hook_ctx;
  int reuse;                  /* take a built twin's outcome from the memo */
  memo twins;                 /* canonical candidate keys (canon_key) -> outcome */
} search;

/* Starts loading the slot where key's search begins: a table of 10^5
** keys does not stay in cache, so a lookup issued later finds it there. */
static void keyset_prefetch(const keyset *k, uint64_t key) {
  if (k->cap) __builtin_prefetch(&k->v[(key ? key : 1) & (k->cap - 1)]);
}

/* Room for n keys up front (at most 2^21), so that a search of a known
** budget never rehashes; best effort: without memory the table grows as
** it fills. */
static void keyset_reserve(keyset *k, int64_t n) {
  size_t cap = 4096;
  while (cap < (size_t)1 << 22 && (int64_t)cap < 2 * n + 2) cap *= 2;
  if (k->cap || !(k->v = calloc(cap, sizeof *k->v))) return;   /* only on an empty table */
  k->cap = cap;
  k->n = 0;
}

/* Adds key; 1 if it was there.  Open addressing, 0 marks a free slot. */
static int seen_add(keyset *k, uint64_t key) {
  if (key == 0) key = 1;
  if (2 * (k->n + 1) > k->cap) {
    size_t cap = k->cap ? k->cap * 2 : 4096;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t) return 0;
    for (size_t i = 0; i < k->cap; i++)
      if (k->v[i]) {
        size_t j = k->v[i] & (cap - 1);
        while (t[j]) j = (j + 1) & (cap - 1);
        t[j] = k->v[i];
      }
    free(k->v);
    k->v = t;
    k->cap = cap;
  }
  size_t j = key & (k->cap - 1);
  while (k->v[j]) {
    if (k->v[j] == key) return 1;
    j = (j + 1) & (k->cap - 1);
  }
  k->v[j] = key;
  k->n++;
  return 0;
}

/* A hash of a candidate's choices (those of S's ranks, parts, Einsums and
** tensors: the rest of a cand stays zero), in two lanes so that the
** multiplications overlap. */
static uint64_t cand_key(const space *S, const cand *k) {
  uint64_t h[2] = { 0xcbf29ce484222325ull, 0x9ae16a3b2f90404full };
  int lane = 0;
#define MIX2(v) (h[lane] = (h[lane] ^ (uint64_t)(int64_t)(v)) * 0x9e3779b97f4a7c15ull, h[lane] ^= h[lane] >> 31, lane ^= 1)
  for (int i = 0; i < S->nr; i++) MIX2((int64_t)k->sp[i] << 32 | (uint32_t)k->tl[i]);
  for (int j = 0; j < S->nouter; j++) MIX2(k->perm[j]);
  MIX2((int64_t)k->nshared << 32 | (uint32_t)k->policy);
  for (int x = 0; x < S->ne; x++) MIX2((int64_t)k->arr[x] << 32 | (uint32_t)k->pair[x]);
  for (int t = 0; t < S->nt; t++) MIX2(k->st[t]);
#undef MIX2
  uint64_t r = (h[0] ^ (h[1] * 0xc2b2ae3d27d4eb4full));
  return r ^ r >> 29;
}

/* A hash of what candidate k builds: equal for candidates that build the
** same mapping (a tile choice clamped to the same divisor, the same
** shared loops whatever the order of the parts after them, a rows rank
** a one-row array drops, an alias that falls back to registers), so a
** neighbour that builds what an earlier candidate built takes its outcome
** without being built, bound or checked (the memo). */
static uint64_t canon_key(const space *S, const cand *k) {
  uint64_t h = 0x84222325cbf29ce4ull;
#define MIX(v) (h = (h ^ (uint64_t)(int64_t)(v)) * 0x9e3779b97f4a7c15ull, h ^= h >> 31)
  for (int i = 0; i < S->nr; i++) {
    int nt = S->split[i] ? 1 : S->ntile[i][k->sp[i]];
    MIX(k->sp[i]);
    MIX(S->split[i] ? 0 : k->tl[i] < nt ? k->tl[i] : nt - 1);
  }
  MIX(k->nshared);
  for (int j = 0; j < k->nshared; j++) MIX(k->perm[j]);
  for (int x = 0; x < S->ne; x++) {
    const hw_array *ar = &S->o->arch->arrays[S->arr[x][k->arr[x]]];
    MIX(k->arr[x]);
    MIX(ar->rows == 1 ? -1 : S->pair[x][k->pair[x]][0]);
    MIX(S->pair[x][k->pair[x]][1]);
  }
  for (int t = 0; t < S->nt; t++) MIX(store_opt(S, k, t));
  MIX(k->policy);
#undef MIX
  return h;
}

static double score(const map_search_opts *o, const map_figures *f) {
  if (o->objective == MAP_OBJ_ENERGY) return f->energy_pJ;
  if (o->objective == MAP_OBJ_EDP) return f->energy_pJ * f->latency_s;
  return (double)f->cycles;
}

/* Evaluates candidate i, bound on worker w. */
static void evaluate_one(search *s, worker *w, int i) {
  outcome *oc = &s->out[i];
  at_err e;
  map_tiling(&w->s);          /* map_bind_quiet leaves it to the candidates evaluated */
  if (s->o->engine->eval(&w->s, &oc->f, &e)) { oc->failed = 1; snprintf(oc->why, sizeof oc->why, "%s", e.msg); return; }
  if (s->hook) s->hook(s->hook_ctx, w->m, &w->s, &oc->f);
  if (score(s->o, &oc->f) < s->desc_below) describe(&s->S, &s->batch[i], &w->s, oc->desc, sizeof oc->desc);
}

/* Builds, binds and checks candidate i on worker w; with evaluate, also
** evaluates it. */
static void run_one(search *s, worker *w, int i, int evaluate) {
  outcome *oc = &s->out[i];
  at_err e;
  map_rule rule;
  oc->rule = MAP_RULE_NONE;
  oc->failed = 0;
  build(&s->S, &s->batch[i], w->m->ph[0]);
  if (map_bind_quiet(w->m, s->o->arch, s->o->w, s->o->seq, &w->s, &rule, &e)) {
    if (rule == MAP_RULE_NONE) {   /* no pruning rule: bind again for the message */
      oc->failed = 1;
      map_bind_rule(w->m, s->o->arch, s->o->w, s->o->seq, &w->s, &rule, &e);
      snprintf(oc->why, sizeof oc->why, "%s", e.msg);
    }
    oc->rule = rule;
    return;
  }
  /* the key before the rules, so that its slot loads while they are checked */
  oc->key = map_schedule_key_ci(&w->s, &w->ci);
  keyset_prefetch(&s->seen, oc->key);
  if (map_check_schedule_ci(&w->s, &w->ci, 1, &rule, &e)) { oc->rule = rule; return; }
  if (evaluate) evaluate_one(s, w, i);
}

typedef struct slice {
  search *s;
  int w, from, to, evaluate;
  const int *todo;            /* candidate indices, or NULL: from..to directly */
} slice;

static void *run_slice(void *arg) {
  slice *sl = arg;
  for (int j = sl->from; j < sl->to; j++) run_one(sl->s, &sl->s->w[sl->w], sl->todo ? sl->todo[j] : j, sl->evaluate);
  return NULL;
}

/* Runs candidates todo[0..n) (or 0..n) across the workers. */
static void run_parallel(search *s, const int *todo, int n, int evaluate) {
  int nw = s->nworkers;
  if (nw <= 1 || n < 2 * nw) {
    slice sl = { s, 0, 0, n, evaluate, todo };
    run_slice(&sl);
    return;
  }
  pthread_t th[64];
  slice sl[64];
  int started = 0;
  for (int k = 0; k < nw; k++) {
    sl[k] = (slice){ s, k, n * k / nw, n * (k + 1) / nw, evaluate, todo };
    if (k > 0 && pthread_create(&th[k], NULL, run_slice, &sl[k]) == 0) started |= 1 << k;
    else if (k > 0) run_slice(&sl[k]);
  }
  run_slice(&sl[0]);
  for (int k = 1; k < nw; k++)
    if (started & (1 << k)) pthread_join(th[k], NULL);
}


typedef struct best {
  int have;
  double score;
  cand k;
} best;

/* Evaluates a batch: prunes, deduplicates in order, evaluates the rest;
** updates the counts, the top list and *b (the batch's best, if better). */
static void eval_batch(search *s, map_search_result *r, int n, best *b, at_err *why) {
  int *todo = malloc(sizeof(int) * (size_t)n);
  int nt = 0;
  if (!todo) return;
  /* only a mapping better than the fifth best so far can enter the list */
  s->desc_below = r->ntop < MAP_TOP ? INFINITY : r->top_score[MAP_TOP - 1];
  /* an exact repeat of a candidate already considered is a duplicate
  ** without building it (in order, so the counts do not depend on --jobs) */
  int *fresh = calloc((size_t)n, sizeof(int)), nf = 0;
  if (!fresh) { free(todo); return; }
  for (int i = 0; i < n; i++) {     /* keys first, their slots loading while the next are worked out */
    outcome *oc = &s->out[i];
    oc->raw = cand_key(&s->S, &s->batch[i]);
    keyset_prefetch(&s->tried, oc->raw);
    if (s->reuse) {
      oc->canon = canon_key(&s->S, &s->batch[i]);
      if (s->twins.cap) __builtin_prefetch(&s->twins.k[(oc->canon ? oc->canon : 1) & (s->twins.cap - 1)]);
    }
  }
  for (int i = 0; i < n; i++) {
    outcome *oc = &s->out[i];
    oc->memo = 0;
    if (seen_add(&s->tried, oc->raw)) { oc->rule = -2; continue; }
    oc->rule = MAP_RULE_NONE;
    /* a twin of a candidate of an earlier batch (or, with one worker, of
    ** this one: looked up as it comes) meets the same rule */
    if (s->reuse) {
      int got = s->nworkers > 1 ? memo_get(&s->twins, oc->canon) : -1;
      if (got >= 0) { oc->rule = got; oc->memo = 1; continue; }
    }
    fresh[nf++] = i;
  }
  if (s->nworkers > 1) {
    run_parallel(s, fresh, nf, 0);
    for (int i = 0; i < n; i++) {
      outcome *oc = &s->out[i];
      r->considered++;
      if (oc->rule == -2) { r->pruned[MAP_RULE_DUPLICATE]++; continue; }
      if (oc->memo) { r->pruned[oc->rule]++; continue; }
      if (oc->failed) { r->failed++; if (!why->msg[0]) snprintf(why->msg, sizeof why->msg, "%s", oc->why); continue; }
      if (s->reuse) memo_put(&s->twins, oc->canon, oc->rule != MAP_RULE_NONE ? oc->rule : MAP_RULE_DUPLICATE);
      if (oc->rule != MAP_RULE_NONE) { r->pruned[oc->rule]++; continue; }
      if (seen_add(&s->seen, oc->key)) { r->pruned[MAP_RULE_DUPLICATE]++; continue; }
      todo[nt++] = i;
    }
    run_parallel(s, todo, nt, 1);
  } else {
    /* one worker: bind once, dedup before evaluating */
    for (int i = 0; i < n; i++) {
      outcome *oc = &s->out[i];
      r->considered++;
      if (oc->rule == -2) { r->pruned[MAP_RULE_DUPLICATE]++; continue; }
      int got = s->reuse ? memo_get(&s->twins, oc->canon) : -1;
      if (got >= 0) { r->pruned[got]++; continue; }
      run_one(s, &s->w[0], i, 0);
      if (oc->failed) { r->failed++; if (!why->msg[0]) snprintf(why->msg, sizeof why->msg, "%s", oc->why); continue; }
      if (s->reuse) memo_put(&s->twins, oc->canon, oc->rule != MAP_RULE_NONE ? oc->rule : MAP_RULE_DUPLICATE);
      if (oc->rule != MAP_RULE_NONE) { r->pruned[oc->rule]++; continue; }
      if (seen_add(&s->seen, oc->key)) { r->pruned[MAP_RULE_DUPLICATE]++; continue; }
      evaluate_one(s, &s->w[0], i);
      todo[nt++] = i;
    }
  }
  for (int j = 0; j < nt; j++) {
    outcome *oc = &s->out[todo[j]];
    if (oc->failed) { r->failed++; if (!why->msg[0]) snprintf(why->msg, sizeof why->msg, "%s", oc->why); continue; }
    r->evaluated++;
    double sc = score(s->o, &oc->f);
    if (!b->have || sc < b->score) { b->have = 1; b->score = sc; b->k = s->batch[todo[j]]; }
    /* the top list: best first, strictly better displaces */
    int pos = r->ntop;
    while (pos > 0 && sc < r->top_score[pos - 1]) pos--;
    if (pos < MAP_TOP) {
      int last = r->ntop < MAP_TOP ? r->ntop : MAP_TOP - 1;
      for (int q = last; q > pos; q--) {
        r->top[q] = r->top[q - 1];
        r->top_score[q] = r->top_score[q - 1];
        memcpy(r->top_desc[q], r->top_desc[q - 1], sizeof r->top_desc[q]);
      }
      r->top[pos] = oc->f;
      r->top_score[pos] = sc;
      snprintf(r->top_desc[pos], sizeof r->top_desc[pos], "%s", oc->desc);
      if (r->ntop < MAP_TOP) r->ntop++;
    }
  }
  free(todo);
  free(fresh);
  if (s->o->progress) s->o->progress(s->o->progress_ctx, r->considered, r->evaluated, r->ntop ? r->top_score[0] : 0);
}

/* The schedule key of mapping m, or 0 if it does not bind or is illegal. */
static uint64_t key_of(const map_search_opts *o, map_spec *m, const map_cinfo *ci, sc_schedule *sc) {
  map_rule rule;
  at_err e;
  if (map_bind_quiet(m, o->arch, o->w, o->seq, sc, &rule, &e) || map_check_schedule_ci(sc, ci, 1, &rule, &e)) return 0;
  return map_schedule_key_ci(sc, ci);
}

/* Drops from the best mapping's shared loops those of one iteration where
** the schedule stays the same (same key; a tile kept at such a loop is
** kept at the shared loop above it, which holds the same): they change
** nothing the engine sees, and a reader (or the cycle engine) is spared
** them. */
static void simplify(const map_search_opts *o, map_spec *m, sc_schedule *sc) {
  map_phase *ph = m->ph[0], *t = malloc(sizeof *t);
  map_cinfo ci;
  map_cinfo_init(m->c[0], &ci);
  uint64_t key = key_of(o, m, &ci, sc);
  if (!t || !key || ph->loops < 0) { free(t); key_of(o, m, &ci, sc); return; }
  for (int j = ph->list[ph->loops].n - 1; j >= 0; j--) {
    key_of(o, m, &ci, sc);
    int p = ph->list[ph->loops].part[j];
    if (sc->phase[0].part[p].size != 1) continue;
    *t = *ph;
    map_list *l = &t->list[t->loops];
    int above = j > 0 ? l->part[j - 1] : SC_BATCH;
    memmove(&l->part[j], &l->part[j + 1], sizeof(int) * (size_t)(l->n - 1 - j));
    l->n--;
    for (int q = 0; q < t->nlist; q++)
      if (q != t->loops)
        for (int i = 0; i < t->list[q].n; i++)
          if (t->list[q].part[i] == p) t->list[q].part[i] = above;
    map_phase keep = *ph;
    *ph = *t;
    if (key_of(o, m, &ci, sc) != key) *ph = keep;
  }
  free(t);
}

/* Decodes index v of an exhaustive enumeration into a candidate. */
static void decode(const space *S, const dim *d, int nd, double v, cand *k) {
  memset(k, 0, sizeof *k);
  /* the order: a permutation by its Lehmer code, then the shared count */
  for (int i = 0; i < nd; i++) {
    if (d[i].kind == D_MOVE) {
      double f = 1;
      for (int j = 2; j <= S->nouter; j++) f *= j;
      double code = fmod(v, f);
      v = floor(v / f);
      int avail[MAX_O], na = S->nouter;
      for (int j = 0; j < na; j++) avail[j] = j;
      for (int j = 0; j < S->nouter; j++) {
        double g = 1;
        for (int q = 2; q <= S->nouter - 1 - j; q++) g *= q;
        int idx = (int)floor(code / g);
        code = fmod(code, g);
        k->perm[j] = avail[idx];
        memmove(&avail[idx], &avail[idx + 1], sizeof(int) * (size_t)(na - idx - 1));
        na--;
      }
      continue;
    }
    set_dim(S, k, &d[i], (int)fmod(v, d[i].n));
    v = floor(v / d[i].n);
  }
}

int map_search(const map_search_opts *o, map_search_result *r, at_err *e) {
  return map_search_hooked(o, r, NULL, NULL, 1, e);
}

int map_search_hooked(const map_search_opts *o, map_search_result *r, map_eval_hook hook, void *ctx, int reuse, at_err *e) {
  memset(r, 0, sizeof *r);
  search *s = calloc(1, sizeof *s);
  if (!s) return at_errf(e, "out of memory");
  s->hook = hook;
  s->hook_ctx = ctx;
  s->reuse = reuse;
  int rc = -1, nw = o->jobs < 1 ? 1 : o->jobs > 64 ? 64 : o->jobs;
  double t0 = at_now_s();
  at_err why = { "" };
  s->o = o;
  s->w = calloc((size_t)nw, sizeof *s->w);
  s->batch = calloc(BATCH, sizeof *s->batch);
  s->out = calloc(BATCH, sizeof *s->out);
  if (!s->w || !s->batch || !s->out) { at_errf(e, "out of memory"); goto done; }
  for (int k = 0; k < nw; k++) {
    map_phase *ph;
    if (map_new(o->design, o->arch_path, &s->w[k].m, e) || map_add_phase(s->w[k].m, o->cascade_path, &ph, e)) goto done;
    map_cinfo_init(s->w[k].m->c[0], &s->w[k].ci);
    s->nworkers++;
  }
  if (space_init(&s->S, o, s->w[0].m->c[0], e)) goto done;
  if (tile_init(&s->S)) { at_errf(e, "out of memory"); goto done; }
  for (int i = 0; i < s->S.nr; i++) {
    char nm[MAP_NAME];
    const es_rank *R = &s->S.c->ranks[s->S.rank[i]];
    for (int j = 0; j < 3 && !s->S.split[i]; j++) {
      snprintf(nm, sizeof nm, "%.13s%d", R->index, j);
      if (es_find_rank(s->S.c, nm) >= 0 || strlen(R->index) > 13) {
        at_errf(e, "%s: the mapper names rank %s's parts %s2, %s1, %s0, and %s is taken (or the index is too long)",
                s->S.c->file, R->name, R->index, R->index, R->index, nm);
        goto done;
      }
    }
  }
  dim d[512];
  int nd = dims_of(&s->S, d);
  double size = 1;
  for (int i = 0; i < nd; i++) {
    if (d[i].kind == D_MOVE) { for (int j = 2; j <= s->S.nouter; j++) size *= j; }
    else size *= d[i].n;
  }
  r->space = size;
  best b = { 0 };
  int64_t budget = o->budget > 0 ? o->budget : 200000;
  keyset_reserve(&s->tried, budget);
  keyset_reserve(&s->seen, budget);
  if (size <= (double)budget) {
    r->exhaustive = 1;
    for (double v = 0; v < size;) {
      int n = 0;
      for (; n < BATCH && v < size; n++, v++) decode(&s->S, d, nd, v, &s->batch[n]);
      eval_batch(s, r, n, &b, &why);
    }
  } else {
    at_rng rng = { o->seed ^ 0x9e3779b97f4a7c15ull };
    /* sample: the plain start and random candidates, an eighth of the budget */
    int64_t nsample = budget / 8, nstart = 1 + 3 * (int64_t)s->S.nouter;
    /* (and on until something legal turns up) */
    for (int64_t done = 0; done < budget && (done < nsample || !b.have);) {
      int n = 0;
      for (; n < BATCH && done < budget && (done < nsample || !b.have); n++, done++) {
        if (done == 0) start_cand(&s->S, &s->batch[n]);
        else if (done < nstart) start_variant(&s->S, (int)done - 1, &s->batch[n]);
        else random_cand(&s->S, &rng, &s->batch[n]);
      }
      best bb = { 0 };
      eval_batch(s, r, n, &bb, &why);
      if (bb.have && (!b.have || bb.score < b.score)) b = bb;
    }
    /* then iterated local search: coordinate descent to a local optimum,
    ** a random kick of a few choices of the best so far, descent again */
    for (int round = 0; b.have && r->considered < budget; round++) {
      cand cur = b.k;
      double cur_score = b.score;
      if (round % 3 == 2) {
        /* every third round a fresh start, so one bad basin cannot hold the search */
        best bb = { 0 };
        while (!bb.have && r->considered < budget) {
          int n = 0;
          for (; n < 64; n++) random_cand(&s->S, &rng, &s->batch[n]);
          eval_batch(s, r, n, &bb, &why);
        }
        if (!bb.have) break;
        cur = bb.k;
        cur_score = bb.score;
        if (bb.score < b.score) b = bb;
      } else if (round > 0) {
        int kicks = 2 + (int)(at_rng_next(&rng) % 5);
        for (int q = 0; q < kicks; q++) {
          const dim *dd = &d[at_rng_next(&rng) % (uint64_t)nd];
          if (dd->n > 0) set_dim(&s->S, &cur, dd, (int)(at_rng_next(&rng) % (uint64_t)dd->n));
        }
        s->batch[0] = cur;
        best bb = { 0 };
        eval_batch(s, r, 1, &bb, &why);
        if (!bb.have) continue;       /* the kick landed on an illegal or seen mapping */
        cur_score = bb.score;
        if (bb.score < b.score) b = bb;
      }
      for (int improved = 1; improved && r->considered < budget;) {
        improved = 0;
        for (int i = 0; i < nd && r->considered < budget; i++) {
          int n = 0;
          for (int v = 0; v < d[i].n && n < BATCH; v++) {
            s->batch[n] = cur;
            set_dim(&s->S, &s->batch[n], &d[i], v);
            n++;
          }
          best bb = { 0 };
          eval_batch(s, r, n, &bb, &why);
          if (bb.have && bb.score < cur_score) {
            cur = bb.k;
            cur_score = bb.score;
            improved = 1;
          }
          if (bb.have && bb.score < b.score) b = bb;
        }
      }
    }
  }
  r->seconds = at_now_s() - t0;
  snprintf(r->first_error, sizeof r->first_error, "%s", why.msg);
  if (!b.have) {
    char counts[300] = "";
    size_t n = 0;
    for (int k = 0; k < MAP_RULE_COUNT; k++)
      n += (size_t)snprintf(counts + n, sizeof counts - n, "%s%s %lld", k ? ", " : "", map_rule_name[k], (long long)r->pruned[k]);
    if (r->exhaustive)
      at_errf(e, "no legal mapping of %s on %s: the whole mapspace (%lld mappings) is pruned, by %s%s%s", o->cascade_path,
              o->arch->name, (long long)r->considered, counts, why.msg[0] ? "; e.g. " : "", why.msg);
    else
      at_errf(e, "no legal mapping of %s on %s among the %lld considered (--budget %lld): pruned by %s%s%s", o->cascade_path,
              o->arch->name, (long long)r->considered, (long long)budget, counts, why.msg[0] ? "; e.g. " : "", why.msg);
    goto done;
  }
  /* the best, built into a fresh mapping of its own */
  map_phase *ph;
  if (map_new(o->design, o->arch_path, &r->best, e) || map_add_phase(r->best, o->cascade_path, &ph, e)) goto done;
  space S2 = s->S;
  S2.c = r->best->c[0];
  build(&S2, &b.k, ph);
  simplify(o, r->best, &s->w[0].s);
  rc = 0;
done:
  if (rc && r->best) { map_free(r->best); r->best = NULL; }
  for (int k = 0; k < s->nworkers; k++) map_free(s->w[k].m);
  free(s->w);
  free(s->batch);
  free(s->out);
  free(s->seen.v);
  free(s->tried.v);
  free(s->twins.k);
  free(s->twins.v);
  tile_free(&s->S);
  free(s);
  return rc;
}
