/*
** rtl_bank.h: the Verilated PE arrays (rtl/array/pe_array.v) as pe_bank,
** the one extern "C" seam to them.  A bank of n PEs runs on the smallest
** compiled model with at least n lanes (see rtl/README.md, "PE arrays");
** the engine opens it exactly as it opens pe_bank_twin, so the twin and the
** RTL are one switch apart, and hw/pe/pe_shadow.h compares the two.
*/
#ifndef ATTNSIM_RTL_BANK_H
#define ATTNSIM_RTL_BANK_H

#include "pe_bank.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opens a reset bank of n Verilated PEs of kind (enum pe_kind).  With
** fault_pe >= 0, the PE at logical index fault_pe is the FAULT=1 build
** (the rounder's sticky bit dropped; rtl/fp16_round.v), the other PEs are
** correct.  Matches pe_bank_open_fn.  Returns NULL with a message in err
** (errlen bytes) when kind is unknown, n < 1, n exceeds the largest
** compiled model (the message names the limit), fault_pe >= n, or memory
** runs out. */
pe_bank *rtl_bank_open(int kind, int n, int fault_pe, char *err, int errlen);

/* The largest n rtl_bank_open accepts for kind (fault 0: correct models,
** 1: fault models); 0 for an unknown kind. */
int rtl_bank_max(int kind, int fault);

/* The lane count of the model a bank runs on (>= b->n): the cost of a step
** grows with lanes, not with n.  b must come from rtl_bank_open. */
int rtl_bank_lanes(const pe_bank *b);

/* Verilator --threads of the compiled models (ATTNSIM_RTL_THREADS). */
int rtl_bank_threads(void);

#ifdef __cplusplus
}
#endif
#endif
