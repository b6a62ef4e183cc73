/*
** accounting.c: loading accountings and their variants (sim/accounting/,
** schema in sim/README.md "Accountings").  A variant is data: per design,
** which files and settings replace the default model's.  Nothing here
** knows a design; a variant names the designs it changes.
*/
#include "paper.h"
#include "ytree.h"

#include <stdlib.h>
#include <string.h>

/* NAMES-BEGIN: the knobs' field names ("arch" is a field, as in a mapping file) */
const char *const paper_knob_name[PAPER_K_COUNT + 1] = { "mapping", "arch", "energy", "buffer", "price_buffer_at",
                                                          "regfile", "timeloop_elision", NULL };
/* NAMES-END */

static void variant_free(paper_variant *v) {
  for (int i = 0; i < v->n; i++)
    for (int k = 0; k < 3; k++) free(v->s[i].file[k]);
  free(v->path);
  memset(v, 0, sizeof *v);
}

void paper_accounting_free(paper_accounting *a) {
  if (!a) return;
  for (int i = 0; i < a->n; i++) variant_free(&a->v[i]);
  for (int i = 0; i < a->nothers; i++) variant_free(&a->other[i]);
  free(a->path);
  free(a);
}

/* A name or description: a non-empty scalar that fits. */
static int get_text(const yt_node *map, const char *key, char *dst, size_t n, at_err *e) {
  const char *s;
  if (yt_get_str(map, key, &s, e)) return -1;
  if (strlen(s) >= n) return yt_badval(yt_find(map, key), e, "at most %zu characters", n - 1);
  snprintf(dst, n, "%s", s);
  return 0;
}

/* One design's knobs (a map of knob: value). */
static int load_setting(const yt_node *n, const char *dir, paper_setting *s, at_err *e) {
  if (yt_check_keys(n, paper_knob_name, e)) return -1;
  for (size_t i = 0; i < yt_len(n); i++) {
    const char *key = yt_key(n, i);
    const yt_node *val = yt_at(n, i);
    int k = 0;
    while (k < PAPER_K_COUNT && strcmp(key, paper_knob_name[k])) k++;
    if (k <= PAPER_K_ENERGY) {
      const char *rel;
      if (yt_str(val, &rel, e)) return -1;
      if (!(s->file[k] = at_path_join(dir, rel))) return at_errf(e, "out of memory");
    } else if (k == PAPER_K_BUFFER || k == PAPER_K_PRICE_AT) {
      int64_t *b = k == PAPER_K_BUFFER ? &s->buffer_bytes : &s->price_at_bytes;
      if (yt_bytes(val, b, e)) return -1;
      if (*b <= 0) return yt_badval(val, e, "a buffer must have a positive size");
    } else if (k == PAPER_K_ELISION) {
      if (yt_expect_map(val, e)) return -1;
      if (yt_len(val) == 0) return yt_badval(val, e, "expected at least one TENSOR: PART");
      if (yt_len(val) > SIM_MAX_ELIDE) return yt_badval(val, e, "at most %d tensors", SIM_MAX_ELIDE);
      for (size_t j = 0; j < yt_len(val); j++) {
        const char *tn = yt_key(val, j), *part;
        if (yt_str(yt_at(val, j), &part, e)) return -1;
        if (strlen(tn) >= SIM_NAME_MAX || strlen(part) >= SIM_NAME_MAX || !*part)
          return yt_badval(yt_at(val, j), e, "a tensor and a part name of 1 to %d characters", SIM_NAME_MAX - 1);
        snprintf(s->elide_tensor[s->nelide], SIM_NAME_MAX, "%s", tn);
        snprintf(s->elide_part[s->nelide], SIM_NAME_MAX, "%s", part);
        s->nelide++;
      }
    } else {
      const char *v;
      if (yt_str(val, &v, e)) return -1;
      if (!strcmp(v, "one-pe")) s->regfile_one_pe = 1;
      else if (strcmp(v, "every-pe")) return yt_badval(val, e, "expected one-pe or every-pe");
    }
    s->set |= 1u << k;
  }
  return 0;
}

static int load_variant(const char *path, paper_variant *v, at_err *e) {
  static const char *const keys[] = { "name", "description", "designs", NULL };
  yt_doc *doc = NULL;
  char *dir = NULL;
  int rc = -1;
  memset(v, 0, sizeof *v);
  if (!(v->path = strdup(path)) || !(dir = at_dirname(path))) { at_errf(e, "out of memory"); goto done; }
  if (yt_load(path, &doc, e)) goto done;
  const yt_node *r = yt_root(doc), *ds;
  if (yt_check_keys(r, keys, e) || get_text(r, "name", v->name, sizeof v->name, e) ||
      get_text(r, "description", v->description, sizeof v->description, e) || yt_get(r, "designs", &ds, e) ||
      yt_expect_map(ds, e))
    goto done;
  if (yt_len(ds) == 0) { yt_errf(ds, e, "a variant changes at least one design"); goto done; }
  for (size_t i = 0; i < yt_len(ds); i++) {
    if (v->n == PAPER_MAX_SETTINGS) { yt_errf(yt_key_node(ds, i), e, "at most %d designs", PAPER_MAX_SETTINGS); goto done; }
    paper_setting *s = &v->s[v->n++];
    const char *dn = yt_key(ds, i);
    if (strlen(dn) >= sizeof s->design) { yt_errf(yt_key_node(ds, i), e, "design name too long"); goto done; }
    snprintf(s->design, sizeof s->design, "%s", dn);
    int known = 0;
    for (int k = 0; sim_shipped_designs[k]; k++) known |= !strcmp(dn, sim_shipped_designs[k]);
    if (!known) { yt_errf(yt_key_node(ds, i), e, "not a shipped design"); goto done; }
    if (load_setting(yt_at(ds, i), dir, s, e)) goto done;
    if (!s->set) { yt_errf(yt_at(ds, i), e, "expected at least one of mapping, arch, energy, buffer, price_buffer_at, regfile, timeloop_elision"); goto done; }
  }
  rc = 0;
done:
  yt_free(doc);
  free(dir);
  return rc;
}

/* The variants a sequence lists, each a file relative to dir. */
static int load_list(const yt_node *seq, const char *dir, paper_variant *v, int *n, at_err *e) {
  if (yt_expect_seq(seq, e)) return -1;
  for (size_t i = 0; i < yt_len(seq); i++) {
    const char *rel;
    if (yt_str(yt_at(seq, i), &rel, e)) return -1;
    if (*n == PAPER_MAX_VARIANTS) return yt_errf(yt_at(seq, i), e, "at most %d variants", PAPER_MAX_VARIANTS);
    char *p = at_path_join(dir, rel);
    if (!p) return at_errf(e, "out of memory");
    int rc = load_variant(p, &v[*n], e);   /* its own FILE:LINE:COL */
    free(p);
    (*n)++;
    if (rc) return -1;
    for (int j = 0; j < *n - 1; j++)
      if (!strcmp(v[j].name, v[*n - 1].name))
        return yt_errf(yt_at(seq, i), e, "variant '%s' is listed twice", v[j].name);
  }
  return 0;
}

/* Two variants applied together may not set one knob of one design. */
static int check_disjoint(const yt_node *at, const paper_accounting *a, at_err *e) {
  for (int i = 0; i < a->n; i++)
    for (int j = i + 1; j < a->n; j++)
      for (int x = 0; x < a->v[i].n; x++)
        for (int y = 0; y < a->v[j].n; y++) {
          const paper_setting *s = &a->v[i].s[x], *t = &a->v[j].s[y];
          unsigned both = s->set & t->set;
          if (strcmp(s->design, t->design) || !both) continue;
          int k = __builtin_ctz(both);
          return yt_errf(at, e, "variants '%s' and '%s' both set %s of design %s", a->v[i].name, a->v[j].name,
                         paper_knob_name[k], s->design);
        }
  return 0;
}

int paper_accounting_load(const char *name_or_path, paper_accounting **out, at_err *e) {
  static const char *const keys[] = { "name", "description", "variants", "others", NULL };
  *out = NULL;
  char *path = NULL, *dir = NULL;
  size_t len = strlen(name_or_path);
  int by_name = !strchr(name_or_path, '/') && !(len > 5 && !strcmp(name_or_path + len - 5, ".yaml"));
  if (!by_name) {
    path = strdup(name_or_path);
  } else {
    if (!len || len > 64 || strspn(name_or_path, "abcdefghijklmnopqrstuvwxyz0123456789-_") != len)
      return at_errf(e, "--accounting: expected a name (letters, digits, - or _) or a .yaml file, got '%s'",
                     name_or_path);
    char rel[96];
    snprintf(rel, sizeof rel, "sim/accounting/%s.yaml", name_or_path);
    path = at_path_join(at_data_dir(), rel);
  }
  paper_accounting *a = calloc(1, sizeof *a);
  yt_doc *doc = NULL;
  int rc = -1;
  if (!path || !a || !(dir = at_dirname(path))) { at_errf(e, "out of memory"); goto done; }
  a->path = path;
  path = NULL;
  if (yt_load(a->path, &doc, e)) {
    if (by_name) {
      at_err inner = *e;   /* a name: say which */
      at_errf(e, "--accounting: no accounting named '%s' (%s)", name_or_path, inner.msg);
    }
    goto done;
  }
  const yt_node *r = yt_root(doc), *vs, *os = NULL;
  char desc[160];
  if (yt_check_keys(r, keys, e) || get_text(r, "name", a->name, sizeof a->name, e) ||
      get_text(r, "description", desc, sizeof desc, e) || yt_get(r, "variants", &vs, e) ||
      load_list(vs, dir, a->v, &a->n, e) || ((os = yt_find(r, "others")) && load_list(os, dir, a->other, &a->nothers, e)) ||
      check_disjoint(vs, a, e))
    goto done;
  if (!a->n) { yt_errf(vs, e, "an accounting lists at least one variant"); goto done; }
  rc = 0;
done:
  yt_free(doc);
  free(dir);
  free(path);
  if (rc) paper_accounting_free(a);
  else *out = a;
  return rc;
}
