/*
** test_exp_accuracy.c: how accurate is the PEs' exp?  Measures the 7-step
** microsequence (hw/pe fp16_exp) against exp() in double over every fp16
** input attention produces after max subtraction, x <= 0, and fails if the
** error exceeds the figures stated in rtl/README.md.  Also checks the
** special values and that exp(a - b) is exp of the rounded difference.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <cmocka.h>

#include "fp16.h"
#include "fp16_gen.h"

/* The documented range: fp16 x in [EXP_LO, 0], where exp(x) >= 2^-14 is a
** normal fp16.  EXP_LO = -9.703125 is the last fp16 above ln(2^-14). */
#define EXP_LO          (-9.703125)
/* Bounds stated in rtl/README.md (measured: 2.571e-3 and 4 ulps). */
#define EXP_MAX_REL     2.6e-3
#define EXP_MAX_ULPS    4
/* Below EXP_LO the results are subnormal: absolute error in units of 2^-24
** (measured 2.576: the same relative error times values up to 2^-14). */
#define EXP_MAX_SUB_ABS 2.6
/* Horner rounding makes exp non-monotone by 1 ulp at 4 adjacent input pairs
** in [-0.34, -0.06] (measured); more, or a larger step, fails. */
#define EXP_MAX_NONMONO 4

/* distance in units in the last place between two finite fp16 of one sign */
static int ulps(uint16_t a, uint16_t b) { return a > b ? a - b : b - a; }

static void test_normal_range(void **st)
{
  static const double edges[] = { 0, -1, -2, -4, -8, EXP_LO };
  double worst = 0, worst_x = 0;
  int worst_ulps = 0, i, n = 0, nonmono = 0, maxrise = 0;
  uint16_t prev = 0x3C00;
  (void)st;
  printf("exp: max relative error against exp() by sub-range of x:\n");
  for (i = 0; i + 1 < (int)(sizeof edges / sizeof edges[0]); i++) {
    double w = 0;
    int wu = 0;
    unsigned h;
    for (h = 0x8000; h < 0xFC00; h++) {       /* -0 down to -max, ascending |x| */
      double x = fp16_to_double((uint16_t)h), e, r, rel;
      uint16_t y;
      if (!(x <= edges[i] && x >= edges[i + 1]) || (i > 0 && x == edges[i])) continue;
      y = fp16_exp((uint16_t)h);
      e = exp(x);
      r = fp16_to_double(y);
      rel = fabs(r - e) / e;
      if (rel > w) w = rel;
      if (ulps(y, fp16_from_double(e)) > wu) wu = ulps(y, fp16_from_double(e));
      if (rel > worst) { worst = rel; worst_x = x; }
      n++;
    }
    printf("  [%9.6f, %9.6f]: %.3e  (%d ulps from correctly rounded)\n",
           edges[i + 1], edges[i], w, wu);
    if (wu > worst_ulps) worst_ulps = wu;
  }
  /* exp should not increase as x decreases; count where it does */
  for (unsigned h = 0x8000; h < 0xFC00; h++) {
    uint16_t y = fp16_exp((uint16_t)h);
    if (y > prev) {
      nonmono++;
      if (y - prev > maxrise) maxrise = y - prev;
    }
    prev = y;
  }
  printf("exp over all %d fp16 x in [%g, 0]: max relative error %.4e at x = %g, "
         "max %d ulps; %d monotonicity violations of at most %d ulp\n",
         n, EXP_LO, worst, worst_x, worst_ulps, nonmono, maxrise);
  assert_true(n > 18000);
  assert_true(worst <= EXP_MAX_REL);
  assert_true(worst_ulps <= EXP_MAX_ULPS);
  assert_true(nonmono <= EXP_MAX_NONMONO);
  assert_true(maxrise <= 1);
}

static void test_subnormal_range(void **st)
{
  double worst = 0;
  unsigned h;
  (void)st;
  for (h = 0x8000; h < 0xFC00; h++) {
    double x = fp16_to_double((uint16_t)h), abserr;
    if (x >= EXP_LO) continue;
    abserr = fabs(fp16_to_double(fp16_exp((uint16_t)h)) - exp(x)) * 0x1p24;
    if (abserr > worst) worst = abserr;
  }
  printf("exp for x < %g (subnormal or zero results): max absolute error %.3f * 2^-24\n",
         EXP_LO, worst);
  assert_true(worst <= EXP_MAX_SUB_ABS);
}

static void test_positive_and_special(void **st)
{
  double worst = 0;
  unsigned h;
  (void)st;
  for (h = 0; h < 0x7C00; h++) {
    double x = fp16_to_double((uint16_t)h), e = exp(x), r = fp16_to_double(fp16_exp((uint16_t)h));
    if (e > 65504) {
      assert_int_equal(fp16_exp((uint16_t)h) == FP16_PINF || e < 65520, 1);
      continue;
    }
    if (fabs(r - e) / e > worst) worst = fabs(r - e) / e;
  }
  printf("exp for x >= 0 (not produced by attention): max relative error %.3e\n", worst);
  assert_int_equal(fp16_exp(0x0000), 0x3C00);
  assert_int_equal(fp16_exp(0x8000), 0x3C00);
  assert_int_equal(fp16_exp(FP16_NINF), 0x0000);
  assert_int_equal(fp16_exp(FP16_PINF), FP16_PINF);
  assert_int_equal(fp16_exp(0x7E00), FP16_QNAN);
  assert_int_equal(fp16_exp(0xFD55), FP16_QNAN);
  assert_int_equal(fp16_exp(0xFBFF), 0x0000);           /* exp(-65504) */
  assert_int_equal(fp16_exp(0x7BFF), FP16_PINF);        /* exp(65504) */
  assert_int_equal(fp16_exp(fp16_from_double(-18.0)), 0x0000);
}

/* exp(a - b) is exp of the fp16-rounded difference: the add is step 0 */
static void test_expdiff(void **st)
{
  gen_rng r = { 11 };
  long i, bad = 0;
  (void)st;
  for (i = 0; i < 200000; i++) {
    uint16_t a = gen_any(&r), b = gen_any(&r);
    bad += fp16_expdiff(a, b) != fp16_exp(fp16_add(a, (uint16_t)(b ^ 0x8000u)));
  }
  assert_int_equal(bad, 0);
  assert_int_equal(fp16_expdiff(FP16_PINF, FP16_PINF), FP16_QNAN);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_normal_range),
    cmocka_unit_test(test_subnormal_range),
    cmocka_unit_test(test_positive_and_special),
    cmocka_unit_test(test_expdiff),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
