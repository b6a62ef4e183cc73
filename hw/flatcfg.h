/*
** flatcfg.h: the per-point FLAT configurations (mappings/data/
** flat-configs.csv, copied from FLAT's own design-space search): for each
** platform, model and sequence length, which tensors stay on chip, the
** stationarity, the fusion granularity, the P1 tile and the share of the
** score matrix buffered or spilled.  Rows are typed and checked on load.
*/
#ifndef ATTNSIM_HW_FLATCFG_H
#define ATTNSIM_HW_FLATCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef enum fc_platform {
  FC_CLOUD,            /* the 256x256, 32 MiB, 400 GiB/s design (hw/flat.yaml) */
  FC_EDGE,             /* 32x32, 512 KiB, 50 GiB/s (hw/flat-edge.yaml) */
  FC_PLATFORM_COUNT
} fc_platform;

typedef enum fc_stationarity {
  FC_OUTPUT_STATIONARY,   /* "output" */
  FC_WEIGHT_STATIONARY,   /* "weight" */
} fc_stationarity;

typedef enum fc_fusion {
  FC_FUSE_HEAD,           /* "head": fuse QK, softmax, AV over a whole head */
  FC_FUSE_ROW,            /* "row": fuse over P1 rows (queries) at a time */
} fc_fusion;

/* One row of the CSV; the columns in file order. */
typedef struct fc_config {
  int line;                       /* 1-based line in the CSV, for messages */
  fc_platform platform;
  char model[16];                 /* as written: "BERT", "TrXL", "T5", "XLM" */
  int64_t seq_len;                /* tokens; the CSV writes 512, 1K ... 1M */
  int64_t B, D, E, F, H;          /* batch, model width, Q/K and V embedding, heads */
  int64_t M, P;                   /* key and query lengths, tokens */
  int64_t S;                      /* column S as given (equals the FFN width) */
  bool Q_onchip, K_onchip, QK_onchip, A_onchip, V_onchip, AV_onchip;
                                  /* *_loc: true = "onchip", false = "offchip" */
  fc_stationarity QK_stationarity;
  fc_stationarity AV_stationarity;
  fc_fusion fusion;               /* fusion_granularity */
  int64_t P1;                     /* query rows per fused tile */
  double proportion_buffered;     /* share of the score matrix kept on chip, [0,1] */
  double proportion_spilled;      /* share spilled to DRAM, [0,1]; sums to 1 with the above */
} fc_config;

typedef struct fc_table fc_table;

/* Loads and checks the whole CSV (exact header, every cell typed, no
** duplicate (platform, model, seq_len)).  Errors: "FILE:LINE:COL: COLUMN:
** message, got "cell"". */
int  fc_load(const char *path, fc_table **out, at_err *e);
/* The shipped table: at_data_dir()/mappings/data/flat-configs.csv. */
int  fc_load_default(fc_table **out, at_err *e);
void fc_free(fc_table *t);                     /* NULL is fine */

size_t           fc_count(const fc_table *t);
const fc_config *fc_row(const fc_table *t, size_t i);   /* file order */

/* The row for (platform, model, seq_len); model is matched without regard
** to case.  Returns 0, or -1 with e naming the missing point. */
int fc_lookup(const fc_table *t, fc_platform p, const char *model,
              int64_t seq_len, const fc_config **out, at_err *e);

/* "cloud" / "edge" <-> enum; parse returns -1 on an unknown name. */
int         fc_platform_parse(const char *s, fc_platform *p);
const char *fc_platform_name(fc_platform p);

#endif
