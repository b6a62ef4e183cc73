/*
** pe_bank.c: the C-twin bank, n pe_state stepped from one loop.  This is
** the reference every other bank is compared with (rtl/array's shadow).
*/
#include "pe_bank.h"

#include <stdlib.h>

static void twin_step(pe_bank *b, const pe_in *in)
{
  if (b->kind == PE_KIND_1D) pe1d_step_n(b->st, in, b->n);
  else pe2d_step_n(b->st, in, b->n);
}

static void twin_reset(pe_bank *b)
{
  int i;
  for (i = 0; i < b->n; i++) pe_reset(&b->st[i]);
}

static void twin_close(pe_bank *b)
{
  if (!b) return;
  free(b->st);
  free(b);
}

pe_bank *pe_bank_twin(int kind, int n)
{
  pe_bank *b;
  if (n < 1 || (kind != PE_KIND_2D && kind != PE_KIND_1D)) return NULL;
  b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->st = calloc((size_t)n, sizeof *b->st);
  if (!b->st) { free(b); return NULL; }
  b->impl_name = "twin";
  b->kind = kind;
  b->n = n;
  b->step = twin_step;
  b->reset = twin_reset;
  b->close = twin_close;
  return b;
}
