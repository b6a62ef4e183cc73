/*
** sweep.c: loading sweep files.  A sweep is four lists (designs, models,
** sequence lengths, variants), or several such products (`parts:`, whose
** lists are concatenated, each part keeping index ranges into them);
** variants come either from `arch:`, the
** product of per-parameter lists, or from `variants:`, an explicit list of
** override sets (for parameters that move together, such as a square array
** and the buffer resized with it).  Everything is checked here, with the
** location of the offending entry, so a sweep never fails half-way through
** because of its own file.
*/
#include "sweep.h"

#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "ytree.h"

/* A list field: a sequence, or one scalar standing for a one-entry list. */
static int list_len(const yt_node *n, size_t *len, at_err *e) {
  if (yt_node_kind(n) == YT_SCALAR) { *len = 1; return 0; }
  if (yt_node_kind(n) != YT_SEQ) return yt_badval(n, e, "expected a list");
  *len = yt_len(n);
  if (*len == 0) return yt_errf(n, e, "empty list");
  return 0;
}

static const yt_node *list_at(const yt_node *n, size_t i) {
  return yt_node_kind(n) == YT_SCALAR ? n : yt_at(n, i);
}

static int dup_err(const yt_node *list, size_t i, size_t j, at_err *e) {
  return yt_errf(list_at(list, i), e, "duplicate entry (same as %s)", yt_path(list_at(list, j)));
}

/* Duplicate detection by sorting indices (a list may hold a million
** entries, so no pairwise scan).  qsort has no context argument: the
** comparator reads the list being checked from these two statics, which is
** fine because a sweep file is loaded by one thread. */
static const char *dup_base;
static size_t dup_size;
static int (*dup_cmp)(const void *, const void *);

static int by_value_then_index(const void *pa, const void *pb) {
  size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
  int c = dup_cmp(dup_base + a * dup_size, dup_base + b * dup_size);
  return c ? c : (a > b) - (a < b);
}

/* Checks n items of `size` bytes at base for equal pairs under cmp; on one,
** reports the entry of `list` that is the earliest repeat in file order, with
** the first entry it repeats. */
static int check_dups(const yt_node *list, const void *base, size_t n, size_t size,
                      int (*cmp)(const void *, const void *), at_err *e) {
  if (n < 2) return 0;
  size_t *ix = malloc(n * sizeof *ix);
  if (!ix) return at_errf(e, "out of memory");
  for (size_t k = 0; k < n; k++) ix[k] = k;
  dup_base = base;
  dup_size = size;
  dup_cmp = cmp;
  qsort(ix, n, sizeof *ix, by_value_then_index);
  /* Within a run of equal values the indices increase, so the run's first
  ** two are its earliest repeat; the report is the earliest over all runs. */
  size_t best_i = n, best_j = 0, run = 0;
  for (size_t k = 1; k < n; k++) {
    if (cmp((const char *)base + ix[k - 1] * size, (const char *)base + ix[k] * size)) {
      run = k;
      continue;
    }
    if (k == run + 1 && ix[k] < best_i) { best_i = ix[k]; best_j = ix[k - 1]; }
  }
  free(ix);
  return best_i < n ? dup_err(list, best_i, best_j, e) : 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}
static int cmp_model(const void *a, const void *b) {
  return strcmp(((const wl_workload *)a)->name, ((const wl_workload *)b)->name);
}
static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* Architecture parameters, as written in `arch:` lists and `variants:`. */
enum { V_ROWS, V_COLS, V_WIDTH, V_BUFFER, V_BW, V_COUNT };
static const char *const vkeys[] = { "rows_2d", "cols_2d", "width_1d", "buffer", "bandwidth", NULL };

/* Reads one parameter value into its field of ov. */
static int param(const yt_node *n, int k, sim_overrides *ov, at_err *e) {
  int64_t v;
  double d;
  switch (k) {
  case V_ROWS: case V_COLS: case V_WIDTH:
    if (yt_int(n, &v, e)) return -1;
    if (v < 1 || v > HW_DIM_MAX)
      return yt_badval(n, e, "expected a number of PEs from 1 to %lld", (long long)HW_DIM_MAX);
    if (k == V_ROWS) ov->rows_2d = v;
    else if (k == V_COLS) ov->cols_2d = v;
    else ov->width_1d = v;
    return 0;
  case V_BUFFER:
    if (yt_bytes(n, &v, e)) return -1;
    if (v < 1) return yt_badval(n, e, "expected a buffer size above 0");
    ov->buffer_bytes = v;
    return 0;
  default:
    if (yt_bandwidth(n, &d, e)) return -1;
    if (!(d > 0)) return yt_badval(n, e, "expected a bandwidth above 0");
    ov->bandwidth_Bps = d;
    return 0;
  }
}

static int cmp_ov(const void *pa, const void *pb) {
  const sim_overrides *a = pa, *b = pb;
  int64_t x[4] = { a->rows_2d, a->cols_2d, a->width_1d, a->buffer_bytes };
  int64_t y[4] = { b->rows_2d, b->cols_2d, b->width_1d, b->buffer_bytes };
  for (int k = 0; k < 4; k++)
    if (x[k] != y[k]) return cmp_i64(&x[k], &y[k]);
  return (a->bandwidth_Bps > b->bandwidth_Bps) - (a->bandwidth_Bps < b->bandwidth_Bps);
}

/* A mapped design, `{mapped: DESIGN, budget: N, seed: S}`: stored as
** "mapped:DESIGN" (so it and DESIGN are different designs, and the same
** mapped design twice is a duplicate). */
static int load_mapped(rs_sweep *s, size_t i, const yt_node *x, at_err *e) {
  static const char *const keys[] = { "mapped", "budget", "seed", NULL };
  const char *v;
  const yt_node *n;
  int64_t k;
  rs_mapped *m = &s->mapped[i];
  if (yt_check_keys(x, keys, e) || yt_get(x, "mapped", &n, e) || yt_str(n, &v, e)) return -1;
  if (strlen(v) >= 240) return yt_badval(n, e, "design name or path too long");
  size_t len = strlen(v) + 8;
  if (!(s->designs[i] = malloc(len))) return at_errf(e, "out of memory");
  snprintf(s->designs[i], len, "mapped:%s", v);
  m->on = 1;
  m->base = s->designs[i] + 7;
  m->budget = RS_MAPPED_BUDGET;
  m->seed = RS_MAPPED_SEED;
  if ((n = yt_find(x, "budget"))) {
    if (yt_int(n, &k, e)) return -1;
    if (k < 1 || k > 1000000000) return yt_badval(n, e, "expected a number of mappings from 1 to 1000000000");
    m->budget = k;
  }
  if ((n = yt_find(x, "seed"))) {
    if (yt_int(n, &k, e)) return -1;
    if (k < 0) return yt_badval(n, e, "expected a seed of 0 or more");
    m->seed = (uint64_t)k;
  }
  return 0;
}

/* `{design: FILE, set: {DENSITY: 0.1, W: 1K}}`: a mapping file, relative to
** the sweep file's folder, with --set values for every point; stored under
** FILE's name without its folder and .yaml, then " NAME=VALUE" per set, so
** that the report draws each set as a design of its own. */
static int load_design_set(rs_sweep *s, size_t i, const yt_node *x, at_err *e) {
  static const char *const keys[] = { "design", "set", NULL };
  const yt_node *n, *set;
  const char *v;
  rs_design_set *d = &s->dset[i];
  if (yt_check_keys(x, keys, e) || yt_get(x, "design", &n, e) || yt_str(n, &v, e)) return -1;
  if (strlen(v) >= 240) return yt_badval(n, e, "mapping file path too long");
  char *dir = at_dirname(yt_file(n));
  d->file = dir ? at_path_join(dir, v) : NULL;
  free(dir);
  if (!d->file) return at_errf(e, "out of memory");
  const char *base = strrchr(v, '/') ? strrchr(v, '/') + 1 : v;
  size_t bl = strlen(base);
  if (bl > 5 && !strcmp(base + bl - 5, ".yaml")) bl -= 5;
  char name[RS_SWEEP_NAME_MAX];
  int k = snprintf(name, sizeof name, "%.*s", (int)bl, base);
  if ((set = yt_find(x, "set"))) {
    if (yt_expect_map(set, e)) return -1;
    if (yt_len(set) == 0 || yt_len(set) > WL_MAX_SET)
      return yt_errf(set, e, "expected 1 to %d NAME: VALUE entries", WL_MAX_SET);
    for (size_t j = 0; j < yt_len(set); j++) {
      const char *key = yt_key(set, j), *val = yt_scalar(yt_at(set, j));
      const yt_node *vn = yt_at(set, j);
      size_t kl = strlen(key);
      if (kl == 0 || kl >= sizeof d->set[0].name || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") != kl)
        return yt_errf(yt_key_node(set, j), e, "expected a size name of at most %d letters, digits and _",
                       (int)sizeof d->set[0].name - 1);
      wl_size *z = &d->set[d->nset++];
      memcpy(z->name, key, kl + 1);
      at_err e2;
      double f;
      if (val && !wl_parse_seq(val, &z->value, &e2)) {
        z->density = 0;
      } else if (val && val[0] == '0' && val[1] == '.' && !yt_double(vn, &f, &e2) && f > 0 && f < 1) {
        z->value = 0;
        z->density = f;
      } else {
        return yt_badval(vn, e, "expected a positive size (64, 4K) or a density 0.DIGITS");
      }
      if (k < (int)sizeof name) k += snprintf(name + k, sizeof name - (size_t)k, " %s=%s", key, val);
    }
  }
  if (k >= (int)sizeof name) return yt_errf(x, e, "design name with its sets too long");
  if (!(s->designs[i] = strdup(name))) return at_errf(e, "out of memory");
  return 0;
}

static int load_designs(rs_sweep *s, const yt_node *n, at_err *e) {
  size_t len;
  if (list_len(n, &len, e)) return -1;
  s->designs = calloc(len, sizeof *s->designs);
  s->design_where = calloc(len, sizeof *s->design_where);
  s->mapped = calloc(len, sizeof *s->mapped);
  s->dset = calloc(len, sizeof *s->dset);
  if (!s->designs || !s->design_where || !s->mapped || !s->dset) return at_errf(e, "out of memory");
  for (size_t i = 0; i < len; i++) {
    const yt_node *x = list_at(n, i);
    const char *v;
    s->ndesigns = (int)i + 1;
    if (yt_node_kind(x) == YT_MAP && yt_find(x, "design")) {
      if (load_design_set(s, i, x, e)) return -1;
    } else if (yt_node_kind(x) == YT_MAP) {
      if (load_mapped(s, i, x, e)) return -1;
    } else {
      if (yt_str(x, &v, e)) return -1;
      if (strlen(v) >= 256) return yt_badval(x, e, "design name or path too long");
      if (!(s->designs[i] = strdup(v))) return at_errf(e, "out of memory");
    }
    at_err where;
    at_errloc(&where, yt_file(x), yt_line(x), yt_col(x), "%s", yt_path(x));
    if (!(s->design_where[i] = strdup(where.msg))) return at_errf(e, "out of memory");
  }
  return check_dups(n, s->designs, len, sizeof *s->designs, cmp_str, e);
}

static int load_models(rs_sweep *s, const yt_node *n, at_err *e) {
  size_t len;
  if (list_len(n, &len, e)) return -1;
  if (!(s->models = calloc(len, sizeof *s->models))) return at_errf(e, "out of memory");
  for (size_t i = 0; i < len; i++) {
    const yt_node *x = list_at(n, i);
    const char *v;
    at_err e2;
    if (yt_str(x, &v, e)) return -1;
    if (wl_find(v, NULL, &s->models[i], &e2)) return yt_errf(x, e, "%s", e2.msg);
    s->nmodels = (int)i + 1;
  }
  return check_dups(n, s->models, len, sizeof *s->models, cmp_model, e);
}

static int load_seqs(rs_sweep *s, const yt_node *n, at_err *e) {
  size_t len;
  if (list_len(n, &len, e)) return -1;
  if (!(s->seqs = calloc(len, sizeof *s->seqs))) return at_errf(e, "out of memory");
  for (size_t i = 0; i < len; i++) {
    const yt_node *x = list_at(n, i);
    const char *v = yt_scalar(x);
    at_err e2;
    if (!v) return yt_badval(x, e, "expected a sequence length such as 1024, 1K or 1M");
    if (wl_parse_seq(v, &s->seqs[i], &e2))
      return yt_badval(x, e, "expected a sequence length such as 1024, 1K or 1M");
    s->nseqs = (int)i + 1;
  }
  return check_dups(n, s->seqs, len, sizeof *s->seqs, cmp_i64, e);
}

/* `arch:` — the product of per-parameter lists, the first key varying
** slowest. */
static int load_arch(rs_sweep *s, const yt_node *map, at_err *e) {
  if (yt_check_keys(map, vkeys, e)) return -1;
  if (yt_len(map) == 0) return yt_errf(map, e, "empty mapping: give at least one of rows_2d, "
                                       "cols_2d, width_1d, buffer, bandwidth");
  const yt_node *lists[V_COUNT];
  size_t lens[V_COUNT];
  int64_t total = 1;
  for (int k = 0; k < V_COUNT; k++) {
    lists[k] = yt_find(map, vkeys[k]);
    lens[k] = 1;
    if (lists[k] && list_len(lists[k], &lens[k], e)) return -1;
    if (at_smul64(total, (int64_t)lens[k], &total) || total > RS_SWEEP_MAX_POINTS)
      return yt_errf(map, e, "more than %lld variants", RS_SWEEP_MAX_POINTS);
  }
  /* Each list alone must be free of duplicates; then the product is too. */
  for (int k = 0; k < V_COUNT; k++) {
    if (!lists[k]) continue;
    sim_overrides *one = calloc(lens[k], sizeof *one);
    if (!one) return at_errf(e, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < lens[k] && !rc; i++) rc = param(list_at(lists[k], i), k, &one[i], e);
    if (!rc) rc = check_dups(lists[k], one, lens[k], sizeof *one, cmp_ov, e);
    free(one);
    if (rc) return -1;
  }
  if (!(s->variants = calloc((size_t)total, sizeof *s->variants))) return at_errf(e, "out of memory");
  for (int64_t v = 0; v < total; v++) {
    int64_t rest = v;
    for (int k = V_COUNT - 1; k >= 0; k--) {
      size_t i = (size_t)(rest % (int64_t)lens[k]);
      rest /= (int64_t)lens[k];
      if (lists[k] && param(list_at(lists[k], i), k, &s->variants[v], e)) return -1;
    }
  }
  s->nvariants = (int)total;
  return 0;
}

/* `variants:` — a list of override sets. */
static int load_variants(rs_sweep *s, const yt_node *n, at_err *e) {
  size_t len = 0;
  if (yt_expect_seq(n, e) || list_len(n, &len, e)) return -1;
  if (len > (size_t)RS_SWEEP_MAX_POINTS) return yt_errf(n, e, "too many variants");
  if (!(s->variants = calloc(len, sizeof *s->variants))) return at_errf(e, "out of memory");
  for (size_t i = 0; i < len; i++) {
    const yt_node *x = yt_at(n, i);
    if (yt_check_keys(x, vkeys, e)) return -1;
    if (yt_len(x) == 0) return yt_errf(x, e, "empty variant: give at least one of rows_2d, "
                                       "cols_2d, width_1d, buffer, bandwidth");
    for (int k = 0; k < V_COUNT; k++) {
      const yt_node *v = yt_find(x, vkeys[k]);
      if (v && param(v, k, &s->variants[i], e)) return -1;
    }
    s->nvariants = (int)i + 1;
  }
  return check_dups(n, s->variants, len, sizeof *s->variants, cmp_ov, e);
}

/* One product (the whole file, or one entry of `parts:`) into s's lists. */
static int load_product(rs_sweep *s, const yt_node *root, at_err *e) {
  const yt_node *n;
  if (yt_get(root, "designs", &n, e) || load_designs(s, n, e)) return -1;
  if (yt_get(root, "models", &n, e) || load_models(s, n, e)) return -1;
  if (yt_get(root, "seq_lens", &n, e) || load_seqs(s, n, e)) return -1;
  const yt_node *arch = yt_find(root, "arch"), *var = yt_find(root, "variants");
  if (arch && var) return yt_errf(var, e, "give either arch (a product of lists) or variants (a list), not both");
  if (arch) {
    if (yt_expect_map(arch, e) || load_arch(s, arch, e)) return -1;
  } else if (var) {
    if (load_variants(s, var, e)) return -1;
  } else {
    if (!(s->variants = calloc(1, sizeof *s->variants))) return at_errf(e, "out of memory");
    s->nvariants = 1;
  }
  int64_t total = s->ndesigns;
  if (at_smul64(total, s->nmodels, &total) || at_smul64(total, s->nseqs, &total) ||
      at_smul64(total, s->nvariants, &total) || total > RS_SWEEP_MAX_POINTS)
    return yt_errf(root, e, "more than %lld points", RS_SWEEP_MAX_POINTS);
  s->npoints = total;
  return 0;
}

/* Grows *v (n items of size bytes) by the m items of add. */
static int concat(void *v, size_t n, const void *add, size_t m, size_t size) {
  void **p = v;
  char *x = realloc(*p, (n + m) * size + 1);
  if (!x) return -1;
  if (m) memcpy(x + n * size, add, m * size);
  *p = x;
  return 0;
}

/* Moves part t's lists to the end of s's and records the part. */
static int add_part(rs_sweep *s, rs_sweep *t, at_err *e) {
  rs_sweep_part pt = { s->ndesigns, t->ndesigns, s->nmodels, t->nmodels, s->nseqs, t->nseqs,
                       s->nvariants, t->nvariants, s->npoints, t->npoints };
  if (s->npoints + t->npoints > RS_SWEEP_MAX_POINTS) return at_errf(e, "%s: more than %lld points", s->file, RS_SWEEP_MAX_POINTS);
  size_t nd = (size_t)s->ndesigns, md = (size_t)t->ndesigns;
  if (concat(&s->designs, nd, t->designs, md, sizeof *s->designs) ||
      concat(&s->design_where, nd, t->design_where, md, sizeof *s->design_where) ||
      concat(&s->mapped, nd, t->mapped, md, sizeof *s->mapped) ||
      concat(&s->dset, nd, t->dset, md, sizeof *s->dset) ||
      concat(&s->models, (size_t)s->nmodels, t->models, (size_t)t->nmodels, sizeof *s->models) ||
      concat(&s->seqs, (size_t)s->nseqs, t->seqs, (size_t)t->nseqs, sizeof *s->seqs) ||
      concat(&s->variants, (size_t)s->nvariants, t->variants, (size_t)t->nvariants, sizeof *s->variants) ||
      concat(&s->parts, (size_t)s->nparts, &pt, 1, sizeof pt))
    return at_errf(e, "out of memory");
  /* the strings now belong to s; a mapped design's base points into its name */
  for (size_t i = 0; i < md; i++)
    if (s->mapped[nd + i].on) s->mapped[nd + i].base = s->designs[nd + i] + 7;
  t->ndesigns = 0;
  s->ndesigns += pt.ndesigns;
  s->nmodels += pt.nmodels;
  s->nseqs += pt.nseqs;
  s->nvariants += pt.nvariants;
  s->npoints += pt.npoints;
  s->nparts++;
  return 0;
}

int rs_sweep_load(const char *path, rs_sweep **out, at_err *e) {
  static const char *const keys[] = { "name", "description", "designs", "models", "seq_lens",
                                      "arch", "variants", "parts", NULL };
  static const char *const pkeys[] = { "designs", "models", "seq_lens", "arch", "variants", NULL };
  *out = NULL;
  yt_doc *doc;
  if (yt_load(path, &doc, e)) return -1;
  rs_sweep *s = calloc(1, sizeof *s), *t = NULL;
  if (!s || !(s->file = strdup(path))) { free(s); yt_free(doc); return at_errf(e, "out of memory"); }
  const yt_node *root = yt_root(doc), *parts;
  const char *text;
  /* name and description are for people; they must still be text. */
  if (yt_check_keys(root, keys, e) || yt_opt_str(root, "name", &text, e) < 0 ||
      yt_opt_str(root, "description", &text, e) < 0)
    goto fail;
  if ((parts = yt_find(root, "parts"))) {
    for (int k = 0; pkeys[k]; k++)
      if (yt_find(root, pkeys[k])) {
        yt_errf(yt_find(root, pkeys[k]), e, "give the lists inside each of parts, not beside them");
        goto fail;
      }
    if (yt_expect_seq(parts, e)) goto fail;
    if (yt_len(parts) == 0) { yt_errf(parts, e, "empty list"); goto fail; }
  }
  for (size_t i = 0; i < (parts ? yt_len(parts) : 1); i++) {
    const yt_node *p = parts ? yt_at(parts, i) : root;
    if (parts && yt_check_keys(p, pkeys, e)) goto fail;
    if (!(t = calloc(1, sizeof *t)) || !(t->file = strdup(path))) { at_errf(e, "out of memory"); goto fail; }
    if (load_product(t, p, e) || add_part(s, t, e)) goto fail;
    rs_sweep_free(t);
    t = NULL;
  }
  yt_free(doc);
  *out = s;
  return 0;
fail:
  yt_free(doc);
  rs_sweep_free(t);
  rs_sweep_free(s);
  return -1;
}

void rs_sweep_free(rs_sweep *s) {
  if (!s) return;
  for (int i = 0; i < s->ndesigns; i++) {
    free(s->designs[i]);
    free(s->design_where[i]);
    if (s->dset) free(s->dset[i].file);
  }
  free(s->designs);
  free(s->design_where);
  free(s->mapped);
  free(s->dset);
  free(s->parts);
  free(s->models);
  free(s->seqs);
  free(s->variants);
  free(s->file);
  free(s);
}

rs_sweep_point rs_sweep_at(const rs_sweep *s, int64_t i) {
  int k = 0;
  while (k + 1 < s->nparts && i >= s->parts[k + 1].first) k++;
  const rs_sweep_part *t = &s->parts[k];
  i -= t->first;
  rs_sweep_point p;
  p.variant = t->variant0 + (int)(i % t->nvariants);
  i /= t->nvariants;
  p.seq = t->seq0 + (int)(i % t->nseqs);
  i /= t->nseqs;
  p.model = t->model0 + (int)(i % t->nmodels);
  p.design = t->design0 + (int)(i / t->nmodels);
  return p;
}
