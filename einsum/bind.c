/*
** bind.c: giving a checked cascade its sizes.  A binding names upper-case
** ranks ("M=4096,M0=256"); split parts left unnamed are derived from their
** parent, and a split whose sizes do not divide is reported at its `split`
** statement.
*/
#include "einsum_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int es_find_rank(const es_cascade *c, const char *size_name) {
  for (int r = 0; r < c->nranks; r++)
    if (strcmp(c->ranks[r].name, size_name) == 0) return r;
  return -1;
}

int es_find_param(const es_cascade *c, const char *name) {
  for (int i = 0; i < c->nparams; i++)
    if (strcmp(c->params[i].name, name) == 0) return i;
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
    if (strcmp(b->name[i], name) == 0) { b->value[i] = value; b->real[i] = (double)value; return 0; }
  if (b->n == ES_MAX_RANKS) return at_errf(e, "--set: more than %d sizes", ES_MAX_RANKS);
  memcpy(b->name[b->n], name, n + 1);
  b->real[b->n] = (double)value;
  b->value[b->n++] = value;
  return 0;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)? : what a density may be written as; %g
** prints each such value back as written but for trailing zeros. */
static int plain_decimal(const char *s) {
  if (*s == '-') s++;
  if (!isdigit((unsigned char)*s) || (s[0] == '0' && isdigit((unsigned char)s[1]))) return 0;
  while (isdigit((unsigned char)*s)) s++;
  if (*s == '.') {
    if (!isdigit((unsigned char)*++s)) return 0;
    while (isdigit((unsigned char)*s)) s++;
  }
  return *s == 0;
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
    double real = 0;
    if (at_parse_size(val, &v) || v <= 0) {
      /* a number that is not a size may still be a density (0.1): es_bind
         decides, and refuses it anywhere else with this same message */
      if (!plain_decimal(val))
        return at_errf(e, "--set: %s=%s is not a positive size (examples: 64, 4K, 1M)", name, val);
      real = strtod(val, NULL);
      v = 0;
    }
    if (es_binding_set(b, name, v, e)) return -1;
    if (!v)
      for (int i = 0; i < b->n; i++)
        if (strcmp(b->name[i], name) == 0) b->real[i] = real;
    s = *comma ? comma + 1 : comma;
  }
  return 0;
}

/* Message for a value that is not a positive integer; %g gives back what
** was written for the numbers strtod reads exactly. */
static int not_size(at_err *e, const es_binding *b, int i) {
  return at_errf(e, "--set: %s=%g is not a positive size (examples: 64, 4K, 1M)", b->name[i], b->real[i]);
}

/* The blocks of mask t at the bound sizes, or 0 if more than 2^30. */
static uint64_t mask_blocks(const es_cascade *c, const es_tensor *T) {
  uint64_t n = 1;
  for (int d = 0; d < T->ndims; d++)
    if (at_mul64(n, (uint64_t)c->ranks[T->dim[d]].size, &n) || n > ((uint64_t)1 << 30)) return 0;
  return n;
}

/* Installs bits as mask t's pattern (owning it) with its packed rows
** (es_cascade.maskrows); bits NULL drops the pattern.  Nothing changes if
** the rows cannot be allocated. */
static int set_mask(es_cascade *c, int t, unsigned char *bits, at_err *e) {
  uint64_t *rows = NULL;
  if (bits) {
    const es_tensor *T = &c->tensors[t];
    uint64_t n = mask_blocks(c, T), last = (uint64_t)c->ranks[T->dim[T->ndims - 1]].size, nrow = n / last;
    uint64_t words = (last + 63) / 64;
    if (!c->maskrows && !(c->maskrows = calloc((size_t)c->ntensors, sizeof *c->maskrows))) {
      free(bits);
      return at_errf(e, "out of memory");
    }
    rows = calloc((size_t)(nrow * words), sizeof *rows);
    if (!rows) { free(bits); return at_errf(e, "out of memory"); }
    for (uint64_t r = 0; r < nrow; r++)
      for (uint64_t k = 0; k < last; k++)
        if (bits[r * last + k]) rows[r * words + k / 64] |= (uint64_t)1 << (k % 64);
  }
  free(c->maskbits[t]);
  c->maskbits[t] = bits;
  if (c->maskrows) { free(c->maskrows[t]); c->maskrows[t] = rows; }
  return 0;
}

/* A seeded block mask: for each value of its other dims (each query tile
** of BM[m1,p1]), k = round(density * size of the first dim) blocks of the
** first dim are set, at least one, drawn by a partial Fisher-Yates shuffle
** from splitmix64 seeded with ES_MASK_SEED.  So every query tile keeps
** some key tile (softmax over nothing is 0/0), the active blocks number
** exactly k * (blocks / size of the first dim), and check, eval and the
** engines see the same pattern. */
#define ES_MASK_SEED 0x6d61736bu   /* "mask" */
static int make_mask(es_cascade *c, es_pred *q, at_err *e) {
  int t = q->mask;
  const es_tensor *T = &c->tensors[t];
  uint64_t n = mask_blocks(c, T);
  if (!n) return at_errloc(e, c->file, T->loc.line, T->loc.col, "mask %s has more than 2^30 blocks", T->name);
  uint64_t first = (uint64_t)c->ranks[T->dim[0]].size, rows = n / first;
  if (q->pattern == ES_M_FILE) {
    /* a loaded pattern survives a rebind at the same sizes */
    if (q->loaded != n || !c->maskbits[t]) {
      set_mask(c, t, NULL, e);
      q->loaded = 0;
    }
    return 0;
  }
  unsigned char *bits = calloc((size_t)n, 1);
  if (!bits) return at_errf(e, "out of memory");
  if (q->pattern != ES_M_RANDOM) {
    /* two dims: key tile m1 (first), query tile p1 (rows) */
    int64_t a = c->params[q->pa].size, w = q->pb >= 0 ? c->params[q->pb].size : 0;
    for (uint64_t m1 = 0; m1 < first; m1++)
      for (uint64_t p1 = 0; p1 < rows; p1++) {
        int64_t d = (int64_t)p1 - (int64_t)m1;
        bits[m1 * rows + p1] = q->pattern == ES_M_STRIDE ? d >= 0 && d % a == 0
                                                         : (int64_t)m1 < a || (d >= 0 && d < w);
      }
    return set_mask(c, t, bits, e);
  }
  uint64_t k = (uint64_t)floor(c->params[q->pa].density * (double)first + 0.5);
  if (k < 1) k = 1;
  if (k > first) k = first;
  uint32_t *perm = malloc(sizeof *perm * (size_t)first);
  if (!perm) { free(bits); return at_errf(e, "out of memory"); }
  at_rng rng = { ES_MASK_SEED };
  for (uint64_t row = 0; row < rows; row++) {
    for (uint64_t i = 0; i < first; i++) perm[i] = (uint32_t)i;
    for (uint64_t i = 0; i < k; i++) {
      uint64_t j = i + at_rng_next(&rng) % (first - i);
      uint32_t x = perm[i]; perm[i] = perm[j]; perm[j] = x;
      bits[(uint64_t)perm[i] * rows + row] = 1;
    }
  }
  free(perm);
  return set_mask(c, t, bits, e);
}

int es_bind(es_cascade *c, const es_binding *b, at_err *e) {
  for (int r = 0; r < c->nranks; r++) c->ranks[r].size = 0;
  for (int i = 0; i < c->nparams; i++) c->params[i].size = 0, c->params[i].density = 0;
  c->bound = 0;
  int have[ES_MAX_RANKS] = { 0 };
  for (int i = 0; i < b->n; i++) {
    int r = es_find_rank(c, b->name[i]);
    int q = r < 0 ? es_find_param(c, b->name[i]) : -1;
    if (r < 0 && q < 0) return at_errf(e, "--set: %s has no rank named '%s'", c->file, b->name[i]);
    if (q >= 0 && c->params[q].kind == ES_P_DENSITY) {
      es_param *P = &c->params[q];
      if (!(b->real[i] > 0 && b->real[i] <= 1))
        return at_errloc(e, c->file, P->loc.line, P->loc.col, "density %s (%g) is not in (0, 1]", P->name, b->real[i]);
      P->density = b->real[i];
      have[q] = 1;
      continue;
    }
    if (b->value[i] <= 0) return not_size(e, b, i);
    if (r >= 0) c->ranks[r].size = b->value[i];
    else c->params[q].size = b->value[i];
  }
  /* heads QH = H * G: derive the missing one of three, check the product */
  for (int i = 0; i < c->nparams; i++) {
    es_param *P = &c->params[i];
    if (P->kind != ES_P_HEADS) continue;
    es_rank *H = &c->ranks[P->r1], *G = &c->ranks[P->r2];
    int ln = P->loc.line, co = P->loc.col;
    if (!P->size && H->size && G->size) {
      if (at_smul64(H->size, G->size, &P->size))
        return at_errloc(e, c->file, ln, co, "%s = %s * %s overflows", P->name, H->name, G->name);
    } else if (P->size && G->size && !H->size) {
      if (P->size % G->size)
        return at_errloc(e, c->file, ln, co, "%s (%lld) is not a multiple of %s (%lld): %s must divide the heads",
                         P->name, (long long)P->size, G->name, (long long)G->size, G->name);
      H->size = P->size / G->size;
    } else if (P->size && H->size && !G->size) {
      if (P->size % H->size)
        return at_errloc(e, c->file, ln, co, "%s (%lld) is not a multiple of %s (%lld)", P->name,
                         (long long)P->size, H->name, (long long)H->size);
      G->size = P->size / H->size;
    } else if (P->size && H->size && G->size) {
      int64_t prod;
      if (at_smul64(H->size, G->size, &prod) || prod != P->size)
        return at_errloc(e, c->file, ln, co, "%s (%lld) is not %s * %s (%lld * %lld)", P->name, (long long)P->size,
                         H->name, G->name, (long long)H->size, (long long)G->size);
    } else if (P->size) {
      return at_errloc(e, c->file, ln, co, "heads %s needs the size of %s or %s (e.g. --set %s=...)",
                       P->name, H->name, G->name, G->name);
    }
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
  for (int i = 0; i < c->nparams; i++) {
    es_param *P = &c->params[i];
    if (P->kind == ES_P_DENSITY ? !have[i] : P->size <= 0)
      return at_errloc(e, c->file, P->loc.line, P->loc.col, "%s %s has no %s (give one with --set %s=%s)",
                       P->kind == ES_P_DENSITY ? "density" : "param", P->name,
                       P->kind == ES_P_DENSITY ? "value" : "size", P->name, P->kind == ES_P_DENSITY ? "0.1" : "N");
  }
  for (int i = 0; i < c->npreds; i++)
    if (c->preds[i].mask >= 0) {
      if (!c->maskbits && !(c->maskbits = calloc((size_t)c->ntensors, sizeof *c->maskbits)))
        return at_errf(e, "out of memory");
      if (make_mask(c, &c->preds[i], e)) return -1;
    }
  c->bound = 1;
  return 0;
}

int es_mask_load(es_cascade *c, const char *mask, const char *path, at_err *e) {
  int t = es_find_tensor(c, mask);
  es_pred *q = NULL;
  for (int i = 0; i < c->npreds && t >= 0; i++)
    if (c->preds[i].mask == t) q = &c->preds[i];
  if (!q) return at_errf(e, "--mask: %s has no mask named '%s'", c->file, mask);
  if (q->pattern != ES_M_FILE)
    return at_errf(e, "--mask: mask %s of %s is not declared 'mask %s[..] file'", mask, c->file, mask);
  if (!c->bound) return at_errf(e, "--mask: %s needs sizes before its pattern (--set)", c->file);
  const es_tensor *T = &c->tensors[t];
  uint64_t n = mask_blocks(c, T);
  if (!n) return at_errloc(e, c->file, T->loc.line, T->loc.col, "mask %s has more than 2^30 blocks", T->name);
  uint64_t rows = (uint64_t)c->ranks[T->dim[0]].size, cols = n / rows;
  char *buf;
  size_t len;
  if (at_read_file(path, &buf, &len, e)) return -1;
  unsigned char *bits = calloc((size_t)n, 1);
  if (!bits) { free(buf); return at_errf(e, "out of memory"); }
  uint64_t row = 0;
  int line = 1, rc = -1;
  for (size_t i = 0; i <= len; line++) {
    size_t j = i;
    while (j < len && buf[j] != '\n') j++;
    size_t end = j > i && buf[j - 1] == '\r' ? j - 1 : j;
    if (end > i && buf[i] != '#') {
      if (row == rows) {
        at_errloc(e, path, line, 1, "more than %llu rows: mask %s has %llu %s tiles", (unsigned long long)rows,
                  T->name, (unsigned long long)rows, c->ranks[T->dim[0]].index);
        goto done;
      }
      for (size_t k = i; k < end; k++) {
        if (buf[k] != '0' && buf[k] != '1') {
          unsigned char ch = (unsigned char)buf[k];
          if (ch > 32 && ch < 127) at_errloc(e, path, line, (int)(k - i + 1), "expected 0 or 1, found '%c'", ch);
          else at_errloc(e, path, line, (int)(k - i + 1), "expected 0 or 1, found byte 0x%02x", ch);
          goto done;
        }
        if ((uint64_t)(k - i) < cols) bits[row * cols + (k - i)] = buf[k] == '1';
      }
      if ((uint64_t)(end - i) != cols) {
        at_errloc(e, path, line, 1, "row of %llu blocks: mask %s has %llu per row", (unsigned long long)(end - i),
                  T->name, (unsigned long long)cols);
        goto done;
      }
      row++;
    }
    i = j + 1;
  }
  if (row != rows) {
    at_errloc(e, path, line - 1, 1, "%llu rows: mask %s has %llu %s tiles", (unsigned long long)row, T->name,
              (unsigned long long)rows, c->ranks[T->dim[0]].index);
    goto done;
  }
  rc = set_mask(c, t, bits, e);   /* owns bits, freed on failure */
  bits = NULL;
  if (!rc) q->loaded = n;
done:
  free(bits);
  free(buf);
  return rc;
}
