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
extern const char *const paper_models[];
extern const int64_t paper_seqs[];            /* 0-terminated */

typedef struct paper_run {
  char energy[512];           /* the energy tables used, by file name */
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

int paper_compute(paper_run **out, const char *energy_path, at_err *e);
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
