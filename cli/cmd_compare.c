/*
** cmd_compare.c: `attnsim compare FILE.csv`: a per-point CSV (columns as
** `attnsim paper --csv` names them, any subset of its metrics, keys
** study, design, model, seq_len required) against attnsim's own paper
** studies on the same keys, under the default model or an accounting.
** Prints, per study and design and metric, the mean, mean absolute and
** worst relative difference attnsim / FILE - 1.  Every cell is checked
** before anything is printed; a bad one is FILE:LINE:COL, exit status 2.
*/
#include "cli.h"
#include "paper.h"
#include "sim.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char compare_help[] =
  "usage: attnsim compare FILE.csv [--accounting NAME|FILE] [--energy FILE]\n\n"
  "Compares a per-point CSV with attnsim's paper studies (attnsim paper) on the\n"
  "same (study, design, model, seq_len) keys.  The header names columns as\n"
  "attnsim paper's CSV output does: study, design, model and seq_len are required,\n"
  "then any of its metrics (latency_s, cycles, energy_pj, traffic_bytes, util_2d,\n"
  "util_1d, compute_cycles, memory_cycles, buffer_bytes, area_um2,\n"
  "energy_*_pj), in any order; bound and tiling are ignored.  An empty cell is\n"
  "no value.  Prints, per study, design and metric, the points compared and the\n"
  "mean, mean absolute and worst relative difference attnsim / FILE - 1, with\n"
  "the point of the worst.  sim/README.md says how to compare with the FuseMax\n"
  "artifact's published per-point results.\n\n"
  "  --accounting NAME|FILE  attnsim under this accounting (as attnsim paper)\n"
  "  --energy FILE  attnsim priced with this energy table (as attnsim paper)\n\n"
  "A bad cell, an unknown column or a point attnsim does not compute is reported\n"
  "as FILE:LINE:COL: message, exit status 2, with nothing printed on stdout.\n";

#define CMP_MAX_COLS 32

/* Metrics by their paper --csv column names. */
static const char *const metric_name[] = {
  "latency_s", "cycles", "energy_pj", "traffic_bytes", "util_2d", "util_1d", "compute_cycles",
  "memory_cycles", "buffer_bytes", "area_um2", "energy_compute_2d_pj", "energy_compute_1d_pj",
  "energy_regs_pj", "energy_buffer_pj", "energy_dram_pj", NULL
};
_Static_assert(SIM_C_COUNT == 5, "metric_name lists every energy component");

static double metric_of(const sim_result *r, int k) {
  switch (k) {
  case 0: return r->latency_s;
  case 1: return (double)r->cycles;
  case 2: return r->energy_pJ;
  case 3: return (double)r->traffic_bytes;
  case 4: return r->util_2d;
  case 5: return r->util_1d;
  case 6: return (double)r->compute_cycles;
  case 7: return (double)r->memory_cycles;
  case 8: return (double)r->buffer_bytes;
  case 9: return r->area_um2;
  default: return r->energy_by[k - 10];
  }
}

enum { COL_STUDY = -1, COL_DESIGN = -2, COL_MODEL = -3, COL_SEQ = -4, COL_IGNORED = -5 };

typedef struct cell { const char *s; int col; } cell;

/* Splits a line (NUL-terminated, no newline) into cells at commas. */
static int split(char *line, cell *c, int max) {
  int n = 0;
  char *p = line;
  for (;;) {
    if (n == max) return max + 1;
    c[n].s = p;
    c[n].col = (int)(p - line) + 1;
    n++;
    char *q = strchr(p, ',');
    if (!q) return n;
    *q = '\0';
    p = q + 1;
  }
}

/* A decimal number: digits, one point, an exponent; no inf, nan or hex. */
static int number(const char *s, double *v) {
  if (!*s || strspn(s, "0123456789.eE+-") != strlen(s)) return -1;
  char *end;
  *v = strtod(s, &end);
  return *end || !isfinite(*v) ? -1 : 0;
}

typedef struct cmp_stat { int n; double sum, abs, worst; const sim_result *at; } cmp_stat;

typedef struct cmp_group {
  const char *study;
  char design[SIM_NAME_MAX];
  cmp_stat m[CMP_MAX_COLS];
} cmp_group;

typedef struct cmp_state {
  const char *path;
  int ncol, colkind[CMP_MAX_COLS];
  int ngroups;
  cmp_group g[PAPER_MAX_POINTS];
  const sim_result *seen[PAPER_MAX_POINTS];
  int nseen;
} cmp_state;

static int header(cmp_state *s, char *line, at_err *e) {
  cell c[CMP_MAX_COLS + 1];
  int n = split(line, c, CMP_MAX_COLS);
  if (n > CMP_MAX_COLS) return at_errloc(e, s->path, 1, c[CMP_MAX_COLS - 1].col, "more than %d columns", CMP_MAX_COLS);
  static const char *const keys[] = { "study", "design", "model", "seq_len" };
  int have[4] = { 0 };
  for (int i = 0; i < n; i++) {
    int kind = COL_IGNORED;
    for (int k = 0; k < 4; k++) if (!strcmp(c[i].s, keys[k])) { kind = -1 - k; have[k] = 1; }
    for (int k = 0; metric_name[k]; k++) if (!strcmp(c[i].s, metric_name[k])) kind = k;
    if (kind == COL_IGNORED && strcmp(c[i].s, "bound") && strcmp(c[i].s, "tiling"))
      return at_errloc(e, s->path, 1, c[i].col, "unknown column '%s' (columns as attnsim paper --csv writes them)",
                       c[i].s);
    for (int j = 0; j < i; j++)
      if (!strcmp(c[j].s, c[i].s)) return at_errloc(e, s->path, 1, c[i].col, "column '%s' given twice", c[i].s);
    s->colkind[i] = kind;
  }
  for (int k = 0; k < 4; k++)
    if (!have[k]) return at_errloc(e, s->path, 1, 1, "the header has no '%s' column", keys[k]);
  s->ncol = n;
  return 0;
}

static cmp_group *group_of(cmp_state *s, const sim_result *r, const char *study) {
  for (int i = 0; i < s->ngroups; i++)
    if (!strcmp(s->g[i].study, study) && !strcmp(s->g[i].design, r->design)) return &s->g[i];
  cmp_group *g = &s->g[s->ngroups++];
  memset(g, 0, sizeof *g);
  g->study = study;
  snprintf(g->design, sizeof g->design, "%s", r->design);
  return g;
}

static int row(cmp_state *s, const paper_run *p, char *line, int ln, at_err *e) {
  cell c[CMP_MAX_COLS + 1];
  int n = split(line, c, s->ncol);
  if (n != s->ncol)
    return at_errloc(e, s->path, ln, n > s->ncol ? c[s->ncol - 1].col : (int)strlen(c[n - 1].s) + c[n - 1].col,
                     "expected %d cells as in the header, got %s%d", s->ncol, n > s->ncol ? "more than " : "",
                     n > s->ncol ? s->ncol : n);
  const char *study = NULL, *design = NULL, *model = NULL;
  int64_t seq = 0;
  int key_col = 1;
  for (int i = 0; i < n; i++) {
    if (s->colkind[i] == COL_STUDY) { study = c[i].s; key_col = c[i].col; }
    else if (s->colkind[i] == COL_DESIGN) design = c[i].s;
    else if (s->colkind[i] == COL_MODEL) model = c[i].s;
    else if (s->colkind[i] == COL_SEQ) {
      uint64_t v;
      if (at_parse_u64(c[i].s, 0, &v) || v == 0 || v > INT64_MAX)
        return at_errloc(e, s->path, ln, c[i].col, "seq_len: expected a positive whole number of tokens, got '%s'",
                         c[i].s);
      seq = (int64_t)v;
    }
  }
  const sim_result *r = paper_find(p, study, design, model, seq);
  if (!r)
    return at_errloc(e, s->path, ln, key_col, "no point (%s, %s, %s, %lld) in attnsim's paper studies", study,
                     design, model, (long long)seq);
  for (int i = 0; i < s->nseen; i++)
    if (s->seen[i] == r) return at_errloc(e, s->path, ln, key_col, "point given twice");
  s->seen[s->nseen++] = r;
  const char *st = strcmp(study, "end2end") ? "attention" : "end2end";   /* a name that outlives the line */
  cmp_group *g = group_of(s, r, st);
  for (int i = 0; i < n; i++) {
    int k = s->colkind[i];
    if (k < 0 || !*c[i].s) continue;
    double v;
    if (number(c[i].s, &v))
      return at_errloc(e, s->path, ln, c[i].col, "%s: expected a decimal number, got '%s'", metric_name[k], c[i].s);
    double ours = metric_of(r, k), d;
    if (v == 0) {
      if (ours != 0) continue;   /* no relative difference to a zero */
      d = 0;
    } else {
      d = ours / v - 1;
    }
    cmp_stat *m = &g->m[i];
    if (!m->n || fabs(d) > fabs(m->worst)) { m->worst = d; m->at = r; }
    m->n++;
    m->sum += d;
    m->abs += fabs(d);
  }
  return 0;
}

static int read_csv(cmp_state *s, const paper_run *p, at_err *e) {
  char *buf;
  size_t len;
  if (at_read_file(s->path, &buf, &len, e)) return -1;
  int rc = 0, ln = 0;
  char *line = buf;
  while (!rc && line < buf + len) {
    char *end = memchr(line, '\n', (size_t)(buf + len - line));
    if (!end) end = buf + len;
    *end = '\0';
    size_t phys = (size_t)(end - line);
    if (phys && line[phys - 1] == '\r') line[--phys] = '\0';   /* CRLF line ends */
    size_t l = strlen(line);
    ln++;
    if (l < phys)
      rc = at_errloc(e, s->path, ln, (int)l + 1, "a NUL byte in the line");
    else if (strchr(line, '"'))
      rc = at_errloc(e, s->path, ln, (int)(strchr(line, '"') - line) + 1, "quoted cells are not supported");
    else if (!l)
      rc = at_errloc(e, s->path, ln, 1, "empty line");
    else
      rc = ln == 1 ? header(s, line, e) : row(s, p, line, ln, e);
    line = end + 1;
  }
  if (!rc && ln == 0) rc = at_errloc(e, s->path, 1, 1, "empty file: expected a header line");
  free(buf);
  return rc;
}

static void print(const cmp_state *s, const char *what) {
  printf("attnsim compare %s: %d points against attnsim paper (%s)\n"
         "relative difference d = attnsim / FILE - 1, per study, design and metric\n\n"
         "%-10s %-15s %-21s %6s %10s %10s %10s  %s\n", s->path, s->nseen, what, "study", "design", "metric",
         "points", "mean d", "mean |d|", "worst d", "at");
  for (int i = 0; i < s->ngroups; i++)
    for (int c = 0; c < s->ncol; c++) {
      const cmp_stat *m = &s->g[i].m[c];
      if (s->colkind[c] < 0 || !m->n) continue;
      char at[64];
      snprintf(at, sizeof at, "%s %lld", m->at->model, (long long)m->at->seq_len);
      printf("%-10s %-15s %-21s %6d %+9.3f%% %9.3f%% %+9.3f%%  %s\n", s->g[i].study, s->g[i].design,
             metric_name[s->colkind[c]], m->n, 100 * m->sum / m->n, 100 * m->abs / m->n, 100 * m->worst, at);
    }
}

int cmd_compare(int argc, char **argv) {
  static const struct option lo[] = {
    { "accounting", required_argument, 0, 'a' }, { "energy", required_argument, 0, 'e' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *accounting = NULL, *energy = NULL;
  int ch;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(compare_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'a': accounting = optarg; break;
    case 'e': energy = optarg; break;
    case 'h': fputs(compare_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, compare_help);
    }
  }
  if (optind + 1 != argc)
    return cli_usage_error(compare_help, optind == argc ? "compare needs a CSV file" : "unexpected argument '%s'",
                           argv[optind < argc ? optind + 1 : 0]);
  at_err e;
  paper_accounting *acc = NULL;
  paper_run *p = NULL;
  cmp_state *s = calloc(1, sizeof *s);
  if (!s) return cli_fail(&(const at_err){ "attnsim: out of memory" });
  s->path = argv[optind];
  paper_config cfg = { energy, NULL, 0, NULL };
  int rc = AT_EXIT_OK;
  if (accounting && paper_accounting_load(accounting, &acc, &e)) rc = cli_fail(&e);
  cfg.acc = acc;
  cfg.mask = paper_all(acc);
  if (!rc && paper_compute_config(&p, &cfg, &e)) rc = cli_fail(&e);
  if (!rc && read_csv(s, p, &e)) rc = cli_fail(&e);
  if (!rc) {
    char what[128];
    snprintf(what, sizeof what, "%s%s%s", acc ? "accounting " : "the default model", acc ? acc->name : "",
             energy ? ", --energy given" : "");
    print(s, what);
  }
  paper_free(p);
  paper_accounting_free(acc);
  free(s);
  return rc;
}
