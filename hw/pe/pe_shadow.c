/*
** pe_shadow.c: two banks in lockstep, compared after every edge.  The
** offer history is a ring of PE_SHADOW_HIST rows of n offers, written
** every step, so the first divergence can name what the diverging PE was
** given (an exp shows up 7 edges after its offer).
*/
#include "pe_shadow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct shadow_impl {
  pe_bank       *primary;
  pe_bank       *shadow;     /* NULL: pass-through */
  uint64_t       edges;      /* steps since open */
  int            hist_rows;  /* ring rows written since open or the last reset, capped at PE_SHADOW_HIST */
  int            hist_head;  /* ring row of the latest step */
  pe_in         *hist;       /* PE_SHADOW_HIST * n offers, row-major */
  int            diverged;   /* 1 once diff is filled */
  pe_shadow_diff diff;
  char           name[64];   /* "primary/shadow" for messages */
} shadow_impl;

int pe_state_equal(const pe_state *x, const pe_state *y)
{
  return x->out == y->out && x->out_valid == y->out_valid && x->seq == y->seq &&
         x->t == y->t && x->f == y->f && x->n == y->n;
}

/* Compares the two banks; records the first differing PE. */
static void compare(shadow_impl *s, int at_reset)
{
  const pe_state *p = s->primary->st, *q = s->shadow->st;
  int n = s->primary->n, i, k;
  for (i = 0; i < n; i++)
    if (!pe_state_equal(&p[i], &q[i])) break;
  if (i == n) return;
  s->diverged = 1;
  s->diff.edge = at_reset ? s->edges : s->edges - 1;
  s->diff.at_reset = at_reset;
  s->diff.pe = i;
  s->diff.hist = at_reset ? 0 : s->hist_rows;
  for (k = 0; k < s->diff.hist; k++) {
    int row = (s->hist_head - k + PE_SHADOW_HIST) % PE_SHADOW_HIST;
    s->diff.recent[k] = s->hist[(size_t)row * (size_t)n + (size_t)i];
  }
  s->diff.primary = p[i];
  s->diff.shadow = q[i];
}

static void shadow_step(pe_bank *b, const pe_in *in)
{
  shadow_impl *s = b->impl;
  s->primary->step(s->primary, in);
  s->edges++;
  if (!s->shadow || s->diverged) return;
  s->shadow->step(s->shadow, in);
  s->hist_head = (s->hist_head + 1) % PE_SHADOW_HIST;
  memcpy(&s->hist[(size_t)s->hist_head * (size_t)b->n], in, (size_t)b->n * sizeof *in);
  if (s->hist_rows < PE_SHADOW_HIST) s->hist_rows++;
  compare(s, 0);
}

static void shadow_reset(pe_bank *b)
{
  shadow_impl *s = b->impl;
  s->primary->reset(s->primary);
  if (!s->shadow || s->diverged) return;
  s->shadow->reset(s->shadow);
  s->hist_rows = 0;
  compare(s, 1);
}

static void shadow_close(pe_bank *b)
{
  shadow_impl *s;
  if (!b) return;
  s = b->impl;
  s->primary->close(s->primary);
  if (s->shadow) s->shadow->close(s->shadow);
  free(s->hist);
  free(s);
  free(b);
}

static void put(char *buf, size_t len, size_t *at, int *total, const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));
static void put_state(char *buf, size_t len, size_t *at, int *total, const char *who,
                      const pe_state *p);

/* pe_bank.diverged: the PE, the latest operation offered to it and the
** two implementations' registers, named by their impl_name. */
static int shadow_query(const pe_bank *b, int *pe, char *msg, size_t len)
{
  static const char *const names[8] = { "MAC", "ADD", "MAX", "EXP", "DIV", "op5", "op6", "op7" };
  const shadow_impl *s = b->impl;
  const pe_shadow_diff *d = &s->diff;
  size_t at = 0;
  int total = 0, k;
  if (!s->diverged) return 0;
  *pe = d->pe;
  if (len) msg[0] = 0;
  for (k = 0; k < d->hist && !d->recent[k].valid; k++) {}
  if (d->at_reset) put(msg, len, &at, &total, "right after a reset: ");
  else if (k == d->hist) put(msg, len, &at, &total, "with no operation offered in the last %d edges: ", d->hist);
  else {
    const pe_in *o = &d->recent[k];
    const char *name = o->op < 8 ? names[o->op] : "op?";
    if (o->op == PE_OP_MAC) put(msg, len, &at, &total, "operation MAC(%04x,%04x,%04x)", o->a, o->b, o->c);
    else put(msg, len, &at, &total, "operation %s(%04x,%04x)", name, o->a, o->b);
    put(msg, len, &at, &total, " offered %d edge%s before: ", k, k == 1 ? "" : "s");
  }
  put_state(msg, len, &at, &total, s->primary->impl_name, &d->primary);
  put(msg, len, &at, &total, ", ");
  put_state(msg, len, &at, &total, s->shadow->impl_name, &d->shadow);
  return 1;
}

pe_bank *pe_shadow_open(pe_bank *primary, pe_bank *shadow)
{
  pe_bank *b;
  shadow_impl *s;
  if (!primary) return NULL;
  if (shadow && (shadow->kind != primary->kind || shadow->n != primary->n)) return NULL;
  b = calloc(1, sizeof *b);
  s = calloc(1, sizeof *s);
  if (!b || !s) goto fail;
  if (shadow) {
    s->hist = calloc((size_t)PE_SHADOW_HIST * (size_t)primary->n, sizeof *s->hist);
    if (!s->hist) goto fail;
    snprintf(s->name, sizeof s->name, "%s/%s", primary->impl_name, shadow->impl_name);
  } else {
    snprintf(s->name, sizeof s->name, "%s", primary->impl_name);
  }
  s->primary = primary;
  s->shadow = shadow;
  b->impl_name = s->name;
  b->kind = primary->kind;
  b->n = primary->n;
  b->st = primary->st;   /* the primary's registers, never copied */
  b->step = shadow_step;
  b->reset = shadow_reset;
  b->close = shadow_close;
  b->diverged = shadow ? shadow_query : NULL;
  b->impl = s;
  shadow_reset(b);
  return b;
fail:
  if (s) free(s->hist);
  free(s);
  free(b);
  return NULL;
}

int pe_shadow_diverged(const pe_bank *b, pe_shadow_diff *d)
{
  const shadow_impl *s;
  if (!b || b->close != shadow_close) return 0;
  s = b->impl;
  if (!s->diverged) return 0;
  if (d) *d = s->diff;
  return 1;
}

uint64_t pe_shadow_edges(const pe_bank *b)
{
  if (!b || b->close != shadow_close) return 0;
  return ((const shadow_impl *)b->impl)->edges;
}

/* Appends to buf at *at (clamped to len) what the format gives. */
static void put(char *buf, size_t len, size_t *at, int *total, const char *fmt, ...)
{
  va_list ap;
  int k;
  va_start(ap, fmt);
  k = vsnprintf(*at < len ? buf + *at : NULL, *at < len ? len - *at : 0, fmt, ap);
  va_end(ap);
  if (k < 0) return;
  *total += k;
  *at += (size_t)k;
}

static void put_state(char *buf, size_t len, size_t *at, int *total, const char *who,
                      const pe_state *p)
{
  put(buf, len, at, total, "%s {out=%04x v=%u seq=%u t=%04x f=%04x n=%d}", who, p->out,
      p->out_valid, p->seq, p->t, p->f, p->n);
}

int pe_shadow_format(const pe_shadow_diff *d, char *buf, size_t len)
{
  static const char *const names[8] = { "MAC", "ADD", "MAX", "EXP", "DIV", "op5", "op6", "op7" };
  size_t at = 0;
  int total = 0, k;
  if (len) buf[0] = 0;
  put(buf, len, &at, &total, "edge %llu (%s): ", (unsigned long long)d->edge,
      d->at_reset ? "after a reset" : "after the step");
  put_state(buf, len, &at, &total, "primary", &d->primary);
  put_state(buf, len, &at, &total, ", shadow", &d->shadow);
  if (d->hist > 0) put(buf, len, &at, &total, "; offers, latest first:");
  for (k = 0; k < d->hist; k++) {
    const pe_in *o = &d->recent[k];
    const char *name = o->op < 8 ? names[o->op] : "op?";
    if (!o->valid) put(buf, len, &at, &total, " idle");
    else if (o->op == PE_OP_MAC) put(buf, len, &at, &total, " MAC(%04x,%04x,%04x)", o->a, o->b, o->c);
    else put(buf, len, &at, &total, " %s(%04x,%04x)", name, o->a, o->b);
  }
  return total;
}
