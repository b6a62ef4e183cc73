/*
** fp16_gen.h: operand generators and coverage classes shared by the C
** twin's tests (tests/rtl/) and the Verilator benches (rtl/bench/).  The
** generators mix uniform bit patterns with constructions that make rare
** cases common: cancellation, rounding ties, overflow, underflow.
*/
#ifndef ATTNSIM_FP16_GEN_H
#define ATTNSIM_FP16_GEN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gen_rng { uint64_t s; } gen_rng;   /* splitmix64 state */

uint64_t gen_u64(gen_rng *r);
uint16_t gen_any(gen_rng *r);                      /* uniform 16-bit pattern */

/* The corner values: +-0, subnormal extremes, normal extremes, +-1 and
** its neighbours, +-inf, quiet and signalling NaNs of both signs. */
extern const uint16_t gen_corners[];
extern const int gen_ncorners;

/* One operand set for an op (enum pe_op numbering); c is only used by MAC. */
void gen_set(gen_rng *r, int op, uint16_t *a, uint16_t *b, uint16_t *c);

/* Coverage classes of one executed op. */
enum {
  GEN_C_ZERO_IN   = 1 << 0,   /* an operand is +-0 */
  GEN_C_SUB_IN    = 1 << 1,   /* an operand is subnormal */
  GEN_C_INF_IN    = 1 << 2,
  GEN_C_NAN_IN    = 1 << 3,
  GEN_C_SUB_OUT   = 1 << 4,   /* the result is subnormal */
  GEN_C_OVERFLOW  = 1 << 5,   /* finite operands, infinite result */
  GEN_C_UNDERFLOW = 1 << 6,   /* finite operands, tiny (<2^-14) inexact result */
  GEN_C_TIE       = 1 << 7,   /* the exact value was halfway: round-to-even decided */
  GEN_C_CANCEL    = 1 << 8,   /* nonzero operands whose exact result is 0 */
  GEN_C_NCLASSES  = 9
};
extern const char *const gen_class_names[GEN_C_NCLASSES];

/* Classes hit by op(a, b, c) -> res; uses the exact oracle for ties. */
unsigned gen_classify(int op, uint16_t a, uint16_t b, uint16_t c, uint16_t res);
/* The classes every op's vectors must cover (a hole fails the bench). */
unsigned gen_required(int op);

#ifdef __cplusplus
}
#endif
#endif
