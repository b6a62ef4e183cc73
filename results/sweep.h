/*
** sweep.h: a sweep file (experiments/NAME.yaml) as loaded: lists of designs,
** models and sequence lengths, and architecture variants (overrides), whose
** cartesian product is the sweep's points, or several such products
** (`parts:`), concatenated.  Points are numbered 0..n-1 in a fixed order
** (part, then design, model, length, variant; the last varies fastest), so
** every process enumerates the same sweep the same way.
** The format is in experiments/README.md.
*/
#ifndef ATTNSIM_RESULTS_SWEEP_H
#define ATTNSIM_RESULTS_SWEEP_H

#include <stdint.h>

#include "sim.h"
#include "util.h"
#include "workload.h"

/* Bound on the points of one sweep: past it a typo (a 1M-entry list) is
** more likely than a plan. */
#define RS_SWEEP_MAX_POINTS 10000000LL
#define RS_SWEEP_NAME_MAX 256   /* a design's name as stored (rs_config.design) */

/* A mapped design: the mapper maps the cascade of a design (a shipped name
** or a mapping file) onto that design's architecture, with the point's
** overrides, for every point (mappings/README.md, "The mapper"). */
typedef struct rs_mapped {
  int on;                       /* 0: the design's own mapping */
  const char *base;             /* the design it maps (in designs[i], after "mapped:") */
  int64_t budget;               /* mappings the mapper considers per point */
  uint64_t seed;                /* the mapper's seed */
} rs_mapped;

/* The mapper's defaults for a mapped design. */
#define RS_MAPPED_BUDGET 2000
#define RS_MAPPED_SEED 1

/* A design entry `{design: FILE, set: {NAME: VALUE, ...}}`: a mapping file
** (relative to the sweep file's folder) evaluated with extra --set values
** (a size, or a mask's density: DENSITY: 0.1). */
typedef struct rs_design_set {
  char *file;                   /* the mapping file to load; NULL: designs[i] itself */
  int nset;
  wl_size set[WL_MAX_SET];      /* added to every point's workload */
} rs_design_set;

/* A part of a sweep (`parts:`): its own product of designs, models,
** lengths and variants, over index ranges of the concatenated lists. */
typedef struct rs_sweep_part {
  int design0, ndesigns, model0, nmodels, seq0, nseqs, variant0, nvariants;
  int64_t first, npoints;       /* its points are first .. first + npoints - 1 */
} rs_sweep_part;

typedef struct rs_sweep {
  char *file;                   /* as given to rs_sweep_load */
  int ndesigns;
  char **designs;               /* shipped names or mapping file paths;
                                   "mapped:NAME" for a mapped design; for a
                                   {design: FILE, set: ..} entry FILE's name
                                   without folder and .yaml, then " NAME=VALUE"
                                   per set */
  rs_mapped *mapped;            /* per design */
  rs_design_set *dset;          /* per design */
  char **design_where;          /* "FILE:LINE:COL: designs[i]" for messages */
  int nmodels;
  wl_workload *models;
  int nseqs;
  int64_t *seqs;                /* tokens */
  int nvariants;                /* >= 1 */
  sim_overrides *variants;      /* all-zero: the design's own architecture */
  int nparts;                   /* >= 1: one without `parts:` */
  rs_sweep_part *parts;
  int64_t npoints;              /* the sum over parts of the product of the four counts */
} rs_sweep;

/* One point of the product, by indices into the lists above. */
typedef struct rs_sweep_point {
  int design, model, seq, variant;
} rs_sweep_point;

/* Loads and checks a sweep file.  Errors are "FILE:LINE:COL: PATH: ...":
** unknown fields, wrong types or units, empty or duplicate list entries,
** unknown models, non-positive sizes.  Returns 0, or -1 with e filled. */
int rs_sweep_load(const char *path, rs_sweep **out, at_err *e);
void rs_sweep_free(rs_sweep *s);                  /* NULL is fine */

/* The i-th point, 0 <= i < s->npoints: indices into the concatenated lists. */
rs_sweep_point rs_sweep_at(const rs_sweep *s, int64_t i);

#endif
