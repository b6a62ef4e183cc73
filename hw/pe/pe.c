/*
** pe.c: the PE sequencer, twin of rtl/pe_core.v.  Every branch below is a
** case of the RTL's always block; the FMA operands chosen in each exp step
** are the RTL's operand multiplexers.  The 2D and 1D PE differ only in
** whether DIV exists.
*/
#include "pe.h"
#include "fp16.h"
#include "fp16_int.h"

#include <string.h>

void pe_reset(pe_state *pe)
{
  memset(pe, 0, sizeof *pe);
}

/* inlined into the bank loops below: an idle PE then costs a test and a store */
static inline __attribute__((always_inline)) void pe_step(pe_state *pe, const pe_in *in, int has_div)
{
  int n;
  uint16_t r;

  pe->out_valid = 0;
  switch (pe->seq) {
  case 0:
    if (!in || !in->valid) return;
    switch (in->op) {
    case PE_OP_MAC: r = fp16_fma_core(in->a, in->b, in->c, 0, 0, 0); break;
    case PE_OP_ADD: r = fp16_fma_core(in->a, FP16_ONE, in->b, 0, 0, 0); break;
    case PE_OP_MAX: r = fp16_max(in->a, in->b); break;
    case PE_OP_EXP:
      /* step 0, the add: t = a - b */
      pe->t = fp16_fma_core(in->a, FP16_ONE, (uint16_t)(in->b ^ 0x8000u), 0, 0, 0);
      pe->seq = 1;
      return;
    case PE_OP_DIV: r = has_div ? fp16_div(in->a, in->b) : FP16_QNAN; break;
    default: r = FP16_QNAN; break;
    }
    pe->out = r;
    pe->out_valid = 1;
    return;
  case 1:
    /* the multiply: t*log2(e) = n + f, |f| <= 1/2 */
    pe->f = fp16_fma_core(pe->t, FP16_LOG2E, 0, 1, 0, &n);
    pe->n = (int8_t)n;
    pe->seq = 2;
    return;
  case 2: pe->t = fp16_fma_core(FP16_EXP_C5, pe->f, FP16_EXP_C4, 0, 0, 0); break;
  case 3: pe->t = fp16_fma_core(pe->t, pe->f, FP16_EXP_C3, 0, 0, 0); break;
  case 4: pe->t = fp16_fma_core(pe->t, pe->f, FP16_EXP_C2, 0, 0, 0); break;
  case 5: pe->t = fp16_fma_core(pe->t, pe->f, FP16_EXP_C1, 0, 0, 0); break;
  case 6:
    /* last Horner step, scaled by 2^n before its single rounding */
    pe->out = fp16_fma_core(pe->t, pe->f, FP16_EXP_C0, 0, pe->n, 0);
    pe->out_valid = 1;
    pe->seq = 0;
    return;
  default:             /* unreachable state 7: back to idle, as the RTL */
    pe->seq = 0;
    return;
  }
  pe->seq++;
}

void pe2d_step(pe_state *pe, const pe_in *in) { pe_step(pe, in, 0); }
void pe1d_step(pe_state *pe, const pe_in *in) { pe_step(pe, in, 1); }

void pe2d_step_n(pe_state *pe, const pe_in *in, int n)
{
  int i;
  for (i = 0; i < n; i++) pe_step(&pe[i], &in[i], 0);
}

void pe1d_step_n(pe_state *pe, const pe_in *in, int n)
{
  int i;
  for (i = 0; i < n; i++) pe_step(&pe[i], &in[i], 1);
}
