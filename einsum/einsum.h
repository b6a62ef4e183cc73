/*
** einsum.h: the cascade-of-Einsums language.  es_load() parses and checks
** a .einsum file into an es_cascade (the IR every other module reads);
** es_bind() gives its ranks sizes; the analyses (op counts, passes,
** footprints) and the reference interpreter work on a bound cascade.
** The IR is read-only for callers: only this module builds or changes it.
*/
#ifndef ATTNSIM_EINSUM_H
#define ATTNSIM_EINSUM_H

#include <stdint.h>
#include "util.h"

#define ES_MAX_NAME  32   /* longest rank or tensor name, including NUL */
#define ES_MAX_DIMS  8    /* most dimensions of a tensor / terms of an access */
#define ES_MAX_RANKS 32   /* most ranks (including split parts) in a cascade */

typedef struct es_loc {
  int line, col;          /* 1-based position in the source file */
} es_loc;

/* A rank is a dimension with a size (upper case, "M") and an index
** variable (lower case, "m").  `split m = m1 * m0` adds ranks M1 and M0
** whose parent is M: element m1*M0 + m0 of M.  At most one rank is
** iterative: tensors indexed by it hold size+1 slices (0 .. size). */
typedef struct es_rank {
  char name[ES_MAX_NAME];   /* size name, e.g. "M0" */
  char index[ES_MAX_NAME];  /* index name, e.g. "m0" */
  int parent;               /* rank this was split from, or -1 */
  int outer, inner;         /* ranks this was split into, or -1 */
  int iterative;            /* 1 for the rank named by `iterate` */
  int head;                 /* ES_HEAD_KV or ES_HEAD_GROUP if declared by
                               `heads`, else 0 */
  int64_t size;             /* elements; 0 until es_bind() */
  es_loc loc;
} es_rank;

/* Roles of the ranks a `heads QH = H * G` statement declares: H indexes
** the KV heads, G the query heads sharing one KV head (GQA; MQA is H = 1,
** MHA is G = 1).  Mappings may exploit that K and V do not vary along G. */
enum { ES_HEAD_KV = 1, ES_HEAD_GROUP = 2 };

/* A size that is not a rank: `param W`, the query-head count QH of a
** `heads` statement, or the DENSITY of a `mask`.  Predicates may use it. */
typedef enum es_param_kind {
  ES_P_SIZE,                /* `param W`: a positive integer */
  ES_P_HEADS,               /* `heads QH = H * G`: QH = H * G, integer */
  ES_P_DENSITY              /* `mask .. density D`: a fraction in (0, 1] */
} es_param_kind;

typedef struct es_param {
  char name[ES_MAX_NAME];   /* upper case, e.g. "W" */
  es_param_kind kind;
  int r1, r2;               /* HEADS: ranks H and G; DENSITY: the mask tensor; else -1 */
  int64_t size;             /* SIZE, HEADS: elements; 0 until es_bind() */
  double density;           /* DENSITY: active fraction of the mask's blocks */
  es_loc loc;
} es_param;

/* One term of a predicate's side: +-index, +-size, +-param or a constant. */
typedef enum es_pterm_kind { ES_PT_INDEX, ES_PT_SIZE, ES_PT_PARAM, ES_PT_NUM } es_pterm_kind;
typedef struct es_pterm {
  es_pterm_kind kind;
  int ref;                  /* INDEX, SIZE: rank; PARAM: param; NUM: unused */
  int64_t coef;             /* +1 or -1, times the constant for NUM */
  es_loc loc;
} es_pterm;

#define ES_MAX_PTERMS 16    /* most terms on both sides of a predicate */

typedef enum es_cmp { ES_C_LT, ES_C_LE, ES_C_GT, ES_C_GE, ES_C_EQ, ES_C_NE } es_cmp;

/* A block mask's pattern (README "Masks"): which blocks es_bind() sets. */
typedef enum es_mask_kind {
  ES_M_RANDOM,              /* `density D`: round(D * first dim) per row, seeded */
  ES_M_SINK_WINDOW,         /* `sink S window W`: key tile m1 < S, or 0 <= p1 - m1 < W */
  ES_M_STRIDE,              /* `stride S`: m1 <= p1 and (p1 - m1) % S == 0 */
  ES_M_FILE                 /* `file`: loaded with es_mask_load() after es_bind() */
} es_mask_kind;

/* An iteration-space predicate, `sum(terms) CMP 0` (the right side moved
** left), or a block mask (`mask` >= 0: the point runs if the mask tensor's
** element at the point's tile indices is set).  `einsum` -1: a `where`
** line or a mask, applied to every Einsum; otherwise the statement it is
** a suffix of.  README "Predicates" says where it applies. */
typedef struct es_pred {
  int nterm;
  es_pterm term[ES_MAX_PTERMS];
  es_cmp cmp;
  int mask;                 /* mask tensor, or -1 for a comparison */
  es_mask_kind pattern;     /* a mask's pattern */
  int pa, pb;               /* its params: DENSITY; SINK, WINDOW; STRIDE; else -1 */
  uint64_t loaded;          /* FILE: blocks of the pattern loaded, 0 if none */
  int einsum;               /* -1: every Einsum; else that one only */
  uint32_t ranks;           /* bit r: the predicate names rank r */
  es_loc loc;
} es_pred;

/* How one dimension of a tensor is addressed in an access. */
typedef enum es_ix_kind {
  ES_IX_VAR,    /* rank's index, plus `offset` (0, or 1 for "m1+1") */
  ES_IX_SPLIT,  /* outer*SIZE(inner) + inner, for a dim of a split rank */
  ES_IX_ZERO,   /* literal 0: the initial slice of an iterative dim */
  ES_IX_LAST    /* the rank's size name ("M1"): the final slice */
} es_ix_kind;

typedef struct es_index {
  es_ix_kind kind;
  int rank;      /* VAR: the index's rank; SPLIT: outer rank; ZERO/LAST: the dim's rank */
  int rank2;     /* SPLIT: inner rank; otherwise -1 */
  int offset;    /* VAR only: 0 or 1 */
  es_loc loc;
} es_index;

typedef struct es_access {
  int tensor;                 /* index into es_cascade.tensors */
  int n;                      /* number of terms == tensor's ndims */
  es_index ix[ES_MAX_DIMS];
  es_loc loc;
} es_access;

typedef enum es_op {
  ES_ADD, ES_SUB, ES_MUL, ES_DIV, ES_MAX, ES_MIN
} es_op;

typedef enum es_expr_kind {
  ES_E_NUM,      /* constant `num` (may be +-inf) */
  ES_E_ACCESS,   /* tensor element `acc` */
  ES_E_NEG,      /* -a */
  ES_E_BIN,      /* a op b, op in ES_ADD..ES_MIN */
  ES_E_EXP,      /* exp(a) */
  ES_E_REDUCE    /* op over ranks red[0..nred): a; op is ES_ADD, ES_MAX or ES_MIN */
} es_expr_kind;

typedef struct es_expr {
  es_expr_kind kind;
  es_op op;
  double num;
  struct es_expr *a, *b;
  es_access acc;
  int nred;
  int red[ES_MAX_DIMS];       /* REDUCE: ranks bound by this reduction */
  es_loc loc;
} es_expr;

typedef struct es_tensor {
  char name[ES_MAX_NAME];
  int ndims;
  int dim[ES_MAX_DIMS];       /* rank of each dimension */
  int iter_dim;               /* dimension indexed by the iterative rank, or -1 */
  int is_input, is_output;
  int is_mask;                /* a block mask (`mask`): 0/1 per tile, made by es_bind() */
  int def;                    /* einsum that defines it, or -1 (inputs) */
  int init;                   /* einsum giving slice 0 of an iterative tensor, or -1 */
  es_loc loc;                 /* first declaration or definition */
} es_tensor;

/* One statement `OUT[lhs] = rhs`.  Its iteration space is the LHS's index
** ranks followed by `sum`: ranks that occur only on the right outside any
** explicit reduction, summed over the whole right-hand side (classic
** Einsum).  An iterative LHS term "m1+1" makes m1 part of the space. */
typedef struct es_einsum {
  es_access lhs;
  es_expr *rhs;
  int is_init;                /* `init T[..0..] = expr` */
  int nspace;
  int space[ES_MAX_RANKS];    /* iteration ranks: LHS vars, then summed ranks */
  int nsum;                   /* the last nsum entries of space are summed */
  es_loc loc;
} es_einsum;

typedef struct es_cascade {
  char *file;                 /* path used in messages */
  int nranks;
  es_rank ranks[ES_MAX_RANKS];
  int ntensors;
  es_tensor *tensors;
  int neinsums;
  es_einsum *einsums;
  int iter_rank;              /* the iterative rank, or -1 */
  int *order;                 /* einsums in dependency order (producers
                                 first; loop-carried reads ignored) */
  int nparams;
  es_param params[ES_MAX_RANKS];
  int npreds;
  es_pred *preds;             /* `where` lines, suffixes and masks */
  unsigned char **maskbits;   /* per tensor: a mask's 0/1 elements, row-major
                                 (NULL for other tensors); set by es_bind() */
  uint64_t **maskrows;        /* per tensor: the same bits packed along the
                                 mask's last dim, 64 a word, each row padded
                                 to whole words (the counts' popcounts);
                                 set with maskbits, never alone */
  int bound;                  /* es_bind() succeeded */
  struct es_arena *arena;     /* owns every es_expr */
} es_cascade;

/* Parses and checks `text` (len bytes; need not be NUL-terminated).
** `file` names the source in messages.  Returns 0 and *out, or -1 with
** e->msg = "FILE:LINE:COL: message" and *out = NULL. */
int es_parse(const char *file, const char *text, size_t len,
             es_cascade **out, at_err *e);
/* Reads a file and calls es_parse. */
int es_load(const char *path, es_cascade **out, at_err *e);
void es_free(es_cascade *c);

/* Size bindings "E=64,F=64,M=4096,P=4096,M0=256".  Ranks a split leaves
** unset are derived (M1 = M / M0, or M0 = M / M1); a split whose sizes do
** not divide is an error at the split statement.  Every rank must end up
** with a positive size.  Returns 0, or -1 with e filled (e.g. unknown
** rank name, which is an option error and has no file location). */
typedef struct es_binding {
  int n;
  char name[ES_MAX_RANKS][ES_MAX_NAME];
  int64_t value[ES_MAX_RANKS];  /* elements; 0 if the value is not a positive integer */
  double real[ES_MAX_RANKS];    /* the value as written (a density may be 0.1) */
} es_binding;
int es_binding_parse(const char *spec, es_binding *b, at_err *e);
int es_binding_set(es_binding *b, const char *name, int64_t value, at_err *e);
int es_bind(es_cascade *c, const es_binding *b, at_err *e);

/* Loads the pattern of `mask NAME[..] file` from a text file: one line per
** element of the mask's first dim (key tile), each a string of 0 and 1,
** one per element of the other dims row-major (query tiles); blank lines
** and lines starting with # are skipped.  Needs a bound cascade; kept over
** later es_bind() calls while the mask's sizes stay the same.  Returns 0,
** or -1 with e = "FILE:LINE:COL: message". */
int es_mask_load(es_cascade *c, const char *mask, const char *path, at_err *e);

/* Lookups by name; -1 if absent. */
int es_find_rank(const es_cascade *c, const char *size_name);
int es_find_param(const es_cascade *c, const char *name);
int es_find_tensor(const es_cascade *c, const char *name);

/* A tile range: rank r's indices lo[r] <= x < hi[r].  es_range_full()
** gives every rank its whole extent (a bound cascade). */
typedef struct es_range {
  int64_t lo[ES_MAX_RANKS], hi[ES_MAX_RANKS];   /* elements of each rank */
} es_range;
void es_range_full(const es_cascade *c, es_range *r);

/* ---- analyses (need a bound cascade) ---------------------------------- */

/* Operation kinds counted per Einsum.  Subtraction counts as add; a
** reduction over n elements counts n operations of its kind (combining
** each into the accumulator), the MAC-style count hardware performs. */
typedef enum es_kind {
  ES_K_MUL, ES_K_ADD, ES_K_MAX, ES_K_MIN, ES_K_EXP, ES_K_DIV, ES_K_NEG,
  ES_K_COUNT
} es_kind;
extern const char *const es_kind_name[ES_K_COUNT];

/* Operation counts of einsum i for one instance of the cascade (batch and
** heads are not part of the IR; callers multiply).  Returns 0, or -1 on
** 64-bit overflow. */
int es_op_counts(const es_cascade *c, int i, uint64_t counts[ES_K_COUNT],
                 at_err *e);
/* The same, for the points of einsum i inside a tile range (NULL: all). */
int es_op_counts_range(const es_cascade *c, int i, const es_range *range,
                       uint64_t counts[ES_K_COUNT], at_err *e);
/* Iteration-space points of einsum i (product of its space's sizes),
** predicates ignored. */
int es_space_points(const es_cascade *c, int i, uint64_t *points, at_err *e);


/* The points of einsum i's iteration space that run, exactly: those inside
** `range` (NULL: everywhere) that satisfy every predicate that applies to
** the space, and for a step Einsum whose step is not wholly masked (README
** "Predicates").  What an engine counts as work for that tile.  With no
** predicate it equals es_space_points restricted to the range.  Returns 0,
** or -1 on overflow or if counting would take more than 2^36 steps. */
int es_points(const es_cascade *c, int i, const es_range *range,
              uint64_t *points, at_err *e);
/* The same over the scope of einsum i whose ranks are `ranks` (bit r:
** rank r): its left ranks alone (the outputs that run), or its space plus
** a reduction's ranks (the points at which an operation inside that
** reduction runs).  Predicates apply in it as README "Predicates" says. */
int es_points_in(const es_cascade *c, int i, uint32_t ranks, const es_range *range,
                 uint64_t *points, at_err *e);
/* A count prepared once for many ranges: es_counter_points(k, range) is
** es_points_in(c, i, ranks, range) without collecting the predicates again
** (the cascade must stay bound as it was).  One counter per thread. */
typedef struct es_counter es_counter;
int es_counter_open(const es_cascade *c, int i, uint32_t ranks, es_counter **k, at_err *e);
int es_counter_points(es_counter *k, const es_range *range, uint64_t *points, at_err *e);
/* Whether range holds a point that runs (*any 1 or 0): es_counter_points
** > 0, answered from the masks' bits alone (O(mask rows in the range))
** where a mask over the Einsum's own ranks is off in the whole range, or
** is its only predicate (block-sparse attention's per-tile question). */
int es_counter_any(es_counter *k, const es_range *range, int *any, at_err *e);
void es_counter_close(es_counter *k);
/* How a count of einsum i over the scope `ranks` (as es_points_in) depends
** on its range: only through the value at the range's lower corner of each
** linear form k[0..*n) (coefficients per rank; a form's constant and the
** upper corner do not matter while the range's extents stay the same) and
** through the lower corner of the ranks a mask reads (*mask_ranks): two
** ranges of equal extents with equal values count the same (the count is
** invariant under translation of its box and constraints).  le[f]: form f
** is a constraint form <= 0 (moving the range so that its value grows can
** only drop points), else an == or !=.  At most max forms.  Returns 0, or
** -1 with e set (overflow, more than max). */
int es_count_forms(const es_cascade *c, int i, uint32_t ranks, int64_t (*k)[ES_MAX_RANKS], int *le, int max, int *n,
                   uint32_t *mask_ranks, at_err *e);
/* es_points_in by plain enumeration, without the closed forms (README
** "Predicates", "Counting"): the reference the tests compare them with.
** Not thread-safe; tests only. */
int es_points_reference(const es_cascade *c, int i, uint32_t ranks, const es_range *range,
                        uint64_t *points, at_err *e);
/* Whether the cascade has any predicate or mask. */
int es_has_preds(const es_cascade *c);
/* Whether every predicate and mask holds at a point given by the value of
** each original (unsplit) rank in val[] (split parts are derived); ranks a
** predicate does not name are ignored.  `einsum` i checks those that apply
** to einsum i; -1 the cascade's mask as a whole: its `where` lines and
** masks, or if it has none, every statement suffix.  Needs sizes: -1 on
** a cascade es_bind() has not bound. */
int es_point_allowed(const es_cascade *c, int einsum, const int64_t *val);

/* Passes over an original (unsplit, non-derived) rank r, as defined in the
** FuseMax paper: 1 + the longest chain of dependencies in which a value
** reduced over the whole of r is needed by a later Einsum that traverses r.
** 0 if no Einsum traverses r.  Does not need sizes. */
int es_passes(const es_cascade *c, int r);
/* The pass (1-based) in which einsum i runs with respect to rank r, or 0
** if it does not traverse r.  Fills pass[neinsums]. */
void es_pass_of(const es_cascade *c, int r, int *pass);

/* Elements of tensor t: the product of its dims (an iterative dim holds
** size+1 slices).  `live` is what must be held at once: for an iterative
** tensor two slices (current and next), else all elements. */
int es_footprint(const es_cascade *c, int t, uint64_t *elements,
                 uint64_t *live, at_err *e);

/* ---- reference interpreter -------------------------------------------- */

/* Values of every tensor after evaluation, in row-major order of its dims
** (iterative dims with size+1 slices). */
typedef struct es_values {
  int ntensors;
  double **data;              /* data[t], or NULL if never materialised */
  uint64_t *len;              /* elements of data[t] */
} es_values;

/* Fills every input with uniform values in [-1, 1) drawn from `seed`
** (inputs in declaration order, each row-major), then evaluates the
** cascade in double precision.  Refuses cascades whose tensors exceed
** `max_elements` in total (memory guard).  Returns 0, or -1 with e filled. */
int es_eval(const es_cascade *c, uint64_t seed, uint64_t max_elements,
            es_values *out, at_err *e);
void es_values_free(es_values *v);

/* Plain softmax attention (no 1/sqrt(E) scale) computed independently of
** any cascade: AV[f,p] = sum_m softmax_m(sum_e Q[e,p]K[e,m]) V[f,m].
** Arrays are row-major Q[E][P], K[E][M], V[F][M], AV[F][P]. */
void es_attention_ref(const double *Q, const double *K, const double *V,
                      int64_t E, int64_t F, int64_t M, int64_t P, double *AV);
/* The same, masked: key m takes part in query p's softmax only if
** allow[m * P + p] is non-zero (allow NULL: every key). */
void es_attention_ref_masked(const double *Q, const double *K, const double *V,
                             int64_t E, int64_t F, int64_t M, int64_t P,
                             const unsigned char *allow, double *AV);
/* Linear attention in its quadratic form, (Q^T K o allow) V:
** AV[f,p] = sum over allowed m of (sum_e Q[e,p] K[e,m]) V[f,m]. */
void es_linear_attention_ref(const double *Q, const double *K, const double *V,
                             int64_t E, int64_t F, int64_t M, int64_t P,
                             const unsigned char *allow, double *AV);

#endif
