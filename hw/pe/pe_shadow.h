/*
** pe_shadow.h: a pe_bank that steps two banks with the same offers and
** compares every PE's registers after every edge: the co-simulation check
** (the Verilated RTL as primary, the C twin as shadow).  It is itself a
** pe_bank whose st is the primary's, so an array model steps it exactly as
** it steps either bank.  The struct to understand first is pe_shadow_diff.
**
** Cost per edge, beyond the two banks' own steps: one copy of the n offers
** into an 8-edge history and a field-by-field compare of n pe_state; for
** 256 PEs within the noise of experiments/bench/bench_rtl_bank (a twin
** shadowed by a twin: 11.2 us per edge against 2 x 6.3 us alone).  Without
** a shadow (NULL) it only forwards to the primary and counts edges.
*/
#ifndef ATTNSIM_PE_SHADOW_H
#define ATTNSIM_PE_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include "pe_bank.h"

enum { PE_SHADOW_HIST = 8 };  /* offers kept per PE: covers one exp (7 edges) and the op before */

/* The first divergence of a shadowed bank. */
typedef struct pe_shadow_diff {
  uint64_t edge;        /* steps since open before the diverging one (0 = the first step); after a reset, the steps so far */
  int      at_reset;    /* 1: the states differed right after a reset, not after a step */
  int      pe;          /* index of the lowest-numbered PE that differs, 0..n-1 */
  int      hist;        /* valid entries of recent[], 0..PE_SHADOW_HIST */
  pe_in    recent[PE_SHADOW_HIST]; /* offers to that PE: [0] on the diverging edge, [k] k edges earlier (not across a reset) */
  pe_state primary;     /* that PE's registers in the primary bank */
  pe_state shadow;      /* ... and in the shadow bank */
} pe_shadow_diff;

/* Wraps primary (and shadow, if not NULL; both of the same kind and n) and
** resets both, so the check starts from equal states.  The wrapper owns
** both banks from then on (its close closes them).  Returns NULL, leaving
** both banks to the caller, if they do not match or memory runs out. */
pe_bank *pe_shadow_open(pe_bank *primary, pe_bank *shadow);

/* 1 and *d filled (if d is not NULL) once the banks have diverged, else 0.
** Only the first divergence is kept; after it the shadow is no longer
** stepped (the primary is: st stays the primary's). */
int pe_shadow_diverged(const pe_bank *b, pe_shadow_diff *d);

/* Writes d as one line (no newline) into buf (len bytes, truncated to
** fit): the edge, both banks' registers of the PE, and its offers, latest
** first, e.g. "edge 13 (after the step): primary {out=3c01 v=1 seq=0
** t=0000 f=0000 n=0}, shadow {out=3c00 ...}; offers, latest first:
** MAC(4000,4200,3c00) idle EXP(b800,0000) ...".  The PE's place in an
** array is the caller's to print.  Returns what snprintf returns. */
int pe_shadow_format(const pe_shadow_diff *d, char *buf, size_t len);

/* Steps since open (resets are not steps). */
uint64_t pe_shadow_edges(const pe_bank *b);

/* 1 if two PE states are equal register for register. */
int pe_state_equal(const pe_state *x, const pe_state *y);

#endif
