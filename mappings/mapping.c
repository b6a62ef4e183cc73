/*
** mapping.c: loading mapping specs and binding them into schedules.
** A spec stays a located YAML tree: binding walks it once per design
** point, resolving `select` nodes against the point's configuration row,
** evaluating size expressions ("B*H", "2d.rows", "SEQ / config.P1"), and
** choosing `fit` tile sizes as the largest divisor whose resident tiles fit
** the global buffer.  Errors point at the spec node at fault.
*/
#include "mapping.h"
#include "flatcfg.h"
#include "ytree.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct map_phase {
  const yt_node *node;        /* the phase's map */
  char *cascade_path;
  es_cascade *c;
} map_phase;

struct map_spec {
  yt_doc *doc;
  char *path, *dir, *arch_path;
  char *config_path;          /* per-point configuration table, or NULL */
  const char *design;
  const yt_node *arch_node;   /* the `arch:` value, for errors about its file */
  fc_table *config;           /* per-point configurations, or NULL */
  fc_platform platform;
  int nphases;
  map_phase phase[SC_MAX_PHASES];
};

const char *map_design(const map_spec *m) { return m->design; }
const char *map_path(const map_spec *m) { return m->path; }
const char *map_arch_path(const map_spec *m) { return m->arch_path; }
int map_nphases(const map_spec *m) { return m->nphases; }
const char *map_cascade_path(const map_spec *m, int i) { return m->phase[i].cascade_path; }
const char *map_config_path(const map_spec *m) { return m->config_path; }

void map_free(map_spec *m) {
  if (!m) return;
  for (int i = 0; i < m->nphases; i++) {
    free(m->phase[i].cascade_path);
    es_free(m->phase[i].c);
  }
  fc_free(m->config);
  yt_free(m->doc);
  free(m->path);
  free(m->dir);
  free(m->arch_path);
  free(m->config_path);
  free(m);
}

/* A file a mapping field names must be a readable regular file; otherwise
** the error points at the field ("x.yaml:3:7: arch: cannot open ...")
** rather than only naming the file.  stat, not open: a FIFO would block. */
static int named_file(const yt_node *at, const char *path, at_err *e) {
  const char *written = yt_scalar(at);
  char shown[300] = "";
  if (written && strcmp(written, path) && !(!strncmp(path, "./", 2) && !strcmp(path + 2, written)))
    snprintf(shown, sizeof shown, " (%s)", path);
  struct stat sb;
  if (stat(path, &sb)) return yt_errf(at, e, "cannot open '%s'%s: %s", written ? written : path, shown, strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return yt_errf(at, e, "cannot open '%s'%s: %s", written ? written : path, shown,
                   S_ISDIR(sb.st_mode) ? strerror(EISDIR) : "not a regular file");
  if (access(path, R_OK)) return yt_errf(at, e, "cannot open '%s'%s: %s", written ? written : path, shown, strerror(errno));
  return 0;
}

int map_check_arch(const map_spec *m, at_err *e) { return named_file(m->arch_node, m->arch_path, e); }

static const char *const phase_keys[] = { "name", "cascade", "batch", "sizes", "tiling",
  "loops", "spatial", "einsums", "storage", "pipeline", NULL };

int map_load(const char *path, map_spec **out, at_err *e) {
  static const char *const top[] = { "design", "description", "arch", "config", "phases", NULL };
  *out = NULL;
  map_spec *m = calloc(1, sizeof *m);
  if (!m) return at_errf(e, "out of memory");
  m->path = strdup(path);
  m->dir = at_dirname(path);
  if (!m->path || !m->dir) { map_free(m); return at_errf(e, "out of memory"); }
  const char *s;
  const yt_node *root, *phases, *cfg;
  if (yt_load(path, &m->doc, e)) goto fail;
  root = yt_root(m->doc);
  if (yt_check_keys(root, top, e) || yt_get_str(root, "design", &m->design, e) ||
      yt_get_str(root, "arch", &s, e))
    goto fail;
  if (!(m->arch_path = at_path_join(m->dir, s))) { at_errf(e, "out of memory"); goto fail; }
  m->arch_node = yt_find(root, "arch");
  if ((cfg = yt_find(root, "config"))) {
    static const char *const ck[] = { "file", "platform", NULL };
    const char *file, *plat;
    if (yt_check_keys(cfg, ck, e) || yt_get_str(cfg, "file", &file, e) ||
        yt_get_str(cfg, "platform", &plat, e))
      goto fail;
    if (fc_platform_parse(plat, &m->platform)) {
      yt_badval(yt_find(cfg, "platform"), e, "expected cloud or edge");
      goto fail;
    }
    if (!(m->config_path = at_path_join(m->dir, file))) { at_errf(e, "out of memory"); goto fail; }
    if (named_file(yt_find(cfg, "file"), m->config_path, e) || fc_load(m->config_path, &m->config, e)) goto fail;
  }
  if (yt_get(root, "phases", &phases, e) || yt_expect_seq(phases, e)) goto fail;
  if (yt_len(phases) == 0 || yt_len(phases) > SC_MAX_PHASES) {
    yt_errf(phases, e, "a mapping has 1 to %d phases", SC_MAX_PHASES);
    goto fail;
  }
  for (size_t i = 0; i < yt_len(phases); i++) {
    map_phase *ph = &m->phase[m->nphases++];
    ph->node = yt_at(phases, i);
    if (yt_check_keys(ph->node, phase_keys, e) || yt_get_str(ph->node, "cascade", &s, e)) goto fail;
    if (!(ph->cascade_path = at_path_join(m->dir, s))) { at_errf(e, "out of memory"); goto fail; }
    if (named_file(yt_find(ph->node, "cascade"), ph->cascade_path, e) || es_load(ph->cascade_path, &ph->c, e))
      goto fail;
  }
  *out = m;
  return 0;
fail:
  map_free(m);
  return -1;
}

/* ---- binding context ---------------------------------------------------- */

typedef struct bctx {
  map_spec *m;
  const hw_arch *a;
  const wl_workload *w;
  int64_t seq;
  const fc_config *cfg;       /* the point's configuration row, or NULL */
  sc_phase *ph;
  at_err *e;
} bctx;

/* The value of a size expression or of one of its operands: exact, as the
** rational num/den in lowest terms (den > 0), while every operand is whole
** or a decimal literal; a double once a fractional configuration column
** (proportion_*) enters, which only `spill` accepts. */
typedef struct xval {
  int64_t num, den;           /* exact value, when !real */
  int real;
  double r;                   /* the value, when real */
} xval;

static xval x_int(int64_t v) { return (xval){ v, 1, 0, 0 }; }
static double x_double(xval v) { return v.real ? v.r : (double)v.num / (double)v.den; }

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) { int64_t t = a % b; a = b; b = t; }
  return a;
}

/* a * b (div: a / b), exact and checked; -1 on overflow.  Operands are
** non-negative; cross-cancelling first keeps products as small as the
** result allows.  b must not be 0 when dividing. */
static int x_apply(xval *a, xval b, int div) {
  if (a->real || b.real) {
    double y = x_double(b);
    a->r = div ? x_double(*a) / y : x_double(*a) * y;
    a->real = 1;
    return 0;
  }
  int64_t bn = div ? b.den : b.num, bd = div ? b.num : b.den;
  int64_t g1 = gcd64(a->num, bd), g2 = gcd64(bn, a->den);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  int64_t n, d;
  if (at_smul64(a->num / g1, bn / g2, &n) || at_smul64(a->den / g2, bd / g1, &d)) return -1;
  if (n == 0) d = 1;
  a->num = n;
  a->den = d;
  return 0;
}

/* A configuration column as text (for select) or number (for expressions). */
static int cfg_column(bctx *b, const yt_node *at, const char *col, const char **txt, xval *num) {
  const fc_config *c = b->cfg;
  if (!c) return yt_errf(at, b->e, "'%s' needs a per-point configuration (add `config:` to the mapping)", col);
  *txt = NULL;
  *num = x_int(0);
#define LOC(f) if (!strcmp(col, #f "_loc")) { *txt = c->f##_onchip ? "onchip" : "offchip"; return 0; }
  LOC(Q) LOC(K) LOC(V) LOC(QK) LOC(A) LOC(AV)
#undef LOC
  if (!strcmp(col, "QK_stationarity")) { *txt = c->QK_stationarity == FC_OUTPUT_STATIONARY ? "output" : "weight"; return 0; }
  if (!strcmp(col, "AV_stationarity")) { *txt = c->AV_stationarity == FC_OUTPUT_STATIONARY ? "output" : "weight"; return 0; }
  if (!strcmp(col, "fusion_granularity")) { *txt = c->fusion == FC_FUSE_HEAD ? "head" : "row"; return 0; }
  if (!strcmp(col, "P1")) { *num = x_int(c->P1); return 0; }
  if (!strcmp(col, "proportion_spilled")) { *num = (xval){ 0, 1, 1, c->proportion_spilled }; return 0; }
  if (!strcmp(col, "proportion_buffered")) { *num = (xval){ 0, 1, 1, c->proportion_buffered }; return 0; }
  return yt_errf(at, b->e, "unknown configuration column '%s'", col);
}

/* Follows `{select: COLUMN, CASE: node, ...}` chains to the chosen node. */
static int resolve(bctx *b, const yt_node *n, const yt_node **out) {
  for (int depth = 0; n && yt_node_kind(n) == YT_MAP && yt_find(n, "select"); depth++) {
    const char *col, *txt;
    xval num;
    if (depth > 8) return yt_errf(n, b->e, "select nested too deeply");
    if (yt_get_str(n, "select", &col, b->e)) return -1;
    if (cfg_column(b, yt_find(n, "select"), col, &txt, &num)) return -1;
    char buf[32];
    if (!txt && num.real) snprintf(buf, sizeof buf, "%g", num.r);
    else if (!txt) snprintf(buf, sizeof buf, "%lld", (long long)num.num);
    if (!txt) txt = buf;
    const yt_node *c = yt_find(n, txt);
    if (!c) return yt_errf(n, b->e, "select %s: no case for '%s'", col, txt);
    n = c;
  }
  *out = n;
  return 0;
}

/* Limits, as numbers and as text for messages. */
#define STR_(n) #n
#define STR(n) STR_(n)
#define NEST_LIMIT "a nest holds at most " STR(SC_MAX_LOOPS) " loops (SC_MAX_LOOPS) with the batch loop"
/* keep_at: the first choice and sc_storage.fallback's alternatives */
#define KEEP_CHOICES 5
_Static_assert(KEEP_CHOICES == 1 + (int)(sizeof ((sc_storage *)0)->fallback / sizeof(int)), "keep_at choices");

static int find_part(const sc_phase *ph, const char *name) {
  for (int i = 0; i < ph->nparts; i++)
    if (!strcmp(ph->part[i].name, name)) return i;
  return -1;
}

static int ident_value0(bctx *b, const yt_node *at, const char *id, xval *v);

/* Value of one identifier in a size expression: a size bound with --set
** first; a workload size or SEQ that is 0 was not given. */
static int ident_value(bctx *b, const yt_node *at, const char *id, xval *v) {
  *v = x_int(0);
  for (int i = 0; i < b->w->nset; i++)
    if (!strcmp(id, b->w->set[i].name)) { *v = x_int(b->w->set[i].value); return 0; }
  if (ident_value0(b, at, id, v)) return -1;
  static const char *const given[] = { "SEQ", "B", "H", "E", "F", "D", "FFN" };
  int named = 0;
  for (size_t i = 0; i < sizeof given / sizeof *given; i++) named |= !strcmp(id, given[i]);
  if (named && !v->real && v->num == 0)
    return yt_errf(at, b->e, "'%s' is not given: this mapping needs %s", id, strcmp(id, "SEQ") ? "--model" : "--seq");
  return 0;
}

static int ident_value0(bctx *b, const yt_node *at, const char *id, xval *v) {
  const wl_workload *w = b->w;
  if (!strcmp(id, "SEQ")) { *v = x_int(b->seq); return 0; }
  if (!strcmp(id, "B")) { *v = x_int(w->B); return 0; }
  if (!strcmp(id, "H")) { *v = x_int(w->H); return 0; }
  if (!strcmp(id, "D")) { *v = x_int(w->D); return 0; }
  if (!strcmp(id, "FFN")) { *v = x_int(w->FFN); return 0; }
  if (!strncmp(id, "config.", 7)) {
    const char *txt;
    if (cfg_column(b, at, id + 7, &txt, v)) return -1;
    if (txt) return yt_errf(at, b->e, "configuration column '%s' is not a number", id + 7);
    return 0;
  }
  const char *dot = strchr(id, '.');
  if (dot) {
    char an[HW_NAME_MAX];
    size_t n = (size_t)(dot - id);
    if (n >= sizeof an) return yt_errf(at, b->e, "unknown name '%s'", id);
    memcpy(an, id, n);
    an[n] = 0;
    const hw_array *ar = hw_array_find(b->a, an);
    if (!ar) return yt_errf(at, b->e, "architecture %s has no array '%s'", b->a->name, an);
    if (!strcmp(dot + 1, "rows")) { *v = x_int(ar->rows); return 0; }
    if (!strcmp(dot + 1, "cols")) { *v = x_int(ar->cols); return 0; }
    return yt_errf(at, b->e, "'%s': an array has rows and cols", id);
  }
  if (b->ph && b->ph->c) {
    int r = es_find_rank(b->ph->c, id);
    if (r >= 0 && b->ph->c->ranks[r].size > 0) { *v = x_int(b->ph->c->ranks[r].size); return 0; }
  }
  /* workload E, F last: inside a phase a rank of that name wins */
  if (!strcmp(id, "E")) { *v = x_int(w->E); return 0; }
  if (!strcmp(id, "F")) { *v = x_int(w->F); return 0; }
  return yt_errf(at, b->e, "unknown name '%s' (workload B H E F D FFN SEQ, a rank size, ARRAY.rows/cols, config.COLUMN)", id);
}

/* A decimal literal, "12" or "0.25", as an exact rational: 1 if tok is one,
** 0 if it is not a number at all, -1 (e filled) if it does not fit. */
static int decimal(bctx *b, const yt_node *n, const char *what, const char *tok, xval *v) {
  int64_t num = 0, den = 1;
  const char *q = tok;
  int frac = 0, digits = 0;
  if (strspn(tok, "0123456789.") != strlen(tok)) return 0;    /* a name, such as 2d.rows */
  for (; *q; q++) {
    if (*q == '.') {
      if (frac) return yt_errf(n, b->e, "%s: '%s' is not a decimal number", what, tok);
      frac = 1;
      continue;
    }
    digits++;
    if (at_smul64(num, 10, &num) || __builtin_add_overflow(num, *q - '0', &num) || (frac && at_smul64(den, 10, &den)))
      return yt_errf(n, b->e, "%s: the number %s does not fit a 64-bit integer", what, tok);
  }
  if (!digits) return yt_errf(n, b->e, "%s: '%s' is not a decimal number", what, tok);
  int64_t g = gcd64(num, den);
  *v = (xval){ num / (g ? g : 1), den / (g ? g : 1), 0, 0 };
  if (v->num == 0) v->den = 1;
  return 1;
}

/* Evaluates "a * b / c", left to right, over decimal numbers and names, in
** checked 64-bit rationals (see xval).  `what` names the quantity for
** errors: "size of rank M". */
static int eval_expr(bctx *b, const yt_node *n, const char *what, xval *out) {
  const char *s = yt_scalar(n);
  if (!s || !*s) return yt_badval(n, b->e, "%s: expected a size expression", what);
  xval acc = x_int(1);
  char op = '*';
  int nop = 0;
  const char *p = s;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    const char *t0 = p;
    while (*p && *p != '*' && *p != '/' && *p != ' ' && *p != '\t') p++;
    size_t k = (size_t)(p - t0);
    char tok[64];
    if (!k) return yt_badval(n, b->e, "%s: malformed size expression", what);
    if (k >= sizeof tok) return yt_errf(n, b->e, "%s: '%.20s...' is not a number or a name", what, t0);
    memcpy(tok, t0, k);
    tok[k] = 0;
    xval v = x_int(0);
    int isnum = decimal(b, n, what, tok, &v);
    if (isnum < 0) return -1;
    if (!isnum) {   /* a name ("2d.rows" starts with a digit) */
      if (!isalnum((unsigned char)tok[0]))
        return yt_badval(n, b->e, "%s: '%s' is not a decimal number or a name", what, tok);
      if (ident_value(b, n, tok, &v)) return -1;
    }
    if (op == '/' && !v.real && v.num == 0) return yt_badval(n, b->e, "%s: division by zero", what);
    if (x_apply(&acc, v, op == '/'))
      return yt_errf(n, b->e, "%s: '%.60s%s' overflows a 64-bit integer (at operand %d, '%c %s')", what, s,
                     strlen(s) > 60 ? "..." : "", nop + 1, op, tok);
    nop++;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    if (*p != '*' && *p != '/') return yt_badval(n, b->e, "%s: malformed size expression", what);
    op = *p++;
  }
  *out = acc;
  return 0;
}

/* A positive whole-number size: exact, or refused. */
static int eval_size(bctx *b, const yt_node *n, const char *what, int64_t *out) {
  xval v;
  if (resolve(b, n, &n) || eval_expr(b, n, what, &v)) return -1;
  if (v.real) return yt_badval(n, b->e, "%s: a fractional configuration column cannot give a size", what);
  if (v.den != 1)
    return yt_badval(n, b->e, "%s: not a whole number (%lld/%lld here)", what, (long long)v.num, (long long)v.den);
  if (v.num < 1) return yt_badval(n, b->e, "%s: must be a positive whole number (it is %lld here)", what, (long long)v.num);
  *out = v.num;
  return 0;
}

/* ---- relevance, tiles ---------------------------------------------------- */

static int rank_covers(const es_cascade *c, int have, int part_rank) {
  return have == part_rank || c->ranks[part_rank].parent == have;
}

int sc_relevant(const sc_phase *ph, int p, int t) {
  if (p == SC_BATCH) return 1;
  const es_tensor *T = &ph->c->tensors[t];
  for (int d = 0; d < T->ndims; d++)
    if (rank_covers(ph->c, T->dim[d], ph->part[p].rank)) return 1;
  return 0;
}

static int expr_has_rank(const es_cascade *c, const es_expr *x, int pr) {
  if (!x) return 0;
  if (x->kind == ES_E_REDUCE)
    for (int i = 0; i < x->nred; i++)
      if (rank_covers(c, x->red[i], pr)) return 1;
  return expr_has_rank(c, x->a, pr) || expr_has_rank(c, x->b, pr);
}

static int einsum_uses_rank(const es_cascade *c, int ei, int pr) {
  const es_einsum *x = &c->einsums[ei];
  for (int k = 0; k < x->nspace; k++)
    if (rank_covers(c, x->space[k], pr)) return 1;
  return expr_has_rank(c, x->rhs, pr);
}

int sc_uses(const sc_phase *ph, int x, int p) {
  if (p == SC_BATCH) return 1;
  return einsum_uses_rank(ph->c, ph->e[x].einsum, ph->part[p].rank);
}

uint64_t sc_tile_elements(const sc_phase *ph, int x, int t, int at) {
  const sc_einsum *se = &ph->e[x];
  const es_tensor *T = &ph->c->tensors[t];
  /* parts above the tile: the nest down to and including `at` */
  uint64_t above = 0;         /* bit set of parts */
  if (at >= 0) {
    for (int i = 0; i < se->nloop; i++) {
      above |= 1ull << se->loop[i];
      if (se->loop[i] == at) break;
    }
  } else {
    for (int i = 0; i < se->nloop; i++) above |= 1ull << se->loop[i];
  }
  uint64_t n = 1;
  for (int d = 0; d < T->ndims; d++) {
    if (d == T->iter_dim) continue;     /* one live slice */
    int rd = T->dim[d];
    uint64_t ext = 1;
    int tiled = 0;
    for (int p = 1; p < ph->nparts; p++) {
      if (!rank_covers(ph->c, rd, ph->part[p].rank)) continue;
      tiled = 1;
      if (!(above & (1ull << p)) && at_mul64(ext, (uint64_t)ph->part[p].size, &ext)) return UINT64_MAX;
    }
    if (!tiled) ext = (uint64_t)ph->c->ranks[rd].size;
    if (at_mul64(n, ext, &n)) return UINT64_MAX;   /* saturated: no buffer holds it */
  }
  return n;
}

/* ---- binding ------------------------------------------------------------ */

/* Adds a part; -1 with an error if there are too many. */
static int add_part(bctx *b, const yt_node *at, const char *name, int rank, int64_t size) {
  sc_phase *ph = b->ph;
  if (ph->nparts == SC_MAX_PARTS) return yt_errf(at, b->e, "more than %d loop ranks", SC_MAX_PARTS);
  if (strlen(name) >= sizeof ph->part[0].name) return yt_errf(at, b->e, "loop name '%s' is too long", name);
  if (find_part(ph, name) >= 0) return yt_errf(at, b->e, "loop '%s' defined twice", name);
  sc_part *p = &ph->part[ph->nparts];
  snprintf(p->name, sizeof p->name, "%s", name);
  p->rank = rank;
  p->size = size;
  p->block = p->tail = 0;
  return ph->nparts++;
}

typedef struct fitvar {
  int part;                   /* the `fit` part, or -1 */
  int rest;                   /* the `rest` part of the same rank, or -1 */
  int64_t quotient;           /* fit * rest */
  const yt_node *at;
} fitvar;

/* tiling: RANK: {PART: size | rest | fit, ...} (outer to inner) */
static int bind_tiling(bctx *b, const yt_node *tiling, es_binding *bind, fitvar *fv) {
  sc_phase *ph = b->ph;
  es_cascade *c = ph->c;
  fv->part = fv->rest = -1;
  for (size_t i = 0; tiling && i < yt_len(tiling); i++) {
    const yt_node *kn = yt_key_node(tiling, i), *parts = yt_at(tiling, i);
    const char *rname = yt_key(tiling, i);
    char up[ES_MAX_NAME];
    if (strlen(rname) >= sizeof up) return yt_errf(kn, b->e, "cascade %s has no rank '%s' to tile", c->file, rname);
    snprintf(up, sizeof up, "%s", rname);
    for (char *q = up; *q; q++) *q = (char)toupper((unsigned char)*q);
    int r = es_find_rank(c, up);
    if (r < 0 || c->ranks[r].parent >= 0)
      return yt_errf(kn, b->e, "cascade %s has no rank '%s' to tile", c->file, rname);
    if (yt_expect_map(parts, b->e)) return -1;
    int64_t size = c->ranks[r].size, known = 1;
    int rest = -1, fit = -1, first = ph->nparts, ceil_up = 0;
    int csplit = c->ranks[r].outer >= 0;
    if (csplit && yt_len(parts) != 2)
      return yt_errf(parts, b->e, "the cascade splits %s into %s and %s: tile it as exactly those two", c->ranks[r].index,
                     c->ranks[c->ranks[r].outer].index, c->ranks[c->ranks[r].inner].index);
    for (size_t j = 0; j < yt_len(parts); j++) {
      const char *pn = yt_key(parts, j);
      const yt_node *v;
      if (resolve(b, yt_at(parts, j), &v)) return -1;
      int prank = r;
      if (csplit) {
        prank = j == 0 ? c->ranks[r].outer : c->ranks[r].inner;
        if (strcmp(pn, c->ranks[prank].index))
          return yt_errf(yt_key_node(parts, j), b->e, "expected the cascade's split index '%s'", c->ranks[prank].index);
      }
      const char *sv = yt_scalar(v);
      int64_t ps = 0;
      if (sv && (!strcmp(sv, "rest") || !strcmp(sv, "ceil"))) {
        if (rest >= 0) return yt_errf(v, b->e, "only one part of a rank may be 'rest' or 'ceil'");
        rest = ph->nparts;
        ceil_up = sv[0] == 'c';   /* rounded up: the last iteration covers what is left */
        if (ceil_up && csplit) return yt_errf(v, b->e, "'ceil' cannot tile a rank the cascade splits");
      } else if (sv && !strcmp(sv, "fit")) {
        if (fv->part >= 0 || fit >= 0) return yt_errf(v, b->e, "only one part of a phase may be 'fit'");
        fit = ph->nparts;
        fv->at = v;
      } else {
        char what[64];
        snprintf(what, sizeof what, "tile %s of rank %s", pn, c->ranks[r].name);
        if (eval_size(b, v, what, &ps)) return -1;
        if (ps > size) ps = size;   /* an array wider than the rank: the spare PEs idle */
        if (at_smul64(known, ps, &known))
          return yt_errf(v, b->e, "%s: the tile sizes of rank %s multiply past a 64-bit integer", what, c->ranks[r].name);
      }
      if (add_part(b, yt_key_node(parts, j), pn, prank, ps) < 0) return -1;
    }
    if (size % known && !ceil_up)
      return yt_errf(parts, b->e, "%s (%lld) is not a multiple of its tile sizes (%lld) (a 'ceil' part allows that)",
                     c->ranks[r].name, (long long)size, (long long)known);
    int64_t q = size / known + (size % known != 0);
    if (ceil_up && fit >= 0) return yt_errf(parts, b->e, "a rank with a 'ceil' part cannot have a 'fit' part");
    if (ceil_up) {
      ph->part[rest].block = known;
      ph->part[rest].tail = size % known ? size - (q - 1) * known : 0;
    }
    if (fit >= 0 && rest < 0) return yt_errf(parts, b->e, "a rank with a 'fit' part needs a 'rest' part");
    if (rest < 0 && q != 1)
      return yt_errf(parts, b->e, "tiles of %s multiply to %lld, not %lld (add a 'rest' part)", c->ranks[r].name,
                     (long long)known, (long long)size);
    if (fit >= 0) {
      fv->part = fit;
      fv->rest = rest;
      fv->quotient = q;
      ph->part[fit].size = 1;
      ph->part[rest].size = q;
    } else if (rest >= 0) {
      ph->part[rest].size = q;
    }
    if (csplit) {
      for (int k = first; k < ph->nparts; k++)
        if (k != fit && es_binding_set(bind, c->ranks[ph->part[k].rank].name, ph->part[k].size, b->e)) return -1;
    }
  }
  return 0;
}

/* Parts for every rank the tiling left alone; the parts of a cascade
** split must have been sized by the tiling. */
static int default_parts(bctx *b, const yt_node *at) {
  sc_phase *ph = b->ph;
  es_cascade *c = ph->c;
  for (int r = 0; r < c->nranks; r++) {
    if (c->ranks[r].outer >= 0) continue;       /* represented by its split parts */
    int have = 0;
    for (int p = 1; p < ph->nparts; p++)
      if (ph->part[p].rank == r) have = 1;
    if (have) continue;
    if (c->ranks[r].parent >= 0)
      return yt_errf(at, b->e, "the cascade splits %s: tile it under tiling: to size %s",
                     c->ranks[c->ranks[r].parent].index, c->ranks[r].name);
    if (add_part(b, at, c->ranks[r].index, r, c->ranks[r].size) < 0) return -1;
  }
  return 0;
}

/* A list of loop names, each a part of the phase, none twice, at most cap
** of them (`limit` says why there are no more); "batch" only if may_batch. */
static int part_list(bctx *b, const yt_node *seq, int *out, int *n, int cap, int may_batch, const char *limit) {
  const yt_node *s;
  *n = 0;
  if (!seq) return 0;
  if (resolve(b, seq, &s) || yt_expect_seq(s, b->e)) return -1;
  if (yt_len(s) > (size_t)cap) return yt_errf(s, b->e, "%zu loops, more than %d: %s", yt_len(s), cap, limit);
  for (size_t i = 0; i < yt_len(s); i++) {
    const yt_node *it = yt_at(s, i);
    const char *name = yt_scalar(it);
    int p = name ? find_part(b->ph, name) : -1;
    if (p < 0) return yt_badval(it, b->e, "not a loop of this phase");
    if (p == SC_BATCH && !may_batch)
      return yt_badval(it, b->e, "the batch loop is always the outermost: do not list it");
    for (int k = 0; k < *n; k++)
      if (out[k] == p) return yt_badval(it, b->e, "loop listed twice");
    out[(*n)++] = p;
  }
  return 0;
}

/* spatial: {rows: PART, cols: PART}; a 1D array has cols only. */
static int bind_spatial(bctx *b, const yt_node *n, const hw_array *ar, int sp[2]) {
  static const char *const keys[] = { "rows", "cols", NULL };
  const yt_node *s;
  if (resolve(b, n, &s) || yt_check_keys(s, keys, b->e)) return -1;
  for (int k = 0; k < 2; k++) {
    const yt_node *v = yt_find(s, keys[k]);
    if (!v) continue;
    const char *name = yt_scalar(v);
    int p = name ? find_part(b->ph, name) : -1;
    if (p < 0) return yt_badval(v, b->e, "not a loop of this phase");
    if (p == SC_BATCH) return yt_badval(v, b->e, "the batch loop is temporal (the outermost loop)");
    if (k == 1 && p == sp[0]) return yt_badval(v, b->e, "already spatial on the rows");
    int64_t dim = k == 0 ? ar->rows : ar->cols;
    if (b->ph->part[p].size > dim)
      return yt_errf(v, b->e, "spatial factor %s = %lld is larger than array %s's %lld %s", name,
                     (long long)b->ph->part[p].size, ar->name, (long long)dim, keys[k]);
    sp[k] = p;
  }
  return 0;
}

typedef struct opacc {
  sc_opuse *out;
  int n;
} opacc;

static int use(opacc *a, hw_op op, double per_point, int operands) {
  if (a->n == SC_MAX_OPUSES) return -1;
  a->out[a->n++] = (sc_opuse){ op, per_point, operands };
  return 0;
}

/* Walks an expression executed `per` times per point; mac_body: x is the
** direct body of a sum, so a product here is a MAC. */
static int ops_of(const es_cascade *c, const es_expr *x, double per, int mac_body, opacc *a) {
  switch (x->kind) {
  case ES_E_NUM:
  case ES_E_ACCESS:
    return 0;
  case ES_E_NEG:
    return use(a, HW_OP_SUB, per, 1) || ops_of(c, x->a, per, 0, a) ? -1 : 0;
  case ES_E_EXP:
    return use(a, HW_OP_EXP, per, 1) || ops_of(c, x->a, per, 0, a) ? -1 : 0;
  case ES_E_BIN: {
    static const hw_op of[] = { HW_OP_ADD, HW_OP_SUB, HW_OP_MUL, HW_OP_DIV, HW_OP_MAX, HW_OP_MIN };
    int mac = mac_body && x->op == ES_MUL;
    if (use(a, mac ? HW_OP_MAC : of[x->op], per, mac ? 3 : 2)) return -1;
    return ops_of(c, x->a, per, 0, a) || ops_of(c, x->b, per, 0, a) ? -1 : 0;
  }
  case ES_E_REDUCE: {
    double inner = per;
    for (int i = 0; i < x->nred; i++) inner *= (double)c->ranks[x->red[i]].size;
    int mac = x->op == ES_ADD && x->a->kind == ES_E_BIN && x->a->op == ES_MUL;
    if (!mac && use(a, x->op == ES_MAX ? HW_OP_MAX : x->op == ES_MIN ? HW_OP_MIN : HW_OP_ADD, inner, 2)) return -1;
    return ops_of(c, x->a, inner, mac, a);
  }
  }
  return 0;
}

int sc_einsum_ops(const es_cascade *c, int xi, sc_opuse *out) {
  const es_einsum *x = &c->einsums[xi];
  opacc a = { out, 0 };
  /* an implicit sum over the whole right-hand side: a MAC if it is a product */
  int mac = x->nsum > 0 && x->rhs->kind == ES_E_BIN && x->rhs->op == ES_MUL;
  if (x->nsum > 0 && !mac && use(&a, HW_OP_ADD, 1, 2)) return -1;
  if (ops_of(c, x->rhs, 1, mac, &a)) return -1;
  return a.n;
}

static int bind_einsums(bctx *b, const yt_node *ens, const yt_node *spatial, const yt_node *loops) {
  static const char *const keys[] = { "array", "loops", "spatial", NULL };
  sc_phase *ph = b->ph;
  es_cascade *c = ph->c;
  const yt_node *n, *sres = NULL;
  if (resolve(b, ens, &n) || yt_expect_map(n, b->e)) return -1;
  if (spatial && (resolve(b, spatial, &sres) || yt_expect_map(sres, b->e))) return -1;
  for (size_t i = 0; sres && i < yt_len(sres); i++)
    if (hw_array_index(b->a, yt_key(sres, i)) < 0)
      return yt_errf(yt_key_node(sres, i), b->e, "architecture %s has no array '%s'", b->a->name, yt_key(sres, i));
  for (size_t i = 0; i < yt_len(n); i++) {
    int t = es_find_tensor(c, yt_key(n, i));
    if (t < 0 || c->tensors[t].def < 0)
      return yt_errf(yt_key_node(n, i), b->e, "cascade %s has no Einsum producing '%s'", c->file, yt_key(n, i));
  }
  for (int xi = 0; xi < c->neinsums; xi++) {
    const es_einsum *x = &c->einsums[xi];
    if (x->is_init) continue;
    const char *tn = c->tensors[x->lhs.tensor].name;
    const yt_node *en = yt_find(n, tn), *v;
    if (!en) continue;          /* not in this phase: another phase runs it */
    if (resolve(b, en, &v)) return -1;
    const char *an = yt_scalar(v);
    const yt_node *own_loops = NULL, *own_spatial = NULL, *an_node = v;
    if (!an) {
      if (yt_check_keys(v, keys, b->e) || yt_get_str(v, "array", &an, b->e)) return -1;
      an_node = yt_find(v, "array");
      own_loops = yt_find(v, "loops");
      own_spatial = yt_find(v, "spatial");
    }
    int ai = hw_array_index(b->a, an);
    if (ai < 0) return yt_badval(an_node, b->e, "architecture %s has no such array", b->a->name);
    const hw_array *ar = &b->a->arrays[ai];
    sc_opuse uses[SC_MAX_OPUSES];
    int nu = sc_einsum_ops(c, xi, uses);
    if (nu < 0) return yt_errf(an_node, b->e, "Einsum %s has more than %d operations", tn, SC_MAX_OPUSES);
    for (int k = 0; k < nu; k++)
      if (!ar->ops[uses[k].op].supported)
        return yt_errf(an_node, b->e, "Einsum %s needs %s, which array %s of %s does not support", tn,
                       hw_op_name(uses[k].op), ar->name, b->a->name);
    if (ph->ne == SC_MAX_EINSUMS) return yt_errf(n, b->e, "too many Einsums");
    sc_einsum *se = &ph->e[ph->ne];
    memset(se, 0, sizeof *se);
    se->einsum = xi;
    se->array = ai;
    se->spatial[0] = se->spatial[1] = -1;
    const yt_node *sp = own_spatial;
    if (!sp && sres) sp = yt_find(sres, an);
    if (sp && bind_spatial(b, sp, ar, se->spatial)) return -1;
    int x_idx = ph->ne++;
    /* nest: batch, the shared loops it uses, its own loops, the rest */
    uint64_t placed = 0;
    se->loop[se->nloop++] = SC_BATCH;
    placed |= 1;
    se->in_tile = 1;
    for (int k = 0; k < ph->nshared; k++) {
      int p = ph->shared[k];
      if (!sc_uses(ph, x_idx, p)) { se->in_tile = 0; continue; }
      if (p == se->spatial[0] || p == se->spatial[1])
        return yt_errf(loops, b->e, "loop %s is spatial for %s, so it cannot be a shared (temporal) loop",
                       ph->part[p].name, tn);
      se->loop[se->nloop++] = p;    /* at most 1 + (SC_MAX_LOOPS - 1): part_list's cap */
      placed |= 1ull << p;
    }
    int own[SC_MAX_LOOPS], nown;
    if (part_list(b, own_loops, own, &nown, SC_MAX_LOOPS - 1, 0, NEST_LIMIT)) return -1;
    for (int k = 0; k < nown; k++) {
      int p = own[k];
      if (placed & (1ull << p)) return yt_errf(own_loops, b->e, "loop %s is already in %s's nest", ph->part[p].name, tn);
      if (p == se->spatial[0] || p == se->spatial[1])
        return yt_errf(own_loops, b->e, "loop %s is spatial for %s", ph->part[p].name, tn);
      if (!sc_uses(ph, x_idx, p)) continue;   /* not one of its ranks: no loop */
      if (se->nloop == SC_MAX_LOOPS) return yt_errf(own_loops, b->e, "loop nest of %s: %s", tn, NEST_LIMIT);
      se->loop[se->nloop++] = p;
      placed |= 1ull << p;
    }
    for (int p = 1; p < ph->nparts; p++) {
      if ((placed & (1ull << p)) || p == se->spatial[0] || p == se->spatial[1] || !sc_uses(ph, x_idx, p)) continue;
      if (se->nloop == SC_MAX_LOOPS) return yt_errf(v, b->e, "loop nest of %s: %s", tn, NEST_LIMIT);
      se->loop[se->nloop++] = p;
    }
    for (int k = 0; k < 2; k++)
      if (se->spatial[k] >= 0 && !sc_uses(ph, x_idx, se->spatial[k])) se->spatial[k] = -1;
  }
  if (ph->ne == 0) return yt_errf(n, b->e, "phase %s binds no Einsum to an array", ph->name);
  return 0;
}

/* An alias chain must end at a tensor with buffer space of its own: the
** footprint counts only that root, so a cycle (no root) or a root in
** registers or streamed from DRAM would leave the chain's tiles uncounted. */
static int check_aliases(bctx *b, const yt_node *const *alias_at) {
  const sc_phase *ph = b->ph;
  const es_cascade *c = ph->c;
  for (int t = 0; t < c->ntensors; t++) {
    if (ph->st[t].alias < 0) continue;
    char chain[256];
    size_t len = (size_t)snprintf(chain, sizeof chain, "%s", c->tensors[t].name);
    int r = t, steps = 0;
    for (; ph->st[r].alias >= 0 && steps <= c->ntensors; steps++) {
      r = ph->st[r].alias;
      if (len < sizeof chain) len += (size_t)snprintf(chain + len, sizeof chain - len, " -> %s", c->tensors[r].name);
      if (r == t) return yt_errf(alias_at[t], b->e, "alias cycle: %s", chain);
    }
    if (steps > c->ntensors) continue;    /* leads into a cycle: reported at one of its members */
    const sc_storage *root = &ph->st[r];
    if (root->home == SC_REGS || (root->home == SC_DRAM && root->keep_at < 0))
      return yt_errf(alias_at[t], b->e, "%s has no buffer space to share (it is %s)", c->tensors[r].name,
                     root->home == SC_REGS ? "in registers" : "streamed from DRAM");
  }
  return 0;
}

static int bind_storage(bctx *b, const yt_node *sn) {
  static const char *const keys[] = { "home", "keep_at", "spill", "alias", "forward", NULL };
  sc_phase *ph = b->ph;
  es_cascade *c = ph->c;
  const yt_node *n = NULL, *def = NULL;
  if (sn && (resolve(b, sn, &n) || yt_expect_map(n, b->e))) return -1;
  if (n) def = yt_find(n, "default");
  const yt_node *alias_at[SC_MAX_TENSORS] = { 0 };
  for (size_t i = 0; n && i < yt_len(n); i++)
    if (strcmp(yt_key(n, i), "default") && es_find_tensor(c, yt_key(n, i)) < 0)
      return yt_errf(yt_key_node(n, i), b->e, "cascade %s has no tensor '%s'", c->file, yt_key(n, i));
  for (int t = 0; t < c->ntensors; t++) {
    sc_storage *st = &ph->st[t];
    memset(st, 0, sizeof *st);
    st->home = SC_REGS;
    st->keep_at = -1;
    st->alias = -1;
    const yt_node *v = n ? yt_find(n, c->tensors[t].name) : NULL;
    if (!v) v = def;
    if (!v) {
      /* inputs and outputs live in DRAM unless told otherwise */
      if (c->tensors[t].is_input || c->tensors[t].is_output) st->home = SC_DRAM;
      continue;
    }
    if (resolve(b, v, &v)) return -1;
    const char *home = yt_scalar(v);
    const yt_node *hn = v;
    if (!home) {
      if (yt_check_keys(v, keys, b->e) || yt_get_str(v, "home", &home, b->e)) return -1;
      hn = yt_find(v, "home");
    }
    if (!strcmp(home, "regs")) st->home = SC_REGS;
    else if (!strcmp(home, "buffer")) st->home = SC_BUFFER;
    else if (!strcmp(home, "dram")) st->home = SC_DRAM;
    else return yt_badval(hn, b->e, "expected regs, buffer or dram");
    if (yt_scalar(v)) continue;
    const yt_node *k;
    if ((k = yt_find(v, "keep_at"))) {
      if (resolve(b, k, &k)) return -1;
      int list[SC_MAX_LOOPS], nl = 0;
      if (yt_scalar(k)) {
        const char *kn = yt_scalar(k);
        if (strcmp(kn, "none")) {
          list[0] = find_part(ph, kn);
          if (list[0] < 0) return yt_badval(k, b->e, "not a loop of this phase (or none)");
          nl = 1;
        }
      } else if (part_list(b, k, list, &nl, KEEP_CHOICES, 1, "a tensor has at most " STR(KEEP_CHOICES) " keep_at choices")) {
        return -1;
      }
      st->keep_at = nl ? list[0] : -1;
      st->nfallback = nl > 1 ? nl - 1 : 0;
      for (int j = 1; j < nl; j++) st->fallback[j - 1] = list[j];
    }
    if ((k = yt_find(v, "spill"))) {
      xval sx;
      if (resolve(b, k, &k) || eval_expr(b, k, "spilled fraction", &sx)) return -1;
      double sp = x_double(sx);
      if (!(sp >= 0 && sp <= 1)) return yt_badval(k, b->e, "spill must be between 0 and 1");
      st->spill = sp;
    }
    if ((k = yt_find(v, "alias"))) {
      const char *an = yt_scalar(k);
      int at = an ? es_find_tensor(c, an) : -1;
      if (at < 0 || at == t) return yt_badval(k, b->e, "expected another tensor of the cascade");
      st->alias = at;
      alias_at[t] = k;
    }
    if ((k = yt_find(v, "forward"))) {
      if (yt_expect_seq(k, b->e)) return -1;
      for (size_t j = 0; j < yt_len(k); j++) {
        const char *fn = yt_scalar(yt_at(k, j));
        int ft = fn ? es_find_tensor(c, fn) : -1;
        int x = -1;
        for (int q = 0; ft >= 0 && q < ph->ne; q++)
          if (c->einsums[ph->e[q].einsum].lhs.tensor == ft) x = q;
        if (x < 0) return yt_badval(yt_at(k, j), b->e, "expected an Einsum of this phase");
        st->forward |= 1ull << x;
      }
    }
  }
  return check_aliases(b, alias_at);
}

static int bind_pipeline(bctx *b, const yt_node *pn) {
  static const char *const keys[] = { "policy", "epoch", "window", NULL };
  sc_phase *ph = b->ph;
  ph->policy = SC_PIPELINED;
  ph->window = 2;
  ph->nepoch = 1;
  ph->epoch[0] = SC_BATCH;
  if (!pn) return 0;
  const yt_node *v;
  if (resolve(b, pn, &v)) return -1;
  const char *pol = yt_scalar(v);
  const yt_node *at = v;
  if (!pol) {
    if (yt_check_keys(v, keys, b->e) || yt_get_str(v, "policy", &pol, b->e)) return -1;
    at = yt_find(v, "policy");
    const yt_node *wn = yt_find(v, "window");
    if (wn) {
      int64_t w;
      if (yt_int(wn, &w, b->e)) return -1;
      if (w < 1 || w > 4096) return yt_badval(wn, b->e, "must be 1 to 4096 tiles");
      ph->window = (int)w;
    }
    const yt_node *ep = yt_find(v, "epoch");
    if (ep) {
      const yt_node *s;
      if (resolve(b, ep, &s) || yt_expect_seq(s, b->e)) return -1;
      ph->nepoch = 0;
      for (size_t i = 0; i < yt_len(s); i++) {
        const char *name = yt_scalar(yt_at(s, i));
        int p = !name ? -1 : !strcmp(name, "batch") ? SC_BATCH : find_part(ph, name);
        if (p < 0) return yt_badval(yt_at(s, i), b->e, "not a loop of this phase (or batch)");
        for (int k = 0; k < ph->nepoch; k++)
          if (ph->epoch[k] == p) return yt_badval(yt_at(s, i), b->e, "loop listed twice");
        if (ph->nepoch == SC_MAX_LOOPS) return yt_errf(s, b->e, "more than %d epoch loops (SC_MAX_LOOPS)", SC_MAX_LOOPS);
        ph->epoch[ph->nepoch++] = p;
      }
    }
  }
  if (!strcmp(pol, "sequential")) ph->policy = SC_SEQUENTIAL;
  else if (!strcmp(pol, "pipelined")) ph->policy = SC_PIPELINED;
  else if (!strcmp(pol, "interleaved")) ph->policy = SC_INTERLEAVED;
  else return yt_badval(at, b->e, "expected sequential, pipelined or interleaved");
  return 0;
}

static int expr_reads(const es_expr *x, int t) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return x->acc.tensor == t;
  return expr_reads(x->a, t) || expr_reads(x->b, t);
}

/* Whether einsum x of the phase reads or writes tensor t. */
static int touches(const sc_phase *ph, int x, int t) {
  const es_einsum *E = &ph->c->einsums[ph->e[x].einsum];
  return E->lhs.tensor == t || expr_reads(E->rhs, t);
}

/* Bytes of the tiles resident in the buffer: each buffer- or DRAM-homed
** tensor with a keep_at level holds the largest tile any Einsum touching
** it sees there, less its spilled fraction; aliases share their root's.
** Exact (a spilled fraction rounds up to whole bytes); FP_OVERFLOW when the
** sum exceeds int64_t, which no buffer holds. */
#define FP_OVERFLOW INT64_MAX
static int64_t footprint(const sc_phase *ph, const hw_arch *a) {
  const es_cascade *c = ph->c;
  uint64_t total = 0;
  for (int t = 0; t < c->ntensors; t++) {
    const sc_storage *st = &ph->st[t];
    if (st->home == SC_REGS || st->alias >= 0) continue;
    if (st->home == SC_DRAM && st->keep_at < 0) continue;   /* streamed */
    uint64_t best = 0, bytes;
    for (int x = 0; x < ph->ne; x++) {
      if (!touches(ph, x, t)) continue;
      uint64_t el = sc_tile_elements(ph, x, t, st->keep_at);
      if (el > best) best = el;
    }
    if (at_mul64(best, (uint64_t)a->word_bytes, &bytes)) return FP_OVERFLOW;
    if (st->spill > 0) {
      double kept = ceil((double)bytes * (1.0 - st->spill));
      bytes = kept >= 0x1p63 ? UINT64_MAX : (uint64_t)kept;
    }
    if (at_add64(total, bytes, &total) || total > (uint64_t)INT64_MAX) return FP_OVERFLOW;
  }
  return (int64_t)total;
}

/* A footprint for messages: its bytes, or that it overflows. */
static const char *fp_text(int64_t fp, char *buf, size_t cap) {
  if (fp == FP_OVERFLOW) snprintf(buf, cap, "more than %lld", (long long)INT64_MAX);
  else snprintf(buf, cap, "%lld", (long long)fp);
  return buf;
}

/* Tries each tensor's keep_at choices, outermost first, until the phase fits. */
static int64_t settle_keep(sc_phase *ph, const hw_arch *a, const int *first_keep) {
  for (int t = 0; t < ph->c->ntensors; t++) ph->st[t].keep_at = first_keep[t];
  int64_t fp = footprint(ph, a);
  for (int t = 0; t < ph->c->ntensors && fp > a->buffer.bytes; t++) {
    sc_storage *st = &ph->st[t];
    for (int j = 0; j < st->nfallback && fp > a->buffer.bytes; j++) {
      st->keep_at = st->fallback[j];
      fp = footprint(ph, a);
    }
  }
  return fp;
}

/* ---- divisors, for `fit` --------------------------------------------------
** `fit` takes the largest divisor of a quotient q < 2^63 whose tiles fit, so
** it needs q's divisors in descending order.  Trial division to sqrt(q)
** would take seconds for a large prime q; factoring with Miller-Rabin and
** Pollard's rho takes microseconds, and a q < 2^63 has at most 103680
** divisors. */

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return (uint64_t)((unsigned __int128)a * b % m); }

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t m) {
  uint64_t r = 1;
  for (a %= m; e; e >>= 1, a = mulmod(a, a, m))
    if (e & 1) r = mulmod(r, a, m);
  return r;
}

/* Deterministic for every n < 2^64 with these bases. */
static int is_prime(uint64_t n) {
  static const uint64_t base[] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37 };
  if (n < 2) return 0;
  for (int i = 0; i < 12; i++)
    if (n % base[i] == 0) return n == base[i];
  uint64_t d = n - 1;
  int r = 0;
  while (!(d & 1)) { d >>= 1; r++; }
  for (int i = 0; i < 12; i++) {
    uint64_t x = powmod(base[i], d, n);
    if (x == 1 || x == n - 1) continue;
    int comp = 1;
    for (int k = 1; k < r && comp; k++) {
      x = mulmod(x, x, n);
      if (x == n - 1) comp = 0;
    }
    if (comp) return 0;
  }
  return 1;
}

static uint64_t gcdu(uint64_t a, uint64_t b) {
  while (b) { uint64_t t = a % b; a = b; b = t; }
  return a;
}

/* A non-trivial factor of an odd composite n (Pollard's rho). */
static uint64_t rho(uint64_t n) {
  for (uint64_t c = 1;; c++) {
    uint64_t x = 2, y = 2, d = 1;
    while (d == 1) {
      x = (mulmod(x, x, n) + c) % n;
      y = (mulmod(y, y, n) + c) % n;
      y = (mulmod(y, y, n) + c) % n;
      d = gcdu(x > y ? x - y : y - x, n);
    }
    if (d != n) return d;
  }
}

typedef struct factors {
  int n;
  uint64_t p[64];             /* primes, unsorted, with repeats merged */
  int e[64];
} factors;

static void add_factor(factors *f, uint64_t p) {
  for (int i = 0; i < f->n; i++)
    if (f->p[i] == p) { f->e[i]++; return; }
  f->p[f->n] = p;
  f->e[f->n++] = 1;
}

static void factor(factors *f, uint64_t n) {
  if (n == 1) return;
  if (is_prime(n)) { add_factor(f, n); return; }
  uint64_t d = rho(n);
  factor(f, d);
  factor(f, n / d);
}

static int desc64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The divisors of q >= 1 in descending order, in a new array; NULL when
** out of memory. */
static int64_t *divisors_desc(int64_t q, int *count) {
  factors f = { 0 };
  uint64_t n = (uint64_t)q;
  for (uint64_t p = 2; p < 64; p++)   /* small primes first: rho needs an odd composite */
    while (n % p == 0) { add_factor(&f, p); n /= p; }
  factor(&f, n);
  size_t total = 1;
  for (int i = 0; i < f.n; i++) total *= (size_t)f.e[i] + 1;
  int64_t *d = malloc(total * sizeof *d);
  if (!d) return NULL;
  size_t k = 1;
  d[0] = 1;
  for (int i = 0; i < f.n; i++) {
    size_t have = k;
    uint64_t pw = 1;
    for (int j = 0; j < f.e[i]; j++) {
      pw *= f.p[i];               /* divides q, so no overflow */
      for (size_t t = 0; t < have; t++) d[k++] = (int64_t)((uint64_t)d[t] * pw);
    }
  }
  qsort(d, k, sizeof *d, desc64);
  *count = (int)k;
  return d;
}

static int bind_phase(bctx *b, map_phase *mp, sc_phase *ph) {
  es_cascade *c = mp->c;
  const yt_node *n = mp->node;
  memset(ph, 0, sizeof *ph);
  ph->c = c;
  b->ph = ph;
  const char *name;
  if (yt_opt_str(n, "name", &name, b->e) < 0) return -1;
  if (!yt_find(n, "name")) name = "phase";
  if (strlen(name) >= sizeof ph->name)
    return yt_errf(yt_find(n, "name"), b->e, "a phase name has at most %zu characters", sizeof ph->name - 1);
  snprintf(ph->name, sizeof ph->name, "%s", name);
  if (c->ntensors > SC_MAX_TENSORS) return yt_errf(n, b->e, "cascade has more than %d tensors", SC_MAX_TENSORS);
  /* sizes of the cascade's ranks, from the workload */
  es_binding bind = { 0 };
  const yt_node *sizes, *v;
  for (int r = 0; r < c->nranks; r++) c->ranks[r].size = 0;
  if (yt_get(n, "sizes", &sizes, b->e) || resolve(b, sizes, &sizes) || yt_expect_map(sizes, b->e)) return -1;
  for (size_t i = 0; i < yt_len(sizes); i++) {
    int r = es_find_rank(c, yt_key(sizes, i));
    if (r < 0) return yt_errf(yt_key_node(sizes, i), b->e, "cascade %s has no rank '%s'", c->file, yt_key(sizes, i));
    if (c->ranks[r].parent >= 0)
      return yt_errf(yt_key_node(sizes, i), b->e, "%s is a part of the cascade's split of %s: size it under tiling:",
                     c->ranks[r].name, c->ranks[c->ranks[r].parent].name);
    int64_t s = 0;
    char what[64];
    snprintf(what, sizeof what, "size of rank %s", c->ranks[r].name);
    if (eval_size(b, yt_at(sizes, i), what, &s)) return -1;
    c->ranks[r].size = s;     /* visible to later expressions */
    if (es_binding_set(&bind, c->ranks[r].name, s, b->e)) return -1;
  }
  /* Every rank the cascade does not split needs a size here: tiling and the
  ** footprints divide by them, and es_bind can derive only split parts. */
  for (int r = 0; r < c->nranks; r++)
    if (c->ranks[r].parent < 0 && c->ranks[r].size <= 0)
      return yt_errf(sizes, b->e, "no size for rank %s of %s (every rank the cascade does not split needs one)",
                     c->ranks[r].name, c->file);
  int64_t batch = 1;
  if ((v = yt_find(n, "batch")) && eval_size(b, v, "batch size", &batch)) return -1;
  if (add_part(b, n, "batch", -1, batch) < 0) return -1;
  fitvar fv = { -1, -1, 0, NULL };
  if (bind_tiling(b, yt_find(n, "tiling"), &bind, &fv)) return -1;
  if (es_bind(c, &bind, b->e)) return -1;
  if (default_parts(b, n)) return -1;
  /* parts made before es_bind saw sizes of 0 for untiled ranks: refresh */
  for (int p = 1; p < ph->nparts; p++)
    if (ph->part[p].size == 0 && p != fv.part) ph->part[p].size = c->ranks[ph->part[p].rank].size;
  int shared[SC_MAX_LOOPS], ns;
  if (part_list(b, yt_find(n, "loops"), shared, &ns, SC_MAX_LOOPS - 1, 0, NEST_LIMIT)) return -1;
  ph->nshared = ns;
  memcpy(ph->shared, shared, sizeof(int) * (size_t)ns);
  const yt_node *ens;
  if (yt_get(n, "einsums", &ens, b->e) || bind_einsums(b, ens, yt_find(n, "spatial"), yt_find(n, "loops"))) return -1;
  if (bind_storage(b, yt_find(n, "storage"))) return -1;
  if (bind_pipeline(b, yt_find(n, "pipeline"))) return -1;
  int first_keep[SC_MAX_TENSORS];
  for (int t = 0; t < c->ntensors; t++) first_keep[t] = ph->st[t].keep_at;
  /* fit: the largest divisor of the quotient whose tiles fit */
  if (fv.part >= 0) {
    int64_t q = fv.quotient;
    int nd = 0, chosen = 0;
    int64_t *d = divisors_desc(q, &nd);
    if (!d) return at_errf(b->e, "out of memory");
    for (int i = 0; i < nd && !chosen; i++) {
      ph->part[fv.part].size = d[i];
      ph->part[fv.rest].size = q / d[i];
      if (settle_keep(ph, b->a, first_keep) <= b->a->buffer.bytes) chosen = 1;
    }
    free(d);
    if (!chosen) {
      ph->part[fv.part].size = 1;
      ph->part[fv.rest].size = q;
      char fb[48];
      int64_t fp = settle_keep(ph, b->a, first_keep);
      return yt_errf(fv.at, b->e, "tile larger than the buffer: even %s = 1 needs %s bytes; %s has %lld",
                     ph->part[fv.part].name, fp_text(fp, fb, sizeof fb), b->a->name, (long long)b->a->buffer.bytes);
    }
  }
  ph->buffer_bytes = settle_keep(ph, b->a, first_keep);
  if (ph->buffer_bytes > b->a->buffer.bytes) {
    char fb[48];
    return yt_errf(n, b->e, "tile larger than the buffer: phase %s's resident tiles need %s bytes, %s has %lld",
                   ph->name, fp_text(ph->buffer_bytes, fb, sizeof fb), b->a->name, (long long)b->a->buffer.bytes);
  }
  return 0;
}

/* Appends " NAME=SIZE" to the tiling summary unless NAME is there already
** (an earlier phase tiled it); a summary that would not fit ends in "...". */
static void tiling_add(char *t, size_t cap, const char *name, int64_t size) {
  char item[64];
  int k = snprintf(item, sizeof item, "%s=", name);
  size_t n = strlen(t);
  for (const char *q = t; (q = strstr(q, item)); q++)
    if (q == t || q[-1] == ' ') return;
  if (n >= 3 && !strcmp(t + n - 3, "...")) return;
  snprintf(item + k, sizeof item - (size_t)k, "%lld", (long long)size);
  if (n + (n > 0) + strlen(item) + 4 < cap) snprintf(t + n, cap - n, "%s%s", n ? " " : "", item);
  else snprintf(t + n, cap - n, "%s...", n ? " " : "");
}

int map_bind(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, at_err *e) {
  memset(s, 0, sizeof *s);
  s->arch = a;
  bctx b = { m, a, w, seq, NULL, NULL, e };
  if (m->config && fc_lookup(m->config, m->platform, w->name, seq, &b.cfg, e)) return -1;
  for (int i = 0; i < m->nphases; i++) {
    if (bind_phase(&b, &m->phase[i], &s->phase[i])) return -1;
    s->nphases = i + 1;
    const sc_phase *ph = &s->phase[i];
    for (int p = 1; p < ph->nparts; p++) {
      const sc_part *pt = &ph->part[p];
      if (pt->rank >= 0 && ph->c->ranks[pt->rank].outer < 0 && pt->size != ph->c->ranks[pt->rank].size)
        tiling_add(s->tiling, sizeof s->tiling, pt->name, pt->size);
    }
  }
  return 0;
}
