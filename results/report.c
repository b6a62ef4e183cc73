/*
** report.c: figures from the store.  Each figure is a builder (an SQL query
** and some arithmetic: speedups, normalised energy, the Pareto front) that
** fills panels of tables; the same tables become the TSV files gnuplot
** reads and the HTML tables under each image, so what is drawn and what is
** shown cannot differ.  gnuplot runs as a child process in the output
** directory, one run per figure and format.
*/
/* realpath() is XSI, beyond the project-wide _POSIX_C_SOURCE. */
#define _XOPEN_SOURCE 700
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"
#include "store_int.h"

#define MAX_PANELS 8            /* more would not be readable in one image */
#define MAX_SERIES 12
#define MAX_COLS 16
#define HTML_ROWS 1000          /* longer tables are cut in index.html (not in data/) */

/* snprintf for paths and messages: -1 when the result did not fit. */
static int pathf(char *b, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int pathf(char *b, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(b, n, fmt, ap);
  va_end(ap);
  return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* ---- tables ----------------------------------------------------------- */

typedef struct table {
  int ncols;
  char *cols[MAX_COLS];
  int nrows, cap;
  char **cell;                  /* nrows x ncols; NULL = missing ("?" in TSV) */
  int *block;                   /* per row; a change starts a gnuplot data block */
} table;

typedef struct panel {
  char title[160];
  table t;                      /* drawn, and shown in index.html */
  table aux;                    /* drawn only (the Pareto front); may be empty */
  int nseries;
  char *series[MAX_SERIES];     /* titles, in data order */
  int lt[MAX_SERIES];           /* gnuplot linetype of each: a design keeps
                                   its colour in every figure */
} panel;

typedef struct fig fig;
struct fig {
  const char *name;             /* file stem */
  const char *title;
  const char *script;           /* in results/plots/ */
  const char *ylab;
  const char *about;            /* what it shows, for index.html */
  int (*build)(fig *f, rs_store *s, const char *engine, at_err *e);
  int npanels;
  panel panels[MAX_PANELS];
  char note[400];               /* under the figure: why empty, what was cut (HTML,
                                   our own text), or why gnuplot failed (plain) */
  char extra[2048];             /* data-dependent gnuplot commands */
  int status;                   /* 0 drawn, 1 no data, -1 gnuplot failed */
};

static void table_cols(table *t, const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  for (const char *c = first; c && t->ncols < MAX_COLS; c = va_arg(ap, const char *))
    t->cols[t->ncols++] = strdup(c);
  va_end(ap);
}

static int table_row(table *t, int block) {
  if (t->nrows == t->cap) {
    int cap = t->cap ? 2 * t->cap : 32;
    char **c = realloc(t->cell, sizeof *c * (size_t)cap * (size_t)t->ncols);
    int *b = realloc(t->block, sizeof *b * (size_t)cap);
    if (c) t->cell = c;
    if (b) t->block = b;
    if (!c || !b) return -1;
    t->cap = cap;
  }
  for (int j = 0; j < t->ncols; j++) t->cell[(size_t)t->nrows * (size_t)t->ncols + (size_t)j] = NULL;
  t->block[t->nrows] = block;
  return t->nrows++;
}

static void cellf(table *t, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cellf(table *t, int col, const char *fmt, ...) {
  char b[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  char **c = &t->cell[(size_t)(t->nrows - 1) * (size_t)t->ncols + (size_t)col];
  free(*c);
  *c = strdup(b);
}

static void cellnum(table *t, int col, double v) {
  if (isfinite(v)) cellf(t, col, "%.6g", v);
}

static void table_free(table *t) {
  for (size_t i = 0; i < (size_t)t->nrows * (size_t)t->ncols; i++) free(t->cell[i]);
  for (int j = 0; j < t->ncols; j++) free(t->cols[j]);
  free(t->cell);
  free(t->block);
  memset(t, 0, sizeof *t);
}

static panel *panel_add(fig *f, const char *title) {
  if (f->npanels == MAX_PANELS) return NULL;
  panel *p = &f->panels[f->npanels++];
  memset(p, 0, sizeof *p);
  snprintf(p->title, sizeof p->title, "%s", title);
  return p;
}

static void series_add(panel *p, const char *title, int lt) {
  if (p->nseries == MAX_SERIES) return;
  p->lt[p->nseries] = lt;
  p->series[p->nseries++] = strdup(title);
}

/* A panel per model (title), or NULL with the figure's note saying the
** rest are not drawn. */
static panel *model_panel(fig *f, const char *model) {
  panel *p = panel_add(f, model);
  if (!p) snprintf(f->note, sizeof f->note, "Only the first %d models are drawn.", MAX_PANELS);
  return p;
}

static int design_lt(const char *name);

/* A design's column of a panel's table, and its series (its own colour). */
static void design_col(panel *p, const char *design) {
  p->t.cols[p->t.ncols++] = strdup(design);
  series_add(p, design, design_lt(design));
}

static void extraf(fig *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void extraf(fig *f, const char *fmt, ...) {
  size_t n = strlen(f->extra);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->extra + n, sizeof f->extra - n, fmt, ap);
  va_end(ap);
}

static void fig_free(fig *f) {
  for (int i = 0; i < f->npanels; i++) {
    table_free(&f->panels[i].t);
    table_free(&f->panels[i].aux);
    for (int k = 0; k < f->panels[i].nseries; k++) free(f->panels[i].series[k]);
  }
  f->npanels = 0;
}

/* ---- names in a stable, paper-like order ------------------------------ */

typedef struct names { int n, cap; char **v; } names;

static const char *const design_order[] = { "unfused", "flat", "cascade", "arch", "fusemax", NULL };
static const char *const model_order[] = { "BERT", "TrXL", "T5", "XLM", NULL };

static int rank_of(const char *const *order, const char *s) {
  for (int i = 0; order[i]; i++) if (!strcmp(order[i], s)) return i;
  return INT_MAX;
}

/* A design's gnuplot linetype, the same in every figure: the shipped
** designs in paper order, any other by its name. */
static int design_lt(const char *name) {
  int r = rank_of(design_order, name);
  if (r != INT_MAX) return r + 1;
  unsigned h = 0;
  for (const char *c = name; *c; c++) h = h * 31 + (unsigned char)*c;
  return 6 + (int)(h % 3);
}

static int names_add(names *l, const char *s) {
  for (int i = 0; i < l->n; i++) if (!strcmp(l->v[i], s)) return i;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    char **v = realloc(l->v, sizeof *v * (size_t)cap);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n] = strdup(s);
  return l->n++;
}

static const char *const *sort_order;
static int cmp_ordered(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = rank_of(sort_order, x), ry = rank_of(sort_order, y);
  return rx != ry ? (rx < ry ? -1 : 1) : strcmp(x, y);
}
static void names_sort(names *l, const char *const *order) {
  sort_order = order;
  if (l->n > 1) qsort(l->v, (size_t)l->n, sizeof *l->v, cmp_ordered);
}
static int names_find(const names *l, const char *s) {
  for (int i = 0; i < l->n; i++) if (!strcmp(l->v[i], s)) return i;
  return -1;
}
static void names_free(names *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static void seq_label(int64_t v, char *b, size_t n) {
  if (v >= (1 << 20) && v % (1 << 20) == 0) snprintf(b, n, "%lldM", (long long)(v >> 20));
  else if (v >= 1024 && v % 1024 == 0) snprintf(b, n, "%lldK", (long long)(v >> 10));
  else snprintf(b, n, "%lld", (long long)v);
}

static void bytes_label(int64_t v, char *b, size_t n) {
  if (v >= (1 << 30) && v % (1 << 30) == 0) snprintf(b, n, "%lld GiB", (long long)(v >> 30));
  else if (v >= (1 << 20) && v % (1 << 20) == 0) snprintf(b, n, "%lld MiB", (long long)(v >> 20));
  else if (v >= 1024 && v % 1024 == 0) snprintf(b, n, "%lld KiB", (long long)(v >> 10));
  else snprintf(b, n, "%lld B", (long long)v);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* ---- the default-configuration points (the paper's study) ------------- */

/* A point evaluated on its design's own architecture (no overrides); the
** latest one when a configuration was stored more than once (its input
** files changed between runs). */
typedef struct dpoint {
  int design, model;            /* into the names lists */
  int64_t seq;
  double util_2d, util_1d, latency_s, energy_pj;
  double energy_by[SIM_C_COUNT];
  bool has_energy;
} dpoint;

typedef struct dset {
  names designs, models;
  int nseqs;
  int64_t *seqs;                /* sorted */
  int n;
  dpoint *p;
} dset;

static void dset_free(dset *d) {
  names_free(&d->designs);
  names_free(&d->models);
  free(d->seqs);
  free(d->p);
  memset(d, 0, sizeof *d);
}

static const dpoint *dfind(const dset *d, int design, int model, int64_t seq) {
  for (int i = 0; i < d->n; i++)
    if (d->p[i].design == design && d->p[i].model == model && d->p[i].seq == seq) return &d->p[i];
  return NULL;
}

static int load_defaults(rs_store *s, const char *engine, dset *d, at_err *e) {
  sqlite3 *db = rs_store_db(s);
  sqlite3_stmt *st = NULL, *en = NULL;
  memset(d, 0, sizeof *d);
  /* SQLite takes the bare columns from the row holding max(point_id). */
  const char *q =
    "SELECT design, model, seq_len, max(point_id), util_2d, util_1d, latency_s, energy_pj "
    "FROM points WHERE engine = ?1 AND status = 'ok' AND ov_rows_2d IS NULL AND "
    "ov_cols_2d IS NULL AND ov_width_1d IS NULL AND ov_buffer_bytes IS NULL AND "
    "ov_bandwidth_bps IS NULL GROUP BY design, model, seq_len";
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "SELECT component, energy_pj FROM point_energy WHERE point_id = ?1",
                         -1, &en, NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return rs_store_sqlerr(s, e, NULL);
  }
  sqlite3_bind_text(st, 1, engine, -1, SQLITE_STATIC);
  int cap = 0, rc;
  names dn = { 0 }, mn = { 0 };
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (d->n == cap) {
      cap = cap ? 2 * cap : 64;
      dpoint *p = realloc(d->p, sizeof *p * (size_t)cap);
      if (!p) { rc = SQLITE_NOMEM; break; }
      d->p = p;
    }
    dpoint *p = &d->p[d->n++];
    memset(p, 0, sizeof *p);
    p->design = names_add(&dn, (const char *)sqlite3_column_text(st, 0));
    p->model = names_add(&mn, (const char *)sqlite3_column_text(st, 1));
    p->seq = sqlite3_column_int64(st, 2);
    p->util_2d = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
    p->util_1d = sqlite3_column_type(st, 5) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 5);
    p->latency_s = sqlite3_column_type(st, 6) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 6);
    p->energy_pj = sqlite3_column_type(st, 7) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 7);
    sqlite3_reset(en);
    sqlite3_bind_int64(en, 1, sqlite3_column_int64(st, 3));
    while (sqlite3_step(en) == SQLITE_ROW) {
      const char *c = (const char *)sqlite3_column_text(en, 0);
      for (int k = 0; k < SIM_C_COUNT; k++)
        if (c && !strcmp(c, sim_component_name[k])) {
          p->energy_by[k] = sqlite3_column_double(en, 1);
          p->has_energy = true;
        }
    }
  }
  sqlite3_finalize(st);
  sqlite3_finalize(en);
  if (rc != SQLITE_DONE) {
    names_free(&dn);
    names_free(&mn);
    dset_free(d);
    return rc == SQLITE_NOMEM ? at_errf(e, "out of memory") : rs_store_sqlerr(s, e, NULL);
  }
  /* Re-index designs and models in the paper's order. */
  d->designs = dn;
  d->models = mn;
  char **od = malloc(sizeof *od * (size_t)(dn.n + 1)), **om = malloc(sizeof *om * (size_t)(mn.n + 1));
  d->seqs = malloc(sizeof *d->seqs * (size_t)(d->n + 1));
  if (!od || !om || !d->seqs) { free(od); free(om); dset_free(d); return at_errf(e, "out of memory"); }
  if (dn.n) memcpy(od, dn.v, sizeof *od * (size_t)dn.n);
  if (mn.n) memcpy(om, mn.v, sizeof *om * (size_t)mn.n);
  names_sort(&d->designs, design_order);
  names_sort(&d->models, model_order);
  for (int i = 0; i < d->n; i++) {
    d->p[i].design = names_find(&d->designs, od[d->p[i].design]);
    d->p[i].model = names_find(&d->models, om[d->p[i].model]);
    d->seqs[i] = d->p[i].seq;
  }
  free(od);
  free(om);
  qsort(d->seqs, (size_t)d->n, sizeof *d->seqs, cmp_i64);
  for (int i = 0; i < d->n; i++)
    if (d->nseqs == 0 || d->seqs[d->nseqs - 1] != d->seqs[i]) d->seqs[d->nseqs++] = d->seqs[i];
  return 0;
}

static void seq_xtics(fig *f, const dset *d) {
  extraf(f, "set xtics (");
  for (int i = 0; i < d->nseqs; i++) {
    char b[32];
    seq_label(d->seqs[i], b, sizeof b);
    extraf(f, "%s\"%s\" %lld", i ? ", " : "", b, (long long)d->seqs[i]);
  }
  extraf(f, ")\nset xrange [%g:%g]\n", (double)d->seqs[0] / 1.5,
         (double)d->seqs[d->nseqs - 1] * 1.5);
}

static const char hint_paper[] = "run the paper's study first: "
  "<code>attnsim sweep experiments/fusemax-paper.yaml</code>";

/* util-2d and util-1d. */
static int build_util(fig *f, rs_store *s, const char *engine, at_err *e) {
  dset d;
  if (load_defaults(s, engine, &d, e)) return -1;
  bool two = !strcmp(f->name, "util-2d");
  for (int m = 0; m < d.models.n; m++) {
    panel *p = model_panel(f, d.models.v[m]);
    if (!p) break;
    table_cols(&p->t, "seq_len", NULL);
    for (int k = 0; k < d.designs.n && k < MAX_SERIES && k + 1 < MAX_COLS; k++) {
      design_col(p, d.designs.v[k]);
    }
    for (int i = 0; i < d.nseqs; i++) {
      if (table_row(&p->t, 0) < 0) { dset_free(&d); return at_errf(e, "out of memory"); }
      cellf(&p->t, 0, "%lld", (long long)d.seqs[i]);
      for (int k = 0; k < p->nseries; k++) {
        const dpoint *x = dfind(&d, k, m, d.seqs[i]);
        if (x) cellnum(&p->t, k + 1, two ? x->util_2d : x->util_1d);
      }
    }
  }
  if (f->npanels) seq_xtics(f, &d);
  else snprintf(f->note, sizeof f->note, "No points on the designs' own architectures: %s.", hint_paper);
  dset_free(&d);
  return 0;
}

static int build_speedup(fig *f, rs_store *s, const char *engine, at_err *e) {
  dset d;
  if (load_defaults(s, engine, &d, e)) return -1;
  int flat = names_find(&d.designs, "flat");
  if (flat < 0 || d.designs.n < 2) {
    snprintf(f->note, sizeof f->note, "Needs points of the flat design and at least one other "
             "on their own architectures: %s.", hint_paper);
    dset_free(&d);
    return 0;
  }
  for (int m = 0; m < d.models.n; m++) {
    panel *p = model_panel(f, d.models.v[m]);
    if (!p) break;
    int col_of[MAX_SERIES];
    table_cols(&p->t, "seq", NULL);
    for (int k = 0; k < d.designs.n && p->nseries < MAX_SERIES && p->t.ncols < MAX_COLS; k++) {
      if (k == flat) continue;
      col_of[p->nseries] = k;
      design_col(p, d.designs.v[k]);
    }
    for (int i = 0; i < d.nseqs; i++) {
      char b[32];
      if (table_row(&p->t, 0) < 0) { dset_free(&d); return at_errf(e, "out of memory"); }
      seq_label(d.seqs[i], b, sizeof b);
      cellf(&p->t, 0, "%s", b);
      const dpoint *ref = dfind(&d, flat, m, d.seqs[i]);
      for (int k = 0; k < p->nseries; k++) {
        const dpoint *x = dfind(&d, col_of[k], m, d.seqs[i]);
        if (ref && x && x->latency_s > 0) cellnum(&p->t, k + 1, ref->latency_s / x->latency_s);
      }
    }
  }
  dset_free(&d);
  return 0;
}

/* ---- the LLM study (experiments/llm.yaml) ----------------------------- */

/* A point of an LLM workload (any model but the paper's four) on its
** design's own architecture; the latest of each (design, model, length). */
typedef struct lpoint {
  int design, model;            /* into the names lists */
  int64_t seq;                  /* tokens: the context */
  double util_2d, latency_s;    /* fraction; seconds */
  double work;                  /* 2D array busy PE-cycles: util_2d x rows x cols x cycles */
  double traffic;               /* DRAM bytes */
  double peak, bw;              /* 2D PE-cycles per second at full use; DRAM bytes per second */
  char bound[16];
} lpoint;

typedef struct lset {
  names designs, models;
  int n;
  lpoint *p;
} lset;

static void lset_free(lset *d) {
  names_free(&d->designs);
  names_free(&d->models);
  free(d->p);
  memset(d, 0, sizeof *d);
}

static int load_llm(rs_store *s, const char *engine, lset *d, at_err *e) {
  sqlite3 *db = rs_store_db(s);
  sqlite3_stmt *st = NULL;
  memset(d, 0, sizeof *d);
  const char *q =
    "SELECT design, model, seq_len, max(point_id), util_2d, latency_s, cycles, traffic_bytes, arch_rows_2d, "
    "arch_cols_2d, arch_clock_hz, arch_bandwidth_bps, bound FROM points WHERE engine = ?1 AND status = 'ok' AND "
    "ov_rows_2d IS NULL AND ov_cols_2d IS NULL AND ov_width_1d IS NULL AND ov_buffer_bytes IS NULL AND "
    "ov_bandwidth_bps IS NULL AND model NOT IN ('BERT', 'TrXL', 'T5', 'XLM') "
    "GROUP BY design, model, seq_len ORDER BY model, design, seq_len";
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) return rs_store_sqlerr(s, e, NULL);
  sqlite3_bind_text(st, 1, engine, -1, SQLITE_STATIC);
  int cap = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (d->n == cap) {
      cap = cap ? 2 * cap : 64;
      lpoint *p = realloc(d->p, sizeof *p * (size_t)cap);
      if (!p) { rc = SQLITE_NOMEM; break; }
      d->p = p;
    }
    lpoint *p = &d->p[d->n++];
    memset(p, 0, sizeof *p);
    p->design = names_add(&d->designs, (const char *)sqlite3_column_text(st, 0));
    p->model = names_add(&d->models, (const char *)sqlite3_column_text(st, 1));
    p->seq = sqlite3_column_int64(st, 2);
    p->util_2d = sqlite3_column_double(st, 4);
    p->latency_s = sqlite3_column_double(st, 5);
    double pes = sqlite3_column_double(st, 8) * sqlite3_column_double(st, 9);
    p->work = p->util_2d * pes * sqlite3_column_double(st, 6);
    p->traffic = sqlite3_column_double(st, 7);
    p->peak = pes * sqlite3_column_double(st, 10);
    p->bw = sqlite3_column_double(st, 11);
    snprintf(p->bound, sizeof p->bound, "%s", sqlite3_column_text(st, 12) ? (const char *)sqlite3_column_text(st, 12) : "");
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    lset_free(d);
    return rc == SQLITE_NOMEM ? at_errf(e, "out of memory") : rs_store_sqlerr(s, e, NULL);
  }
  return 0;
}

static const char hint_llm[] = "No points of an LLM workload on the designs' own architectures: run "
  "<code>attnsim sweep experiments/llm.yaml</code>.";

/* llm-util and llm-latency: against the context length, one panel per
** model, one line per design that has points on it. */
static int build_llm_curve(fig *f, rs_store *s, const char *engine, at_err *e) {
  lset d;
  if (load_llm(s, engine, &d, e)) return -1;
  bool util = !strcmp(f->name, "llm-util");
  for (int m = 0; m < d.models.n; m++) {
    panel *p = model_panel(f, d.models.v[m]);
    if (!p) break;
    table_cols(&p->t, "seq_len", NULL);
    int col_of[MAX_SERIES];
    for (int k = 0; k < d.designs.n && p->nseries < MAX_SERIES && p->t.ncols < MAX_COLS; k++) {
      bool has = false;
      for (int i = 0; i < d.n && !has; i++) has = d.p[i].model == m && d.p[i].design == k;
      if (!has) continue;
      col_of[p->nseries] = k;
      /* a panel's lines differ by colour (then dashes, llm.gp): its designs
      ** are settings of a few mappings, which design_lt would colour alike */
      p->t.cols[p->t.ncols++] = strdup(d.designs.v[k]);
      series_add(p, d.designs.v[k], 1 + p->nseries);
    }
    int64_t last = -1;
    for (int i = 0; i < d.n; i++) {   /* ordered by model, design, length: collect this model's lengths */
      if (d.p[i].model != m) continue;
      int64_t next = INT64_MAX;
      for (int j = 0; j < d.n; j++)
        if (d.p[j].model == m && d.p[j].seq > last && d.p[j].seq < next) next = d.p[j].seq;
      if (next == INT64_MAX) break;
      last = next;
      if (table_row(&p->t, 0) < 0) { lset_free(&d); return at_errf(e, "out of memory"); }
      cellf(&p->t, 0, "%lld", (long long)next);
      for (int k = 0; k < p->nseries; k++)
        for (int j = 0; j < d.n; j++)
          if (d.p[j].model == m && d.p[j].design == col_of[k] && d.p[j].seq == next)
            cellnum(&p->t, k + 1, util ? d.p[j].util_2d : d.p[j].latency_s);
    }
  }
  if (f->npanels) extraf(f, util ? "set yrange [0:1.05]\n" : "set logscale y\n");
  else snprintf(f->note, sizeof f->note, "%s", hint_llm);
  lset_free(&d);
  return 0;
}

/* llm-roofline: one panel, a data block per model; the roofs are the
** first point's architecture (the note says if the points' differ). */
static int build_llm_roofline(fig *f, rs_store *s, const char *engine, at_err *e) {
  lset d;
  if (load_llm(s, engine, &d, e)) return -1;
  if (d.n == 0) {
    snprintf(f->note, sizeof f->note, "%s", hint_llm);
    lset_free(&d);
    return 0;
  }
  panel *p = panel_add(f, "roofline");
  table_cols(&p->t, "intensity", "attained", "design", "seq_len", "bound", "ceiling", NULL);
  bool same = true;
  for (int m = 0; m < d.models.n && p->nseries < MAX_SERIES; m++) {
    series_add(p, d.models.v[m], 1 + m % 8);
    for (int i = 0; i < d.n; i++) {
      const lpoint *x = &d.p[i];
      if (x->model != m || !(x->traffic > 0) || !(x->latency_s > 0)) continue;
      same = same && x->peak == d.p[0].peak && x->bw == d.p[0].bw;
      if (table_row(&p->t, p->nseries - 1) < 0) { lset_free(&d); return at_errf(e, "out of memory"); }
      double oi = x->work / x->traffic;
      cellnum(&p->t, 0, oi);
      cellnum(&p->t, 1, x->work / x->latency_s);
      cellf(&p->t, 2, "%s", d.designs.v[x->design]);
      cellf(&p->t, 3, "%lld", (long long)x->seq);
      cellf(&p->t, 4, "%s", x->bound);
      cellnum(&p->t, 5, fmin(x->peak, x->bw * oi));   /* the roof above the point */
    }
  }
  extraf(f, "peak = %.17g\nbw = %.17g\n", d.p[0].peak, d.p[0].bw);
  if (!same)
    snprintf(f->note, sizeof f->note, "The points' architectures differ; the roofs drawn are the first's "
             "(each row's ceiling column is its own).");
  lset_free(&d);
  return 0;
}

/* engines: the cycle engine's latency over the analytical engine's, per
** design, model and length (drawn only when the database holds both).  A
** panel holds only the designs, and the lengths, with a ratio for its
** model: a study of many designs (experiments/llm.yaml: each model has its
** own) otherwise filled the series with other models' designs, every cell
** `?`, and gnuplot refused the empty panel ("x range is invalid"). */
static double engines_ratio(const dset *a, const dset *c, int k, int m, int am, int64_t seq) {
  const dpoint *x = dfind(c, k, m, seq);
  int ad = names_find(&a->designs, c->designs.v[k]);
  const dpoint *y = ad < 0 ? NULL : dfind(a, ad, am, seq);
  return x && y && y->latency_s > 0 ? x->latency_s / y->latency_s : NAN;
}

static int build_engines(fig *f, rs_store *s, const char *engine, at_err *e) {
  (void)engine;
  dset a, c;
  if (load_defaults(s, "analytical", &a, e)) return -1;
  if (load_defaults(s, "cycle", &c, e)) { dset_free(&a); return -1; }
  int cut = 0;
  for (int m = 0; m < c.models.n; m++) {
    int am = names_find(&a.models, c.models.v[m]);
    if (am < 0) continue;
    int col_of[MAX_SERIES], n = 0;
    for (int k = 0; k < c.designs.n; k++) {
      bool any = false;
      for (int i = 0; i < c.nseqs && !any; i++) any = !isnan(engines_ratio(&a, &c, k, m, am, c.seqs[i]));
      if (!any) continue;
      if (n < MAX_SERIES && n < MAX_COLS - 1) col_of[n++] = k;
      else cut++;
    }
    if (!n) continue;
    panel *p = model_panel(f, c.models.v[m]);
    if (!p) break;
    table_cols(&p->t, "seq", NULL);
    for (int k = 0; k < n; k++) design_col(p, c.designs.v[col_of[k]]);
    for (int i = 0; i < c.nseqs; i++) {
      double r[MAX_SERIES];
      bool any = false;
      for (int k = 0; k < n; k++) any |= !isnan(r[k] = engines_ratio(&a, &c, col_of[k], m, am, c.seqs[i]));
      if (!any) continue;
      char b[32];
      if (table_row(&p->t, 0) < 0) { dset_free(&a); dset_free(&c); return at_errf(e, "out of memory"); }
      seq_label(c.seqs[i], b, sizeof b);
      cellf(&p->t, 0, "%s", b);
      for (int k = 0; k < n; k++)
        if (!isnan(r[k])) cellnum(&p->t, k + 1, r[k]);
    }
  }
  if (cut && f->npanels)
    snprintf(f->note, sizeof f->note, "%d more (model, design) series are not drawn (at most %d a panel).", cut,
             MAX_SERIES);
  if (!f->npanels) snprintf(f->note, sizeof f->note, "No point evaluated by both engines.");
  dset_free(&a);
  dset_free(&c);
  return 0;
}

static int build_energy(fig *f, rs_store *s, const char *engine, at_err *e) {
  dset d;
  if (load_defaults(s, engine, &d, e)) return -1;
  int flat = names_find(&d.designs, "flat"), nd = d.designs.n, unref = 0;
  for (int m = 0; m < d.models.n; m++) {
    panel *p = model_panel(f, d.models.v[m]);
    if (!p) break;
    table_cols(&p->t, "x", "seq", "design", NULL);
    for (int k = 0; k < SIM_C_COUNT; k++) {
      p->t.cols[p->t.ncols++] = strdup(sim_component_name[k]);
      series_add(p, sim_component_name[k], k + 1);
    }
    table_cols(&p->t, "total", "energy_pj", NULL);
    for (int g = 0; g < d.nseqs; g++) {
      const dpoint *ref = flat >= 0 ? dfind(&d, flat, m, d.seqs[g]) : NULL;
      double norm = ref && ref->energy_pj > 0 ? ref->energy_pj : 0;
      if (!norm) {
        for (int k = 0; k < nd; k++) {
          const dpoint *x = dfind(&d, k, m, d.seqs[g]);
          if (x && x->energy_pj > norm) norm = x->energy_pj;
        }
        if (norm > 0) unref = 1;
      }
      for (int k = 0; k < nd; k++) {
        char b[32];
        if (table_row(&p->t, 0) < 0) { dset_free(&d); return at_errf(e, "out of memory"); }
        seq_label(d.seqs[g], b, sizeof b);
        cellf(&p->t, 0, "%d", g * (nd + 1) + k + 1);
        cellf(&p->t, 1, "%s", b);
        cellf(&p->t, 2, "%s", d.designs.v[k]);
        const dpoint *x = dfind(&d, k, m, d.seqs[g]);
        if (!x || !x->has_energy || !(norm > 0)) continue;
        for (int c = 0; c < SIM_C_COUNT; c++) cellnum(&p->t, 3 + c, x->energy_by[c] / norm);
        cellnum(&p->t, 3 + SIM_C_COUNT, x->energy_pj / norm);
        cellnum(&p->t, 4 + SIM_C_COUNT, x->energy_pj);
      }
    }
  }
  if (f->npanels) {
    extraf(f, "set xrange [0.3:%g]\nset x2tics (", (double)(d.nseqs * (nd + 1)) - 0.3);
    for (int g = 0; g < d.nseqs; g++) {
      char b[32];
      seq_label(d.seqs[g], b, sizeof b);
      extraf(f, "%s\"%s\" %g", g ? ", " : "", b, g * (nd + 1) + (nd + 1) / 2.0);
    }
    extraf(f, ") scale 0\n");
    if (flat < 0) f->ylab = "energy / largest energy in its group";
    if (unref && flat >= 0)
      snprintf(f->note, sizeof f->note, "Groups without a FLAT point are normalised to their "
               "largest bar.");
  } else {
    snprintf(f->note, sizeof f->note, "No points on the designs' own architectures: %s.", hint_paper);
  }
  dset_free(&d);
  return 0;
}

/* ---- every point (architecture sweeps) -------------------------------- */

typedef struct apoint {
  char *design;
  char *model;
  int64_t seq;
  int64_t ov[4];                /* rows_2d, cols_2d, width_1d, buffer_bytes; 0 = own */
  double bw;                    /* 0 = own */
  double latency_s, area_um2, util_2d, util_1d;
  double energy_pJ;
  int64_t regs;                 /* register words per PE override; 0 = own */
  int panel, series;            /* scratch for the builders */
} apoint;

typedef struct aset { int n; apoint *p; } aset;

static void aset_free(aset *a) {
  for (int i = 0; i < a->n; i++) { free(a->p[i].design); free(a->p[i].model); }
  free(a->p);
  memset(a, 0, sizeof *a);
}

static int load_all(rs_store *s, const char *engine, const char *where, aset *a, at_err *e) {
  sqlite3 *db = rs_store_db(s);
  sqlite3_stmt *st;
  char q[1024];
  snprintf(q, sizeof q,
           "SELECT design, model, seq_len, max(point_id), ov_rows_2d, ov_cols_2d, ov_width_1d, "
           "ov_buffer_bytes, ov_bandwidth_bps, latency_s, area_um2, util_2d, util_1d, energy_pj, "
           "ov_regs_per_pe FROM points "
           "WHERE engine = ?1 AND status = 'ok' AND %s GROUP BY design, model, seq_len, "
           "ov_rows_2d, ov_cols_2d, ov_width_1d, ov_buffer_bytes, ov_bandwidth_bps, ov_regs_per_pe", where);
  memset(a, 0, sizeof *a);
  if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) return rs_store_sqlerr(s, e, NULL);
  sqlite3_bind_text(st, 1, engine, -1, SQLITE_STATIC);
  int cap = 0, rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (a->n == cap) {
      cap = cap ? 2 * cap : 256;
      apoint *p = realloc(a->p, sizeof *p * (size_t)cap);
      if (!p) { rc = SQLITE_NOMEM; break; }
      a->p = p;
    }
    apoint *p = &a->p[a->n++];
    memset(p, 0, sizeof *p);
    p->design = strdup((const char *)sqlite3_column_text(st, 0));
    p->model = strdup((const char *)sqlite3_column_text(st, 1));
    p->seq = sqlite3_column_int64(st, 2);
    for (int k = 0; k < 4; k++) p->ov[k] = sqlite3_column_int64(st, 4 + k);
    p->bw = sqlite3_column_double(st, 8);
    p->latency_s = sqlite3_column_double(st, 9);
    p->area_um2 = sqlite3_column_double(st, 10);
    p->util_2d = sqlite3_column_double(st, 11);
    p->util_1d = sqlite3_column_double(st, 12);
    p->energy_pJ = sqlite3_column_double(st, 13);
    p->regs = sqlite3_column_int64(st, 14);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    aset_free(a);
    return rc == SQLITE_NOMEM ? at_errf(e, "out of memory") : rs_store_sqlerr(s, e, NULL);
  }
  return 0;
}

/* The points `attnsim explore --db` stores: each design is its own mapping
** file, DB.mappings/explore-....yaml (cli/cmd_explore.c). */
#define EXPLORED "design GLOB '*.mappings/explore-*.yaml'"

static void ov_cells(table *t, int col, const apoint *p) {
  char b[32];
  for (int k = 0; k < 3; k++) {
    if (p->ov[k]) cellf(t, col + k, "%lld", (long long)p->ov[k]);
    else cellf(t, col + k, "own");
  }
  if (p->ov[3]) { bytes_label(p->ov[3], b, sizeof b); cellf(t, col + 3, "%s", b); }
  else cellf(t, col + 3, "own");
  if (p->bw > 0) cellf(t, col + 4, "%.4g GB/s", p->bw / 1e9);
  else cellf(t, col + 4, "own");
}

static int cmp_area(const void *a, const void *b) {
  const apoint *x = a, *y = b;
  if (x->area_um2 != y->area_um2) return x->area_um2 < y->area_um2 ? -1 : 1;
  return (x->latency_s > y->latency_s) - (x->latency_s < y->latency_s);
}

static int cmp_series_area(const void *a, const void *b) {
  const apoint *x = a, *y = b;
  if (x->series != y->series) return x->series - y->series;
  return cmp_area(a, b);
}

/* The latency-area front of a panel's n points into its aux table: by
** area, each point faster than every smaller one.  Leaves sel sorted by
** series, then area. */
static void area_front(panel *p, apoint *sel, int n) {
  qsort(sel, (size_t)n, sizeof *sel, cmp_area);
  double best = INFINITY;
  for (int i = 0; i < n; i++)
    if (sel[i].latency_s < best) {
      best = sel[i].latency_s;
      table_row(&p->aux, 0);
      cellnum(&p->aux, 0, sel[i].area_um2 / 1e6);
      cellnum(&p->aux, 1, sel[i].latency_s);
    }
  qsort(sel, (size_t)n, sizeof *sel, cmp_series_area);
}

/* The note under a figure of (model, length) panels: how many were cut,
** or, with none drawn, what to run (HTML). */
static void panels_note(fig *f, int skipped, const char *empty) {
  if (skipped) snprintf(f->note, sizeof f->note, "%d more (model, length) panels are not drawn.", skipped);
  if (!f->npanels) snprintf(f->note, sizeof f->note, "%s", empty);
}

static int build_pareto(fig *f, rs_store *s, const char *engine, at_err *e) {
  aset a;
  if (load_all(s, engine, "area_um2 > 0 AND latency_s > 0 AND NOT " EXPLORED, &a, e)) return -1;
  /* Panels: (model, seq_len) where some design has two or more areas. */
  names des = { 0 }, mods = { 0 };
  for (int i = 0; i < a.n; i++) { names_add(&des, a.p[i].design); names_add(&mods, a.p[i].model); }
  names_sort(&des, design_order);
  names_sort(&mods, model_order);
  int64_t *seqs = malloc(sizeof *seqs * (size_t)(a.n + 1));
  int ns = 0;
  for (int i = 0; seqs && i < a.n; i++) seqs[ns++] = a.p[i].seq;
  if (seqs) qsort(seqs, (size_t)ns, sizeof *seqs, cmp_i64);
  int drawn = 0, skipped = 0;
  for (int m = 0; seqs && m < mods.n; m++)
    for (int q = 0; q < ns; q++) {
      if (q > 0 && seqs[q] == seqs[q - 1]) continue;
      /* Does a design vary in area here? */
      bool varies = false;
      for (int i = 0; i < a.n && !varies; i++) {
        if (strcmp(a.p[i].model, mods.v[m]) || a.p[i].seq != seqs[q]) continue;
        for (int j = i + 1; j < a.n; j++)
          if (!strcmp(a.p[j].model, mods.v[m]) && a.p[j].seq == seqs[q] &&
              !strcmp(a.p[j].design, a.p[i].design) && a.p[j].area_um2 != a.p[i].area_um2) {
            varies = true;
            break;
          }
      }
      if (!varies) continue;
      char title[96], b[32];
      seq_label(seqs[q], b, sizeof b);
      snprintf(title, sizeof title, "%s, %s tokens", mods.v[m], b);
      panel *p = drawn < MAX_PANELS ? panel_add(f, title) : NULL;
      if (!p) { skipped++; continue; }
      drawn++;
      int pi = f->npanels - 1;
      table_cols(&p->t, "area_mm2", "latency_s", "design", "rows_2d", "cols_2d", "width_1d",
                 "buffer", "bandwidth", "pareto", NULL);
      table_cols(&p->aux, "area_mm2", "latency_s", NULL);
      for (int i = 0; i < a.n; i++) {
        a.p[i].panel = -1;
        if (strcmp(a.p[i].model, mods.v[m]) || a.p[i].seq != seqs[q]) continue;
        a.p[i].panel = pi;
        a.p[i].series = names_find(&des, a.p[i].design);
      }
      /* The front over the panel's points: by area, each point faster than
      ** every smaller one. */
      apoint *sel = malloc(sizeof *sel * (size_t)a.n);
      int n = 0;
      for (int i = 0; sel && i < a.n; i++) if (a.p[i].panel == pi) sel[n++] = a.p[i];
      if (!sel) break;
      area_front(p, sel, n);
      int block = -1;
      for (int i = 0; i < n; i++) {
        if (sel[i].series != block) {
          block = sel[i].series;
          series_add(p, sel[i].design, design_lt(sel[i].design));
        }
        if (p->nseries > MAX_SERIES || table_row(&p->t, p->nseries - 1) < 0) break;
        cellnum(&p->t, 0, sel[i].area_um2 / 1e6);
        cellnum(&p->t, 1, sel[i].latency_s);
        cellf(&p->t, 2, "%s", sel[i].design);
        ov_cells(&p->t, 3, &sel[i]);
        /* On the front: no point of the panel is as small and faster. */
        bool front = true;
        for (int j = 0; j < n && front; j++)
          if (sel[j].area_um2 <= sel[i].area_um2 && sel[j].latency_s < sel[i].latency_s) front = false;
        cellf(&p->t, 8, "%s", front ? "yes" : "");
      }
      free(sel);
    }
  panels_note(f, skipped, "No design was evaluated at more than one area for the same model and "
              "length: run <code>attnsim sweep experiments/pareto.yaml</code>.");
  free(seqs);
  names_free(&des);
  names_free(&mods);
  aset_free(&a);
  return 0;
}

/* explore's designs, one panel per (model, length): latency against area,
** the designs on the Pareto front of latency, energy and area as their own
** series, and the latency-area front as the line. */
static int build_explore(fig *f, rs_store *s, const char *engine, at_err *e) {
  aset a;
  if (load_all(s, engine, "area_um2 > 0 AND latency_s > 0 AND " EXPLORED, &a, e)) return -1;
  names pk = { 0 };
  for (int i = 0; i < a.n; i++) {
    char k[96], b[32];
    seq_label(a.p[i].seq, b, sizeof b);
    snprintf(k, sizeof k, "%s, %s tokens", a.p[i].model, b);
    a.p[i].panel = names_add(&pk, k);
  }
  int skipped = 0;
  apoint *sel = malloc(sizeof *sel * (size_t)(a.n + 1));
  extraf(f, "auxtitle = 'latency-area front'\n");
  for (int q = 0; sel && q < pk.n; q++) {
    panel *p = panel_add(f, pk.v[q]);
    if (!p) { skipped++; continue; }
    int n = 0;
    for (int i = 0; i < a.n; i++) if (a.p[i].panel == q) sel[n++] = a.p[i];
    /* series 0: on the three-way front (no other design at most as slow,
    ** as costly and as large, and better in one); series 1: the rest */
    for (int i = 0; i < n; i++) {
      sel[i].series = 0;
      for (int j = 0; j < n && !sel[i].series; j++) {
        const apoint *x = &sel[i], *y = &sel[j];
        int le = y->latency_s <= x->latency_s && y->energy_pJ <= x->energy_pJ && y->area_um2 <= x->area_um2;
        int lt = y->latency_s < x->latency_s || y->energy_pJ < x->energy_pJ || y->area_um2 < x->area_um2;
        if (le && lt) sel[i].series = 1;
      }
    }
    table_cols(&p->t, "area_mm2", "latency_s", "energy_pj", "rows_2d", "cols_2d", "width_1d", "buffer",
               "bandwidth", "regs_per_pe", "front", "design", NULL);
    table_cols(&p->aux, "area_mm2", "latency_s", NULL);
    area_front(p, sel, n);
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < n; i++)
        if (sel[i].series == k) {
          series_add(p, k ? "other designs" : "latency-energy-area front", k ? 8 : 1);
          break;
        }
    int block = -1, row = -1;
    for (int i = 0; i < n; i++) {
      if (sel[i].series != block) { block = sel[i].series; row++; }
      if (table_row(&p->t, row) < 0) break;
      cellnum(&p->t, 0, sel[i].area_um2 / 1e6);
      cellnum(&p->t, 1, sel[i].latency_s);
      cellnum(&p->t, 2, sel[i].energy_pJ);
      ov_cells(&p->t, 3, &sel[i]);
      if (sel[i].regs) cellf(&p->t, 8, "%lld", (long long)sel[i].regs);
      else cellf(&p->t, 8, "own");
      cellf(&p->t, 9, "%s", sel[i].series ? "" : "yes");
      cellf(&p->t, 10, "%s", sel[i].design);
    }
  }
  panels_note(f, skipped, "No architecture search in the database: run <code>attnsim explore ... "
              "--db FILE</code> (mappings/README.md, Architecture search).");
  free(sel);
  names_free(&pk);
  aset_free(&a);
  return 0;
}

/* Series of the array-size figure: the parameters other than the 2D shape. */
static void series_title(const apoint *p, char *b, size_t n) {
  char buf[32] = "own";
  if (p->ov[3]) bytes_label(p->ov[3], buf, sizeof buf);
  if (p->ov[2]) snprintf(b, n, "1D %lld, buffer %s", (long long)p->ov[2], buf);
  else snprintf(b, n, "1D own, buffer %s", buf);
  if (p->bw > 0) {
    size_t k = strlen(b);
    snprintf(b + k, n - k, ", %.4g GB/s", p->bw / 1e9);
  }
}

static int cmp_series_pes(const void *a, const void *b) {
  const apoint *x = a, *y = b;
  if (x->series != y->series) return x->series - y->series;
  int64_t px = x->ov[0] * x->ov[1], py = y->ov[0] * y->ov[1];
  if (px != py) return (px > py) - (px < py);
  return (x->ov[0] > y->ov[0]) - (x->ov[0] < y->ov[0]);
}

static int build_arrays(fig *f, rs_store *s, const char *engine, at_err *e) {
  aset a;
  if (load_all(s, engine, "ov_rows_2d IS NOT NULL AND ov_cols_2d IS NOT NULL AND latency_s > 0 AND NOT "
               EXPLORED, &a, e))
    return -1;
  names pk = { 0 };
  for (int i = 0; i < a.n; i++) {
    char k[512], b[32];
    seq_label(a.p[i].seq, b, sizeof b);
    snprintf(k, sizeof k, "%s, %s, %s tokens", a.p[i].design, a.p[i].model, b);
    a.p[i].panel = names_add(&pk, k);
  }
  int skipped = 0, cut = 0;
  for (int q = 0; q < pk.n; q++) {
    /* Series of this panel with two or more shapes. */
    names sk = { 0 };
    int count[64] = { 0 };
    for (int i = 0; i < a.n; i++) {
      if (a.p[i].panel != q) continue;
      char t[128];
      series_title(&a.p[i], t, sizeof t);
      int k = names_add(&sk, t);
      a.p[i].series = k;
      if (k >= 0 && k < 64) count[k]++;
    }
    int map[64], nser = 0;
    for (int k = 0; k < sk.n && k < 64; k++) map[k] = count[k] >= 2 && nser < MAX_SERIES ? nser++ : -1;
    for (int k = 0; k < sk.n && k < 64; k++) if (count[k] >= 2 && map[k] < 0) cut++;
    if (nser == 0) { names_free(&sk); continue; }
    panel *p = panel_add(f, pk.v[q]);
    if (!p) { skipped++; names_free(&sk); continue; }
    table_cols(&p->t, "pes_2d", "latency_s", "rows_2d", "cols_2d", "width_1d", "buffer",
               "bandwidth", "util_2d", "util_1d", NULL);
    apoint *sel = malloc(sizeof *sel * (size_t)a.n);
    int n = 0;
    for (int i = 0; sel && i < a.n; i++)
      if (a.p[i].panel == q && a.p[i].series < 64 && map[a.p[i].series] >= 0) {
        sel[n] = a.p[i];
        sel[n++].series = map[a.p[i].series];
      }
    for (int k = 0; k < sk.n && k < 64; k++) if (map[k] >= 0) series_add(p, sk.v[k], map[k] + 1);
    if (sel) qsort(sel, (size_t)n, sizeof *sel, cmp_series_pes);
    for (int i = 0; i < n; i++) {
      if (table_row(&p->t, sel[i].series) < 0) break;
      cellf(&p->t, 0, "%lld", (long long)(sel[i].ov[0] * sel[i].ov[1]));
      cellnum(&p->t, 1, sel[i].latency_s);
      ov_cells(&p->t, 2, &sel[i]);
      cellnum(&p->t, 7, sel[i].util_2d);
      cellnum(&p->t, 8, sel[i].util_1d);
    }
    /* Series order in the data follows map[], which follows first
    ** appearance; the titles above were added in the same order. */
    free(sel);
    names_free(&sk);
  }
  if (skipped || cut)
    snprintf(f->note, sizeof f->note, "Not drawn: %d panels and %d series beyond the limits "
             "of one figure (%d panels, %d series); their points are in the database.",
             skipped, cut, MAX_PANELS, MAX_SERIES);
  if (!f->npanels)
    snprintf(f->note, sizeof f->note, "No sweep over the 2D array's rows and columns: run "
             "<code>attnsim sweep experiments/array-sizes.yaml</code>.");
  names_free(&pk);
  aset_free(&a);
  return 0;
}

/* ---- files ------------------------------------------------------------ */

static int mkdir_p(const char *path, at_err *e) {
  char *p = strdup(path);
  if (!p) return at_errf(e, "out of memory");
  for (char *c = p + 1;; c++) {
    if (*c != '/' && *c) continue;
    char save = *c;
    *c = 0;
    struct stat sb;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      int err = errno;
      at_errf(e, "%s: cannot create directory: %s", p, strerror(err));
      free(p);
      return -1;
    }
    if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
      at_errf(e, "%s: not a directory", p);
      free(p);
      return -1;
    }
    *c = save;
    if (!save) break;
  }
  free(p);
  return 0;
}

static int write_tsv(const char *path, const table *t, at_err *e) {
  FILE *f = fopen(path, "w");
  if (!f) return at_errf(e, "%s: %s", path, strerror(errno));
  fputs("# ", f);
  for (int j = 0; j < t->ncols; j++) fprintf(f, "%s%s", j ? "\t" : "", t->cols[j]);
  fputc('\n', f);
  for (int i = 0; i < t->nrows; i++) {
    if (i > 0 && t->block[i] != t->block[i - 1]) fputs("\n\n", f);
    for (int j = 0; j < t->ncols; j++) {
      const char *c = t->cell[(size_t)i * (size_t)t->ncols + (size_t)j];
      fprintf(f, "%s%s", j ? "\t" : "", c ? c : "?");
    }
    fputc('\n', f);
  }
  if (fclose(f) != 0) return at_errf(e, "%s: write error", path);
  return 0;
}

static void gp_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', f);
    if (*s == '\n') { fputs("\\n", f); continue; }
    fputc(*s, f);
  }
  fputc('"', f);
}

/* data/NAME.params.gp: the variables common.gp and the figure script use. */
static int write_params(const char *path, const fig *g, at_err *e) {
  FILE *f = fopen(path, "w");
  if (!f) return at_errf(e, "%s: %s", path, strerror(errno));
  int n = g->npanels, tot = 0;
  fprintf(f, "# written by attnsim report: the data behind %s.png and %s.svg\n", g->name, g->name);
  fprintf(f, "name = '%s'\nylab = ", g->name);
  gp_str(f, g->ylab);
  fprintf(f, "\nnpanels = %d\narray ptitle[%d] = [", n, n);
  for (int i = 0; i < n; i++) { if (i) fputs(", ", f); gp_str(f, g->panels[i].title); }
  fprintf(f, "]\narray pfile[%d] = [", n);
  for (int i = 0; i < n; i++) fprintf(f, "%s\"data/%s-%d.tsv\"", i ? ", " : "", g->name, i + 1);
  fprintf(f, "]\narray paux[%d] = [", n);
  for (int i = 0; i < n; i++) fprintf(f, "%s\"data/%s-%d.aux.tsv\"", i ? ", " : "", g->name, i + 1);
  fprintf(f, "]\narray pnser[%d] = [", n);
  for (int i = 0; i < n; i++) fprintf(f, "%s%d", i ? ", " : "", g->panels[i].nseries);
  fprintf(f, "]\narray psoff[%d] = [", n);
  for (int i = 0; i < n; i++) { fprintf(f, "%s%d", i ? ", " : "", tot); tot += g->panels[i].nseries; }
  fprintf(f, "]\narray stitle[%d] = [", tot ? tot : 1);
  int k = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < g->panels[i].nseries; j++) { if (k++) fputs(", ", f); gp_str(f, g->panels[i].series[j]); }
  if (!tot) gp_str(f, "");
  fprintf(f, "]\narray slt[%d] = [", tot ? tot : 1);
  k = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < g->panels[i].nseries; j++) fprintf(f, "%s%d", k++ ? ", " : "", g->panels[i].lt[j]);
  if (!tot) fputs("1", f);
  fprintf(f, "]\n%s", g->extra);
  if (fclose(f) != 0) return at_errf(e, "%s: write error", path);
  return 0;
}

/* Runs gnuplot for one figure and format in out_dir; 0 when it drew a
** non-empty image.  Its output goes to data/NAME.FMT.log (kept only when
** it says something). */
static int run_gnuplot(const char *out_dir, const char *plots, const fig *g, const char *fmt,
                       char *why, size_t nwhy) {
  char log[PATH_MAX], params[PATH_MAX], common[PATH_MAX], script[PATH_MAX], fmtarg[32], img[PATH_MAX];
  if (pathf(log, sizeof log, "data/%s.%s.log", g->name, fmt) ||
      pathf(params, sizeof params, "data/%s.params.gp", g->name) ||
      pathf(common, sizeof common, "%s/common.gp", plots) ||
      pathf(script, sizeof script, "%s/%s", plots, g->script) ||
      pathf(fmtarg, sizeof fmtarg, "fmt='%s'", fmt) ||
      pathf(img, sizeof img, "%s/%s.%s", out_dir, g->name, fmt)) {
    snprintf(why, nwhy, "path too long");
    return -1;
  }
  const char *gp = getenv("ATTNSIM_GNUPLOT");
  if (!gp || !*gp) gp = "gnuplot";
  unlink(img);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) { snprintf(why, nwhy, "fork: %s", strerror(errno)); return -1; }
  if (pid == 0) {
    if (chdir(out_dir) != 0) _exit(126);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd >= 0) { dup2(fd, 1); dup2(fd, 2); close(fd); }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) { dup2(null, 0); close(null); }
    char *argv[] = { (char *)gp, "-e", fmtarg, params, common, script, NULL };
    execvp(gp, argv);
    fprintf(stderr, "cannot run %s: %s\n", gp, strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  char logpath[PATH_MAX + 8];
  pathf(logpath, sizeof logpath, "%s/%s", out_dir, log);
  struct stat sb;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    snprintf(why, nwhy, "cannot run %s (install gnuplot, or set ATTNSIM_GNUPLOT)", gp);
    return -1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    pathf(why, nwhy, "gnuplot failed (see %s)", logpath);
    return -1;
  }
  if (stat(img, &sb) != 0 || sb.st_size == 0) {
    pathf(why, nwhy, "gnuplot wrote no %s (see %s)", img, logpath);
    return -1;
  }
  if (stat(logpath, &sb) == 0 && sb.st_size == 0) unlink(logpath);
  return 0;
}

static void html_esc(FILE *f, const char *s) {
  for (; *s; s++) {
    if (*s == '<') fputs("&lt;", f);
    else if (*s == '>') fputs("&gt;", f);
    else if (*s == '&') fputs("&amp;", f);
    else if (*s == '"') fputs("&quot;", f);
    else fputc(*s, f);
  }
}

static void html_table(FILE *f, const table *t) {
  fputs("<table>\n<tr>", f);
  for (int j = 0; j < t->ncols; j++) { fputs("<th>", f); html_esc(f, t->cols[j]); fputs("</th>", f); }
  fputs("</tr>\n", f);
  for (int i = 0; i < t->nrows && i < HTML_ROWS; i++) {
    fputs("<tr>", f);
    for (int j = 0; j < t->ncols; j++) {
      const char *c = t->cell[(size_t)i * (size_t)t->ncols + (size_t)j];
      fputs("<td>", f);
      html_esc(f, c ? c : "\xe2\x80\x93");
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</table>\n", f);
  if (t->nrows > HTML_ROWS)
    fprintf(f, "<p class=\"note\">First %d of %d rows; all of them are in the data file.</p>\n",
            HTML_ROWS, t->nrows);
}

/* The data mode's points (table point_data, engines cycle-data and rtl), as an
** HTML section in a new heap string: "" when there are none (or the store
** is of version 2), NULL when out of memory. */
static char *data_section(rs_store *s) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (!f) return NULL;
  sqlite3_stmt *q = NULL;
  int rows = 0;
  if (sqlite3_prepare_v2(rs_store_db(s),
                         "SELECT p.design, p.model, p.engine, p.seq_len, p.arch_rows_2d, p.arch_cols_2d, p.arch_width_1d, "
                         "p.cycles, d.max_abs_err, d.max_rel_err, d.max_ref, d.err_over_bound, d.pe_edges, "
                         "d.emul_mismatch, d.emul_exact "
                         "FROM point_data d JOIN points p ON p.point_id = d.point_id "
                         "ORDER BY p.design, p.model, p.engine, p.seq_len, p.point_id", -1, &q, NULL) == SQLITE_OK) {
    static const char *const head[] = { "design", "model", "engine", "seq_len", "rows", "cols", "width 1d", "cycles",
                                        "max_abs_err", "max_rel_err", "max |ref|", "err / tolerance", "PE-edges",
                                        "bits off the emulation", "same order" };
    while (sqlite3_step(q) == SQLITE_ROW) {
      if (!rows++) {
        fputs("<section id=\"data\">\n<h2>Data mode: errors against the reference</h2>\n<p>Points of engine "
              "<code>cycle-data</code> (fp16 values through the PEs, sim/README.md \"Data mode\") and <code>rtl</code> "
              "(the same through the Verilated PEs, checked against the C twin every edge): the output "
              "against the reference interpreter in double; an error over its tolerance (err / tolerance "
              "above 1) is a wrong value, and so is a bit off the fp16 emulation where the mapping folds in the "
              "interpreter's order (same order 1).</p>\n<table>\n<tr>", f);
        for (int j = 0; j < 15; j++) fprintf(f, "<th>%s</th>", head[j]);
        fputs("</tr>\n", f);
      }
      fputs("<tr>", f);
      for (int j = 0; j < 15; j++) {
        const char *t = (const char *)sqlite3_column_text(q, j);
        fputs("<td>", f);
        if (sqlite3_column_type(q, j) == SQLITE_FLOAT) fprintf(f, "%.4g", sqlite3_column_double(q, j));
        else html_esc(f, t ? t : "\xe2\x80\x93");
        fputs("</td>", f);
      }
      fputs("</tr>\n", f);
    }
  }
  sqlite3_finalize(q);
  if (rows) fputs("</table>\n</section>\n", f);
  if (fclose(f)) { free(buf); return NULL; }
  return buf;
}

static int write_html(const char *out_dir, const char *db, const char *engine, int64_t npoints,
                      fig *figs, int nfigs, const char *extra, at_err *e) {
  char path[PATH_MAX], tmp[PATH_MAX + 8];
  if (pathf(path, sizeof path, "%s/index.html", out_dir) || pathf(tmp, sizeof tmp, "%s.tmp", path))
    return at_errf(e, "%s: path too long", out_dir);
  FILE *f = fopen(tmp, "w");
  if (!f) return at_errf(e, "%s: %s", tmp, strerror(errno));
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>attnsim report</title>\n<style>\n"
        "body { font-family: sans-serif; max-width: 1300px; margin: 2em auto; padding: 0 1em; color: #222; }\n"
        "img { max-width: 100%; border: 1px solid #ddd; }\n"
        "table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }\n"
        "th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }\n"
        "th { background: #f2f2f2; }\n.note { color: #555; }\n.error { color: #b00; }\n"
        "</style>\n</head>\n<body>\n<h1>attnsim report</h1>\n<p>Database <code>", f);
  html_esc(f, db);
  fprintf(f, "</code>: %lld points; engine <code>", (long long)npoints);
  html_esc(f, engine);
  fputs("</code>. Each figure's data are in <code>data/</code>, as drawn.</p>\n<ul>\n", f);
  for (int i = 0; i < nfigs; i++)
    fprintf(f, "<li><a href=\"#%s\">%s</a></li>\n", figs[i].name, figs[i].title);
  fputs("</ul>\n", f);
  for (int i = 0; i < nfigs; i++) {
    fig *g = &figs[i];
    fprintf(f, "<section id=\"%s\">\n<h2>%s</h2>\n<p>%s</p>\n", g->name, g->title, g->about);
    if (g->status == 0)
      fprintf(f, "<p><img src=\"%s.svg\" alt=\"%s\"></p>\n<p>Image: <a href=\"%s.png\">PNG</a>, "
              "<a href=\"%s.svg\">SVG</a>.</p>\n", g->name, g->title, g->name, g->name);
    if (g->status < 0) {                  /* a message with paths: escape it */
      fputs("<p class=\"error\">Not drawn: ", f);
      html_esc(f, g->note);
      fputs("</p>\n", f);
    } else if (g->note[0])
      fprintf(f, "<p class=\"note\">%s</p>\n", g->note);
    for (int k = 0; k < g->npanels; k++) {
      panel *p = &g->panels[k];
      fputs("<h3>", f);
      html_esc(f, p->title);
      fprintf(f, " <small>(<a href=\"data/%s-%d.tsv\">data</a>)</small></h3>\n", g->name, k + 1);
      html_table(f, &p->t);
    }
    fputs("</section>\n", f);
  }
  fputs(extra, f);
  fputs("</body>\n</html>\n", f);
  if (fclose(f) != 0 || rename(tmp, path) != 0) {
    unlink(tmp);
    return at_errf(e, "%s: write error", path);
  }
  return 0;
}

/* ---- the report ------------------------------------------------------- */

int rs_report(const rs_report_opts *o, rs_report_stats *st, at_err *e) {
  fig figs[] = {
    { .name = "util-2d", .title = "2D array utilization", .script = "util.gp",
      .ylab = "2D array utilization",
      .about = "Busy PE-cycles over PEs x cycles of the 2D array, against sequence length: one "
               "panel per model, one line per design, each on its own architecture.",
      .build = build_util },
    { .name = "util-1d", .title = "1D array utilization", .script = "util.gp",
      .ylab = "1D array utilization",
      .about = "The same for the 1D array.", .build = build_util },
    { .name = "speedup", .title = "Speedup over FLAT", .script = "speedup.gp",
      .ylab = "speedup over FLAT",
      .about = "FLAT's latency over each design's latency, per model and sequence length.",
      .build = build_speedup },
    { .name = "energy", .title = "Energy by component", .script = "energy.gp",
      .ylab = "energy / FLAT energy",
      .about = "Energy stacked by component, normalised to FLAT's total at the same model and "
               "length: one group of bars per sequence length, one bar per design.",
      .build = build_energy },
    { .name = "pareto", .title = "Latency against area", .script = "pareto.gp",
      .ylab = "latency (s)",
      .about = "Every point of a design evaluated at several architectures (array sizes, "
               "buffers), one panel per model and length; the line is the Pareto front.",
      .build = build_pareto },
    { .name = "arrays", .title = "Array-size sweep", .script = "arrays.gp",
      .ylab = "latency (s)",
      .about = "Latency against the 2D array's size (rows x cols, square and not), one line "
               "per 1D width and buffer size, one panel per design, model and length: a mapped "
               "design (mapped:NAME, the mapper's best mapping for each shape) beside its "
               "hand-written NAME.",
      .build = build_arrays },
    { .name = "explore", .title = "Architecture search", .script = "pareto.gp",
      .ylab = "latency (s)",
      .about = "The designs attnsim explore --db stored (each with the mapper's best mapping), "
               "latency against area, one panel per model and length; filled: the Pareto front of "
               "latency, energy and area (the table lists every design); the line: the front of "
               "latency and area alone.",
      .build = build_explore },
    { .name = "llm-util", .title = "LLM attention: 2D array utilization", .script = "llm.gp",
      .ylab = "2D array utilization",
      .about = "The LLM study (experiments/llm.yaml): the 2D array's utilization against the context "
               "length, one panel per workload (prefill and decode are workloads of their own), one "
               "line per design and setting (gqa-decode-fusemax B=8: batch 8).",
      .build = build_llm_curve },
    { .name = "llm-latency", .title = "LLM attention: latency", .script = "llm.gp",
      .ylab = "latency (s)",
      .about = "The same points' latency (one layer's attention, every head and request).",
      .build = build_llm_curve },
    { .name = "llm-roofline", .title = "LLM attention: roofline", .script = "roofline.gp",
      .ylab = "attained 2D work (PE-cycles/s)",
      .about = "Each LLM point's operational intensity (the 2D array's busy PE-cycles, its MACs and, on "
               "FuseMax's array, its max, exp and add cycles, per DRAM byte) against the work it attained "
               "per second, with "
               "the architecture's ceilings: the 2D array's PEs x clock, and DRAM bandwidth x intensity. "
               "A memory-bound point sits on the sloped roof; one bound by the 1D array sits below both.",
      .build = build_llm_roofline },
    { .name = "engines", .title = "Cycle engine against analytical", .script = "speedup.gp",
      .ylab = "cycle-engine latency / analytical latency",
      .about = "The cycle-level engine's latency over the analytical engine's at the same point "
               "(sim/README.md explains each gap); drawn when the database holds both engines.",
      .build = build_engines },
  };
  int nfigs = (int)(sizeof figs / sizeof figs[0]);
  memset(st, 0, sizeof *st);

  char plots[PATH_MAX], outabs[PATH_MAX];
  char *rel = at_path_join(at_data_dir(), "results/plots");
  if (!rel) return at_errf(e, "out of memory");
  if (!realpath(rel, plots)) {
    at_errf(e, "%s: gnuplot scripts not found: %s", rel, strerror(errno));
    free(rel);
    return -1;
  }
  free(rel);

  rs_store *s;
  if (rs_store_open(o->db_path, RS_READ, &s, e)) return -1;
  int64_t npoints = 0;
  int rc = rs_store_count(s, &npoints, e);
  /* the engine comparison only when both engines have points */
  sqlite3_stmt *q = NULL;
  int both = 0;
  if (!rc && sqlite3_prepare_v2(rs_store_db(s), "SELECT count(DISTINCT engine) FROM points WHERE engine IN "
                                "('analytical', 'cycle') AND status = 'ok'", -1, &q, NULL) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW)
    both = sqlite3_column_int(q, 0) == 2;
  sqlite3_finalize(q);
  if (!both) nfigs--;
  st->figures = nfigs;
  for (int i = 0; !rc && i < nfigs; i++) rc = figs[i].build(&figs[i], s, o->engine, e);
  char *extra = rc ? NULL : data_section(s);
  if (!rc && !extra) rc = at_errf(e, "out of memory");
  rs_store_close(s);

  char data[PATH_MAX + 8];
  if (!rc && pathf(data, sizeof data, "%s/data", o->out_dir)) rc = at_errf(e, "%s: path too long", o->out_dir);
  if (!rc) rc = mkdir_p(data, e);
  if (!rc && !realpath(o->out_dir, outabs)) rc = at_errf(e, "%s: %s", o->out_dir, strerror(errno));

  char failed[512] = "";
  for (int i = 0; !rc && i < nfigs; i++) {
    fig *g = &figs[i];
    char path[PATH_MAX];
    for (int k = 0; !rc && k < g->npanels; k++) {
      if (pathf(path, sizeof path, "%s/data/%s-%d.tsv", outabs, g->name, k + 1)) goto toolong;
      rc = write_tsv(path, &g->panels[k].t, e);
      if (pathf(path, sizeof path, "%s/data/%s-%d.aux.tsv", outabs, g->name, k + 1)) goto toolong;
      if (!rc && g->panels[k].aux.ncols) rc = write_tsv(path, &g->panels[k].aux, e);
    }
    if (rc) break;
    if (g->npanels == 0) {
      g->status = 1;
      st->empty++;
      for (int k = 0; k < 2; k++) {
        if (!pathf(path, sizeof path, "%s/%s.%s", outabs, g->name, k ? "svg" : "png")) unlink(path);
      }
      continue;
    }
    if (pathf(path, sizeof path, "%s/data/%s.params.gp", outabs, g->name)) goto toolong;
    if ((rc = write_params(path, g, e))) break;
    char why[PATH_MAX + 64];
    if (run_gnuplot(outabs, plots, g, "png", why, sizeof why) ||
        run_gnuplot(outabs, plots, g, "svg", why, sizeof why)) {
      g->status = -1;
      pathf(g->note, sizeof g->note, "%s", why);
      if (!st->failed++) pathf(failed, sizeof failed, "report: %s: %s", g->name, why);
      continue;
    }
    st->rendered++;
    continue;
  toolong:
    rc = at_errf(e, "%s: path too long", outabs);
  }
  if (!rc) rc = write_html(outabs, o->db_path, o->engine, npoints, figs, nfigs, extra, e);
  free(extra);
  for (int i = 0; i < nfigs; i++) fig_free(&figs[i]);
  if (rc) return -1;
  if (st->failed) {
    if (st->failed > 1)
      snprintf(failed + strlen(failed), sizeof failed - strlen(failed), " (and %d more figures)",
               st->failed - 1);
    return at_errf(e, "%s", failed);
  }
  return 0;
}
