/*
** bind.c: giving a checked cascade its sizes.  A binding names upper-case
** ranks ("M=4096,M0=256"); split parts left unnamed are derived from their
** parent, and a split whose sizes do not divide is reported at its `split`
** statement.
*/
#include "einsum_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int es_find_rank(const es_cascade *c, const char *size_name) {
  for (int r = 0; r < c->nranks; r++)
    if (strcmp(c->ranks[r].name, size_name) == 0) return r;
  return -1;
}

int es_find_tensor(const es_cascade *c, const char *name) {
  for (int t = 0; t < c->ntensors; t++)
    if (strcmp(c->tensors[t].name, name) == 0) return t;
  return -1;
}

int es_binding_set(es_binding *b, const char *name, int64_t value, at_err *e) {
  size_t n = strlen(name);
  if (n == 0 || n >= ES_MAX_NAME) return at_errf(e, "--set: bad rank name '%s'", name);
  for (int i = 0; i < b->n; i++)
    if (strcmp(b->name[i], name) == 0) { b->value[i] = value; return 0; }
  if (b->n == ES_MAX_RANKS) return at_errf(e, "--set: more than %d sizes", ES_MAX_RANKS);
  memcpy(b->name[b->n], name, n + 1);
  b->value[b->n++] = value;
  return 0;
}

int es_binding_parse(const char *spec, es_binding *b, at_err *e) {
  const char *s = spec;
  while (*s) {
    const char *eq = strchr(s, '=');
    const char *comma = strchr(s, ',');
    if (!comma) comma = s + strlen(s);
    if (!eq || eq > comma || eq == s)
      return at_errf(e, "--set: expected NAME=SIZE in '%.*s'", (int)(comma - s), s);
    char name[ES_MAX_NAME], val[64];
    if ((size_t)(eq - s) >= sizeof name || (size_t)(comma - eq - 1) >= sizeof val)
      return at_errf(e, "--set: '%.*s' is too long", (int)(comma - s), s);
    memcpy(name, s, (size_t)(eq - s));
    name[eq - s] = 0;
    memcpy(val, eq + 1, (size_t)(comma - eq - 1));
    val[comma - eq - 1] = 0;
    for (char *q = name; *q; q++)
      if (!isalnum((unsigned char)*q) && *q != '_') return at_errf(e, "--set: bad rank name '%s'", name);
    int64_t v;
    if (at_parse_size(val, &v) || v <= 0)
      return at_errf(e, "--set: %s=%s is not a positive size (examples: 64, 4K, 1M)", name, val);
    if (es_binding_set(b, name, v, e)) return -1;
    s = *comma ? comma + 1 : comma;
  }
  return 0;
}

int es_bind(es_cascade *c, const es_binding *b, at_err *e) {
  for (int r = 0; r < c->nranks; r++) c->ranks[r].size = 0;
  c->bound = 0;
  for (int i = 0; i < b->n; i++) {
    int r = es_find_rank(c, b->name[i]);
    if (r < 0) return at_errf(e, "--set: %s has no rank named '%s'", c->file, b->name[i]);
    if (b->value[i] <= 0) return at_errf(e, "--set: %s must be positive", b->name[i]);
    c->ranks[r].size = b->value[i];
  }
  /* Derive unknown split sizes until nothing changes: a split of a split
     part ("split m0 = m01 * m00") can need its parts' sizes before its
     parent's, so one sweep in declaration order is not enough. */
  for (int changed = 1; changed;) {
    changed = 0;
    for (int r = 0; r < c->nranks; r++) {
      es_rank *R = &c->ranks[r];
      if (R->outer < 0) continue;
      es_rank *O = &c->ranks[R->outer], *I = &c->ranks[R->inner];
      const char *f = c->file;
      int ln = R->loc.line, co = R->loc.col;
      if (!R->size && O->size && I->size) {
        if (at_smul64(O->size, I->size, &R->size))
          return at_errloc(e, f, ln, co, "%s = %s * %s overflows", R->name, O->name, I->name);
        changed = 1;
      } else if (R->size && I->size && !O->size) {
        if (R->size % I->size)
          return at_errloc(e, f, ln, co, "%s (%lld) is not a multiple of %s (%lld)", R->name,
                           (long long)R->size, I->name, (long long)I->size);
        O->size = R->size / I->size;
        changed = 1;
      } else if (R->size && O->size && !I->size) {
        if (R->size % O->size)
          return at_errloc(e, f, ln, co, "%s (%lld) is not a multiple of %s (%lld)", R->name,
                           (long long)R->size, O->name, (long long)O->size);
        I->size = R->size / O->size;
        changed = 1;
      }
    }
  }
  for (int r = 0; r < c->nranks; r++) {
    const es_rank *R = &c->ranks[r];
    if (R->outer < 0) continue;
    const es_rank *O = &c->ranks[R->outer], *I = &c->ranks[R->inner];
    const char *f = c->file;
    int ln = R->loc.line, co = R->loc.col;
    if (R->size && O->size && I->size) {
      int64_t prod;
      if (at_smul64(O->size, I->size, &prod) || prod != R->size)
        return at_errloc(e, f, ln, co, "%s (%lld) is not %s * %s (%lld * %lld)", R->name,
                         (long long)R->size, O->name, I->name, (long long)O->size, (long long)I->size);
    } else if (R->size) {
      return at_errloc(e, f, ln, co, "split of %s needs the size of %s or %s (e.g. --set %s=...)",
                       R->name, O->name, I->name, I->name);
    }
  }
  for (int r = 0; r < c->nranks; r++)
    if (c->ranks[r].size <= 0)
      return at_errloc(e, c->file, c->ranks[r].loc.line, c->ranks[r].loc.col,
                       "rank %s has no size (give one with --set %s=N)", c->ranks[r].name, c->ranks[r].name);
  c->bound = 1;
  return 0;
}
