/*
** workload.h: a transformer model's attention shape (heads, embeddings,
** model and FFN widths, batch; for 2026 LLMs also KV heads, window, MLA's
** latent and rope ranks, and the phase: prefill or decode) loaded from
** experiments/workloads/NAME.yaml, and the parsing of sequence lengths
** ("1024", "1K", "64K", "1M").  The sequence length is not part of a
** workload: it is given per run, as M = P (prefill) or as the context M
** that P = NEW new tokens attend to (decode).
*/
#ifndef ATTNSIM_HW_WORKLOAD_H
#define ATTNSIM_HW_WORKLOAD_H

#include <stdint.h>

#include "util.h"

#define WL_NAME_MAX 32
#define WL_MAX_SET  8     /* sizes a command line may bind (--set) */

/* A size a mapping's expressions may name, bound on the command line
** (`attnsim run --set M=1000,N=64,K=8`), or a block mask's density
** (`--set DENSITY=0.1`), which binding hands to the cascade's mask. */
typedef struct wl_size {
  char name[16];
  int64_t value;                  /* elements, > 0; 0 for a density */
  double density;                 /* a fraction in (0, 1] when value is 0, else 0 */
} wl_size;

/* What the attention computes per request.  Prefill: every token of the
** sequence is a query (P = M = the run's length); decode: NEW new tokens
** attend to a KV cache of M tokens (the run's length). */
typedef enum wl_phase { WL_PREFILL, WL_DECODE } wl_phase;

typedef struct wl_workload {
  char name[WL_NAME_MAX];         /* short name as the paper and flat-configs.csv
                                     write it: "BERT", "TrXL", "T5", "XLM" */
  char description[64];          /* "BERT-Base"; may be empty */
  int64_t H;                      /* heads */
  int64_t E;                      /* Q/K embedding per head, elements */
  int64_t F;                      /* V embedding per head, elements */
  int64_t D;                      /* model width, elements (the linear layers' input) */
  int64_t FFN;                    /* feed-forward hidden width, elements */
  int64_t B;                      /* batch (decode: requests in the batch) */
  int64_t KVH;                    /* KV heads (GQA; 1: MQA); H when the file
                                     does not say (MHA) */
  int64_t G;                      /* query heads per KV head, H / KVH */
  int64_t W;                      /* sliding window, tokens; 0: none */
  int64_t C;                      /* MLA latent KV rank, elements; 0: not MLA */
  int64_t R;                      /* MLA decoupled rope part, elements; 0: none */
  wl_phase phase;                 /* prefill (the default) or decode */
  int64_t NEW;                    /* decode: new tokens per request (P);
                                     0 in prefill, where P = M */
  int nset;                       /* entries of set[] used */
  wl_size set[WL_MAX_SET];        /* extra names for size expressions; a name
                                     here wins over the fields above.  A field
                                     of 0 means "no workload given". */
} wl_workload;

/* Query tokens per request (P) and keys per query (M) at run length seq:
** prefill seq and seq; decode NEW and seq. */
int64_t wl_queries(const wl_workload *w, int64_t seq);

/* Loads one workload file.  Returns 0, or -1 with "FILE:LINE:COL: ..." */
int wl_load(const char *path, wl_workload *out, at_err *e);

/* Loads the workload called name (case-insensitive: "bert", "BERT", "TrXL")
** from search_dir/<lowercase name>.yaml; search_dir NULL means
** at_data_dir()/experiments/workloads.  An unknown name lists the ones
** found in the folder. */
int wl_find(const char *name, const char *search_dir, wl_workload *out,
            at_err *e);

/* Parses a sequence length: a positive integer, optionally with K (2^10),
** M (2^20) or G (2^30): "1024", "1K", "64K", "1M".  Returns 0, or -1 with
** e filled. */
int wl_parse_seq(const char *s, int64_t *len, at_err *e);

#endif
