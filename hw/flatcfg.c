/*
** flatcfg.c: mappings/data/flat-configs.csv -> fc_table.
**
** The file is plain CSV without quoting: a header that must match
** fc_columns exactly, then one row per point.  Blank lines are skipped, CRLF
** is accepted.  Each cell is checked by its column's type, and an error
** names line, column (1-based, in bytes) and column name.
*/
#include "flatcfg.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct fc_table {
  fc_config *rows;
  size_t n, cap;
};

enum {
  C_PLATFORM, C_MODEL, C_SEQ, C_B, C_D, C_E, C_F, C_H, C_M, C_P, C_S,
  C_QLOC, C_KLOC, C_QKLOC, C_ALOC, C_VLOC, C_AVLOC, C_QKST, C_AVST, C_FUSION,
  C_P1, C_BUF, C_SPILL, C_COUNT
};
static const char *const fc_columns[C_COUNT] = {
  "platform", "model", "seq_len", "B", "D", "E", "F", "H", "M", "P", "S",
  "Q_loc", "K_loc", "QK_loc", "A_loc", "V_loc", "AV_loc",
  "QK_stationarity", "AV_stationarity", "fusion_granularity",
  "P1", "proportion_buffered", "proportion_spilled",
};
static const char *const platform_names[FC_PLATFORM_COUNT] = {"cloud", "edge"};

const char *fc_platform_name(fc_platform p) {
  return (unsigned)p < FC_PLATFORM_COUNT ? platform_names[p] : "?";
}

int fc_platform_parse(const char *s, fc_platform *p) {
  for (int i = 0; i < FC_PLATFORM_COUNT; i++)
    if (!strcmp(s, platform_names[i])) { *p = (fc_platform)i; return 0; }
  return -1;
}

void fc_free(fc_table *t) {
  if (!t) return;
  free(t->rows);
  free(t);
}

size_t fc_count(const fc_table *t) { return t->n; }
const fc_config *fc_row(const fc_table *t, size_t i) {
  return i < t->n ? &t->rows[i] : NULL;
}

/* One line split in place into cells. */
typedef struct cells {
  const char *file;
  int line;
  int n;
  char *v[C_COUNT];
  int col[C_COUNT];          /* 1-based byte column of each cell */
} cells;

static int cell_err(const cells *c, int i, at_err *e, const char *what) {
  return at_errloc(e, c->file, c->line, c->col[i], "%s: %s, got \"%.40s\"",
                   fc_columns[i], what, c->v[i]);
}

/* Splits line (NUL-terminated, no newline) at commas. */
static int split(char *line, cells *c, at_err *e) {
  char *p = line;
  size_t len = strlen(line);
  c->n = 0;
  for (;;) {
    if (c->n == C_COUNT)
      return at_errloc(e, c->file, c->line, (int)(p - line) + 1,
                       "too many columns: expected %d", C_COUNT);
    c->v[c->n] = p;
    c->col[c->n] = (int)(p - line) + 1;
    c->n++;
    char *comma = strchr(p, ',');
    if (!comma) break;
    *comma = 0;
    p = comma + 1;
  }
  for (int i = 0; i < c->n; i++)
    if (strchr(c->v[i], '"'))
      return at_errloc(e, c->file, c->line, c->col[i],
                       "quoted cells are not supported");
  if (c->n != C_COUNT)
    return at_errloc(e, c->file, c->line, (int)len + 1,
                     "expected %d columns, got %d", C_COUNT, c->n);
  return 0;
}

/* Counts are at most 2^32, as in workload files, so products of a few of
** them stay well inside 64 bits. */
#define FC_INT_MAX (1LL << 32)

static int cell_int(const cells *c, int i, int64_t *v, at_err *e) {
  const char *s = c->v[i];
  int64_t x = 0;
  if (!*s) return cell_err(c, i, e, "expected a positive integer");
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return cell_err(c, i, e, "expected a positive integer");
    x = x * 10 + (*s - '0');
    if (x > FC_INT_MAX)
      return cell_err(c, i, e, "expected a positive integer of at most 2^32");
  }
  if (x < 1) return cell_err(c, i, e, "expected a positive integer");
  *v = x;
  return 0;
}

/* Plain decimals only: digits [. digits] [e [+-] digits] (no sign, hex,
** inf or nan, which strtod would take). */
static int cell_prop(const cells *c, int i, double *v, at_err *e) {
  const char *s = c->v[i];
  size_t k = 0, d = 0;
  while (s[k] >= '0' && s[k] <= '9') { k++; d++; }
  if (s[k] == '.')
    for (k++; s[k] >= '0' && s[k] <= '9'; k++) d++;
  if (d && (s[k] == 'e' || s[k] == 'E')) {
    k++;
    if (s[k] == '+' || s[k] == '-') k++;
    if (!(s[k] >= '0' && s[k] <= '9')) d = 0;
    while (s[k] >= '0' && s[k] <= '9') k++;
  }
  if (!d || s[k]) return cell_err(c, i, e, "expected a proportion in [0, 1]");
  double x = strtod(s, NULL);
  if (!isfinite(x) || x < 0 || x > 1)
    return cell_err(c, i, e, "expected a proportion in [0, 1]");
  *v = x;
  return 0;
}

static int cell_choice(const cells *c, int i, const char *a, const char *b,
                       int *v, at_err *e) {
  char what[64];
  if (!strcmp(c->v[i], a)) { *v = 0; return 0; }
  if (!strcmp(c->v[i], b)) { *v = 1; return 0; }
  snprintf(what, sizeof what, "expected %s or %s", a, b);
  return cell_err(c, i, e, what);
}

static int parse_row(cells *c, fc_config *r, at_err *e) {
  int ch = 0;
  memset(r, 0, sizeof *r);
  r->line = c->line;
  if (fc_platform_parse(c->v[C_PLATFORM], &r->platform))
    return cell_err(c, C_PLATFORM, e, "expected cloud or edge");
  const char *m = c->v[C_MODEL];
  size_t ml = strlen(m);
  bool name_ok = ml > 0 && ml < sizeof r->model;
  for (size_t k = 0; name_ok && k < ml; k++)
    name_ok = isalnum((unsigned char)m[k]) || m[k] == '-' || m[k] == '_';
  if (!name_ok)
    return cell_err(c, C_MODEL, e, "expected a model name of 1 to 15 letters, digits, - or _");
  memcpy(r->model, m, ml + 1);
  /* at_parse_size would skip leading blanks and take a sign */
  const char *sq = c->v[C_SEQ];
  if (!(sq[0] >= '1' && sq[0] <= '9') || at_parse_size(sq, &r->seq_len) ||
      r->seq_len < 1 || r->seq_len > FC_INT_MAX)
    return cell_err(c, C_SEQ, e, "expected a length such as 1024 or 1K");
  int64_t *ints[] = {&r->B, &r->D, &r->E, &r->F, &r->H, &r->M, &r->P, &r->S};
  for (int i = 0; i < 8; i++)
    if (cell_int(c, C_B + i, ints[i], e)) return -1;
  bool *locs[] = {&r->Q_onchip, &r->K_onchip, &r->QK_onchip,
                  &r->A_onchip, &r->V_onchip, &r->AV_onchip};
  for (int i = 0; i < 6; i++) {
    if (cell_choice(c, C_QLOC + i, "offchip", "onchip", &ch, e)) return -1;
    *locs[i] = ch == 1;
  }
  if (cell_choice(c, C_QKST, "output", "weight", &ch, e)) return -1;
  r->QK_stationarity = ch ? FC_WEIGHT_STATIONARY : FC_OUTPUT_STATIONARY;
  if (cell_choice(c, C_AVST, "output", "weight", &ch, e)) return -1;
  r->AV_stationarity = ch ? FC_WEIGHT_STATIONARY : FC_OUTPUT_STATIONARY;
  if (cell_choice(c, C_FUSION, "head", "row", &ch, e)) return -1;
  r->fusion = ch ? FC_FUSE_ROW : FC_FUSE_HEAD;
  if (cell_int(c, C_P1, &r->P1, e) ||
      cell_prop(c, C_BUF, &r->proportion_buffered, e) ||
      cell_prop(c, C_SPILL, &r->proportion_spilled, e))
    return -1;
  double sum = r->proportion_buffered + r->proportion_spilled;
  if (fabs(sum - 1.0) > 1e-6)
    return at_errloc(e, c->file, c->line, c->col[C_SPILL],
                     "proportion_buffered + proportion_spilled must be 1, got %.9g",
                     sum);
  return 0;
}

static int check_header(cells *c, at_err *e) {
  for (int i = 0; i < c->n && i < C_COUNT; i++)
    if (strcmp(c->v[i], fc_columns[i]))
      return at_errloc(e, c->file, c->line, c->col[i],
                       "expected column \"%s\", got \"%.40s\"", fc_columns[i],
                       c->v[i]);
  return 0;
}

static int add_row(fc_table *t, const fc_config *r, at_err *e) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    fc_config *nr = realloc(t->rows, cap * sizeof *nr);
    if (!nr) return at_errf(e, "out of memory");
    t->rows = nr;
    t->cap = cap;
  }
  t->rows[t->n++] = *r;
  return 0;
}

/* Point order: platform, length, model (case-blind), then file line. */
static int point_cmp(const void *pa, const void *pb) {
  const fc_config *a = *(const fc_config *const *)pa, *b = *(const fc_config *const *)pb;
  if (a->platform != b->platform) return a->platform < b->platform ? -1 : 1;
  if (a->seq_len != b->seq_len) return a->seq_len < b->seq_len ? -1 : 1;
  int c = strcasecmp(a->model, b->model);
  if (c) return c;
  return (a->line > b->line) - (a->line < b->line);
}

/* The first row (in file order) repeating an earlier row's point, as an
** error at that row; 0 when every point is distinct.  Sorting makes this
** O(n log n), where comparing each row with all before it was n^2 / 2. */
static int check_duplicates(const fc_table *t, const char *path, at_err *e) {
  if (t->n < 2) return 0;
  const fc_config **ix = malloc(t->n * sizeof *ix);
  if (!ix) return at_errf(e, "out of memory");
  for (size_t i = 0; i < t->n; i++) ix[i] = &t->rows[i];
  qsort(ix, t->n, sizeof *ix, point_cmp);
  const fc_config *dup = NULL, *first = NULL, *head = ix[0];
  for (size_t i = 1; i < t->n; i++) {
    const fc_config *a = ix[i - 1], *b = ix[i];
    if (a->platform != b->platform || a->seq_len != b->seq_len ||
        strcasecmp(a->model, b->model)) {
      head = b;
      continue;
    }
    if (a == head && (!dup || b->line < dup->line)) { dup = b; first = a; }
  }
  free(ix);
  if (!dup) return 0;
  return at_errloc(e, path, dup->line, 1, "duplicate point (%s, %s, %lld): first at line %d",
                   fc_platform_name(dup->platform), dup->model, (long long)dup->seq_len,
                   first->line);
}

int fc_load(const char *path, fc_table **out, at_err *e) {
  char *buf;
  size_t len;
  *out = NULL;
  if (at_read_file(path, &buf, &len, e)) return -1;
  fc_table *t = calloc(1, sizeof *t);
  if (!t) { free(buf); return at_errf(e, "out of memory"); }
  cells c = {.file = path};
  bool header = false;
  int rc = 0;
  char *p = buf;
  for (int line = 1; rc == 0 && p < buf + len; line++) {
    char *nl = memchr(p, '\n', (size_t)(buf + len - p));
    char *next = nl ? nl + 1 : buf + len;
    if (nl) *nl = 0;
    size_t l = strlen(p);
    if (l != (size_t)((nl ? nl : buf + len) - p)) {
      rc = at_errloc(e, path, line, (int)l + 1, "NUL byte in the file");
      break;
    }
    if (l && p[l - 1] == '\r') p[--l] = 0;
    c.line = line;
    if (l == 0) { p = next; continue; }
    if (split(p, &c, e)) {
      /* a header with the wrong column count: name the first wrong column */
      if (!header) check_header(&c, e);
      rc = -1;
    } else if (!header) {
      rc = check_header(&c, e);
      header = true;
    } else {
      fc_config r;
      rc = parse_row(&c, &r, e);
      if (rc == 0) rc = add_row(t, &r, e);
    }
    p = next;
  }
  if (rc == 0 && !header) rc = at_errloc(e, path, 1, 1, "empty file: expected a header");
  /* A repeated point on a line before any other error is reported first,
  ** as if rows were checked one by one. */
  at_err dup;
  if (check_duplicates(t, path, &dup)) {
    *e = dup;
    rc = -1;
  }
  free(buf);
  if (rc) { fc_free(t); return -1; }
  *out = t;
  return 0;
}

int fc_load_default(fc_table **out, at_err *e) {
  char *path = at_path_join(at_data_dir(), "mappings/data/flat-configs.csv");
  if (!path) return at_errf(e, "out of memory");
  int rc = fc_load(path, out, e);
  free(path);
  return rc;
}

int fc_lookup(const fc_table *t, fc_platform p, const char *model,
              int64_t seq_len, const fc_config **out, at_err *e) {
  *out = NULL;
  for (size_t i = 0; i < t->n; i++) {
    const fc_config *r = &t->rows[i];
    if (r->platform == p && r->seq_len == seq_len && !strcasecmp(r->model, model)) {
      *out = r;
      return 0;
    }
  }
  return at_errf(e, "no FLAT configuration for platform %s, model %s, seq_len %lld",
                 fc_platform_name(p), model, (long long)seq_len);
}
