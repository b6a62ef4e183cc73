/*
** fuzz_sweep.c: the fuzz target for sweep files (rs_sweep_load), parsed
** only: no point is evaluated and no database opened.  The input is written
** as experiments/fuzz-sweep.yaml of the data-tree mirror.  Invariants: a
** refusal is located and returns no sweep; an accepted one has non-empty
** lists, in parts whose products sum to npoints (at most
** RS_SWEEP_MAX_POINTS), every
** point maps to indices inside the lists, and every override is unset or
** positive.
*/
#include "fuzz.h"

#include <stdio.h>

#include "sweep.h"

#define T "fuzz_sweep"

static void check_point(const rs_sweep *s, int64_t i) {
  rs_sweep_point p = rs_sweep_at(s, i);
  if (p.design < 0 || p.design >= s->ndesigns || p.model < 0 || p.model >= s->nmodels ||
      p.seq < 0 || p.seq >= s->nseqs || p.variant < 0 || p.variant >= s->nvariants) {
    char v[64];
    snprintf(v, sizeof v, "point %lld", (long long)i);
    fz_fail(T, "rs_sweep_at outside the lists", v);
  }
}

static void check_sweep(const rs_sweep *s) {
  if (s->ndesigns < 1 || s->nmodels < 1 || s->nseqs < 1 || s->nvariants < 1)
    fz_fail(T, "an accepted sweep", "has an empty list");
  /* each part's lists lie inside the concatenated ones, in order; its
  ** points follow the previous part's; npoints is the sum of the products */
  int64_t n = 0;
  int d = 0, m = 0, q = 0, nv = 0;
  if (s->nparts < 1) fz_fail(T, "an accepted sweep", "has no part");
  for (int k = 0; k < s->nparts; k++) {
    const rs_sweep_part *pt = &s->parts[k];
    int64_t prod = (int64_t)pt->ndesigns * pt->nmodels;
    if (pt->design0 != d || pt->model0 != m || pt->seq0 != q || pt->variant0 != nv || pt->first != n ||
        pt->ndesigns < 1 || pt->nmodels < 1 || pt->nseqs < 1 || pt->nvariants < 1 ||
        __builtin_mul_overflow(prod, (int64_t)pt->nseqs * pt->nvariants, &prod) || prod != pt->npoints)
      fz_fail(T, "parts", "a part's ranges or point count do not follow the previous part's");
    d += pt->ndesigns, m += pt->nmodels, q += pt->nseqs, nv += pt->nvariants, n += prod;
  }
  if (d != s->ndesigns || m != s->nmodels || q != s->nseqs || nv != s->nvariants || n != s->npoints ||
      n > RS_SWEEP_MAX_POINTS)
    fz_fail(T, "npoints", "is not the sum of the parts' products of list lengths, or above the bound");
  for (int i = 0; i < s->ndesigns; i++)
    if (!s->designs[i][0] || !s->design_where[i][0]) fz_fail(T, "design", "empty name or location");
  for (int i = 0; i < s->nseqs; i++)
    if (s->seqs[i] < 1) fz_fail(T, "seq_lens", "a length below 1");
  for (int i = 0; i < s->nvariants; i++) {
    const sim_overrides *v = &s->variants[i];
    if (v->rows_2d < 0 || v->cols_2d < 0 || v->width_1d < 0 || v->buffer_bytes < 0 ||
        !(v->bandwidth_Bps >= 0))
      fz_fail(T, "variant", "a negative override");
  }
  check_point(s, 0);
  check_point(s, s->npoints / 2);
  check_point(s, s->npoints - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  rs_sweep *s;
  at_err e;
  int rc = rs_sweep_load(fz_write("experiments/fuzz-sweep.yaml", data, size), &s, &e);
  if (!fz_refused(T, rc, s, &e)) {   /* rc first: s is set by the call */
    check_sweep(s);
    rs_sweep_free(s);
  }
  return 0;
}
