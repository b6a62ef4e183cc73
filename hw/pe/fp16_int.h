/*
** fp16_int.h: the pieces of fp16.c that the PE sequencer (pe.c) and the
** tests need beyond the public operations: the FMA core with its two extra
** modes used only by the exp microsequence, and the exp constants.  Mirrors
** the ports of rtl/fp16_fma.v one for one.
*/
#ifndef ATTNSIM_FP16_INT_H
#define ATTNSIM_FP16_INT_H

#include <math.h>
#include <stdint.h>
#include <string.h>

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

/* The FMA core (fp16_fma_bits: the RTL's algorithm, bit for bit;
** fp16_fma_core: the fast path below where it applies, else the same).
**   rr == 0: returns round((a*b + c) * 2^scale).  scale is 0 for every
**            ordinary op and the exp exponent n in the last Horner step.
**   rr == 1: range reduction; c is ignored.  With p = a*b exact and
**            n = p rounded to nearest integer (ties away from zero),
**            returns round(p - n) and writes n to *n_out.  If |n| >= 64
**            or p is infinite, writes n = +-64 and returns +0, so that the
**            sequence ends in 2^(+-64) = inf or 0.  NaN in: returns
**            FP16_QNAN and n = 0.
** n_out may be NULL when rr == 0. */
uint16_t fp16_fma_bits(uint16_t a, uint16_t b, uint16_t c, int rr, int scale,
                       int *n_out);

/* Normalise-and-round, the twin of rtl/fp16_round.v: returns the fp16
** nearest (ties to even) to (-1)^sign * mag * 2^q, overflowing to infinity.
** mag must be nonzero.  The lowest bit of mag may be a sticky bit standing
** for "something nonzero below"; callers guarantee it lies at least two
** bits below the rounding position. */
uint16_t fp16_round(int sign, uint64_t mag, int q);

/* ---- the fast path ------------------------------------------------------
** For finite operands a*b + c is computed in double: the product of two
** 11-bit significands is exact (22 bits), and the sum is exact whenever
** TwoSum's error term is zero.  An exact double rounded once to fp16 is
** the correctly rounded result, which is what the bit-level algorithm
** (the RTL's, fp16_fma_bits) computes; when the sum is not exact, or an
** operand is an infinity or NaN, the caller falls back to fp16_fma_bits.
** Signed zeros come out as the RTL's: a zero product plus a zero addend
** is -0 only if both are -0, an exact cancellation is +0 (IEEE double's
** round-to-nearest rules give the same).  Checked against fp16_fma_bits
** by tests/rtl/test_fp16.c (test_fast_path). */

/* The value of a finite fp16 (exponent field < 31), exactly: its
** exponent and fraction fields placed in a double's, which then holds
** the value times 2^-1008 (a subnormal fp16 lands on a subnormal double,
** whose scale is the same 2^-1074 x 2^42 = 2^-1032 = 2^-24 x 2^-1008),
** scaled back by an exact multiply. */
static inline double fp16_dec_finite(uint16_t h)
{
  uint64_t u = ((uint64_t)(h & 0x7FFFu) << 42) | ((uint64_t)(h & 0x8000u) << 48);
  double d;
  memcpy(&d, &u, sizeof d);
  return d * 0x1p1008;
}

/* The fp16 nearest (ties to even) to s, a finite double that is the exact
** value of the result (no earlier rounding): overflow to infinity at and
** beyond 65520, the subnormal grid 2^-24 below 2^-14. */
static inline uint16_t fp16_round_exact(double s)
{
  uint64_t u;
  memcpy(&u, &s, sizeof u);
  uint16_t sg = (uint16_t)((u >> 48) & 0x8000u);
  u &= UINT64_C(0x7FFFFFFFFFFFFFFF);
  if (u >= UINT64_C(0x40EFFE0000000000)) return (uint16_t)(sg | 0x7C00u);   /* |s| >= 65520 */
  if (u < UINT64_C(0x3F10000000000000)) {                                    /* |s| < 2^-14 */
    /* |s| * 2^24 < 1024 is exact; adding 2^52 rounds it to an integer, ties to even */
    double t = fabs(s) * 0x1p24 + 0x1p52;
    uint64_t v;
    memcpy(&v, &t, sizeof v);
    return (uint16_t)(sg | (uint16_t)(v & 0x7FFu));
  }
  /* normal: rebias the exponent, round the 52-bit fraction to 10 (a carry
  ** moves into the exponent field, as in fp16_round) */
  u -= (uint64_t)(1023 - 15) << 52;
  u += UINT64_C(0x1FFFFFFFFFF) + ((u >> 42) & 1u);
  return (uint16_t)(sg | (uint16_t)(u >> 42));
}

/* round((a*b + c) * 2^scale) into *out and 1, when the fast path applies
** (|scale| <= 64); else 0 and *out untouched. */
static inline int fp16_fma_fast(uint16_t a, uint16_t b, uint16_t c, int scale, uint16_t *out)
{
  if (((a & 0x7C00u) == 0x7C00u) | ((b & 0x7C00u) == 0x7C00u) | ((c & 0x7C00u) == 0x7C00u)) return 0;
  double p = fp16_dec_finite(a) * fp16_dec_finite(b), x = fp16_dec_finite(c);
  double s = p + x, bv = s - p, err = (p - (s - bv)) + (x - bv);   /* TwoSum: s + err == p + x exactly */
  if (err != 0) return 0;
  if (scale) {
    uint64_t w = (uint64_t)(1023 + scale) << 52;
    double k;
    memcpy(&k, &w, sizeof k);
    s *= k;   /* exact: |s| lies in [2^-48, 2^33], times 2^[-64, 64] */
  }
  *out = fp16_round_exact(s);
  return 1;
}

/* fp16_fma_bits' result, by the fast path when it applies (rr == 0 and
** it finds the result exactly); inline so that the PE's step and the
** emulation need no call for it. */
static inline uint16_t fp16_fma_core(uint16_t a, uint16_t b, uint16_t c, int rr, int scale, int *n_out)
{
  uint16_t r;
  if (!rr && fp16_fma_fast(a, b, c, scale, &r)) {
    if (n_out) *n_out = 0;
    return r;
  }
  return fp16_fma_bits(a, b, c, rr, scale, n_out);
}

#endif
