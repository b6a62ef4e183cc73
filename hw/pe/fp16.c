/*
** fp16.c: binary16 arithmetic, written as the same algorithm as the RTL
** (unpack and normalise operands, align in a 26-bit window with one sticky
** bit, add, normalise and round once) so that it is bit-exact with
** rtl/fp16_*.v by construction, and checked against an independent exact
** oracle in tests/rtl/.
*/
#include "fp16.h"
#include "fp16_int.h"

#include <assert.h>
#include <math.h>

/* An unpacked operand.  For a finite nonzero value: value = m * 2^q with
** m normalised to 11 bits (2^10 <= m < 2^11); subnormal inputs are
** normalised too, so q ranges over [-34, 5]. */
typedef struct fp16_unp {
  int sign;         /* 1 if negative */
  int zero, inf, nan;  /* class flags, 0 or 1; m and q are meaningless if any is set */
  uint32_t m;       /* significand, 11 bits with the leading one */
  int q;            /* exponent of m's least significant bit */
} fp16_unp;

/* The FMA window: product P (22 bits) and addend C (11 bits) are placed
** in FMA_W bits; bit 0 is a sticky bit.  While C's lsb is at most FMA_K
** bits above P's lsb both are exact; beyond that P is shifted down and its
** lost bits become the sticky bit.  See rtl/fp16_fma.v for the proof that
** the sticky bit always lies at least two bits below the rounding point. */
#define FMA_K 13
#define FMA_W 26

int fp16_is_nan(uint16_t h) { return (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu); }
int fp16_is_inf(uint16_t h) { return (h & 0x7FFFu) == 0x7C00u; }
int fp16_is_subnormal(uint16_t h) { return (h & 0x7C00u) == 0 && (h & 0x3FFu); }

static inline __attribute__((always_inline)) fp16_unp fp16_unpack(uint16_t h)   /* inlined: 3 calls per FMA, its hot path */
{
  fp16_unp u;
  unsigned e = (h >> 10) & 31u, f = h & 0x3FFu;
  u.sign = h >> 15;
  u.nan = e == 31 && f != 0;
  u.inf = e == 31 && f == 0;
  u.zero = e == 0 && f == 0;
  u.m = e ? (f | 0x400u) : f;
  u.q = (e ? (int)e : 1) - 25;
  /* normalise subnormals: the RTL does this with an 11-bit leading-zero count */
  while (u.m != 0 && !(u.m & 0x400u)) {
    u.m <<= 1;
    u.q--;
  }
  return u;
}

static int fp16_msb64(uint64_t x)
{
  assert(x != 0);
  return 63 - __builtin_clzll(x);
}

uint16_t fp16_round(int sign, uint64_t mag, int q)
{
  int k, e, qr, sh, rnd, stk;
  uint64_t mant;
  long enc;
  uint16_t s = (uint16_t)(sign ? 0x8000u : 0);

  assert(mag != 0);
  k = fp16_msb64(mag);
  e = q + k;                        /* exponent of the leading one */
  qr = e - 10;                      /* weight of the result's lsb ... */
  if (qr < -24) qr = -24;           /* ... but never below the subnormal lsb */
  sh = qr - q;                      /* bits dropped (negative: exact left shift) */
  if (sh <= 0) {
    mant = mag << -sh;
    rnd = stk = 0;
  } else if (sh > 64) {
    mant = 0;
    rnd = 0;
    stk = 1;
  } else {
    mant = sh == 64 ? 0 : mag >> sh;
    rnd = (int)((mag >> (sh - 1)) & 1u);
    stk = sh >= 2 && (mag & ((UINT64_C(1) << (sh - 1)) - 1)) != 0;
  }
  mant += (uint64_t)(rnd & (stk | (int)(mant & 1u)));
  /* A carry out of the significand moves into the exponent field; a normal
  ** result is (E-1)<<10 + m with the hidden bit in m, a subnormal has E-1=0. */
  enc = ((long)(qr + 24) << 10) + (long)mant;
  if (enc >= 0x7C00) return (uint16_t)(s | FP16_PINF);
  return (uint16_t)(s | (uint16_t)enc);
}

/* Shifts x right by s bits, folding every bit shifted out into bit 0. */
static uint64_t fp16_shr_sticky(uint64_t x, int s)
{
  uint64_t out, lost;
  if (s <= 0) return x;
  if (s >= 64) return x != 0;
  out = x >> s;
  lost = x & ((UINT64_C(1) << s) - 1);
  return out | (lost != 0);
}

uint16_t fp16_fma_bits(uint16_t a, uint16_t b, uint16_t c, int rr, int scale,
                       int *n_out)
{
  fp16_unp ua = fp16_unpack(a), ub = fp16_unpack(b), uc;
  int sp = ua.sign ^ ub.sign;
  int pinf = ua.inf || ub.inf, pzero = ua.zero || ub.zero;
  uint64_t P = 0, Pw, Cw, S;
  int qp = 0, qw, sign;

  if (n_out) *n_out = 0;
  if (ua.nan || ub.nan || (!rr && fp16_is_nan(c))) return FP16_QNAN;
  if (pinf && pzero) return FP16_QNAN;
  if (!pinf && !pzero) {
    P = (uint64_t)ua.m * ub.m;      /* 2^20 <= P < 2^22 */
    qp = ua.q + ub.q;
  }

  if (rr) {
    /* n = round(P * 2^qp), ties away from zero; |P*2^qp| >= 64 iff qp >= -14
    ** or the rounding reaches 64. */
    int nmag = 0, sat = pinf;
    if (!pinf && !pzero) {
      if (qp >= -14) sat = 1;
      else if (qp >= -22) {
        int sh = -qp;
        nmag = (int)((P + (UINT64_C(1) << (sh - 1))) >> sh);
        if (nmag >= FP16_EXP_NMAX) sat = 1;
      }
    }
    if (sat) {
      if (n_out) *n_out = sp ? -FP16_EXP_NMAX : FP16_EXP_NMAX;
      return 0x0000u;
    }
    if (n_out) *n_out = sp ? -nmag : nmag;
    /* the addend is -n, an integer of at most 6 bits, exact */
    uc.sign = !sp;
    uc.nan = uc.inf = 0;
    uc.zero = nmag == 0;
    uc.m = (uint32_t)nmag;
    uc.q = 0;
    while (uc.m != 0 && !(uc.m & 0x400u)) {
      uc.m <<= 1;
      uc.q--;
    }
  } else {
    uc = fp16_unpack(c);
    if (pinf) {
      if (uc.inf && uc.sign != sp) return FP16_QNAN;
      return (uint16_t)(sp ? FP16_NINF : FP16_PINF);
    }
    if (uc.inf) return (uint16_t)(uc.sign ? FP16_NINF : FP16_PINF);
  }

  if (pzero && uc.zero)   /* exact signed-zero sum: -0 only if both are -0 */
    return (uint16_t)((sp & uc.sign) ? 0x8000u : 0);

  if (pzero) {
    Pw = 0;
    Cw = (uint64_t)uc.m << (1 + FMA_K);
    qw = uc.q - FMA_K - 1;
  } else if (uc.zero) {
    Pw = P << 1;
    Cw = 0;
    qw = qp - 1;
  } else {
    int d = uc.q - qp;            /* C's lsb relative to P's lsb */
    if (d <= FMA_K) {
      Pw = P << 1;
      Cw = d >= 0 ? (uint64_t)uc.m << (1 + d)
                  : fp16_shr_sticky((uint64_t)uc.m << 1, -d);
      qw = qp - 1;
    } else {
      Cw = (uint64_t)uc.m << (1 + FMA_K);
      Pw = fp16_shr_sticky(P << 1, d - FMA_K);
      qw = uc.q - FMA_K - 1;
    }
  }
  assert(Pw < (UINT64_C(1) << FMA_W) && Cw < (UINT64_C(1) << FMA_W));

  if (sp == uc.sign) {
    S = Pw + Cw;
    sign = sp;
  } else if (Pw >= Cw) {
    S = Pw - Cw;
    sign = sp;
  } else {
    S = Cw - Pw;
    sign = uc.sign;
  }
  if (S == 0) return 0x0000u;     /* exact cancellation: +0 */
  return fp16_round(sign, S, qw + scale);
}

uint16_t fp16_fma(uint16_t a, uint16_t b, uint16_t c)
{
  return fp16_fma_core(a, b, c, 0, 0, 0);
}

uint16_t fp16_mul(uint16_t a, uint16_t b)
{
  return fp16_fma_core(a, b, FP16_NZERO, 0, 0, 0);
}

uint16_t fp16_add(uint16_t a, uint16_t b)
{
  return fp16_fma_core(a, FP16_ONE, b, 0, 0, 0);
}

uint16_t fp16_max(uint16_t a, uint16_t b)
{
  /* Map sign-magnitude onto an unsigned total order: negatives reversed
  ** below positives, so -0 (0x7FFF) sorts just below +0 (0x8000). */
  uint16_t ka, kb;
  if (fp16_is_nan(a) || fp16_is_nan(b)) return FP16_QNAN;
  ka = (uint16_t)((a & 0x8000u) ? ~(unsigned)a : (a | 0x8000u));
  kb = (uint16_t)((b & 0x8000u) ? ~(unsigned)b : (b | 0x8000u));
  return ka >= kb ? a : b;
}

uint16_t fp16_div(uint16_t a, uint16_t b)
{
  fp16_unp ua = fp16_unpack(a), ub = fp16_unpack(b);
  int s = ua.sign ^ ub.sign;
  uint32_t num, Q, R;

  if (ua.nan || ub.nan) return FP16_QNAN;
  if ((ua.inf && ub.inf) || (ua.zero && ub.zero)) return FP16_QNAN;
  if (ua.inf || ub.zero) return (uint16_t)(s ? FP16_NINF : FP16_PINF);
  if (ua.zero || ub.inf) return (uint16_t)(s ? 0x8000u : 0);
  /* 2^12 < Q < 2^14: at least 13 quotient bits, then the remainder as a
  ** sticky bit below them. */
  num = ua.m << 13;
  Q = num / ub.m;
  R = num % ub.m;
  return fp16_round(s, ((uint64_t)Q << 1) | (R != 0), ua.q - ub.q - 14);
}

uint16_t fp16_expdiff(uint16_t a, uint16_t b)
{
  /* the same steps, in the same order, as pe.c's sequencer */
  int n;
  uint16_t d = fp16_fma_core(a, FP16_ONE, (uint16_t)(b ^ 0x8000u), 0, 0, 0);
  uint16_t f = fp16_fma_core(d, FP16_LOG2E, 0, 1, 0, &n);
  uint16_t t = fp16_fma_core(FP16_EXP_C5, f, FP16_EXP_C4, 0, 0, 0);
  t = fp16_fma_core(t, f, FP16_EXP_C3, 0, 0, 0);
  t = fp16_fma_core(t, f, FP16_EXP_C2, 0, 0, 0);
  t = fp16_fma_core(t, f, FP16_EXP_C1, 0, 0, 0);
  return fp16_fma_core(t, f, FP16_EXP_C0, 0, n, 0);
}

uint16_t fp16_exp(uint16_t x)
{
  return fp16_expdiff(x, 0x0000u);
}

double fp16_to_double(uint16_t h)
{
  fp16_unp u = fp16_unpack(h);
  double v;
  if (u.nan) return NAN;
  if (u.inf) return u.sign ? -INFINITY : INFINITY;
  v = u.zero ? 0.0 : ldexp((double)u.m, u.q);
  return u.sign ? -v : v;
}

uint16_t fp16_from_double(double x)
{
  int e, sign = signbit(x) != 0;
  double m;
  if (isnan(x)) return FP16_QNAN;
  if (isinf(x)) return (uint16_t)(sign ? FP16_NINF : FP16_PINF);
  if (x == 0) return (uint16_t)(sign ? 0x8000u : 0);
  m = frexp(fabs(x), &e);                         /* 0.5 <= m < 1 */
  return fp16_round(sign, (uint64_t)ldexp(m, 53), e - 53);
}
