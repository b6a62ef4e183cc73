/*
** bench_rtl_bank.c: how fast are the PE banks an array model steps
** (hw/pe/pe_bank.h)?  PE-cycles per wall second (PEs of the bank times
** edges) for the Verilated arrays (rtl/array) at n = 256 pe2d (16x16) and
** n = 16 pe1d, alone and through pe_shadow with and without the C-twin
** shadow, the twin bank alone and twin-shadowed-by-twin (the comparison's
** own cost), and banks smaller than their model (n = 17 on 64 lanes, 100
** on 256), and FuseMax's 16x16 + 16 (both banks stepped every edge, the
** rate over their 272 PEs).  The stream is attention-like: every PE offered every edge,
** MACs with 1/16 each of EXP, MAX and ADD.  Prints figures; never fails on
** a time, only (exit 1) if a shadowed bank diverges from its twin.
** usage: bench_rtl_bank [SECONDS]   (per case, default 1)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pe_bank.h"
#include "pe_shadow.h"
#include "fp16_gen.h"
#include "rtl_bank.h"
#include "util.h"

enum { ROWS = 64 };   /* edges of offers, cycled */

/* ROWS edges of n offers. */
static pe_in *make_stream(int n) {
  pe_in *s = calloc((size_t)ROWS * (size_t)n, sizeof *s);
  gen_rng r = { 42 };
  size_t i;
  if (!s) return NULL;
  for (i = 0; i < (size_t)ROWS * (size_t)n; i++) {
    unsigned k = (unsigned)(gen_u64(&r) % 16);
    int op = k == 0 ? PE_OP_EXP : k == 1 ? PE_OP_MAX : k == 2 ? PE_OP_ADD : PE_OP_MAC;
    s[i].valid = 1;
    s[i].op = (uint8_t)op;
    gen_set(&r, op, &s[i].a, &s[i].b, &s[i].c);
  }
  return s;
}

enum mode { RTL, RTL_PASS, RTL_SHADOW, TWIN, TWIN_SHADOW };
static const char *const mode_name[] = {
  "alone", "pe_shadow, no shadow", "shadowed by the twin", "alone", "shadowed by the twin"
};

static pe_bank *rtl(int kind, int n) {
  char err[200];
  pe_bank *b = rtl_bank_open(kind, n, -1, err, sizeof err);
  if (!b) fprintf(stderr, "bench_rtl_bank: %s\n", err);
  return b;
}

static pe_bank *open_bank(enum mode m, int kind, int n) {
  switch (m) {
  case RTL: return rtl(kind, n);
  case RTL_PASS: return pe_shadow_open(rtl(kind, n), NULL);
  case RTL_SHADOW: return pe_shadow_open(rtl(kind, n), pe_bank_twin(kind, n));
  case TWIN: return pe_bank_twin(kind, n);
  default: return pe_shadow_open(pe_bank_twin(kind, n), pe_bank_twin(kind, n));
  }
}

/* Steps the nb (1 or 2) banks once per edge for at least secs and prints the rate
** over all their PEs; closes them.  0, or 1 if one is missing or diverged. */
static int run(const char *what, pe_bank **b, int nb, double secs) {
  pe_in *s[2] = { NULL, NULL };
  long edges = 0, pes = 0;
  double t0, t;
  int bad = 0, i;
  for (i = 0; i < nb; i++) {
    if (!b[i]) bad = 1;
    else { s[i] = make_stream(b[i]->n); pes += b[i]->n; if (!s[i]) bad = 1; }
  }
  if (bad) {
    fprintf(stderr, "bench_rtl_bank: %s: cannot open the bank\n", what);
  } else {
    t0 = at_now_s();
    do {
      int k;
      for (k = 0; k < 256; k++, edges++)
        for (i = 0; i < nb; i++) b[i]->step(b[i], &s[i][(size_t)(edges % ROWS) * (size_t)b[i]->n]);
      t = at_now_s() - t0;
    } while (t < secs);
    for (i = 0; i < nb; i++) bad |= pe_shadow_diverged(b[i], NULL);
    printf("%-50s %10.3g PE-cycles/s  %7.1f ns/PE-cycle  %8.2f us/edge%s\n", what,
           (double)edges * (double)pes / t, t * 1e9 / ((double)edges * (double)pes),
           t * 1e6 / (double)edges, bad ? "  DIVERGED" : "");
  }
  for (i = 0; i < nb; i++) {
    if (b[i]) b[i]->close(b[i]);
    free(s[i]);
  }
  return bad;
}

/* One bank of (mode, kind, n). */
static int rate(enum mode m, int kind, int n, double secs) {
  pe_bank *b = open_bank(m, kind, n);
  int lanes = m == RTL && b ? rtl_bank_lanes(b) : n;
  char what[96], lanes_s[24] = "";
  if (m == RTL && lanes != n) snprintf(lanes_s, sizeof lanes_s, " (%d lanes)", lanes);
  snprintf(what, sizeof what, "%s %s n=%d%s, %s", m <= RTL_SHADOW ? "rtl" : "twin",
           kind == PE_KIND_1D ? "pe1d" : "pe2d", n, lanes_s, mode_name[m]);
  return run(what, &b, 1, secs);
}

/* FuseMax's 16x16 + 16: a 256-PE pe2d bank and a 16-PE pe1d bank per edge. */
static int rate_fusemax(enum mode m, double secs) {
  pe_bank *b[2] = { open_bank(m, PE_KIND_2D, 256), open_bank(m, PE_KIND_1D, 16) };
  char what[96];
  snprintf(what, sizeof what, "%s 16x16 pe2d + 16 pe1d, %s", m <= RTL_SHADOW ? "rtl" : "twin",
           mode_name[m]);
  return run(what, b, 2, secs);
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 1.0;
  int bad = 0;
  if (argc > 2 || secs <= 0) {
    fprintf(stderr, "usage: bench_rtl_bank [SECONDS]\n");
    return 2;
  }
  printf("Verilator models built with --threads %d\n", rtl_bank_threads());
  bad |= rate(RTL, PE_KIND_2D, 256, secs);
  bad |= rate(RTL_PASS, PE_KIND_2D, 256, secs);
  bad |= rate(RTL_SHADOW, PE_KIND_2D, 256, secs);
  bad |= rate(RTL, PE_KIND_1D, 16, secs);
  bad |= rate(RTL_PASS, PE_KIND_1D, 16, secs);
  bad |= rate(RTL_SHADOW, PE_KIND_1D, 16, secs);
  bad |= rate(RTL, PE_KIND_1D, 256, secs);
  bad |= rate(RTL, PE_KIND_2D, 17, secs);    /* below the lane count */
  bad |= rate(RTL, PE_KIND_2D, 100, secs);
  bad |= rate(TWIN, PE_KIND_2D, 256, secs);
  bad |= rate(TWIN_SHADOW, PE_KIND_2D, 256, secs);
  bad |= rate(TWIN, PE_KIND_1D, 16, secs);
  bad |= rate(TWIN_SHADOW, PE_KIND_1D, 16, secs);
  bad |= rate_fusemax(RTL, secs);
  bad |= rate_fusemax(RTL_SHADOW, secs);
  bad |= rate_fusemax(TWIN, secs);
  return bad;
}
