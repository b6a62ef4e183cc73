/*
** mapping.c: reading mapping specs into in-memory mappings (map_int.h).
** Everything the file fixes is checked here, located at its node: field
** names and types, loop names (resolved to part indices), the syntax and
** names of size expressions, select columns, the files it names.  What
** depends on a design point (sizes, the architecture, the configuration
** row) is left to map_bind() in bind.c, which still reports at the node,
** through the location table this file fills.
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "map_int.h"
#include "ytree.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const map_col_name[MC_COUNT] = {
  "Q_loc", "K_loc", "V_loc", "QK_loc", "A_loc", "AV_loc", "QK_stationarity", "AV_stationarity",
  "fusion_granularity", "P1", "proportion_spilled", "proportion_buffered"
};

const char *map_design(const map_spec *m) { return m->design; }
const char *map_path(const map_spec *m) { return m->path; }
const char *map_arch_path(const map_spec *m) { return m->arch_path; }
int map_nphases(const map_spec *m) { return m->nphases; }
const char *map_cascade_path(const map_spec *m, int i) { return m->cascade_path[i]; }
const char *map_config_path(const map_spec *m) { return m->config_path; }

void map_free(map_spec *m) {
  if (!m) return;
  for (int i = 0; i < m->nphases; i++) {
    free(m->cascade_path[i]);
    es_free(m->c[i]);
    free(m->ph[i]);
    free(m->pl[i]);
  }
  for (size_t i = 1; i < m->nlocs; i++) {
    free(m->locs[i].prefix);
    free(m->locs[i].got);
    free(m->locs[i].text);
  }
  free(m->locs);
  fc_free(m->config);
  free(m->path);
  free(m->dir);
  free(m->description);
  free(m->arch_path);
  free(m->arch_written);
  free(m->config_path);
  free(m->config_written);
  free(m);
}

int map_errf(const map_spec *m, mloc at, at_err *e, int got, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!at || at >= m->nlocs) return at_errf(e, "%s", msg);
  const map_locrec *l = &m->locs[at];
  return at_errf(e, "%s%s%s%s", l->prefix, msg, got ? ", got " : "", got ? l->got : "");
}

/* Records where node n was written; 0 when out of memory (its errors then
** carry no location, which is all that is lost). */
static mloc loc_of(map_spec *m, const yt_node *n) {
  if (!n) return 0;
  if (m->nlocs == m->caplocs) {
    size_t cap = m->caplocs ? m->caplocs * 2 : 64;
    map_locrec *l = realloc(m->locs, cap * sizeof *l);
    if (!l) return 0;
    m->locs = l;
    m->caplocs = cap;
    if (m->nlocs == 0) { memset(&m->locs[0], 0, sizeof m->locs[0]); m->nlocs = 1; }
  }
  at_err p, g;
  yt_errf(n, &p, "%s", "");
  yt_badval(n, &g, "%s", "");
  size_t pl = strlen(p.msg);
  map_locrec *l = &m->locs[m->nlocs];
  l->prefix = strdup(p.msg);
  l->got = strdup(strlen(g.msg) >= pl + 6 ? g.msg + pl + 6 : "");   /* after ", got " */
  l->text = yt_scalar(n) ? strdup(yt_scalar(n)) : NULL;
  if (!l->prefix || !l->got || (yt_scalar(n) && !l->text)) {
    free(l->prefix);
    free(l->got);
    free(l->text);
    return 0;
  }
  return (mloc)m->nlocs++;
}

/* ---- pools ---------------------------------------------------------------- */

#define POOL_NEW(fn, type, pool, count, cap)                \
  int fn(map_phase *ph) {                                   \
    if (ph->count == (cap)) return -1;                      \
    type *x = &ph->pool[ph->count];                         \
    memset(x, 0, sizeof *x);                                \
    x->sel = -1;                                            \
    return ph->count++;                                     \
  }
/* An expression's terms are left as they are: zero in a phase just
** initialised (reading, map_add_phase), and past nterm never read. */
int map_new_expr(map_phase *ph) {
  if (ph->nexpr == MAP_MAX_EXPRS) return -1;
  map_expr *x = &ph->expr[ph->nexpr];
  x->sel = -1;
  x->special = MAP_EXPR;
  x->nterm = 0;
  return ph->nexpr++;
}
POOL_NEW(map_new_list, map_list, list, nlist, MAP_MAX_LISTS)
int map_new_spatial(map_phase *ph) {
  if (ph->nsp == MAP_MAX_SPATIAL) return -1;
  map_spatial *x = &ph->sp[ph->nsp];
  memset(x, 0, sizeof *x);
  x->sel = -1;
  memset(x->part, 0xff, sizeof x->part);   /* -1: no part */
  return ph->nsp++;
}
POOL_NEW(map_new_entry, map_entry, ent, nent, MAP_MAX_ENTRIES)
POOL_NEW(map_new_store, map_store, sto, nsto, MAP_MAX_STORES)
POOL_NEW(map_new_pipe, map_pipe, pip, npipe, 8)

void map_expr_int(map_expr *x, int64_t v) {
  /* terms past the first stay as they were: zero on a node just made */
  x->sel = -1;
  x->special = MAP_EXPR;
  x->nterm = 1;
  x->t[0] = (map_term){ .op = '*', .kind = MX_NUM, .num = v, .den = 1 };
}

int map_find_part(const map_phase *ph, const char *name) {
  for (int i = 0; i < ph->nparts; i++)
    if (!strcmp(ph->part[i].name, name)) return i;
  return -1;
}

static void phase_init(map_phase *ph) {
  memset(ph, 0, sizeof *ph);
  ph->batch = ph->loops = ph->store_default = ph->pipe = -1;
  for (int i = 0; i < MAP_MAX_CEINSUMS; i++) ph->entry[i] = -1;
  for (int i = 0; i < SC_MAX_TENSORS; i++) ph->store[i] = -1;
}

/* ---- reading context -------------------------------------------------------- */

typedef struct rctx {
  map_spec *m;
  const es_cascade *c;
  int phase;
  map_phase *ph;
  map_ploc *pl;
  int xof[MAP_MAX_CEINSUMS];  /* cascade einsum -> its index among the phase's Einsums, or -1 */
  int depth;                  /* select nesting */
  at_err *e;
} rctx;

#define LOC(n) loc_of(r->m, (n))
#define FULL(r, n, what) yt_errf((n), (r)->e, "too many %s in one phase", what)

/* A select node: any map with a `select` key. */
static int is_select(const yt_node *n) { return n && yt_node_kind(n) == YT_MAP && yt_find(n, "select"); }

static int col_index(const char *name) {
  for (int i = 0; i < MC_COUNT; i++)
    if (!strcmp(name, map_col_name[i])) return i;
  return -1;
}

typedef int (*node_fn)(rctx *r, const yt_node *n, const void *arg);

/* Reads `{select: COLUMN, CASE: node, ...}`, each case by fn; the new
** map_sel's index, or -1. */
static int read_select(rctx *r, const yt_node *n, node_fn fn, const void *arg) {
  const char *col;
  if (r->depth >= 8) return yt_errf(n, r->e, "select nested too deeply");
  if (yt_get_str(n, "select", &col, r->e)) return -1;
  const yt_node *cn = yt_find(n, "select");
  if (!r->m->config)
    return yt_errf(cn, r->e, "'%s' needs a per-point configuration (add `config:` to the mapping)", col);
  int ci = col_index(col);
  if (ci < 0) return yt_errf(cn, r->e, "unknown configuration column '%s'", col);
  map_phase *ph = r->ph;
  if (ph->nsel == MAP_MAX_SELS) return FULL(r, n, "select nodes");
  int si = ph->nsel++;
  memset(&ph->sel[si], 0, sizeof ph->sel[si]);
  ph->sel[si].col = ci;
  r->pl->sel[si] = LOC(n);
  r->depth++;
  for (size_t i = 0; i < yt_len(n); i++) {
    const char *k = yt_key(n, i);
    if (!strcmp(k, "select")) continue;
    map_sel *s = &ph->sel[si];
    if (s->ncase == MAP_MAX_CASES) { r->depth--; return yt_errf(n, r->e, "a select has at most %d cases", MAP_MAX_CASES); }
    if (strlen(k) >= sizeof s->key[0]) { r->depth--; return yt_errf(yt_key_node(n, i), r->e, "no configuration value is this long"); }
    int v = fn(r, yt_at(n, i), arg);
    if (v < 0) { r->depth--; return -1; }
    s = &ph->sel[si];
    snprintf(s->key[s->ncase], sizeof s->key[0], "%s", k);
    s->val[s->ncase++] = v;
  }
  r->depth--;
  return si;
}

/* Every read_X below: the node's index in its pool, or -1 with r->e set.
** A select node becomes a node of the same pool whose sel names it. */
#define SELECTABLE(newfn, pool, fn, arg)                                   \
  if (is_select(n)) {                                                      \
    int s_ = read_select(r, n, fn, arg);                                   \
    if (s_ < 0) return -1;                                                 \
    int i_ = newfn(r->ph);                                                 \
    if (i_ < 0) return FULL(r, n, #pool " nodes");                         \
    r->ph->pool[i_].sel = s_;                                              \
    return i_;                                                             \
  }

/* ---- size expressions ------------------------------------------------------ */

typedef struct expr_arg {
  const char *what;           /* "size of rank M", for messages */
  int special;                /* rest and fit allowed (tiling values) */
  int real;                   /* fractional columns allowed (spill) */
} expr_arg;

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) { int64_t t = a % b; a = b; b = t; }
  return a;
}

/* A decimal literal: 1 and *t filled, 0 if tok is not a number, -1 on error. */
static int decimal(rctx *r, const yt_node *n, const char *what, const char *tok, map_term *t) {
  int64_t num = 0, den = 1;
  int frac = 0, digits = 0;
  if (strspn(tok, "0123456789.") != strlen(tok)) return 0;    /* a name, such as 2d.rows */
  for (const char *q = tok; *q; q++) {
    if (*q == '.') {
      if (frac) return yt_errf(n, r->e, "%s: '%s' is not a decimal number", what, tok);
      frac = 1;
      continue;
    }
    digits++;
    if (at_smul64(num, 10, &num) || __builtin_add_overflow(num, *q - '0', &num) || (frac && at_smul64(den, 10, &den)))
      return yt_errf(n, r->e, "%s: the number %s does not fit a 64-bit integer", what, tok);
  }
  if (!digits) return yt_errf(n, r->e, "%s: '%s' is not a decimal number", what, tok);
  int64_t g = gcd64(num, den);
  t->kind = MX_NUM;
  t->num = num / (g ? g : 1);
  t->den = den / (g ? g : 1);
  if (t->num == 0) t->den = 1;
  return 1;
}

const char *const map_wl_name[MX_WL_LAST + 1] = {
  [MX_NUM] = "", [MX_SEQ] = "SEQ", [MX_B] = "B", [MX_H] = "H", [MX_D] = "D", [MX_FFN] = "FFN",
  [MX_KVH] = "KVH", [MX_CTX] = "CTX", [MX_NEW] = "NEW", [MX_E] = "E", [MX_F] = "F", [MX_G] = "G",
  [MX_W] = "W", [MX_C] = "C", [MX_R] = "R",
};

int map_wl_kind(const char *name) {
  /* binding asks this of every E or F term it evaluates: compare the first
  ** character before the whole name */
  for (int k = MX_SEQ; k <= MX_WL_LAST; k++)
    if (name[0] == map_wl_name[k][0] && !strcmp(name, map_wl_name[k])) return k;
  return -1;
}

/* Resolves a name in a size expression to its term kind. */
static int name_term(rctx *r, const yt_node *n, const char *id, int real, map_term *t) {
  int wk = map_wl_kind(id);
  if (wk >= 0 && wk < MX_WL_RANKLIKE) { t->kind = (uint8_t)wk; return 0; }
  if (!strncmp(id, "config.", 7)) {
    if (!r->m->config)
      return yt_errf(n, r->e, "'%s' needs a per-point configuration (add `config:` to the mapping)", id + 7);
    int ci = col_index(id + 7);
    if (ci < 0) return yt_errf(n, r->e, "unknown configuration column '%s'", id + 7);
    if (ci <= MC_TEXT_LAST) return yt_errf(n, r->e, "configuration column '%s' is not a number", id + 7);
    (void)real;
    t->kind = MX_CFG;
    t->idx = (int16_t)ci;
    return 0;
  }
  const char *dot = strchr(id, '.');
  if (dot) {
    size_t k = (size_t)(dot - id);
    if (k >= MAP_NAME) return yt_errf(n, r->e, "unknown name '%s'", id);
    if (strcmp(dot + 1, "rows") && strcmp(dot + 1, "cols")) return yt_errf(n, r->e, "'%s': an array has rows and cols", id);
    memcpy(t->name, id, k);
    t->name[k] = 0;
    t->kind = !strcmp(dot + 1, "rows") ? MX_ROWS : MX_COLS;
    return 0;
  }
  int rk = r->c ? es_find_rank(r->c, id) : -1;
  if (rk >= 0 && strlen(id) < MAP_NAME) {
    t->kind = MX_RANK;
    t->idx = (int16_t)rk;
    snprintf(t->name, sizeof t->name, "%s", id);
    return 0;
  }
  if (wk >= 0) { t->kind = (uint8_t)wk; return 0; }
  /* any other plain name may come from --set at bind time */
  if (strlen(id) < MAP_NAME && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(id)) {
    t->kind = MX_SET;
    snprintf(t->name, sizeof t->name, "%s", id);
    return 0;
  }
  return yt_errf(n, r->e, "unknown name '%s' (workload " MAP_WL_NAMES ", a rank size, ARRAY.rows/cols, config.COLUMN)", id);
}

static int read_expr(rctx *r, const yt_node *n, const void *argp) {
  const expr_arg *a = argp;
  SELECTABLE(map_new_expr, expr, read_expr, argp)
  int xi = map_new_expr(r->ph);
  if (xi < 0) return FULL(r, n, "size expressions");
  map_expr *x = &r->ph->expr[xi];
  r->pl->expr[xi] = LOC(n);
  const char *s = yt_scalar(n);
  if (!s || !*s) return yt_badval(n, r->e, "%s: expected a size expression", a->what);
  if (a->special && !strcmp(s, "rest")) { x->special = MAP_REST; return xi; }
  if (a->special && !strcmp(s, "fit")) { x->special = MAP_FIT; return xi; }
  if (a->special && !strcmp(s, "ceil")) { x->special = MAP_CEIL; return xi; }
  char op = '*';
  const char *p = s;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    const char *t0 = p;
    while (*p && *p != '*' && *p != '/' && *p != ' ' && *p != '\t') p++;
    size_t k = (size_t)(p - t0);
    char tok[64];
    if (!k) return yt_badval(n, r->e, "%s: malformed size expression", a->what);
    if (k >= sizeof tok) return yt_errf(n, r->e, "%s: '%.20s...' is not a number or a name", a->what, t0);
    memcpy(tok, t0, k);
    tok[k] = 0;
    if (x->nterm == MAP_MAX_TERMS)
      return yt_errf(n, r->e, "%s: more than %d operands in one size expression", a->what, MAP_MAX_TERMS);
    map_term *t = &x->t[x->nterm];
    memset(t, 0, sizeof *t);
    t->op = op;
    int isnum = decimal(r, n, a->what, tok, t);
    if (isnum < 0) return -1;
    if (!isnum) {   /* a name ("2d.rows" starts with a digit) */
      if (!isalnum((unsigned char)tok[0]))
        return yt_badval(n, r->e, "%s: '%s' is not a decimal number or a name", a->what, tok);
      if (name_term(r, n, tok, a->real, t)) return -1;
    }
    if (op == '/' && t->kind == MX_NUM && t->num == 0) return yt_badval(n, r->e, "%s: division by zero", a->what);
    x->nterm++;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    if (*p != '*' && *p != '/') return yt_badval(n, r->e, "%s: malformed size expression", a->what);
    op = *p++;
  }
  return xi;
}

/* ---- loop lists -------------------------------------------------------------- */

typedef struct list_arg {
  int cap;                    /* most entries */
  int may_batch;
  int keep;                   /* keep_at: a scalar name or `none` is a one-entry list */
  int epoch;                  /* epoch: its own messages */
  const char *limit;          /* why there are no more than cap */
} list_arg;

static int read_list(rctx *r, const yt_node *n, const void *argp) {
  const list_arg *a = argp;
  SELECTABLE(map_new_list, list, read_list, argp)
  int li = map_new_list(r->ph);
  if (li < 0) return FULL(r, n, "loop lists");
  map_list *l = &r->ph->list[li];
  r->pl->list[li] = LOC(n);
  if (a->keep && yt_scalar(n)) {
    const char *kn = yt_scalar(n);
    l->scalar = 1;
    if (strcmp(kn, "none")) {
      int p = map_find_part(r->ph, kn);
      if (p < 0) return yt_badval(n, r->e, "not a loop of this phase (or none)");
      l->part[l->n++] = p;
    }
    return li;
  }
  if (yt_expect_seq(n, r->e)) return -1;
  if (a->epoch) {
    for (size_t i = 0; i < yt_len(n); i++) {
      const char *name = yt_scalar(yt_at(n, i));
      int p = !name ? -1 : !strcmp(name, "batch") ? SC_BATCH : map_find_part(r->ph, name);
      if (p < 0) return yt_badval(yt_at(n, i), r->e, "not a loop of this phase (or batch)");
      for (int k = 0; k < l->n; k++)
        if (l->part[k] == p) return yt_badval(yt_at(n, i), r->e, "loop listed twice");
      if (l->n == SC_MAX_LOOPS) return yt_errf(n, r->e, "more than %d epoch loops (SC_MAX_LOOPS)", SC_MAX_LOOPS);
      l->part[l->n++] = p;
    }
    return li;
  }
  if (yt_len(n) > (size_t)a->cap) return yt_errf(n, r->e, "%zu loops, more than %d: %s", yt_len(n), a->cap, a->limit);
  for (size_t i = 0; i < yt_len(n); i++) {
    const yt_node *it = yt_at(n, i);
    const char *name = yt_scalar(it);
    int p = name ? map_find_part(r->ph, name) : -1;
    if (p < 0) return yt_badval(it, r->e, "not a loop of this phase");
    if (p == SC_BATCH && !a->may_batch) return yt_badval(it, r->e, "the batch loop is always the outermost: do not list it");
    for (int k = 0; k < l->n; k++)
      if (l->part[k] == p) return yt_badval(it, r->e, "loop listed twice");
    l->part[l->n++] = p;
  }
  return li;
}

#define STR_(n) #n
#define STR(n) STR_(n)
#define NEST_LIMIT "a nest holds at most " STR(SC_MAX_LOOPS) " loops (SC_MAX_LOOPS) with the batch loop"
#define KEEP_CHOICES 5      /* keep_at: the first choice and sc_storage.fallback's alternatives */
_Static_assert(KEEP_CHOICES == 1 + (int)(sizeof ((sc_storage *)0)->fallback / sizeof(int)), "keep_at choices");

static const list_arg nest_list = { SC_MAX_LOOPS - 1, 0, 0, 0, NEST_LIMIT };
static const list_arg keep_list = { KEEP_CHOICES, 1, 1, 0, "a tensor has at most " STR(KEEP_CHOICES) " keep_at choices" };
static const list_arg epoch_list = { SC_MAX_LOOPS, 1, 0, 1, "" };

/* ---- spatial, einsums, storage, pipeline --------------------------------------- */

static int read_spatial(rctx *r, const yt_node *n, const void *arg) {
  static const char *const keys[] = { "rows", "cols", "fold", NULL };
  SELECTABLE(map_new_spatial, sp, read_spatial, arg)
  if (yt_check_keys(n, keys, r->e)) return -1;
  int si = map_new_spatial(r->ph);
  if (si < 0) return FULL(r, n, "spatial bindings");
  map_spatial *s = &r->ph->sp[si];
  for (int k = 0; k < 2; k++) {
    const yt_node *v = yt_find(n, keys[k]);
    if (!v) continue;
    /* one name, or a list of parts whose PE index digits they are */
    s->listed[k] = !yt_scalar(v);
    if (s->listed[k] && yt_expect_seq(v, r->e)) return -1;
    size_t len = s->listed[k] ? yt_len(v) : 1;
    if (len == 0) return yt_errf(v, r->e, "an empty list: name the parts on the %s, or leave it out", keys[k]);
    if (len > SC_MAX_SPATIAL)
      return yt_errf(v, r->e, "%zu parts, more than %d on one dimension (SC_MAX_SPATIAL)", len, SC_MAX_SPATIAL);
    for (size_t i = 0; i < len; i++) {
      const yt_node *it = s->listed[k] ? yt_at(v, i) : v;
      const char *name = yt_scalar(it);
      int p = name ? map_find_part(r->ph, name) : -1;
      if (p < 0) return yt_badval(it, r->e, "not a loop of this phase");
      if (p == SC_BATCH) return yt_badval(it, r->e, "the batch loop is temporal (the outermost loop)");
      for (int j = 0; j < s->n[k]; j++)
        if (s->part[k][j] == p) return yt_badval(it, r->e, "part listed twice");
      for (int j = 0; k == 1 && j < s->n[0]; j++)
        if (s->part[0][j] == p) return yt_badval(it, r->e, "already spatial on the rows");
      s->part[k][s->n[k]++] = p;
    }
    r->pl->sp_part[si][k] = LOC(v);
  }
  const yt_node *f = yt_find(n, "fold");
  if (f) {
    bool fold;
    if (yt_bool(f, &fold, r->e)) return -1;
    s->fold = fold;
    r->pl->sp_fold[si] = LOC(f);
  }
  return si;
}

static int read_entry(rctx *r, const yt_node *n, const void *arg) {
  static const char *const keys[] = { "array", "loops", "spatial", NULL };
  SELECTABLE(map_new_entry, ent, read_entry, arg)
  const char *an = yt_scalar(n);
  const yt_node *an_node = n, *own_loops = NULL, *own_spatial = NULL;
  if (!an) {
    if (yt_check_keys(n, keys, r->e) || yt_get_str(n, "array", &an, r->e)) return -1;
    an_node = yt_find(n, "array");
    own_loops = yt_find(n, "loops");
    own_spatial = yt_find(n, "spatial");
  }
  int l = -1, s = -1;
  if (own_loops && (l = read_list(r, own_loops, &nest_list)) < 0) return -1;
  if (own_spatial && (s = read_spatial(r, own_spatial, NULL)) < 0) return -1;
  int ei = map_new_entry(r->ph);
  if (ei < 0) return FULL(r, n, "einsum entries");
  map_entry *x = &r->ph->ent[ei];
  x->full = !yt_scalar(n);
  if (strlen(an) >= sizeof x->array) return yt_badval(an_node, r->e, "no architecture has an array of that name");
  snprintf(x->array, sizeof x->array, "%s", an);
  x->loops = l;
  x->spatial = s;
  r->pl->ent_array[ei] = LOC(an_node);
  r->pl->ent[ei] = LOC(n);
  return ei;
}

static int read_store(rctx *r, const yt_node *n, const void *arg) {
  static const char *const keys[] = { "home", "keep_at", "spill", "alias", "forward", NULL };
  SELECTABLE(map_new_store, sto, read_store, arg)
  const char *home = yt_scalar(n);
  const yt_node *hn = n;
  if (!home) {
    if (yt_check_keys(n, keys, r->e) || yt_get_str(n, "home", &home, r->e)) return -1;
    hn = yt_find(n, "home");
  }
  sc_home h;
  if (!strcmp(home, "regs")) h = SC_REGS;
  else if (!strcmp(home, "buffer")) h = SC_BUFFER;
  else if (!strcmp(home, "dram")) h = SC_DRAM;
  else return yt_badval(hn, r->e, "expected regs, buffer or dram");
  int keep = -1, spill = -1, alias = -1;
  uint64_t fwd = 0;
  mloc alias_at = 0;
  const yt_node *k;
  if (!yt_scalar(n)) {
    static const expr_arg spill_arg = { "spilled fraction", 0, 1 };
    if ((k = yt_find(n, "keep_at")) && (keep = read_list(r, k, &keep_list)) < 0) return -1;
    if ((k = yt_find(n, "spill")) && (spill = read_expr(r, k, &spill_arg)) < 0) return -1;
    if ((k = yt_find(n, "alias"))) {
      const char *an = yt_scalar(k);
      alias = an ? es_find_tensor(r->c, an) : -1;
      if (alias < 0) return yt_badval(k, r->e, "expected another tensor of the cascade");
      alias_at = LOC(k);
    }
    if ((k = yt_find(n, "forward"))) {
      if (yt_expect_seq(k, r->e)) return -1;
      for (size_t j = 0; j < yt_len(k); j++) {
        const char *fn = yt_scalar(yt_at(k, j));
        int ft = fn ? es_find_tensor(r->c, fn) : -1;
        int x = -1;
        for (int q = 0; ft >= 0 && q < r->c->neinsums; q++)
          if (!r->c->einsums[q].is_init && r->c->einsums[q].lhs.tensor == ft && r->xof[q] >= 0) x = r->xof[q];
        if (x < 0) return yt_badval(yt_at(k, j), r->e, "expected an Einsum of this phase");
        fwd |= 1ull << x;
      }
    }
  }
  int si = map_new_store(r->ph);
  if (si < 0) return FULL(r, n, "storage entries");
  map_store *st = &r->ph->sto[si];
  st->full = !yt_scalar(n);
  st->home = h;
  st->keep = keep;
  st->spill = spill;
  st->alias = alias;
  st->forward = fwd;
  r->pl->sto_alias[si] = alias_at;
  return si;
}


/* An optional count of tiles, lo to 4096, under key in map n: *out is left
** as it is when the key is absent. */
static int tiles_field(const yt_node *n, const char *key, int lo, int *out, at_err *e) {
  const yt_node *v = yt_find(n, key);
  if (!v) return 0;
  int64_t x;
  if (yt_int(v, &x, e)) return -1;
  if (x < lo || x > 4096) return yt_badval(v, e, "must be %d to 4096 tiles", lo);
  *out = (int)x;
  return 0;
}
static int read_pipe(rctx *r, const yt_node *n, const void *arg) {
  static const char *const keys[] = { "policy", "epoch", "window", "prefetch", NULL };
  SELECTABLE(map_new_pipe, pip, read_pipe, arg)
  const char *pol = yt_scalar(n);
  const yt_node *at = n;
  int epoch = -1, window = 0, prefetch = -1;
  if (!pol) {
    if (yt_check_keys(n, keys, r->e) || yt_get_str(n, "policy", &pol, r->e)) return -1;
    at = yt_find(n, "policy");
    if (tiles_field(n, "window", 1, &window, r->e) || tiles_field(n, "prefetch", 0, &prefetch, r->e))
      return -1;
    const yt_node *ep = yt_find(n, "epoch");
    if (ep && (epoch = read_list(r, ep, &epoch_list)) < 0) return -1;
  }
  sc_policy p;
  if (!strcmp(pol, "sequential")) p = SC_SEQUENTIAL;
  else if (!strcmp(pol, "pipelined")) p = SC_PIPELINED;
  else if (!strcmp(pol, "interleaved")) p = SC_INTERLEAVED;
  else return yt_badval(at, r->e, "expected sequential, pipelined or interleaved");
  int pi = map_new_pipe(r->ph);
  if (pi < 0) return FULL(r, n, "pipeline nodes");
  r->ph->pip[pi] = (map_pipe){ -1, !yt_scalar(n), p, epoch, window, prefetch };
  return pi;
}

/* A map some field holds; `select` over a whole map is not supported. */
static int plain_map(rctx *r, const yt_node *n) {
  if (is_select(n))
    return yt_errf(n, r->e, "select chooses a value, an entry or a list, not this whole map (select inside it)");
  return yt_expect_map(n, r->e);
}

/* ---- phases -------------------------------------------------------------------- */

static int add_part(rctx *r, const yt_node *at, const char *name, int rank, int expr, int tiled) {
  map_phase *ph = r->ph;
  if (ph->nparts == SC_MAX_PARTS) return yt_errf(at, r->e, "more than %d loop ranks", SC_MAX_PARTS);
  if (strlen(name) >= sizeof ph->part[0].name) return yt_errf(at, r->e, "loop name '%s' is too long", name);
  if (map_find_part(ph, name) >= 0) return yt_errf(at, r->e, "loop '%s' defined twice", name);
  map_part *p = &ph->part[ph->nparts];
  snprintf(p->name, sizeof p->name, "%s", name);
  p->rank = rank;
  p->expr = expr;
  p->tiled = tiled;
  return ph->nparts++;
}

static int read_tiling(rctx *r, const yt_node *tiling) {
  map_phase *ph = r->ph;
  const es_cascade *c = r->c;
  if (!tiling) return 0;
  if (plain_map(r, tiling)) return -1;
  for (size_t i = 0; i < yt_len(tiling); i++) {
    const yt_node *kn = yt_key_node(tiling, i), *parts = yt_at(tiling, i);
    const char *rname = yt_key(tiling, i);
    char up[ES_MAX_NAME];
    if (strlen(rname) >= sizeof up || strlen(rname) >= MAP_NAME)
      return yt_errf(kn, r->e, "cascade %s has no rank '%s' to tile", c->file, rname);
    snprintf(up, sizeof up, "%s", rname);
    for (char *q = up; *q; q++) *q = (char)toupper((unsigned char)*q);
    int rk = es_find_rank(c, up);
    if (rk < 0 || c->ranks[rk].parent >= 0) return yt_errf(kn, r->e, "cascade %s has no rank '%s' to tile", c->file, rname);
    if (plain_map(r, parts)) return -1;
    if (ph->ntiled == MAP_MAX_TILED) return yt_errf(kn, r->e, "a phase tiles at most %d ranks", MAP_MAX_TILED);
    int csplit = c->ranks[rk].outer >= 0;
    if (csplit && yt_len(parts) != 2)
      return yt_errf(parts, r->e, "the cascade splits %s into %s and %s: tile it as exactly those two", c->ranks[rk].index,
                     c->ranks[c->ranks[rk].outer].index, c->ranks[c->ranks[rk].inner].index);
    int ti = ph->ntiled++;
    map_tiled *t = &ph->tiled[ti];
    snprintf(t->key, sizeof t->key, "%s", rname);
    t->rank = rk;
    t->first = ph->nparts;
    r->pl->tiled[ti] = LOC(parts);
    for (size_t j = 0; j < yt_len(parts); j++) {
      const char *pn = yt_key(parts, j);
      int prank = rk;
      if (csplit) {
        prank = j == 0 ? c->ranks[rk].outer : c->ranks[rk].inner;
        if (strcmp(pn, c->ranks[prank].index))
          return yt_errf(yt_key_node(parts, j), r->e, "expected the cascade's split index '%s'", c->ranks[prank].index);
      }
      char what[64];
      snprintf(what, sizeof what, "tile %s of rank %s", pn, c->ranks[rk].name);
      expr_arg a = { what, 1, 0 };
      int x = read_expr(r, yt_at(parts, j), &a);
      if (x < 0) return -1;
      if (add_part(r, yt_key_node(parts, j), pn, prank, x, ti) < 0) return -1;
      ph->tiled[ti].n++;
    }
  }
  return 0;
}

static int read_phase(rctx *r, const yt_node *n) {
  map_phase *ph = r->ph;
  const es_cascade *c = r->c;
  const char *name;
  r->pl->phase = LOC(n);
  if (yt_opt_str(n, "name", &name, r->e) < 0) return -1;
  ph->named = yt_find(n, "name") != NULL;
  if (!ph->named) name = "phase";
  if (strlen(name) >= sizeof ph->name)
    return yt_errf(yt_find(n, "name"), r->e, "a phase name has at most %zu characters", sizeof ph->name - 1);
  snprintf(ph->name, sizeof ph->name, "%s", name);
  if (c->ntensors > SC_MAX_TENSORS) return yt_errf(n, r->e, "cascade has more than %d tensors", SC_MAX_TENSORS);
  if (c->neinsums > MAP_MAX_CEINSUMS) return yt_errf(n, r->e, "cascade has more than %d Einsums", MAP_MAX_CEINSUMS);
  const yt_node *sizes, *v;
  if (yt_get(n, "sizes", &sizes, r->e) || plain_map(r, sizes)) return -1;
  r->pl->sizes = LOC(sizes);
  int sized[ES_MAX_RANKS] = { 0 };
  for (size_t i = 0; i < yt_len(sizes); i++) {
    int rk = es_find_rank(c, yt_key(sizes, i));
    if (rk < 0) {     /* a cascade `param` (a window W, heads QH): bound as a size */
      int q = es_find_param(c, yt_key(sizes, i));
      if (q < 0) return yt_errf(yt_key_node(sizes, i), r->e, "cascade %s has no rank or param '%s'", c->file, yt_key(sizes, i));
      if (c->params[q].kind == ES_P_DENSITY)
        return yt_errf(yt_key_node(sizes, i), r->e, "%s is a mask's density, a fraction, not a size", c->params[q].name);
      char what[64];
      snprintf(what, sizeof what, "size of param %s", c->params[q].name);
      expr_arg a = { what, 0, 0 };
      int x = read_expr(r, yt_at(sizes, i), &a);
      if (x < 0) return -1;
      ph->size_rank[ph->nsize] = MAP_SIZE_PARAM(q);
      ph->size_expr[ph->nsize++] = x;
      continue;
    }
    if (c->ranks[rk].parent >= 0)
      return yt_errf(yt_key_node(sizes, i), r->e, "%s is a part of the cascade's split of %s: size it under tiling:",
                     c->ranks[rk].name, c->ranks[c->ranks[rk].parent].name);
    char what[64];
    snprintf(what, sizeof what, "size of rank %s", c->ranks[rk].name);
    expr_arg a = { what, 0, 0 };
    int x = read_expr(r, yt_at(sizes, i), &a);
    if (x < 0) return -1;
    ph->size_rank[ph->nsize] = rk;
    ph->size_expr[ph->nsize++] = x;
    sized[rk] = 1;
  }
  /* Every rank the cascade does not split needs a size here: tiling and the
  ** footprints divide by them, and es_bind can derive only split parts. */
  for (int rk = 0; rk < c->nranks; rk++)
    if (c->ranks[rk].parent < 0 && !sized[rk])
      return yt_errf(sizes, r->e, "no size for rank %s of %s (every rank the cascade does not split needs one)",
                     c->ranks[rk].name, c->file);
  static const expr_arg batch_arg = { "batch size", 0, 0 };
  if ((v = yt_find(n, "batch")) && (ph->batch = read_expr(r, v, &batch_arg)) < 0) return -1;
  if (add_part(r, n, "batch", -1, -1, -1) < 0) return -1;
  if (read_tiling(r, yt_find(n, "tiling"))) return -1;
  /* parts for every rank the tiling left alone; a cascade split's parts
  ** must have been sized by the tiling */
  for (int rk = 0; rk < c->nranks; rk++) {
    if (c->ranks[rk].outer >= 0) continue;       /* represented by its split parts */
    int have = 0;
    for (int p = 1; p < ph->nparts; p++) have |= ph->part[p].rank == rk;
    if (have) continue;
    if (c->ranks[rk].parent >= 0)
      return yt_errf(n, r->e, "the cascade splits %s: tile it under tiling: to size %s",
                     c->ranks[c->ranks[rk].parent].index, c->ranks[rk].name);
    if (add_part(r, n, c->ranks[rk].index, rk, -1, -1) < 0) return -1;
  }
  if ((v = yt_find(n, "loops"))) {
    r->pl->loops = LOC(v);
    if ((ph->loops = read_list(r, v, &nest_list)) < 0) return -1;
  }
  const yt_node *sp = yt_find(n, "spatial");
  if (sp) {
    if (plain_map(r, sp)) return -1;
    ph->has_spatial = 1;
    for (size_t i = 0; i < yt_len(sp); i++) {
      if (ph->nspatial == HW_MAX_ARRAYS * 2) return yt_errf(sp, r->e, "spatial: more entries than arrays");
      const char *an = yt_key(sp, i);
      if (strlen(an) >= MAP_NAME) return yt_errf(yt_key_node(sp, i), r->e, "no architecture has an array '%s'", an);
      int s = read_spatial(r, yt_at(sp, i), NULL);
      if (s < 0) return -1;
      snprintf(ph->spatial_array[ph->nspatial], MAP_NAME, "%s", an);
      r->pl->spatial_key[ph->nspatial] = LOC(yt_key_node(sp, i));
      ph->spatial[ph->nspatial++] = s;
    }
  }
  const yt_node *ens;
  if (yt_get(n, "einsums", &ens, r->e) || plain_map(r, ens)) return -1;
  r->pl->einsums = LOC(ens);
  for (size_t i = 0; i < yt_len(ens); i++) {
    int t = es_find_tensor(c, yt_key(ens, i));
    if (t < 0 || c->tensors[t].def < 0)
      return yt_errf(yt_key_node(ens, i), r->e, "cascade %s has no Einsum producing '%s'", c->file, yt_key(ens, i));
    ph->entry_order[ph->nentry_order++] = c->tensors[t].def;
  }
  int ne = 0;
  for (int xi = 0; xi < c->neinsums; xi++) {
    r->xof[xi] = -1;
    if (c->einsums[xi].is_init || !yt_find(ens, c->tensors[c->einsums[xi].lhs.tensor].name)) continue;
    if (ne == SC_MAX_EINSUMS) return yt_errf(ens, r->e, "too many Einsums");
    r->xof[xi] = ne++;
  }
  if (ne == 0) return yt_errf(ens, r->e, "phase %s binds no Einsum to an array", ph->name);
  for (int xi = 0; xi < c->neinsums; xi++) {
    if (r->xof[xi] < 0) continue;
    int x = read_entry(r, yt_find(ens, c->tensors[c->einsums[xi].lhs.tensor].name), NULL);
    if (x < 0) return -1;
    if (r->m->opmask[r->phase][xi] & MAP_OPS_TOO_MANY)
      return yt_errf(yt_find(ens, c->tensors[c->einsums[xi].lhs.tensor].name), r->e, "Einsum %s has more than %d operations",
                     c->tensors[c->einsums[xi].lhs.tensor].name, SC_MAX_OPUSES);
    ph->entry[xi] = x;
  }
  const yt_node *sn = yt_find(n, "storage");
  if (sn) {
    if (plain_map(r, sn)) return -1;
    ph->has_storage = 1;
    for (size_t i = 0; i < yt_len(sn); i++) {
      const char *k = yt_key(sn, i);
      int t = strcmp(k, "default") ? es_find_tensor(c, k) : -2;
      if (t == -1) return yt_errf(yt_key_node(sn, i), r->e, "cascade %s has no tensor '%s'", c->file, k);
      int s = read_store(r, yt_at(sn, i), NULL);
      if (s < 0) return -1;
      if (t == -2) ph->store_default = s;
      else ph->store[t] = s;
      ph->store_order[ph->nstore_order++] = t;
    }
  }
  if ((v = yt_find(n, "pipeline")) && (ph->pipe = read_pipe(r, v, NULL)) < 0) return -1;
  return 0;
}

/* A file a mapping field names must be a readable regular file; otherwise
** the error points at the field ("x.yaml:3:7: arch: cannot open ...")
** rather than only naming the file.  stat, not open: a FIFO would block. */
static int named_file(const map_spec *m, mloc at, const char *written, const char *path, at_err *e) {
  char shown[300] = "";
  if (strcmp(written, path) && !(!strncmp(path, "./", 2) && !strcmp(path + 2, written)))
    snprintf(shown, sizeof shown, " (%s)", path);
  struct stat sb;
  if (stat(path, &sb)) return map_errf(m, at, e, 0, "cannot open '%s'%s: %s", written, shown, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return map_errf(m, at, e, 0, "cannot open '%s'%s: %s", written, shown,
                    S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
  if (access(path, R_OK)) return map_errf(m, at, e, 0, "cannot open '%s'%s: %s", written, shown, strerror(errno));
  return 0;
}

int map_check_arch(const map_spec *m, at_err *e) {
  return named_file(m, m->arch_at, m->arch_written, m->arch_path, e);
}

static const char *const phase_keys[] = { "name", "cascade", "batch", "sizes", "tiling",
  "loops", "spatial", "einsums", "storage", "pipeline", NULL };

int map_new(const char *design, const char *arch_path, map_spec **out, at_err *e) {
  *out = NULL;
  map_spec *m = calloc(1, sizeof *m);
  if (!m) return at_errf(e, "out of memory");
  snprintf(m->design, sizeof m->design, "%s", design);
  m->path = strdup("(generated)");
  m->dir = strdup(".");
  m->arch_path = strdup(arch_path);
  m->arch_written = strdup(arch_path);
  if (!m->path || !m->dir || !m->arch_path || !m->arch_written) { map_free(m); return at_errf(e, "out of memory"); }
  *out = m;
  return 0;
}

int map_add_phase(map_spec *m, const char *cascade_path, map_phase **out, at_err *e) {
  if (m->nphases == SC_MAX_PHASES) return at_errf(e, "a mapping has 1 to %d phases", SC_MAX_PHASES);
  int i = m->nphases;
  m->ph[i] = malloc(sizeof *m->ph[i]);
  m->pl[i] = calloc(1, sizeof *m->pl[i]);
  m->cascade_path[i] = strdup(cascade_path);
  if (!m->ph[i] || !m->pl[i] || !m->cascade_path[i]) {
    free(m->ph[i]);
    free(m->pl[i]);
    free(m->cascade_path[i]);
    return at_errf(e, "out of memory");
  }
  phase_init(m->ph[i]);
  m->nphases++;
  if (es_load(cascade_path, &m->c[i], e)) return -1;
  if (m->c[i]->neinsums > MAP_MAX_CEINSUMS || m->c[i]->ntensors > SC_MAX_TENSORS)
    return at_errf(e, "%s: a mapping binds at most %d Einsums and %d tensors", cascade_path, MAP_MAX_CEINSUMS, SC_MAX_TENSORS);
  map_phase_ops(m, i);
  *out = m->ph[i];
  return 0;
}

int map_load(const char *path, map_spec **out, at_err *e) {
  static const char *const top[] = { "design", "description", "arch", "config", "phases", NULL };
  *out = NULL;
  map_spec *m = calloc(1, sizeof *m);
  if (!m) return at_errf(e, "out of memory");
  yt_doc *doc = NULL;
  m->path = strdup(path);
  m->dir = at_dirname(path);
  if (!m->path || !m->dir) { map_free(m); return at_errf(e, "out of memory"); }
  const char *s, *design;
  const yt_node *root, *phases, *cfg;
  if (yt_load(path, &doc, e)) goto fail;
  root = yt_root(doc);
  if (yt_check_keys(root, top, e) || yt_get_str(root, "design", &design, e) || yt_get_str(root, "arch", &s, e))
    goto fail;
  if (strlen(design) >= sizeof m->design) {
    yt_errf(yt_find(root, "design"), e, "a design name has at most %zu characters", sizeof m->design - 1);
    goto fail;
  }
  snprintf(m->design, sizeof m->design, "%s", design);
  if (yt_find(root, "description") && yt_scalar(yt_find(root, "description")) &&
      !(m->description = strdup(yt_scalar(yt_find(root, "description"))))) { at_errf(e, "out of memory"); goto fail; }
  if (!(m->arch_path = at_path_join(m->dir, s)) || !(m->arch_written = strdup(s))) { at_errf(e, "out of memory"); goto fail; }
  m->arch_at = loc_of(m, yt_find(root, "arch"));
  if ((cfg = yt_find(root, "config"))) {
    static const char *const ck[] = { "file", "platform", NULL };
    const char *file, *plat;
    if (yt_check_keys(cfg, ck, e) || yt_get_str(cfg, "file", &file, e) || yt_get_str(cfg, "platform", &plat, e))
      goto fail;
    if (fc_platform_parse(plat, &m->platform)) {
      yt_badval(yt_find(cfg, "platform"), e, "expected cloud or edge");
      goto fail;
    }
    if (!(m->config_path = at_path_join(m->dir, file)) || !(m->config_written = strdup(file))) {
      at_errf(e, "out of memory");
      goto fail;
    }
    if (named_file(m, loc_of(m, yt_find(cfg, "file")), file, m->config_path, e) || fc_load(m->config_path, &m->config, e))
      goto fail;
  }
  if (yt_get(root, "phases", &phases, e) || yt_expect_seq(phases, e)) goto fail;
  if (yt_len(phases) == 0 || yt_len(phases) > SC_MAX_PHASES) {
    yt_errf(phases, e, "a mapping has 1 to %d phases", SC_MAX_PHASES);
    goto fail;
  }
  for (size_t i = 0; i < yt_len(phases); i++) {
    const yt_node *pn = yt_at(phases, i);
    int k = m->nphases;
    if (yt_check_keys(pn, phase_keys, e) || yt_get_str(pn, "cascade", &s, e)) goto fail;
    m->ph[k] = malloc(sizeof *m->ph[k]);
    m->pl[k] = calloc(1, sizeof *m->pl[k]);
    m->cascade_path[k] = at_path_join(m->dir, s);
    m->nphases++;
    if (!m->ph[k] || !m->pl[k] || !m->cascade_path[k]) { at_errf(e, "out of memory"); goto fail; }
    phase_init(m->ph[k]);
    if (named_file(m, loc_of(m, yt_find(pn, "cascade")), s, m->cascade_path[k], e) ||
        es_load(m->cascade_path[k], &m->c[k], e))
      goto fail;
    if (m->c[k]->neinsums <= MAP_MAX_CEINSUMS) map_phase_ops(m, k);
    rctx r = { .m = m, .c = m->c[k], .phase = k, .ph = m->ph[k], .pl = m->pl[k], .e = e };
    if (read_phase(&r, pn)) goto fail;
  }
  yt_free(doc);
  *out = m;
  return 0;
fail:
  yt_free(doc);
  map_free(m);
  return -1;
}

int map_same(const map_spec *a, const map_spec *b) {
  if (strcmp(a->design, b->design) || a->nphases != b->nphases || (!a->config) != (!b->config) ||
      (a->config && a->platform != b->platform))
    return 0;
  if ((a->description == NULL) != (b->description == NULL) ||
      (a->description && strcmp(a->description, b->description)))
    return 0;
  char *pa = realpath(a->arch_path, NULL), *pb = realpath(b->arch_path, NULL);
  int same = pa && pb && !strcmp(pa, pb);
  free(pa);
  free(pb);
  for (int i = 0; same && i < a->nphases; i++) {
    pa = realpath(a->cascade_path[i], NULL);
    pb = realpath(b->cascade_path[i], NULL);
    same = pa && pb && !strcmp(pa, pb) && !memcmp(a->ph[i], b->ph[i], sizeof *a->ph[i]);
    free(pa);
    free(pb);
  }
  return same;
}
