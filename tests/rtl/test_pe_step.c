/*
** test_pe_step.c: is the PE's cycle protocol right?  Steps the C twin
** (hw/pe/pe.c) through the timing that rtl/README.md documents: latency 1
** for MAC/ADD/MAX/DIV, 7 cycles for EXP with in_ready low for 6, offers
** ignored while busy, out held between results, DIV only on the 1D PE.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fp16.h"
#include "pe.h"

static pe_in op(int code, uint16_t a, uint16_t b, uint16_t c)
{
  pe_in in = { 1, (uint8_t)code, a, b, c };
  return in;
}

static void test_reset(void **st)
{
  pe_state pe;
  (void)st;
  pe.out = 0x1234; pe.seq = 3; pe.out_valid = 1;
  pe_reset(&pe);
  assert_int_equal(pe.out, 0);
  assert_int_equal(pe.seq, 0);
  assert_int_equal(pe.out_valid, 0);
  assert_true(pe_ready(&pe));
}

static void test_one_cycle_ops(void **st)
{
  pe_state pe;
  pe_in in;
  (void)st;
  pe_reset(&pe);
  in = op(PE_OP_MAC, 0x4000, 0x4200, 0x3C00);   /* 2*3 + 1 */
  pe2d_step(&pe, &in);
  assert_int_equal(pe.out, 0x4700);
  assert_int_equal(pe.out_valid, 1);
  assert_true(pe_ready(&pe));
  pe2d_step(&pe, NULL);                          /* idle: out holds, valid drops */
  assert_int_equal(pe.out, 0x4700);
  assert_int_equal(pe.out_valid, 0);
  in.valid = 0; in.op = PE_OP_ADD;                /* not valid: ignored */
  pe2d_step(&pe, &in);
  assert_int_equal(pe.out, 0x4700);
  assert_int_equal(pe.out_valid, 0);
  in = op(PE_OP_ADD, 0x3C00, 0x3C00, 0xFFFF);    /* c unused */
  pe2d_step(&pe, &in);
  assert_int_equal(pe.out, 0x4000);
  in = op(PE_OP_MAX, 0xC000, 0x3800, 0);
  pe2d_step(&pe, &in);
  assert_int_equal(pe.out, 0x3800);
  assert_int_equal(pe.out_valid, 1);
}

static void test_div_1d_only(void **st)
{
  pe_state pe;
  pe_in in = op(PE_OP_DIV, 0x3C00, 0x4200, 0);
  int code;
  (void)st;
  pe_reset(&pe);
  pe1d_step(&pe, &in);
  assert_int_equal(pe.out, 0x3555);
  assert_int_equal(pe.out_valid, 1);
  pe2d_step(&pe, &in);
  assert_int_equal(pe.out, FP16_QNAN);
  assert_int_equal(pe.out_valid, 1);
  for (code = 5; code < 8; code++) {
    in.op = (uint8_t)code;
    pe1d_step(&pe, &in);
    assert_int_equal(pe.out, FP16_QNAN);
  }
}

static void test_exp_timing(void **st)
{
  pe_state pe;
  pe_in in = op(PE_OP_EXP, 0xC000, 0x3C00, 0);   /* exp(-2 - 1) */
  pe_in junk = op(PE_OP_MAC, 0x5555, 0x5555, 0x5555);
  int cyc, k;
  (void)st;
  pe_reset(&pe);
  pe.out = 0x1111;
  for (k = 0; k < 3; k++) {                      /* back to back: period 7 */
    pe2d_step(&pe, &in);                         /* accepting edge = step 0 */
    assert_int_equal(pe.seq, 1);
    assert_int_equal(pe.t, 0xC200);              /* t = a - b = -3 */
    for (cyc = 1; cyc <= 6; cyc++) {
      assert_false(pe_ready(&pe));
      assert_int_equal(pe.out_valid, 0);
      assert_int_equal(pe.out, k == 0 ? 0x1111 : fp16_exp(0xC200));
      pe2d_step(&pe, &junk);                      /* offered while busy: ignored */
    }
    assert_true(pe_ready(&pe));
    assert_int_equal(pe.out_valid, 1);
    assert_int_equal(pe.out, fp16_exp(0xC200));
    assert_int_equal(pe.out, fp16_expdiff(0xC000, 0x3C00));
  }
  /* the junk offers were never executed */
  assert_int_equal(pe.out, fp16_exp(0xC200));
  /* range reduction of -3: -3*log2e = -4.327 -> n = -4 */
  assert_int_equal(pe.n, -4);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reset),
    cmocka_unit_test(test_one_cycle_ops),
    cmocka_unit_test(test_div_1d_only),
    cmocka_unit_test(test_exp_timing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
