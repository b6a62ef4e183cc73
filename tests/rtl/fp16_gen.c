/*
** fp16_gen.c: operand generators and coverage classification.  Each
** gen_set call picks one of several constructions at random so that every
** class of gen_required() is hit many times in a few thousand vectors.
*/
#include "fp16_gen.h"
#include "fp16_ref.h"
#include "fp16.h"
#include "pe.h"

const uint16_t gen_corners[] = {
  0x0000, 0x8000,             /* +-0 */
  0x0001, 0x8001,             /* +-min subnormal 2^-24 */
  0x0002, 0x0155, 0x8200,     /* subnormals */
  0x03FF, 0x83FF,             /* +-max subnormal */
  0x0400, 0x8400, 0x0401,     /* +-min normal */
  0x3C00, 0xBC00,             /* +-1 */
  0x3BFF, 0x3C01, 0xBC01,     /* neighbours of 1 */
  0x3800, 0x4000, 0xC000,     /* 0.5, +-2 */
  0x1000, 0x0C00,             /* small normals 2^-11, 2^-12 */
  0x5BFF, 0x7800, 0x7BFF, 0xFBFF, /* large, +-max finite */
  0x7C00, 0xFC00,             /* +-inf */
  0x7E00, 0xFE00,             /* quiet NaNs */
  0x7C01, 0xFD55,             /* signalling NaNs */
};
const int gen_ncorners = (int)(sizeof gen_corners / sizeof gen_corners[0]);

const char *const gen_class_names[GEN_C_NCLASSES] = {
  "zero-in", "subnormal-in", "inf-in", "nan-in", "subnormal-out",
  "overflow", "underflow", "tie", "cancel"
};

uint64_t gen_u64(gen_rng *r)
{
  uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

uint16_t gen_any(gen_rng *r) { return (uint16_t)gen_u64(r); }

static unsigned gen_below(gen_rng *r, unsigned n) { return (unsigned)(gen_u64(r) % n); }

/* A finite value with biased exponent in [elo, ehi] and a random sign. */
static uint16_t gen_exp_range(gen_rng *r, unsigned elo, unsigned ehi)
{
  unsigned e = elo + gen_below(r, ehi - elo + 1);
  return (uint16_t)((gen_u64(r) & 0x8000u) | (e << 10) | (gen_u64(r) & 0x3FFu));
}

static uint16_t gen_corner(gen_rng *r) { return gen_corners[gen_below(r, (unsigned)gen_ncorners)]; }

/* x moved by a few ulps (stays finite unless x was at the edge) */
static uint16_t gen_nudge(gen_rng *r, uint16_t x)
{
  int d = (int)gen_below(r, 7) - 3;
  return (uint16_t)(x + d);
}

void gen_set(gen_rng *r, int op, uint16_t *a, uint16_t *b, uint16_t *c)
{
  unsigned k = gen_below(r, 8);
  *a = gen_any(r);
  *b = gen_any(r);
  *c = gen_any(r);
  switch (op) {
  case PE_OP_MAC:
    switch (k) {
    case 0: break;                                   /* uniform */
    case 1: *a = gen_corner(r); *b = gen_corner(r); *c = gen_corner(r); break;
    case 2:                                          /* cancellation */
      *a = gen_exp_range(r, 1, 30); *b = gen_exp_range(r, 1, 30);
      *c = gen_nudge(r, (uint16_t)(fp16_mul(*a, *b) ^ 0x8000u));
      break;
    case 3:                                          /* c near the product */
      *a = gen_exp_range(r, 8, 22); *b = gen_exp_range(r, 8, 22);
      *c = gen_exp_range(r, 8, 24);
      break;
    case 4:                                          /* ties: short significands */
      *a = (uint16_t)(gen_exp_range(r, 10, 20) & 0xFFE0u);
      *b = (uint16_t)(gen_exp_range(r, 10, 20) & 0xFFC0u);
      *c = (uint16_t)(gen_exp_range(r, 10, 20) & 0xFFF8u);
      break;
    case 5:                                          /* underflow */
      *a = gen_exp_range(r, 0, 12); *b = gen_exp_range(r, 0, 12);
      *c = gen_below(r, 2) ? gen_exp_range(r, 0, 3) : (uint16_t)0x8000u;
      break;
    case 6:                                          /* overflow */
      *a = gen_exp_range(r, 20, 30); *b = gen_exp_range(r, 20, 30);
      break;
    default:                                         /* far-apart exponents */
      *a = gen_exp_range(r, 0, 30); *b = gen_exp_range(r, 0, 30);
      *c = gen_exp_range(r, 0, 30);
      break;
    }
    break;
  case PE_OP_ADD:
    switch (k) {
    case 0: break;
    case 1: *a = gen_corner(r); *b = gen_corner(r); break;
    case 2: *a = gen_exp_range(r, 0, 30); *b = gen_nudge(r, (uint16_t)(*a ^ 0x8000u)); break;
    case 3: {                                        /* ties: b is a half-ulp multiple of a */
      unsigned e = 12 + gen_below(r, 18);
      *a = gen_exp_range(r, e, e);
      *b = (uint16_t)(gen_exp_range(r, e - 11, e - 11) & 0xFC00u);  /* +-half ulp of a */
      break;
    }
    case 4: *a = gen_exp_range(r, 0, 2); *b = gen_exp_range(r, 0, 2); break;
    case 5: *a = gen_exp_range(r, 29, 30); *b = (uint16_t)(gen_exp_range(r, 26, 30) & 0x7FFFu);
            *a &= 0x7FFFu; break;
    default: *a = gen_exp_range(r, 0, 30); *b = gen_exp_range(r, 0, 30); break;
    }
    break;
  case PE_OP_MAX:
    switch (k) {
    case 0: case 1: break;
    case 2: *a = gen_corner(r); *b = gen_corner(r); break;
    case 3: *b = (uint16_t)(*a ^ 0x8000u); break;
    case 4: *b = *a; break;
    default: *a = gen_exp_range(r, 0, 30); *b = gen_nudge(r, *a); break;
    }
    break;
  case PE_OP_EXP:
    switch (k) {
    case 0: break;
    case 1: *a = gen_corner(r); *b = gen_corner(r); break;
    case 2: case 3: case 4:                          /* attention: a - b in [-32, 16] */
      *a = fp16_from_double(-24.0 + 32.0 * (double)gen_below(r, 1u << 20) / (1 << 20));
      *b = fp16_from_double(-8.0 + 16.0 * (double)gen_below(r, 1u << 20) / (1 << 20));
      break;
    case 5: *a = gen_exp_range(r, 0, 14); *b = gen_exp_range(r, 0, 14); break;
    default: *a = gen_exp_range(r, 0, 30); *b = gen_corner(r); break;
    }
    break;
  case PE_OP_DIV:
    switch (k) {
    case 0: break;
    case 1: *a = gen_corner(r); *b = gen_corner(r); break;
    case 2: *a = gen_exp_range(r, 24, 30); *b = gen_exp_range(r, 0, 8); break;
    case 3: *a = gen_exp_range(r, 0, 8); *b = gen_exp_range(r, 22, 30); break;
    case 4: *a = gen_exp_range(r, 0, 2); *b = gen_exp_range(r, 13, 17); break;
    default: *a = gen_exp_range(r, 0, 30); *b = gen_exp_range(r, 0, 30); break;
    }
    break;
  default: break;
  }
}

static int gen_zero(uint16_t h) { return (h & 0x7FFFu) == 0; }

unsigned gen_classify(int op, uint16_t a, uint16_t b, uint16_t c, uint16_t res)
{
  unsigned cl = 0, fl = 0;
  int use_c = op == PE_OP_MAC, use_b = 1, fin;
  uint16_t ops[3] = { a, b, c };
  int i, n = use_c ? 3 : (use_b ? 2 : 1);

  for (i = 0; i < n; i++) {
    if (gen_zero(ops[i])) cl |= GEN_C_ZERO_IN;
    if (fp16_is_subnormal(ops[i])) cl |= GEN_C_SUB_IN;
    if (fp16_is_inf(ops[i])) cl |= GEN_C_INF_IN;
    if (fp16_is_nan(ops[i])) cl |= GEN_C_NAN_IN;
  }
  fin = !(cl & (GEN_C_INF_IN | GEN_C_NAN_IN));
  if (fp16_is_subnormal(res)) cl |= GEN_C_SUB_OUT;
  if (fin && fp16_is_inf(res)) cl |= GEN_C_OVERFLOW;
  switch (op) {
  case PE_OP_MAC: fl = fin ? ref_fma_flags(a, b, c) : 0; break;
  case PE_OP_ADD: fl = fin ? ref_fma_flags(a, 0x3C00u, b) : 0; break;
  case PE_OP_DIV: fl = fin && !gen_zero(b) ? ref_div_flags(a, b) : 0; break;
  case PE_OP_EXP:
    /* exp is never exact except exp(0); inexact tiny results are underflow */
    fl = (gen_zero(res) || fp16_is_subnormal(res)) ? REF_INEXACT : 0;
    break;
  default: break;
  }
  if (fl & REF_TIE) cl |= GEN_C_TIE;
  if (fin && (fl & REF_INEXACT) && (gen_zero(res) || fp16_is_subnormal(res)))
    cl |= GEN_C_UNDERFLOW;
  if ((fl & REF_EXACT_ZERO) && !(cl & GEN_C_ZERO_IN)) cl |= GEN_C_CANCEL;
  return cl;
}

unsigned gen_required(int op)
{
  unsigned in = GEN_C_ZERO_IN | GEN_C_SUB_IN | GEN_C_INF_IN | GEN_C_NAN_IN;
  switch (op) {
  case PE_OP_MAC:
    return in | GEN_C_SUB_OUT | GEN_C_OVERFLOW | GEN_C_UNDERFLOW | GEN_C_TIE | GEN_C_CANCEL;
  case PE_OP_ADD:   /* a subnormal sum is always exact: add cannot underflow */
    return in | GEN_C_SUB_OUT | GEN_C_OVERFLOW | GEN_C_TIE | GEN_C_CANCEL;
  case PE_OP_DIV:
    return in | GEN_C_SUB_OUT | GEN_C_OVERFLOW | GEN_C_UNDERFLOW | GEN_C_TIE;
  case PE_OP_EXP:
    return in | GEN_C_SUB_OUT | GEN_C_OVERFLOW | GEN_C_UNDERFLOW;
  default:
    return in;
  }
}
