/*
** fp16_ref.c: the exact oracle.  Every finite fp16 is an integer multiple
** of 2^-24, so products are integer multiples of 2^-48 and fit, with any
** addend, in a signed 128-bit integer.  Rounding never shifts bits: it
** finds the largest fp16 not above |x| and compares distances exactly.
*/
#include "fp16_ref.h"

typedef __int128 i128;

#define REF_QNAN 0x7E00u

static int ref_nan(uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu); }
static int ref_inf(uint16_t h) { return (h & 0x7FFFu) == 0x7C00u; }
static int ref_zero(uint16_t h) { return (h & 0x7FFFu) == 0; }
static int ref_sign(uint16_t h) { return h >> 15; }

/* |h| in units of 2^-24, for finite h; the pattern 0x7C00 stands for 2^16,
** the value just past the largest finite (65504) used to decide overflow. */
static int64_t ref_mag24(uint16_t h)
{
  unsigned e = (h >> 10) & 31u, f = h & 0x3FFu;
  if (e == 0) return f;
  return (int64_t)(f | 0x400u) << (e - 1);
}

/* Nearest fp16 (ties to even) to num/den * 2^-24 * 2^-shift, num >= 0,
** den > 0, written as a comparison  mag24(h) * den * 2^shift  vs  num. */
static uint16_t ref_round_ratio(i128 num, i128 den, int shift, unsigned *fl)
{
  unsigned lo = 0, hi = 0x7C00u, mid;
  i128 dlo, dhi;
  /* largest h in [0, 0x7C00] with value(h) <= num/den */
  if (((i128)ref_mag24(0x7C00u) * den << shift) <= num) {
    *fl |= REF_INEXACT;
    return 0x7C00u;
  }
  while (hi - lo > 1) {
    mid = (lo + hi) / 2;
    if (((i128)ref_mag24((uint16_t)mid) * den << shift) <= num) lo = mid;
    else hi = mid;
  }
  dlo = num - ((i128)ref_mag24((uint16_t)lo) * den << shift);
  dhi = ((i128)ref_mag24((uint16_t)hi) * den << shift) - num;
  if (dlo == 0) return (uint16_t)lo;
  *fl |= REF_INEXACT;
  if (dlo < dhi) return (uint16_t)lo;
  if (dlo > dhi) return (uint16_t)hi;
  *fl |= REF_TIE;
  return (uint16_t)((lo & 1u) ? hi : lo);   /* hi = 0x7C00 is even: inf */
}

/* Exact a*b + c in units of 2^-48 for finite operands. */
static i128 ref_exact_fma(uint16_t a, uint16_t b, uint16_t c)
{
  i128 p = (i128)ref_mag24(a) * ref_mag24(b);
  i128 cc = (i128)ref_mag24(c) << 24;
  if (ref_sign(a) ^ ref_sign(b)) p = -p;
  if (ref_sign(c)) cc = -cc;
  return p + cc;
}

static uint16_t ref_fma_t(uint16_t a, uint16_t b, uint16_t c, unsigned *fl)
{
  int sp = ref_sign(a) ^ ref_sign(b);
  i128 s;
  uint16_t r;
  *fl = 0;
  if (ref_nan(a) || ref_nan(b) || ref_nan(c)) return REF_QNAN;
  if ((ref_inf(a) || ref_inf(b)) && (ref_zero(a) || ref_zero(b))) return REF_QNAN;
  if (ref_inf(a) || ref_inf(b)) {
    if (ref_inf(c) && ref_sign(c) != sp) return REF_QNAN;
    return (uint16_t)(sp << 15 | 0x7C00u);
  }
  if (ref_inf(c)) return c;
  s = ref_exact_fma(a, b, c);
  if (s == 0) {
    *fl |= REF_EXACT_ZERO;
    /* exact zero: -0 only when both the product and c are -0 (IEEE 6.3) */
    if ((ref_zero(a) || ref_zero(b)) && ref_zero(c))
      return (uint16_t)((sp && ref_sign(c)) ? 0x8000u : 0);
    return 0;
  }
  r = ref_round_ratio(s < 0 ? -s : s, 1, 24, fl);
  return (uint16_t)((s < 0 ? 0x8000u : 0) | r);
}

uint16_t ref_fma(uint16_t a, uint16_t b, uint16_t c) { unsigned f; return ref_fma_t(a, b, c, &f); }
uint16_t ref_mul(uint16_t a, uint16_t b) { return ref_fma(a, b, 0x8000u); }
uint16_t ref_add(uint16_t a, uint16_t b) { return ref_fma(a, 0x3C00u, b); }

unsigned ref_fma_flags(uint16_t a, uint16_t b, uint16_t c)
{
  unsigned f;
  ref_fma_t(a, b, c, &f);
  return f;
}

static uint16_t ref_div_t(uint16_t a, uint16_t b, unsigned *fl)
{
  uint16_t s = (uint16_t)((ref_sign(a) ^ ref_sign(b)) << 15);
  *fl = 0;
  if (ref_nan(a) || ref_nan(b)) return REF_QNAN;
  if ((ref_inf(a) && ref_inf(b)) || (ref_zero(a) && ref_zero(b))) return REF_QNAN;
  if (ref_inf(a) || ref_zero(b)) return (uint16_t)(s | 0x7C00u);
  if (ref_zero(a)) {
    *fl |= REF_EXACT_ZERO;
    return s;
  }
  if (ref_inf(b)) return s;
  /* |a|/|b| = mag24(a)/mag24(b); compare value(h) * mag24(b) with mag24(a)*2^24 */
  return (uint16_t)(s | ref_round_ratio((i128)ref_mag24(a) << 24, ref_mag24(b), 0, fl));
}

uint16_t ref_div(uint16_t a, uint16_t b) { unsigned f; return ref_div_t(a, b, &f); }

unsigned ref_div_flags(uint16_t a, uint16_t b)
{
  unsigned f;
  ref_div_t(a, b, &f);
  return f;
}

uint16_t ref_max(uint16_t a, uint16_t b)
{
  i128 va, vb;
  if (ref_nan(a) || ref_nan(b)) return REF_QNAN;
  va = ref_inf(a) ? (i128)1 << 50 : ref_mag24(a);
  vb = ref_inf(b) ? (i128)1 << 50 : ref_mag24(b);
  if (ref_sign(a)) va = -va;
  if (ref_sign(b)) vb = -vb;
  if (va > vb) return a;
  if (vb > va) return b;
  if (ref_zero(a) && ref_zero(b)) return (uint16_t)((ref_sign(a) && ref_sign(b)) ? 0x8000u : 0);
  return a;
}
