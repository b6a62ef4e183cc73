/*
** map_int.h: private to mappings/.  The in-memory mapping: what reading a
** mapping file yields (mapping.c), what binding turns into a schedule
** (bind.c), what the writer serializes (write.c) and what the mapper builds
** and mutates (search.c).  No YAML behind it: loop names are resolved to
** part indices, size expressions are parsed into terms, `select` nodes are
** tables of cases.  Every struct here is flat (fixed arrays, no pointers
** but the phase's cascade), so a mapping's semantics compare with memcmp
** and copy with an assignment; where each node was written lives apart,
** in map_ploc, and is only read to format an error.
*/
#ifndef ATTNSIM_MAP_INT_H
#define ATTNSIM_MAP_INT_H

#include "mapping.h"
#include "flatcfg.h"
#include "mapper.h"

#define MAP_MAX_TERMS   12    /* operands of one size expression */
#define MAP_MAX_EXPRS   96    /* size expressions of one phase, select cases included */
#define MAP_MAX_LISTS   48    /* loop lists of one phase */
#define MAP_MAX_SPATIAL 48    /* spatial bindings of one phase */
#define MAP_MAX_ENTRIES 64    /* einsum entries of one phase */
#define MAP_MAX_STORES  96    /* storage entries of one phase */
#define MAP_MAX_SELS    48    /* select nodes of one phase */
#define MAP_MAX_CASES   8     /* cases of one select */
#define MAP_MAX_TILED   16    /* ranks one phase tiles */
#define MAP_NAME        16    /* part and array names, NUL included */
#define MAP_MAX_CEINSUMS 64   /* Einsums of a cascade a mapping can bind */

/* Where a node was written: an index into map_spec's location table; 0 is
** "nowhere" (a node the mapper made), whose errors carry no location. */
typedef uint32_t mloc;

/* Configuration columns a mapping may read (select, config.COLUMN). */
typedef enum map_col {
  MC_Q_LOC, MC_K_LOC, MC_V_LOC, MC_QK_LOC, MC_A_LOC, MC_AV_LOC,   /* onchip / offchip */
  MC_QK_STAT, MC_AV_STAT,                                         /* output / weight */
  MC_FUSION,                                                      /* head / row */
  MC_P1,                                                          /* integer */
  MC_SPILLED, MC_BUFFERED,                                        /* fractions */
  MC_COUNT
} map_col;
extern const char *const map_col_name[MC_COUNT];
#define MC_TEXT_LAST MC_FUSION          /* columns up to this one are text */

/* A `{select: COLUMN, CASE: node, ...}` node; its cases are nodes of the
** same pool as the select itself. */
typedef struct map_sel {
  int col;                    /* map_col */
  int ncase;
  char key[MAP_MAX_CASES][16];
  int val[MAP_MAX_CASES];     /* index of the case's node in its pool */
} map_sel;

/* One operand of a size expression, applied left to right. */
typedef enum mx_kind {
  MX_NUM,                     /* literal num/den */
  /* workload names, map_wl_name[kind]: SEQ .. NEW always mean the workload
  ** (CTX: keys per query, the run's --seq; NEW: queries per request, --seq
  ** in prefill, the workload's NEW in decode); E .. R yield to a cascade
  ** rank of that name, and name the workload's size until it is sized */
  MX_SEQ, MX_B, MX_H, MX_D, MX_FFN, MX_KVH, MX_CTX, MX_NEW,
  MX_E, MX_F, MX_G, MX_W, MX_C, MX_R,
  MX_CFG,                     /* configuration column `col` */
  MX_ROWS, MX_COLS,           /* dimension of array `name` */
  MX_RANK,                    /* size of cascade rank `rank`; E or F fall back to the workload's */
  MX_SET                      /* a name only --set gives (wl_workload.set), `name` */
} mx_kind;

#define MX_WL_LAST MX_R
#define MX_WL_RANKLIKE MX_E     /* names from here on yield to a cascade rank */
#define MAP_WL_NAMES "SEQ B H D FFN KVH CTX NEW E F G W C R"
extern const char *const map_wl_name[MX_WL_LAST + 1];   /* "" at MX_NUM */
/* The workload kind of a name (MX_SEQ .. MX_R), or -1. */
int map_wl_kind(const char *name);

typedef struct map_term {
  char op;                    /* '*' or '/'; the first term is '*' */
  uint8_t kind;               /* mx_kind */
  int16_t idx;                /* MX_RANK: rank; MX_CFG: column */
  int64_t num, den;           /* MX_NUM: exact value, lowest terms */
  char name[MAP_NAME];        /* MX_ROWS/MX_COLS: array; MX_RANK, MX_SET: the name */
} map_term;

enum { MAP_EXPR, MAP_REST, MAP_FIT, MAP_CEIL };   /* MAP_CEIL: rest rounded up (partial last tile) */

typedef struct map_expr {
  int sel;                    /* map_sel index, or -1 */
  int special;                /* MAP_EXPR, or a tiling value's `rest` / `fit` / `ceil` */
  int nterm;
  map_term t[MAP_MAX_TERMS];
} map_expr;

/* A list of loops (part indices), or keep_at's scalar forms. */
typedef struct map_list {
  int sel;
  int scalar;                 /* written as one name (keep_at: p2, keep_at: none) */
  int n;
  int part[SC_MAX_LOOPS];
} map_list;

typedef struct map_spatial {
  int sel;
  int n[2];                   /* parts on rows / cols (0: none) */
  int part[2][SC_MAX_SPATIAL];   /* those parts, the outermost digit of the PE index first;
                                    unused entries -1 */
  int listed[2];              /* written as a list (`cols: [g, p0]`), not one name */
  int fold;                   /* `fold: true`: a cols part wider than a one-row array is
                                 time-multiplexed over its PEs (sc_einsum.fold) */
} map_spatial;

typedef struct map_entry {    /* how an Einsum runs */
  int sel;
  int full;                   /* written as {array: ...}, not as the array's name */
  char array[MAP_NAME];
  int loops;                  /* map_list index, or -1 */
  int spatial;                /* map_spatial index, or -1 */
} map_entry;

typedef struct map_store {    /* where a tensor lives */
  int sel;
  int full;                   /* written as {home: ...} */
  sc_home home;
  int keep;                   /* map_list index, or -1 */
  int spill;                  /* map_expr index, or -1 */
  int alias;                  /* tensor, or -1 */
  uint64_t forward;           /* bit x: the phase's x-th Einsum reads it from its producer */
} map_store;

typedef struct map_pipe {
  int sel;
  int full;                   /* written as {policy: ...} */
  sc_policy policy;
  int epoch;                  /* map_list index, or -1: the batch loop */
  int window;                 /* tiles in flight in the cycle engine (`window:`), or 0: the default */
  int prefetch;               /* tiles whose DRAM fetch may run ahead of the window (`prefetch:`), or -1: the default */
} map_pipe;

/* A loop part: sized by a tiling value, or (expr -1) the whole rank. */
/* A `sizes:` entry for a cascade param q (not a rank): size_rank < 0. */
#define MAP_SIZE_PARAM(q) (-1 - (q))

typedef struct map_part {
  char name[MAP_NAME];
  int rank;                   /* cascade rank; -1 for batch */
  int expr;                   /* tiling value (map_expr index), or -1 */
  int tiled;                  /* index in map_phase.tiled, or -1 */
} map_part;

typedef struct map_tiled {    /* one `tiling:` entry */
  char key[MAP_NAME];         /* as written ("p") */
  int rank;
  int first, n;               /* its parts: part[first .. first+n-1] */
} map_tiled;

typedef struct map_phase {
  char name[32];
  int named;                  /* `name:` was given */
  int nsize;
  int size_rank[2 * ES_MAX_RANKS];   /* a rank, or MAP_SIZE_PARAM(param) */
  int size_expr[2 * ES_MAX_RANKS];
  int batch;                  /* map_expr index, or -1: 1 */
  int nparts;
  map_part part[SC_MAX_PARTS];
  int ntiled;
  map_tiled tiled[MAP_MAX_TILED];
  int loops;                  /* map_list index, or -1: none */
  int nspatial;               /* phase-wide spatial defaults per array */
  char spatial_array[HW_MAX_ARRAYS * 2][MAP_NAME];
  int spatial[HW_MAX_ARRAYS * 2];
  int entry[MAP_MAX_CEINSUMS];  /* by cascade einsum: map_entry index, or -1 */
  int nentry_order;           /* einsums as written, for the writer */
  int entry_order[MAP_MAX_CEINSUMS];
  int store_default;          /* map_store index, or -1 */
  int store[SC_MAX_TENSORS];  /* by cascade tensor: map_store index, or -1 */
  int nstore_order;
  int store_order[SC_MAX_TENSORS];
  int pipe;                   /* map_pipe index, or -1: pipelined per batch item */
  int has_storage, has_spatial;   /* whether the file wrote those maps (writer) */
  /* pools */
  int nexpr, nlist, nsp, nent, nsto, npipe, nsel;
  map_expr expr[MAP_MAX_EXPRS];
  map_list list[MAP_MAX_LISTS];
  map_spatial sp[MAP_MAX_SPATIAL];
  map_entry ent[MAP_MAX_ENTRIES];
  map_store sto[MAP_MAX_STORES];
  map_pipe pip[8];
  map_sel sel[MAP_MAX_SELS];
} map_phase;

/* Where each node of a phase was written (0: nowhere). */
typedef struct map_ploc {
  mloc phase, name, sizes, loops, einsums, tiled[MAP_MAX_TILED];
  mloc expr[MAP_MAX_EXPRS], list[MAP_MAX_LISTS], sp_part[MAP_MAX_SPATIAL][2] /* a dimension's value */, sp_fold[MAP_MAX_SPATIAL];
  mloc spatial_key[HW_MAX_ARRAYS * 2];
  mloc ent_array[MAP_MAX_ENTRIES], ent[MAP_MAX_ENTRIES];
  mloc sto_alias[MAP_MAX_STORES];
  mloc sel[MAP_MAX_SELS];
} map_ploc;

typedef struct map_locrec {
  char *prefix;               /* "FILE:LINE:COL: PATH: " */
  char *got;                  /* the value as yt_badval shows it */
  char *text;                 /* a scalar's text, or NULL */
} map_locrec;

struct map_spec {
  char *path, *dir;
  char design[64];
  char *description;          /* or NULL */
  char *arch_path;            /* resolved */
  char *arch_written;         /* as written */
  mloc arch_at;
  char *config_path;          /* per-point configuration table, or NULL */
  char *config_written;
  fc_table *config;
  fc_platform platform;
  int nphases;
  char *cascade_path[SC_MAX_PHASES];
  es_cascade *c[SC_MAX_PHASES];
  map_phase *ph[SC_MAX_PHASES];
  map_ploc *pl[SC_MAX_PHASES];
  /* by phase and cascade einsum: bit k, it performs hw_op k (from the
  ** cascade alone, so binding need not walk expressions to check arrays);
  ** MAP_OPS_TOO_MANY when it has more than SC_MAX_OPUSES operations */
  uint32_t opmask[SC_MAX_PHASES][MAP_MAX_CEINSUMS];
  /* by phase and cascade einsum: bit r, it iterates over (a part of) rank
  ** r (sc_uses); bit t, it reads or writes tensor t */
  uint64_t usemask[SC_MAX_PHASES][MAP_MAX_CEINSUMS];
  uint64_t touchmask[SC_MAX_PHASES][MAP_MAX_CEINSUMS];
  size_t nlocs, caplocs;
  map_locrec *locs;           /* locs[0] unused */
};

#define MAP_OPS_TOO_MANY 0x80000000u

/* Cascade structure (bind.c): whether a rank `have` is part rank
** part_rank or the rank it was split from; whether expression x reduces
** over a rank part_rank covers; whether it reads tensor t. */
int map_rank_covers(const es_cascade *c, int have, int part_rank);
int map_expr_reduces(const es_cascade *c, const es_expr *x, int part_rank);
int map_expr_reads(const es_expr *x, int t);

/* sc_tile_elements with the phase's masks worked out once: bit p of
** cover[r] (map_cover_masks, for every rank r of the cascade), part p
** tiles rank r or a part of it. */
void map_cover_masks(const sc_phase *ph, uint64_t *cover);
uint64_t map_tile_elements(const sc_phase *ph, const uint64_t *cover, int x, int t, int at);

/* What the pruning rules and the duplicate key need of a cascade, worked
** out once (prune.c). */
typedef struct map_cinfo {
  uint64_t reads[MAP_MAX_CEINSUMS];   /* by cascade einsum: bit t, it reads tensor t */
  uint64_t reduces[MAP_MAX_CEINSUMS]; /* bit r: it reduces over rank r (or the rank r is a part of) */
  uint64_t red[SC_MAX_TENSORS];       /* bit r: ranks reduced on the way to tensor t */
  uint64_t dims[SC_MAX_TENSORS];      /* bit r: tensor t has rank r or the rank r is a part of */
} map_cinfo;
void map_cinfo_init(const es_cascade *c, map_cinfo *ci);
/* map_check_schedule and map_schedule_key with ci[i] for phase i; quiet:
** no message (e is not written). */
int map_check_schedule_ci(const sc_schedule *s, const map_cinfo *ci, int quiet, map_rule *rule, at_err *e);
uint64_t map_schedule_key_ci(const sc_schedule *s, const map_cinfo *ci);
/* map_bind_rule without messages (the mapper's candidates), and leaving
** s->tiling empty: map_tiling fills it as map_bind would, once a
** candidate is to be evaluated (each phase with a cascade of its own, as
** the mapper's one phase has; the sizes are those its binding left). */
int map_bind_quiet(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, map_rule *rule,
                   at_err *e);
void map_tiling(sc_schedule *s);

/* map_search, calling hook(ctx, m, s, f) with each mapping it evaluates:
** the mapping as the search built it, the schedule as the search bound it
** (into the buffers it reuses from one candidate to the next) and the
** figures the engine gave.  Called on the evaluating thread, so on
** several at once with more than one job; m and s are the worker's and
** change once the hook returns.  reuse 0: no candidate takes the outcome
** of an earlier one that builds the same mapping (map_search reuses; the
** counts, the best and the top list must not depend on it).  For tests:
** whether what the search ranks by is what a fresh bind and evaluation of
** that mapping gives. */
typedef void (*map_eval_hook)(void *ctx, const map_spec *m, const sc_schedule *s, const map_figures *f);
int map_search_hooked(const map_search_opts *o, map_search_result *r, map_eval_hook hook, void *ctx, int reuse, at_err *e);

/* Fills m->opmask, usemask, touchmask of a phase from its cascade. */
void map_phase_ops(map_spec *m, int phase);

/* A size expression or one of its terms as written back ("SEQ / 3 * 3");
** returns buf. */
const char *map_expr_str(const map_phase *ph, const map_expr *x, char *buf, size_t cap);
const char *map_term_str(const map_term *t, char *buf, size_t cap);

/* Formats an error at a node: "PREFIX message" (with ', got "VALUE"' when
** got); an unlocated message where at is 0.  Returns -1. */
int map_errf(const map_spec *m, mloc at, at_err *e, int got, const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));

/* Pools: a new zeroed node (sel -1; an expression's terms untouched), or
** -1 when the pool is full. */
int map_new_expr(map_phase *ph);
int map_new_list(map_phase *ph);
int map_new_spatial(map_phase *ph);   /* no parts on either dimension */
int map_new_entry(map_phase *ph);
int map_new_store(map_phase *ph);
int map_new_pipe(map_phase *ph);

/* Makes x (a node just made by map_new_expr) one literal whole number. */
void map_expr_int(map_expr *x, int64_t v);

/* The part of a phase named `name`, or -1. */
int map_find_part(const map_phase *ph, const char *name);

/* An empty mapping for the mapper to fill: `design`, the architecture and
** configuration paths resolved, no phases.  map_add_phase appends one
** running `cascade_path` (loaded); its map_phase starts empty. */
int map_new(const char *design, const char *arch_path, map_spec **out, at_err *e);
int map_add_phase(map_spec *m, const char *cascade_path, map_phase **out, at_err *e);

#endif
