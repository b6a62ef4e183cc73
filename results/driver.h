/*
** driver.h: running a sweep into a store.  The driver enumerates the
** sweep's points, keeps those of its shard (configuration hash mod N), skips
** those already stored (so an interrupted sweep resumes where it stopped),
** evaluates the rest with an engine in N worker processes, and stores each
** point in its own transaction as it arrives.
*/
#ifndef ATTNSIM_RESULTS_DRIVER_H
#define ATTNSIM_RESULTS_DRIVER_H

#include <stdint.h>

#include "sweep.h"
#include "util.h"

typedef struct rs_sweep_opts {
  const char *db_path;          /* the store; created if absent */
  const char *engine;           /* "analytical" */
  int jobs;                     /* worker processes, 1..RS_MAX_JOBS */
  int shard, nshards;           /* run the points with hash mod nshards == shard */
  int dry_run;                  /* count the shard's points; open no store */
  int progress;                 /* draw a progress line on stderr */
  int argc;                     /* the command line, for the run row */
  char **argv;
} rs_sweep_opts;

#define RS_MAX_JOBS 256

typedef struct rs_sweep_stats {
  int64_t points;               /* in this shard */
  int64_t present;              /* already stored, skipped (also: stored
                                   meanwhile by another process) */
  int64_t added;                /* stored by this run */
  int64_t failed;               /* of those, rejected by the engine */
  int signal;                   /* SIGINT, SIGTERM or SIGHUP that stopped the
                                   sweep (it then returns -1), else 0 */
} rs_sweep_stats;

/* Engines a sweep can run, NULL-terminated: "analytical". */
extern const char *const rs_engine_names[];

/* Runs (or with dry_run, counts) a sweep.  A point the engine rejects is
** stored with status 'error' and its message, and counted in failed; that
** is not a failure of the sweep.  Points are evaluated in o->jobs worker
** processes (also for jobs = 1), so a crash in the engine kills a worker,
** not the store's connection.  SIGINT, SIGTERM and SIGHUP, while it runs,
** stop it after the point being stored (st->signal says which).  Returns 0,
** or -1 with e filled (bad design, store errors, a worker that died, a
** signal); on every return the store is closed: the points stored stay,
** each complete, and no -wal or -shm file is left beside it. */
int rs_sweep_run(const rs_sweep *sw, const rs_sweep_opts *o, rs_sweep_stats *st, at_err *e);

#endif
