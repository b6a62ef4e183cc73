/*
** fp16_ref.h: an independent exact oracle for binary16 arithmetic, used
** only by tests.  It shares no code or algorithm with hw/pe/fp16.c: values
** are exact integers (units of 2^-48), and rounding is a binary search for
** the two neighbouring fp16 values followed by an exact distance compare.
*/
#ifndef ATTNSIM_FP16_REF_H
#define ATTNSIM_FP16_REF_H

#include <stdint.h>

uint16_t ref_fma(uint16_t a, uint16_t b, uint16_t c);
uint16_t ref_add(uint16_t a, uint16_t b);
uint16_t ref_mul(uint16_t a, uint16_t b);
uint16_t ref_div(uint16_t a, uint16_t b);
uint16_t ref_max(uint16_t a, uint16_t b);

/* What happened in round(a*b + c) (resp. a / b) for finite operands. */
#define REF_TIE        1u   /* the exact value lay halfway between two fp16 */
#define REF_INEXACT    2u   /* the result is not the exact value */
#define REF_EXACT_ZERO 4u   /* the exact value was 0 */
unsigned ref_fma_flags(uint16_t a, uint16_t b, uint16_t c);
unsigned ref_div_flags(uint16_t a, uint16_t b);

#endif
