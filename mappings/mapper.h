/*
** mapper.h: the mapper.  map_search() builds in-memory mappings of one
** cascade on one architecture (tile sizes, shared loop order, spatial
** binding, Einsum-to-array binding, storage homes and keep_at levels,
** pipeline policy), prunes the illegal ones before evaluation, each by a
** named rule, evaluates the rest with the engine it is given, and keeps
** the best.  The mapspace and the search are described in
** mappings/README.md ("The mapper").
*/
#ifndef ATTNSIM_MAPPER_H
#define ATTNSIM_MAPPER_H

#include "mapping.h"

/* Why a mapping is illegal.  Counted in this order: a mapping is charged
** to the first rule it breaks. */
typedef enum map_rule {
  MAP_RULE_OPS,         /* an Einsum on an array whose PEs lack one of its operations */
  MAP_RULE_FANOUT,      /* a spatial factor larger than the array dimension it is on */
  MAP_RULE_BUFFER,      /* the resident tiles do not fit the global buffer */
  MAP_RULE_REGS,        /* state carried across a loop does not fit the PEs' registers */
  MAP_RULE_DEPEND,      /* a shared loop over a rank that a reduction must finish first (pass structure) */
  MAP_RULE_DUPLICATE,   /* binds to the same schedule as a mapping already considered */
  MAP_RULE_COUNT,
  MAP_RULE_NONE = -1
} map_rule;
extern const char *const map_rule_name[MAP_RULE_COUNT];

/* map_bind, and on failure which rule the mapping breaks (MAP_RULE_NONE
** for an error that is no pruning rule). */
int map_bind_rule(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq_len, sc_schedule *s,
                  map_rule *rule, at_err *e);

/* The rules a bound schedule can break (registers, pass structure): 0, or
** -1 with *rule and e naming it. */
int map_check_schedule(const sc_schedule *s, map_rule *rule, at_err *e);

/* A hash of what the engine sees in a schedule: equal for schedules that
** differ only in loops of one iteration (their order, keep_at on them). */
uint64_t map_schedule_key(const sc_schedule *s);

/* What the engine reports about one mapping. */
typedef struct map_figures {
  uint64_t cycles;
  double latency_s;
  double energy_pJ;
  char bound[16];             /* "2d", "1d", "memory", "mixed" */
} map_figures;

/* The engine the mapper calls.  eval may run on several threads at once
** (one schedule each) and must not share mutable state. */
typedef struct map_engine {
  int (*eval)(const sc_schedule *s, map_figures *out, at_err *e);
} map_engine;

typedef enum map_objective { MAP_OBJ_LATENCY, MAP_OBJ_ENERGY, MAP_OBJ_EDP } map_objective;

typedef struct map_search_opts {
  const char *cascade_path;
  const char *arch_path;      /* written into the mapping */
  const hw_arch *arch;
  const wl_workload *w;       /* batch B x H, and E, F for ranks of those names */
  int64_t seq;                /* M and P; 0 if every rank is in sizes */
  es_binding sizes;           /* explicit rank sizes (--set), over the workload's */
  const char *design;         /* the mapping's `design:` */
  map_objective objective;
  int64_t budget;             /* most mappings to consider */
  uint64_t seed;
  int jobs;                   /* threads evaluating */
  const map_engine *engine;
  /* called now and then with the counts so far (may be NULL) */
  void (*progress)(void *ctx, int64_t considered, int64_t evaluated, double best);
  void *progress_ctx;
} map_search_opts;

#define MAP_TOP 5
typedef struct map_search_result {
  double space;               /* mappings in the mapspace (a double: it can pass 2^64) */
  int exhaustive;             /* every one was considered */
  int64_t considered, evaluated, failed;   /* failed: engine errors */
  int64_t pruned[MAP_RULE_COUNT];
  double seconds;
  int ntop;
  map_figures top[MAP_TOP];   /* best first, distinct schedules */
  double top_score[MAP_TOP];
  char top_desc[MAP_TOP][200];    /* "P1=128 ... loops [p2 m1 p1] interleaved" */
  char first_error[256];      /* the first engine or binding error, if failed > 0 */
  map_spec *best;             /* the best mapping; the caller frees it */
} map_search_result;

/* Searches; 0 with r filled, or -1 with e (e.g. no architecture array can
** run some Einsum, or nothing in the mapspace is legal). */
int map_search(const map_search_opts *o, map_search_result *r, at_err *e);

#endif
