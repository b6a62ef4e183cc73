/*
** test_util.h: helpers shared by the cmocka unit tests of every module.
** Include after <cmocka.h>.
*/
#ifndef ATTNSIM_TEST_UTIL_H
#define ATTNSIM_TEST_UTIL_H

#include <math.h>

/* cmocka's assert_float_equal compares as float; doubles need their own. */
#define assert_near(a, b, tol)                                              \
  do {                                                                      \
    double a_ = (a), b_ = (b);                                              \
    if (!(fabs(a_ - b_) <= (tol)))                                          \
      fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_,     \
               (double)(tol));                                              \
  } while (0)

#endif
