/*
** paper.h: the FuseMax paper's studies as a driver over sim_eval(): the
** attention study (5 designs x 4 models x 6 lengths), the end-to-end study
** (attention plus one encoder layer's linear layers, for unfused, FLAT and
** FuseMax) and the summary ratios the paper reports.
*/
#ifndef ATTNSIM_PAPER_H
#define ATTNSIM_PAPER_H

#include <stdio.h>
#include "sim.h"

#define PAPER_MAX_POINTS 256

typedef struct paper_point {
  const char *study;          /* "attention" or "end2end" */
  sim_result r;
} paper_point;

extern const char *const paper_designs[];     /* attention study, NULL-terminated */
extern const char *const paper_e2e_designs[]; /* end-to-end study */
extern const char *const paper_e2e_linear[];  /* the linear-layer design each e2e design adds */
extern const char *const paper_subject;       /* the design the summary's ratios are of */
extern const char *const paper_baselines[];   /* what it is compared with, NULL-terminated */
extern const char *const paper_models[];
extern const int64_t paper_seqs[];            /* 0-terminated */

typedef struct paper_run {
  char energy[512];           /* the energy tables used, by file name */
  char accounting[SIM_NAME_MAX];   /* "" for the default model, else the accounting's name */
  int n;
  paper_point pt[PAPER_MAX_POINTS];
} paper_run;

/* Mean over (model, length) points of per-point ratios of FuseMax to a
** baseline: speedup = baseline latency / FuseMax latency, energy =
** FuseMax energy / baseline energy.  model NULL: all models. */
typedef struct paper_ratio {
  double speedup, energy;
  int points;
} paper_ratio;

/* ---- Accountings (sim/accounting.c; schema in sim/README.md) ----
** A variant replaces, per design, some of: the mapping file, the
** architecture file, the energy table, the buffer capacity, how
** register-file counts are priced, and which buffer-homed tensors count
** their reads with Timeloop's first-read elision.  An accounting is a named list of
** variants applied together (and `others`, measured alone by the ledger).
** Two variants of one accounting may not set the same knob of one design. */
#define PAPER_MAX_VARIANTS 16
#define PAPER_MAX_SETTINGS 16

typedef enum paper_knob {
  PAPER_K_MAPPING, PAPER_K_ARCH, PAPER_K_ENERGY,   /* files */
  PAPER_K_BUFFER,                                   /* buffer capacity, bytes */
  PAPER_K_PRICE_AT,                                 /* capacity the SRAM model prices, bytes */
  PAPER_K_REGFILE,                                  /* register-file pricing scope */
  PAPER_K_ELISION,                                  /* tensors counted with Timeloop's first-read elision */
  PAPER_K_COUNT
} paper_knob;
extern const char *const paper_knob_name[PAPER_K_COUNT + 1];   /* as written in a variant file; NULL-terminated */

typedef struct paper_setting {
  char design[SIM_NAME_MAX];
  unsigned set;                   /* bit k: knob k is given */
  char *file[3];                  /* mapping, arch, energy: resolved paths (heap) */
  int64_t buffer_bytes;           /* PAPER_K_BUFFER: capacity, bytes */
  int64_t price_at_bytes;         /* PAPER_K_PRICE_AT: bytes */
  int regfile_one_pe;             /* PAPER_K_REGFILE: 1 = one PE per array, 0 = every PE */
  int nelide;                     /* PAPER_K_ELISION: tensor -> part (sim_design_set_elision) */
  char elide_tensor[SIM_MAX_ELIDE][SIM_NAME_MAX], elide_part[SIM_MAX_ELIDE][SIM_NAME_MAX];
} paper_setting;

typedef struct paper_variant {
  char name[SIM_NAME_MAX];
  char description[160];
  char *path;                     /* the file it came from (heap) */
  int n;
  paper_setting s[PAPER_MAX_SETTINGS];
} paper_variant;

typedef struct paper_accounting {
  char name[SIM_NAME_MAX];
  char *path;                     /* heap */
  int n, nothers;                 /* variants applied together; others */
  paper_variant v[PAPER_MAX_VARIANTS], other[PAPER_MAX_VARIANTS];
} paper_accounting;

/* Loads an accounting by name (sim/accounting/NAME.yaml under the data
** directory) or by path (anything with a '/' or ending in .yaml), and every
** variant it lists.  Errors are "FILE:LINE:COL: ...". */
int paper_accounting_load(const char *name_or_path, paper_accounting **out, at_err *e);
void paper_accounting_free(paper_accounting *a);

/* What a study run is priced and modelled with: an energy table for every
** design (NULL: each architecture's own), then the variants of acc whose
** bit is set in mask, then `extra` (NULL: none). */
typedef struct paper_config {
  const char *energy_path;
  const paper_accounting *acc;    /* NULL: the default model */
  uint32_t mask;
  const paper_variant *extra;
} paper_config;
/* Every variant of acc. */
static inline uint32_t paper_all(const paper_accounting *a) { return a ? (uint32_t)((1ull << a->n) - 1) : 0; }

int paper_compute(paper_run **out, const char *energy_path, at_err *e);
int paper_compute_config(paper_run **out, const paper_config *c, at_err *e);

/* The ledger: per (study, design), the latency and energy change of each
** variant applied alone on the default and removed alone from the whole
** accounting, and the residual.  Printed; returns 0 or -1 with e. */
typedef struct paper_ledger_row {
  double mean, min, max;          /* per-point relative change, fraction of the default */
} paper_ledger_row;
typedef struct paper_ledger {
  int ndesigns;
  struct {
    const char *study;
    char design[SIM_NAME_MAX];
    int points;
    paper_ledger_row total[2];                    /* [0] latency, [1] energy: accounting vs default */
    paper_ledger_row applied[PAPER_MAX_VARIANTS][2], removed[PAPER_MAX_VARIANTS][2];
    paper_ledger_row resid_applied[2], resid_removed[2];
    paper_ledger_row other[PAPER_MAX_VARIANTS][2];
    double abs_resid_applied[2], abs_resid_removed[2];   /* mean |residual| */
  } d[16];
} paper_ledger;
int paper_ledger_compute(const paper_accounting *acc, const char *energy_path, paper_ledger *out, at_err *e);
void paper_ledger_print(FILE *f, const paper_accounting *acc, const paper_ledger *l);
void paper_free(paper_run *p);
const sim_result *paper_find(const paper_run *p, const char *study, const char *design,
                             const char *model, int64_t seq);
void paper_ratio_of(const paper_run *p, const char *study, const char *baseline,
                    const char *model, paper_ratio *out);
void paper_print(FILE *f, const paper_run *p);

/* The Pareto study's architecture for a D x D array: 1D width D, buffer
** 16 MiB x (D/256)^2 (the published buffer per PE), at least 32 rows. */
int paper_pareto_overrides(int64_t dim, sim_overrides *ov, at_err *e);

/* r = attention + linear layers, run one after the other on one chip. */
void sim_result_add(sim_result *r, const sim_result *b);

#endif
