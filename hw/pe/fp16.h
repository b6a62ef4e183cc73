/*
** fp16.h: IEEE 754 binary16 arithmetic with round-to-nearest-even, the
** bit-exact C twin of the datapaths in rtl/ (fp16_fma.v, fp16_div.v,
** fp16_max.v, fp16_round.v).  Values are raw 16-bit patterns (uint16_t).
** Subnormals are computed exactly (no flush to zero); every NaN result is
** the canonical quiet NaN FP16_QNAN; no exception flags are kept.
*/
#ifndef ATTNSIM_FP16_H
#define ATTNSIM_FP16_H

#include <stdint.h>

#define FP16_QNAN    0x7E00u   /* canonical quiet NaN returned by every op */
#define FP16_PINF    0x7C00u
#define FP16_NINF    0xFC00u
#define FP16_ONE     0x3C00u
#define FP16_NZERO   0x8000u

/* Classification of a bit pattern. */
int fp16_is_nan(uint16_t h);
int fp16_is_inf(uint16_t h);
int fp16_is_subnormal(uint16_t h);   /* nonzero with a zero exponent field */

/* round(a*b + c), one rounding (fused multiply-add). */
uint16_t fp16_fma(uint16_t a, uint16_t b, uint16_t c);
/* round(a*b); equal to fp16_fma(a, b, -0). */
uint16_t fp16_mul(uint16_t a, uint16_t b);
/* round(a + b); equal to fp16_fma(a, 1.0, b), which is how the PEs do it. */
uint16_t fp16_add(uint16_t a, uint16_t b);
/* IEEE 754-2019 maximum: NaN if either is NaN, and -0 < +0. Exact. */
uint16_t fp16_max(uint16_t a, uint16_t b);
/* round(a / b). */
uint16_t fp16_div(uint16_t a, uint16_t b);
/* exp(a - b) by the PE's 7-step microsequence (1 add, 1 range-reducing
** multiply, 5 Horner FMAs); see pe.h.  fp16_exp(x) is fp16_expdiff(x, +0). */
uint16_t fp16_expdiff(uint16_t a, uint16_t b);
uint16_t fp16_exp(uint16_t x);

/* Exact widening, and round-to-nearest-even narrowing (one rounding). */
double   fp16_to_double(uint16_t h);
uint16_t fp16_from_double(double x);

#endif
