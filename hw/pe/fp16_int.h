/*
** fp16_int.h: the pieces of fp16.c that the PE sequencer (pe.c) and the
** tests need beyond the public operations: the FMA core with its two extra
** modes used only by the exp microsequence, and the exp constants.  Mirrors
** the ports of rtl/fp16_fma.v one for one.
*/
#ifndef ATTNSIM_FP16_INT_H
#define ATTNSIM_FP16_INT_H

#include <stdint.h>

/* Constants of the exp microsequence (fp16 bit patterns).  The polynomial
** is the degree-5 Taylor series of 2^f, coefficient k = ln(2)^k / k!,
** each rounded to nearest fp16. */
#define FP16_LOG2E   0x3DC5u   /* 1.4423828125 ~ log2(e) */
#define FP16_EXP_C0  0x3C00u   /* 1 */
#define FP16_EXP_C1  0x398Cu   /* ln2        = 0.693359375 */
#define FP16_EXP_C2  0x33B0u   /* ln2^2/2    = 0.240234375 */
#define FP16_EXP_C3  0x2B1Bu   /* ln2^3/6    = 0.055511474609375 */
#define FP16_EXP_C4  0x20EDu   /* ln2^4/24   = 0.00962066650390625 */
#define FP16_EXP_C5  0x1576u   /* ln2^5/120  = 0.0013332366943359375 */

/* Saturation of the power of two chosen by range reduction: |n| <= 64. */
#define FP16_EXP_NMAX 64

/* The FMA core.
**   rr == 0: returns round((a*b + c) * 2^scale).  scale is 0 for every
**            ordinary op and the exp exponent n in the last Horner step.
**   rr == 1: range reduction; c is ignored.  With p = a*b exact and
**            n = p rounded to nearest integer (ties away from zero),
**            returns round(p - n) and writes n to *n_out.  If |n| >= 64
**            or p is infinite, writes n = +-64 and returns +0, so that the
**            sequence ends in 2^(+-64) = inf or 0.  NaN in: returns
**            FP16_QNAN and n = 0.
** n_out may be NULL when rr == 0. */
uint16_t fp16_fma_core(uint16_t a, uint16_t b, uint16_t c, int rr, int scale,
                       int *n_out);

/* Normalise-and-round, the twin of rtl/fp16_round.v: returns the fp16
** nearest (ties to even) to (-1)^sign * mag * 2^q, overflowing to infinity.
** mag must be nonzero.  The lowest bit of mag may be a sticky bit standing
** for "something nonzero below"; callers guarantee it lies at least two
** bits below the rounding position. */
uint16_t fp16_round(int sign, uint64_t mag, int q);

#endif
