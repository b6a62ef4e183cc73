/*
** write.c: serializing an in-memory mapping back to a mapping file that
** map_load() reads into the same mapping (map_same()).  Flow style, one
** field a line; paths are written relative to the new file's folder;
** expressions are written from their terms ("B * H"), select nodes as
** `{select: COLUMN, CASE: value, ...}`.  The file appears whole or not at
** all (written beside it, then renamed).
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "map_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *map_term_str(const map_term *t, char *buf, size_t cap) {
  switch (t->kind) {
  case MX_NUM: {
    if (t->den == 1) { snprintf(buf, cap, "%lld", (long long)t->num); break; }
    /* a decimal when den divides a power of ten, else a quotient */
    int64_t d = t->den, scale = 1;
    int k = 0;
    while (d % 10 == 0) { d /= 10; scale *= 10; k++; }
    while (d % 2 == 0 && k < 18) { d /= 2; scale *= 10; k++; }
    while (d % 5 == 0 && k < 18) { d /= 5; scale *= 10; k++; }
    int64_t n;
    if (d != 1 || at_smul64(t->num, scale / t->den, &n)) {
      snprintf(buf, cap, "%lld / %lld", (long long)t->num, (long long)t->den);
      break;
    }
    snprintf(buf, cap, "%lld.%0*lld", (long long)(n / scale), k & 31, (long long)(n % scale));
    break;
  }
  case MX_CFG: snprintf(buf, cap, "config.%s", map_col_name[t->idx]); break;
  case MX_ROWS: snprintf(buf, cap, "%s.rows", t->name); break;
  case MX_COLS: snprintf(buf, cap, "%s.cols", t->name); break;
  case MX_RANK:
  case MX_SET: snprintf(buf, cap, "%s", t->name); break;
  default: snprintf(buf, cap, "%s", t->kind <= MX_WL_LAST ? map_wl_name[t->kind] : "?"); break;
  }
  return buf;
}

const char *map_expr_str(const map_phase *ph, const map_expr *x, char *buf, size_t cap) {
  (void)ph;
  if (x->special) {
    snprintf(buf, cap, "%s", x->special == MAP_REST ? "rest" : x->special == MAP_FIT ? "fit" : "ceil");
    return buf;
  }
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < x->nterm && n < cap; i++) {
    char tok[48];
    map_term_str(&x->t[i], tok, sizeof tok);
    n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? (x->t[i].op == '/' ? " / " : " * ") : "", tok);
  }
  return buf;
}

typedef struct wctx {
  FILE *f;
  const map_spec *m;
  const map_phase *ph;
  const es_cascade *c;
} wctx;

enum { K_EXPR, K_LIST, K_SPATIAL, K_ENTRY, K_STORE, K_PIPE };

static void w_node(wctx *w, int kind, int idx);

static void w_list(wctx *w, const map_list *l) {
  if (l->scalar) { fputs(l->n ? w->ph->part[l->part[0]].name : "none", w->f); return; }
  fputc('[', w->f);
  for (int i = 0; i < l->n; i++) fprintf(w->f, "%s%s", i ? ", " : "", w->ph->part[l->part[i]].name);
  fputc(']', w->f);
}

static void w_spatial(wctx *w, const map_spatial *s) {
  static const char *const k[] = { "rows", "cols" };
  fputc('{', w->f);
  int first = 1;
  for (int i = 0; i < 2; i++) {
    if (!s->n[i]) continue;
    fprintf(w->f, "%s%s: %s", first ? "" : ", ", k[i], s->listed[i] ? "[" : "");
    for (int j = 0; j < s->n[i]; j++) fprintf(w->f, "%s%s", j ? ", " : "", w->ph->part[s->part[i][j]].name);
    if (s->listed[i]) fputc(']', w->f);
    first = 0;
  }
  if (s->fold) fprintf(w->f, "%sfold: true", first ? "" : ", ");
  fputc('}', w->f);
}

/* The tensor the phase's x-th Einsum writes. */
static const char *nth_einsum(const wctx *w, int x) {
  for (int xi = 0, k = 0; xi < w->c->neinsums; xi++) {
    if (w->c->einsums[xi].is_init || w->ph->entry[xi] < 0) continue;
    if (k++ == x) return w->c->tensors[w->c->einsums[xi].lhs.tensor].name;
  }
  return "?";
}

static void w_node(wctx *w, int kind, int idx) {
  const map_phase *ph = w->ph;
  int sel = kind == K_EXPR ? ph->expr[idx].sel : kind == K_LIST ? ph->list[idx].sel : kind == K_SPATIAL ? ph->sp[idx].sel
          : kind == K_ENTRY ? ph->ent[idx].sel : kind == K_STORE ? ph->sto[idx].sel : ph->pip[idx].sel;
  if (sel >= 0) {
    const map_sel *s = &ph->sel[sel];
    fprintf(w->f, "{select: %s", map_col_name[s->col]);
    for (int i = 0; i < s->ncase; i++) {
      fprintf(w->f, ", %s: ", s->key[i]);
      w_node(w, kind, s->val[i]);
    }
    fputc('}', w->f);
    return;
  }
  char buf[400];
  static const char *const home[] = { "regs", "buffer", "dram" };
  static const char *const pol[] = { "sequential", "pipelined", "interleaved" };
  switch (kind) {
  case K_EXPR: fputs(map_expr_str(ph, &ph->expr[idx], buf, sizeof buf), w->f); break;
  case K_LIST: w_list(w, &ph->list[idx]); break;
  case K_SPATIAL: w_spatial(w, &ph->sp[idx]); break;
  case K_ENTRY: {
    const map_entry *x = &ph->ent[idx];
    if (!x->full) { fputs(x->array, w->f); break; }
    fprintf(w->f, "{array: %s", x->array);
    if (x->loops >= 0) { fputs(", loops: ", w->f); w_node(w, K_LIST, x->loops); }
    if (x->spatial >= 0) { fputs(", spatial: ", w->f); w_node(w, K_SPATIAL, x->spatial); }
    fputc('}', w->f);
    break;
  }
  case K_STORE: {
    const map_store *s = &ph->sto[idx];
    if (!s->full) { fputs(home[s->home], w->f); break; }
    fprintf(w->f, "{home: %s", home[s->home]);
    if (s->keep >= 0) { fputs(", keep_at: ", w->f); w_node(w, K_LIST, s->keep); }
    if (s->spill >= 0) { fputs(", spill: ", w->f); w_node(w, K_EXPR, s->spill); }
    if (s->alias >= 0) fprintf(w->f, ", alias: %s", w->c->tensors[s->alias].name);
    if (s->forward) {
      fputs(", forward: [", w->f);
      for (int x = 0, first = 1; x < 64; x++)
        if (s->forward >> x & 1) { fprintf(w->f, "%s%s", first ? "" : ", ", nth_einsum(w, x)); first = 0; }
      fputc(']', w->f);
    }
    fputc('}', w->f);
    break;
  }
  default: {
    const map_pipe *p = &ph->pip[idx];
    if (!p->full) { fputs(pol[p->policy], w->f); break; }
    fprintf(w->f, "{policy: %s", pol[p->policy]);
    if (p->epoch >= 0) { fputs(", epoch: ", w->f); w_node(w, K_LIST, p->epoch); }
    if (p->window) fprintf(w->f, ", window: %d", p->window);
    if (p->prefetch >= 0) fprintf(w->f, ", prefetch: %d", p->prefetch);
    fputc('}', w->f);
  }
  }
}

/* A double-quoted YAML scalar. */
static void w_quoted(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch < 0x20) fprintf(f, "\\x%02x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

/* `to` relative to the folder `from_dir` when both resolve and share more
** than the root; else absolute (or as given, when it does not resolve). */
static void rel_path(const char *from_dir, const char *to, char *out, size_t cap) {
  char *a = realpath(from_dir, NULL), *b = realpath(to, NULL);
  if (!a || !b) {
    snprintf(out, cap, "%s", b ? b : to);
    free(a);
    free(b);
    return;
  }
  size_t i = 0, common = 0;
  while (a[i] && a[i] == b[i]) {
    if (a[i] == '/') common = i;
    i++;
  }
  if (!a[i] && b[i] == '/') common = i;
  if (common == 0) {          /* nothing shared but the root: absolute is clearer */
    snprintf(out, cap, "%s", b);
    free(a);
    free(b);
    return;
  }
  out[0] = 0;
  size_t n = 0;
  for (const char *q = a + common; *q; q++)
    if (*q == '/') n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "../");
  snprintf(out + (n < cap ? n : cap - 1), n < cap ? cap - n : 1, "%s", b + common + 1);
  free(a);
  free(b);
}

static void w_phase(wctx *w, const char *dir, int i) {
  const map_phase *ph = w->ph;
  const es_cascade *c = w->c;
  FILE *f = w->f;
  char path[PATH_MAX];
  rel_path(dir, w->m->cascade_path[i], path, sizeof path);
  fprintf(f, "  - ");
  if (ph->named) fprintf(f, "name: %s\n    ", ph->name);
  fprintf(f, "cascade: %s\n", path);
  if (ph->batch >= 0) { fputs("    batch: ", f); w_node(w, K_EXPR, ph->batch); fputc('\n', f); }
  fputs("    sizes: {", f);
  for (int k = 0; k < ph->nsize; k++) {
    int r = ph->size_rank[k];
    fprintf(f, "%s%s: ", k ? ", " : "", r >= 0 ? c->ranks[r].name : c->params[MAP_SIZE_PARAM(r)].name);
    w_node(w, K_EXPR, ph->size_expr[k]);
  }
  fputs("}\n", f);
  if (ph->ntiled) {
    fputs("    tiling:\n", f);
    for (int t = 0; t < ph->ntiled; t++) {
      fprintf(f, "      %s: {", ph->tiled[t].key);
      for (int p = ph->tiled[t].first; p < ph->tiled[t].first + ph->tiled[t].n; p++) {
        fprintf(f, "%s%s: ", p > ph->tiled[t].first ? ", " : "", ph->part[p].name);
        w_node(w, K_EXPR, ph->part[p].expr);
      }
      fputs("}\n", f);
    }
  }
  if (ph->loops >= 0) { fputs("    loops: ", f); w_node(w, K_LIST, ph->loops); fputc('\n', f); }
  if (ph->has_spatial || ph->nspatial) {
    fputs(ph->nspatial ? "    spatial:\n" : "    spatial: {}\n", f);
    for (int k = 0; k < ph->nspatial; k++) {
      fprintf(f, "      %s: ", ph->spatial_array[k]);
      w_node(w, K_SPATIAL, ph->spatial[k]);
      fputc('\n', f);
    }
  }
  fputs("    einsums:\n", f);
  for (int k = 0; k < ph->nentry_order; k++) {
    int xi = ph->entry_order[k];
    fprintf(f, "      %s: ", c->tensors[c->einsums[xi].lhs.tensor].name);
    w_node(w, K_ENTRY, ph->entry[xi]);
    fputc('\n', f);
  }
  if (ph->has_storage || ph->nstore_order) {
    fputs(ph->nstore_order ? "    storage:\n" : "    storage: {}\n", f);
    for (int k = 0; k < ph->nstore_order; k++) {
      int t = ph->store_order[k];
      fprintf(f, "      %s: ", t < 0 ? "default" : c->tensors[t].name);
      w_node(w, K_STORE, t < 0 ? ph->store_default : ph->store[t]);
      fputc('\n', f);
    }
  }
  if (ph->pipe >= 0) { fputs("    pipeline: ", f); w_node(w, K_PIPE, ph->pipe); fputc('\n', f); }
}

int map_write(const map_spec *m, const char *path, at_err *e) {
  char *dir = at_dirname(path);
  char tmp[PATH_MAX];
  if (!dir) return at_errf(e, "out of memory");
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f) {
    free(dir);
    return at_errf(e, "%s: cannot write: %s", path, strerror(errno));
  }
  char p[PATH_MAX];
  fprintf(f, "# mapping written by attnsim; schema in mappings/README.md\n");
  fprintf(f, "design: %s\n", m->design);
  if (m->description) { fputs("description: ", f); w_quoted(f, m->description); fputc('\n', f); }
  rel_path(dir, m->arch_path, p, sizeof p);
  fprintf(f, "arch: %s\n", p);
  if (m->config_path) {
    rel_path(dir, m->config_path, p, sizeof p);
    fprintf(f, "config: {file: %s, platform: %s}\n", p, fc_platform_name(m->platform));
  }
  fputs("phases:\n", f);
  for (int i = 0; i < m->nphases; i++) {
    wctx w = { f, m, m->ph[i], m->c[i] };
    w_phase(&w, dir, i);
  }
  free(dir);
  int bad = ferror(f);
  if (fclose(f) || bad || rename(tmp, path)) {
    int err = errno;
    unlink(tmp);
    return at_errf(e, "%s: cannot write: %s", path, strerror(err));
  }
  return 0;
}
