/*
** report.h: the report.  From a store it writes, into one directory, the
** data behind each figure (TSV files under data/, for people and gnuplot),
** renders every figure with gnuplot as PNG and SVG through the scripts in
** results/plots/, and writes index.html showing each figure with its
** tables.  A figure without data gets a note in index.html, not an image.
*/
#ifndef ATTNSIM_RESULTS_REPORT_H
#define ATTNSIM_RESULTS_REPORT_H

#include "util.h"

typedef struct rs_report_opts {
  const char *db_path;          /* the store, opened read-only */
  const char *out_dir;          /* created (with parents) if absent */
  const char *engine;           /* only this engine's points: "analytical" */
} rs_report_opts;

typedef struct rs_report_stats {
  int figures;                  /* figures in the report */
  int rendered;                 /* of those, drawn (PNG and SVG) */
  int empty;                    /* without data: a note instead */
  int failed;                   /* gnuplot failed: see DIR/data/NAME.FMT.log */
} rs_report_stats;

/* Writes the report.  gnuplot is $ATTNSIM_GNUPLOT if set, else "gnuplot"
** on PATH; the scripts are at_data_dir()/results/plots.  Returns 0, or -1
** with e filled: a store or directory error (nothing written), or a figure
** gnuplot could not draw (everything else written, index.html says which). */
int rs_report(const rs_report_opts *o, rs_report_stats *st, at_err *e);

#endif
