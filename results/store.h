/*
** store.h: the SQLite results store.  One file holds every design point
** ever evaluated into it, each with its provenance: the run (time, attnsim
** version, git revision, host, command line) and the content hashes of its
** inputs.  The schema is in results/README.md and, self-documented, in the
** file itself (`sqlite3 FILE .schema`).
**
** Invariants: a point is stored in one transaction with all of its
** breakdowns or not at all; (configuration hash, engine) is unique, so
** storing a point twice keeps the first; a file that is not an attnsim store
** of this schema version is never written to.
*/
#ifndef ATTNSIM_RESULTS_STORE_H
#define ATTNSIM_RESULTS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "sim.h"
#include "util.h"

#define RS_SCHEMA_VERSION 3         /* PRAGMA user_version of a store; 3 added point_data
                                       (a version 2 store is migrated when opened for writing) */
#define RS_APPLICATION_ID 0x4154534d /* PRAGMA application_id: "ATSM" */

typedef struct rs_store rs_store;

typedef enum rs_mode {
  RS_READ,          /* the file must exist and be a store */
  RS_WRITE          /* created (with its schema) if absent or empty */
} rs_mode;

/* A scalar metric of sim_result and its column in `points`.  This table is
** the one place that lists them: the schema, inserts, merge and export are
** generated from it.  Adding a metric to sim_result means one line in
** store.c and a new RS_SCHEMA_VERSION. */
typedef enum rs_type { RS_U64, RS_F64, RS_STR } rs_type;
typedef struct rs_metric {
  const char *column;     /* also the export's column name */
  rs_type type;           /* of the sim_result field */
  size_t offset;          /* offsetof(sim_result, field) */
  const char *doc;        /* unit and meaning, copied into the schema */
} rs_metric;
extern const rs_metric rs_metrics[];
extern const int rs_nmetrics;

/* at_data_dir()/results/attnsim.db in a new heap string. */
char *rs_store_default_path(void);

/* Opens a store.  Fails, touching nothing, on a file that is not SQLite,
** an SQLite file that is not an attnsim store, a store of another schema
** version or an altered schema, a directory, or (RS_WRITE) a path that
** cannot be written.  In RS_WRITE mode the file is in WAL mode with a busy
** timeout, so several processes may write it at once. */
int rs_store_open(const char *path, rs_mode mode, rs_store **out, at_err *e);
void rs_store_close(rs_store *s);                 /* NULL is fine */
const char *rs_store_path(const rs_store *s);

/* The command line recorded in the run row, which is written with the first
** point this connection stores (a command that stores nothing leaves no
** run behind). */
int rs_store_set_command(rs_store *s, int argc, char **argv, at_err *e);

/* *has = 1 when (c->hash, c->engine) is stored. */
int rs_store_has(rs_store *s, const rs_config *c, int *has, at_err *e);

/* Stores one point in its own transaction: r is the engine's result, or
** NULL when the engine rejected the point with message `error` (stored with
** status 'error', so a resumed sweep does not retry it).  *added (may be
** NULL) is 1 when the point is new, 0 when it was already stored. */
int rs_store_put(rs_store *s, const rs_config *c, const sim_result *r,
                 const char *error, int *added, at_err *e);

/* Points stored, all engines. */
int rs_store_count(rs_store *s, int64_t *n, at_err *e);

/* Copies every run and point of the store at src_path that dst lacks, in
** one transaction (a point already in dst keeps dst's values).  src is
** opened read-only and checked like rs_store_open. */
int rs_store_merge(rs_store *dst, const char *src_path, int64_t *added,
                   int64_t *present, at_err *e);

typedef enum rs_format { RS_CSV, RS_JSON } rs_format;
/* Writes every point, in a fixed order (design, model, seq_len, overrides,
** engine, hash).  CSV: one row per point, starting with the columns of
** `attnsim run --csv` (design,model,seq_len,latency_s,cycles,energy_pj,
** traffic_bytes,util_2d,util_1d), then the other metrics, the energy by
** component, the key, the overrides and the provenance.  JSON: an array of
** objects, one per line, with the per-array and per-Einsum breakdowns. */
int rs_store_export(rs_store *s, FILE *f, rs_format fmt, at_err *e);

#endif
