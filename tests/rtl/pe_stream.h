/*
** pe_stream.h: random offers for a bank of PEs, one edge at a time, shared
** by the bank tests (test_pe_shadow, test_rtl_bank) and the bank benchmark.
*/
#ifndef ATTNSIM_PE_STREAM_H
#define ATTNSIM_PE_STREAM_H

#include "fp16_gen.h"
#include "pe.h"

/* Fills in[0..n-1] with one edge of offers: each PE is offered nothing
** with probability idle/256, else an op drawn from the mix below with
** operands from gen_set: MAC 3/8, ADD, MAX, EXP 1/8 each, DIV 3/16 (on a
** 2D PE it must give NaN), the illegal codes 5..7 1/16.  Offers to a busy
** PE are part of the stream on purpose (they must be ignored). */
void pe_stream_fill(gen_rng *r, pe_in *in, int n, unsigned idle);

#endif
