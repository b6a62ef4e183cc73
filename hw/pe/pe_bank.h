/*
** pe_bank.h: n PEs of one kind stepped together, one clock edge per call.
** The seam between an array model that carries real values and whatever
** computes the PEs: the C twin (pe_bank_twin, here) or the Verilated RTL
** (rtl/array, opened through the same struct), so the two are one switch
** apart.  The struct to understand first is pe_bank.
**
** Contract (the two-phase rule of pe.h, for a whole bank):
**   - step(b, in) applies one rising edge to all n PEs: PE i is offered
**     in[i] (in[i].valid == 0 offers nothing).  in has n entries.
**   - After step returns, b->st[i] holds PE i's registers after the edge,
**     exactly as pe2d_step / pe1d_step would leave a pe_state; callers read
**     st between steps and never write it.
**   - reset(b) is the synchronous reset of every PE (all registers 0).
**   - close(b) frees everything; b is invalid afterwards.
**   - diverged(b, ...) (optional, NULL for a bank that computes one way)
**     asks a bank that runs two implementations side by side (pe_shadow.h)
**     whether they have disagreed yet: cheap while they agree, so an array
**     model may ask after every edge.
*/
#ifndef ATTNSIM_PE_BANK_H
#define ATTNSIM_PE_BANK_H

#include <stddef.h>

#include "pe.h"

enum pe_kind {
  PE_KIND_2D = 0,   /* pe2d: MAC, ADD, MAX, EXP */
  PE_KIND_1D = 1    /* pe1d: the same and DIV */
};

typedef struct pe_bank pe_bank;
struct pe_bank {
  const char *impl_name;                       /* "twin", "rtl", ... for messages */
  int kind;                                    /* enum pe_kind */
  int n;                                       /* PEs in the bank */
  pe_state *st;                                /* n: registers after the last edge */
  void (*step)(pe_bank *b, const pe_in *in);   /* one edge for all n PEs */
  void (*reset)(pe_bank *b);                   /* every register of every PE to 0 */
  void (*close)(pe_bank *b);                   /* free the bank */
  /* NULL, or: 1 once the bank's implementations disagreed, with the
  ** lowest differing PE's index in *pe and, in msg (len bytes, truncated),
  ** the operation it was offered last and both implementations' registers;
  ** else 0 (pe_shadow.h's wrapper with a shadow sets it) */
  int (*diverged)(const pe_bank *b, int *pe, char *msg, size_t len);
  void *impl;                                  /* the implementation's own state */
};

/* A bank of n C-twin PEs, reset.  NULL if n < 1 or out of memory. */
pe_bank *pe_bank_twin(int kind, int n);

/* Opens a bank of n PEs of kind; fault_pe >= 0 asks for a faulty PE at
** that index where the implementation has one (negative: none).  Returns
** NULL with a message in err (size errlen) when it cannot. */
typedef pe_bank *(*pe_bank_open_fn)(int kind, int n, int fault_pe, char *err, int errlen);

#endif
