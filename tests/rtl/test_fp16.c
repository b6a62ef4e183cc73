/*
** test_fp16.c: is the C twin's arithmetic right?  Compares hw/pe/fp16.c
** bit for bit with the exact oracle (fp16_ref.c) on random operand sets
** from every generator, on all pairs (and triples) of corner values, and
** on every fp16 value against a set of second operands; and checks that
** the vectors really exercised ties, overflow, underflow and cancellation;
** and the FMA's exp-only modes (range reduction, scaling by 2^n); and
** that the FMA's fast path (fp16_int.h, in double) equals the bit-level
** algorithm (fp16_fma_bits, the RTL's) wherever it answers.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <cmocka.h>

#include "fp16.h"
#include "fp16_int.h"
#include "fp16_gen.h"
#include "fp16_ref.h"
#include "pe.h"

#define N_RANDOM 1000000   /* random operand sets per op */

static uint16_t twin(int op, uint16_t a, uint16_t b, uint16_t c)
{
  switch (op) {
  case PE_OP_MAC: return fp16_fma(a, b, c);
  case PE_OP_ADD: return fp16_add(a, b);
  case PE_OP_MAX: return fp16_max(a, b);
  case PE_OP_DIV: return fp16_div(a, b);
  default: return 0;
  }
}

static uint16_t oracle(int op, uint16_t a, uint16_t b, uint16_t c)
{
  switch (op) {
  case PE_OP_MAC: return ref_fma(a, b, c);
  case PE_OP_ADD: return ref_add(a, b);
  case PE_OP_MAX: return ref_max(a, b);
  case PE_OP_DIV: return ref_div(a, b);
  default: return 0;
  }
}

static long n_bad;

static void check(int op, uint16_t a, uint16_t b, uint16_t c)
{
  uint16_t t = twin(op, a, b, c), o = oracle(op, a, b, c);
  if (t != o) {
    if (n_bad < 10)
      fprintf(stderr, "op %d a=%04x b=%04x c=%04x: twin %04x oracle %04x\n",
              op, a, b, c, t, o);
    n_bad++;
  }
}

static void run_op(int op, uint64_t seed)
{
  gen_rng r = { seed };
  unsigned seen = 0;
  long i, cls[GEN_C_NCLASSES] = { 0 };
  int j, k, l, x;

  n_bad = 0;
  for (i = 0; i < N_RANDOM; i++) {
    uint16_t a, b, c;
    unsigned cl;
    gen_set(&r, op, &a, &b, &c);
    check(op, a, b, c);
    cl = gen_classify(op, a, b, c, twin(op, a, b, c));
    seen |= cl;
    for (j = 0; j < GEN_C_NCLASSES; j++) cls[j] += (cl >> j) & 1u;
  }
  for (j = 0; j < gen_ncorners; j++)
    for (k = 0; k < gen_ncorners; k++) {
      if (op == PE_OP_MAC)
        for (l = 0; l < gen_ncorners; l++)
          check(op, gen_corners[j], gen_corners[k], gen_corners[l]);
      else
        check(op, gen_corners[j], gen_corners[k], 0);
    }
  /* every fp16 value against every corner, both ways round */
  for (x = 0; x < 65536; x++)
    for (k = 0; k < gen_ncorners; k++) {
      check(op, (uint16_t)x, gen_corners[k], 0x3C00u);
      check(op, gen_corners[k], (uint16_t)x, 0xBC00u);
      if (op == PE_OP_MAC) check(op, 0x3555u, gen_corners[k], (uint16_t)x);
    }
  printf("op %d: %d random sets, classes:", op, N_RANDOM);
  for (j = 0; j < GEN_C_NCLASSES; j++) printf(" %s=%ld", gen_class_names[j], cls[j]);
  printf("\n");
  assert_int_equal(n_bad, 0);
  /* the vectors must have exercised every class the op can produce */
  assert_int_equal(seen & gen_required(op), gen_required(op));
}

static void test_mac(void **st) { (void)st; run_op(PE_OP_MAC, 1); }
static void test_add(void **st) { (void)st; run_op(PE_OP_ADD, 2); }
static void test_max(void **st) { (void)st; run_op(PE_OP_MAX, 3); }
static void test_div(void **st) { (void)st; run_op(PE_OP_DIV, 4); }

/* mul is fma with c = -0; checked on its own since the PEs' exp uses it */
static void test_mul(void **st)
{
  gen_rng r = { 5 };
  long i, bad = 0;
  (void)st;
  for (i = 0; i < N_RANDOM; i++) {
    uint16_t a = gen_any(&r), b = gen_any(&r);
    bad += fp16_mul(a, b) != ref_mul(a, b);
  }
  assert_int_equal(bad, 0);
}

/* The FMA's two exp-only modes (fp16_int.h) against the oracle / double:
** range reduction on every fp16 t, and the 2^scale of the last step. */
static void test_fma_modes(void **st)
{
  gen_rng r = { 7 };
  long bad = 0, i;
  unsigned h;
  (void)st;
  for (h = 0; h < 65536; h++) {
    int n, sp = (h >> 15) != 0;
    uint16_t f = fp16_fma_core((uint16_t)h, FP16_LOG2E, 0x1234, 1, 0, &n);
    double p = fp16_to_double((uint16_t)h) * fp16_to_double(FP16_LOG2E);  /* exact */
    if (fp16_is_nan((uint16_t)h)) {
      bad += f != FP16_QNAN || n != 0;
    } else if (fabs(p) >= 63.5) {                 /* saturated, or infinite */
      bad += f != 0 || n != (sp ? -64 : 64);
    } else {
      double nn = p < 0 ? -floor(-p + 0.5) : floor(p + 0.5);   /* ties away */
      /* -n as an fp16 addend; for n = 0 its sign is the product's opposite */
      uint16_t negn = nn == 0 ? (uint16_t)(sp ? 0x0000u : 0x8000u) : fp16_from_double(-nn);
      bad += n != (int)nn || f != ref_fma((uint16_t)h, FP16_LOG2E, negn);
    }
  }
  assert_int_equal(bad, 0);
  for (i = 0; i < N_RANDOM; i++) {
    /* exponents 8..22: a*b + c spans at most 51 bits, exact in double */
    uint16_t a = (uint16_t)((gen_u64(&r) & 0x83FFu) | (8 + gen_u64(&r) % 15) << 10);
    uint16_t b = (uint16_t)((gen_u64(&r) & 0x83FFu) | (8 + gen_u64(&r) % 15) << 10);
    uint16_t c = (uint16_t)((gen_u64(&r) & 0x83FFu) | (8 + gen_u64(&r) % 15) << 10);
    int sc = (int)(gen_u64(&r) % 129) - 64;
    double exact = fp16_to_double(a) * fp16_to_double(b) + fp16_to_double(c);
    uint16_t want = exact == 0 ? 0 : fp16_from_double(ldexp(exact, sc));
    bad += fp16_fma_core(a, b, c, 0, sc, 0) != want;
  }
  assert_int_equal(bad, 0);
}

/* Known values, independent of both implementations. */
static void test_known_values(void **st)
{
  (void)st;
  assert_int_equal(fp16_add(0x3C00, 0x1000), 0x3C00);  /* 1 + 2^-11: tie, to even */
  assert_int_equal(fp16_add(0x3C01, 0x1000), 0x3C02);  /* tie, odd rounds up */
  assert_int_equal(fp16_add(0x7BFF, 0x4C00), 0x7C00);  /* 65504 + 16: tie, to even = inf */
  assert_int_equal(fp16_add(0x7BFF, 0x4BFF), 0x7BFF);  /* just below the tie */
  assert_int_equal(fp16_add(0xFBFF, 0xCC00), 0xFC00);
  assert_int_equal(fp16_mul(0x0001, 0x3800), 0x0000);  /* 2^-25: tie to even 0 */
  assert_int_equal(fp16_mul(0x0003, 0x3800), 0x0002);  /* 1.5*2^-24: tie to 2 */
  assert_int_equal(fp16_mul(0x8001, 0x3800), 0x8000);  /* -0 keeps its sign */
  assert_int_equal(fp16_add(0x3C00, 0xBC00), 0x0000);  /* exact cancel: +0 */
  assert_int_equal(fp16_add(0x8000, 0x8000), 0x8000);
  assert_int_equal(fp16_add(0x8000, 0x0000), 0x0000);
  assert_int_equal(fp16_fma(0x7C00, 0x0000, 0x3C00), FP16_QNAN);
  assert_int_equal(fp16_fma(0x7C00, 0x3C00, 0xFC00), FP16_QNAN);
  assert_int_equal(fp16_div(0x3C00, 0x0000), 0x7C00);
  assert_int_equal(fp16_div(0x3C00, 0x8000), 0xFC00);
  assert_int_equal(fp16_div(0x3C00, 0x4200), 0x3555);  /* 1/3 */
  assert_int_equal(fp16_max(0x0000, 0x8000), 0x0000);
  assert_int_equal(fp16_max(0x8000, 0x0000), 0x0000);
  assert_int_equal(fp16_max(0x7E00, 0x3C00), FP16_QNAN);
  assert_int_equal(fp16_max(0xFC00, 0xFBFF), 0xFBFF);
  assert_int_equal(fp16_from_double(1.0 / 3.0), 0x3555);
  assert_true(fp16_to_double(0x0001) == 0x1p-24);
}

/* double -> fp16 rounding agrees with the oracle on exact fp16 sums */
static void test_from_double(void **st)
{
  gen_rng r = { 6 };
  long i, bad = 0;
  (void)st;
  for (i = 0; i < N_RANDOM; i++) {
    uint16_t a = gen_any(&r), b = gen_any(&r);
    /* a + b is exact in double; NaN patterns all map to the same qNaN */
    bad += fp16_from_double(fp16_to_double(a) + fp16_to_double(b)) != ref_add(a, b)
           && !(fp16_is_nan(a) || fp16_is_nan(b));
  }
  assert_int_equal(bad, 0);
}

/* The fast path against the bit-level FMA: fp16_fma_fast, where it
** answers, and fp16_fma_core (fast or fallback) equal fp16_fma_bits, on
** random patterns (uniform, every MAC construction of gen_set: ties,
** cancellation, overflow, underflow), random exponents near one another
** (where the fast path answers most), every corner triple, and every
** fp16 against the corners as each operand; each with scale 0 and a
** random scale in [-64, 64] (the last exp step's); and sums double
** cannot hold whose rounding the smaller term decides.  Both outcomes of the
** fast path must occur, and on at least a third of the random sets it
** must answer (else the test would check little). */
static long fast_bad, fast_yes, fast_no;

static void check_fast(uint16_t a, uint16_t b, uint16_t c, int sc)
{
  uint16_t want = fp16_fma_bits(a, b, c, 0, sc, 0), got = 0;
  int n = 7;
  if (fp16_fma_fast(a, b, c, sc, &got)) {
    fast_yes++;
    if (got != want) {
      if (fast_bad < 10)
        fprintf(stderr, "fast a=%04x b=%04x c=%04x scale %d: %04x, bits %04x\n", a, b, c, sc, got, want);
      fast_bad++;
    }
  } else {
    fast_no++;
  }
  fast_bad += fp16_fma_core(a, b, c, 0, sc, &n) != want || n != 0;
}

static void test_fast_path(void **st)
{
  gen_rng r = { 11 };
  long i;
  int j, k, l, x;
  (void)st;
  for (i = 0; i < N_RANDOM; i++) {
    uint16_t a, b, c;
    int sc = (int)(gen_u64(&r) % 129) - 64;
    gen_set(&r, PE_OP_MAC, &a, &b, &c);
    check_fast(a, b, c, 0);
    check_fast(a, b, c, sc);
    check_fast(a, FP16_ONE, c, 0);            /* the PE's ADD */
    /* the addend's exponent within 12 of the product's: sums near ties,
    ** cancellations, subnormal and overflowing results */
    int ea = 1 + (int)(gen_u64(&r) % 30), eb = 1 + (int)(gen_u64(&r) % 30);
    int ec = ea + eb - 15 + (int)(gen_u64(&r) % 25) - 12;
    ec = ec < 0 ? 0 : ec > 30 ? 30 : ec;
    a = (uint16_t)((gen_u64(&r) & 0x83FFu) | (unsigned)ea << 10);
    b = (uint16_t)((gen_u64(&r) & 0x83FFu) | (unsigned)eb << 10);
    c = (uint16_t)((gen_u64(&r) & 0x83FFu) | (unsigned)ec << 10);
    check_fast(a, b, c, 0);
    check_fast(a, b, c, sc);
    /* where double cannot hold the sum: a tiny product (two subnormals)
    ** beside a large addend with an odd significand, scaled so that the
    ** addend falls on a midpoint of the subnormal grid; the product then
    ** decides the rounding, and only the exactness check sends it back */
    ec = 21 + (int)(gen_u64(&r) % 10);
    a = (uint16_t)(gen_u64(&r) & 0x83FFu);
    b = (uint16_t)(gen_u64(&r) & 0x83FFu);
    c = (uint16_t)((gen_u64(&r) & 0x83FEu) | 1u | (unsigned)ec << 10);
    check_fast(a, b, c, -ec);
  }
  for (j = 0; j < gen_ncorners; j++)
    for (k = 0; k < gen_ncorners; k++)
      for (l = 0; l < gen_ncorners; l++) {
        check_fast(gen_corners[j], gen_corners[k], gen_corners[l], 0);
        check_fast(gen_corners[j], gen_corners[k], gen_corners[l], 64);
        check_fast(gen_corners[j], gen_corners[k], gen_corners[l], -64);
      }
  for (x = 0; x < 65536; x++)
    for (k = 0; k < gen_ncorners; k++) {
      uint16_t h = (uint16_t)x, q = gen_corners[k];
      check_fast(h, q, 0x3C00u, 0);
      check_fast(q, h, 0xBC00u, 0);
      check_fast(0x3555u, q, h, 0);
      check_fast(h, FP16_ONE, q, 0);
      check_fast(q, FP16_ONE, h, 0);
      check_fast(h, q, 0x8000u, (x % 129) - 64);
    }
  printf("fast path: %ld answered, %ld fell back, %ld wrong\n", fast_yes, fast_no, fast_bad);
  assert_int_equal(fast_bad, 0);
  assert_true(fast_no > 0);
  assert_true(fast_yes > (fast_yes + fast_no) / 3);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_known_values),
    cmocka_unit_test(test_mac),
    cmocka_unit_test(test_add),
    cmocka_unit_test(test_max),
    cmocka_unit_test(test_div),
    cmocka_unit_test(test_mul),
    cmocka_unit_test(test_fma_modes),
    cmocka_unit_test(test_from_double),
    cmocka_unit_test(test_fast_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
