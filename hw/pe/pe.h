/*
** pe.h: cycle-level C models of the FuseMax processing elements, the twin
** of rtl/pe2d.v and rtl/pe1d.v.  A PE is a plain struct stepped one clock
** cycle at a time, so a SystemC array model can step thousands of them
** from one clocked method.  The struct to understand first is pe_state.
**
** Timing (identical in the RTL; see rtl/README.md for the waveform):
**   - An op is accepted on a rising edge when in.valid && pe_ready(pe).
**   - MAC, ADD, MAX, DIV (and any illegal op) write out on the accepting
**     edge: latency 1 cycle, one op per cycle.
**   - EXP computes exp(a - b) in 7 edges (the accepting one and 6 more):
**     1 add, 1 range-reducing multiply, 5 Horner FMAs.  pe_ready() is 0
**     for the 6 cycles in between; offered inputs are ignored then.
**   - out_valid is 1 for exactly the cycle after out was written; out
**     holds its value until the next result.
** Two-phase rule for arrays: every output is a register, so a caller that
** wires PEs together must read all outputs before stepping any PE.
*/
#ifndef ATTNSIM_PE_H
#define ATTNSIM_PE_H

#include <stdint.h>

/* Op codes (3 bits in the RTL). */
enum pe_op {
  PE_OP_MAC = 0,   /* out = a*b + c, one rounding */
  PE_OP_ADD = 1,   /* out = a + b */
  PE_OP_MAX = 2,   /* out = maximum(a, b), NaN-propagating, -0 < +0 */
  PE_OP_EXP = 3,   /* out = exp(a - b), 7 cycles */
  PE_OP_DIV = 4    /* out = a / b; 1D PE only (a 2D PE returns NaN) */
};
/* Codes 5..7 are illegal: the result is FP16_QNAN after 1 cycle. */

/* What is offered to a PE in one cycle. */
typedef struct pe_in {
  uint8_t  valid;    /* 1: an op is offered this cycle */
  uint8_t  op;       /* enum pe_op */
  uint16_t a, b, c;  /* operands, fp16 bit patterns */
} pe_in;

/* Architectural state of one PE: exactly the registers of the RTL. */
typedef struct pe_state {
  uint16_t out;        /* result register, fp16 bits; holds until the next result */
  uint8_t  out_valid;  /* 1 during the cycle after out was written, else 0 */
  uint8_t  seq;        /* exp step, 0 = idle (ready), 1..6 = busy */
  uint16_t t;          /* exp working register, fp16: a-b after step 0, the Horner partial after steps 2..5 */
  uint16_t f;          /* exp reduced argument in [-0.5, 0.5], fp16, written by step 1 */
  int8_t   n;          /* exp power of two, integer in [-64, 64], written by step 1 */
} pe_state;

/* Synchronous reset: every register to 0. */
void pe_reset(pe_state *pe);

/* 1 if an op offered this cycle will be accepted on the next edge. */
static inline int pe_ready(const pe_state *pe) { return pe->seq == 0; }

/* One rising clock edge.  in may be NULL (nothing offered). */
void pe2d_step(pe_state *pe, const pe_in *in);
void pe1d_step(pe_state *pe, const pe_in *in);
/* One edge for n PEs: PE i (pe[i]) is offered in[i], exactly as n calls of
** pe2d_step / pe1d_step would do (in[i].valid == 0 offers nothing); the
** bank's loop, with the step inlined. */
void pe2d_step_n(pe_state *pe, const pe_in *in, int n);
void pe1d_step_n(pe_state *pe, const pe_in *in, int n);

#endif
