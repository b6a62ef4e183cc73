/*
** store.c: the results store on SQLite.  The schema is generated from two
** column tables (point_base below and rs_metrics), so the CREATE text, the
** inserts, the merge and the export cannot drift apart; each column's
** comment travels into the file, where `sqlite3 FILE .schema` shows it.
** A file is checked (SQLite? ours? this schema version? unaltered?) with
** reads only, before anything is written to it.
*/
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef ATTNSIM_VERSION
#define ATTNSIM_VERSION "unknown"
#endif

/* Long enough for a merge of a large shard to finish while others wait. */
#define BUSY_TIMEOUT_MS 60000

const rs_metric rs_metrics[] = {
  { "latency_s",      RS_F64, offsetof(sim_result, latency_s),      "seconds: cycles / clock" },
  { "cycles",         RS_U64, offsetof(sim_result, cycles),         "total latency, clock cycles" },
  { "energy_pj",      RS_F64, offsetof(sim_result, energy_pJ),      "pJ, the sum of point_energy" },
  { "traffic_bytes",  RS_U64, offsetof(sim_result, traffic_bytes),  "DRAM bytes read + written" },
  { "util_2d",        RS_F64, offsetof(sim_result, util_2d),        "busy PE-cycles / (PEs x cycles), 2D array" },
  { "util_1d",        RS_F64, offsetof(sim_result, util_1d),        "busy PE-cycles / (PEs x cycles), 1D array" },
  { "compute_cycles", RS_U64, offsetof(sim_result, compute_cycles), "latency with memory time ignored, cycles" },
  { "memory_cycles",  RS_U64, offsetof(sim_result, memory_cycles),  "DRAM traffic / bandwidth, cycles" },
  { "buffer_bytes",   RS_U64, offsetof(sim_result, buffer_bytes),   "global buffer bytes read + written" },
  { "area_um2",       RS_F64, offsetof(sim_result, area_um2),       "um^2, whole design" },
  { "bound",          RS_STR, offsetof(sim_result, bound),          "what limits latency: 2d, 1d, memory, mixed" },
  { "tiling",         RS_STR, offsetof(sim_result, tiling),         "bound tile sizes, e.g. M0=256 P0=256" },
  { "mapped_hash",    RS_STR, offsetof(sim_result, mapped_hash),    "SHA-256 of the mapping the mapper found (mapped designs), else empty" },
  { "arch_rows_2d",   RS_U64, offsetof(sim_result, arch_rows_2d),   "PEs, the 2D array evaluated (after overrides)" },
  { "arch_cols_2d",   RS_U64, offsetof(sim_result, arch_cols_2d),   "PEs, the 2D array evaluated" },
  { "arch_width_1d",  RS_U64, offsetof(sim_result, arch_width_1d),  "PEs, the 1D array evaluated" },
  { "arch_buffer_bytes", RS_U64, offsetof(sim_result, arch_buffer_bytes), "bytes, the global buffer evaluated" },
  { "arch_bandwidth_bps", RS_F64, offsetof(sim_result, arch_bandwidth_Bps), "bytes/s, the DRAM bandwidth evaluated" },
  { "arch_clock_hz",  RS_F64, offsetof(sim_result, arch_clock_hz),  "Hz, the clock evaluated" },
};
const int rs_nmetrics = (int)(sizeof rs_metrics / sizeof rs_metrics[0]);

/* The columns of `points` before the metrics, in order.  The inserts bind
** them by position (P_* below). */
typedef struct column { const char *name, *decl, *doc; } column;
static const column point_base[] = {
  { "point_id",         "INTEGER PRIMARY KEY", NULL },
  { "config_hash",      "TEXT NOT NULL", "SHA-256 over the inputs below (results/config.c)" },
  { "engine",           "TEXT NOT NULL", "analytical, ..." },
  { "run_id",           "INTEGER NOT NULL REFERENCES runs(run_id)", "the run that stored it" },
  { "design",           "TEXT NOT NULL", "shipped design name, or mapping file path" },
  { "mapping_hash",     "TEXT NOT NULL", "SHA-256 of the mapping file" },
  { "arch_hash",        "TEXT NOT NULL", "SHA-256 of the architecture file" },
  { "cascade_hash",     "TEXT NOT NULL", "SHA-256 of the cascade (of their hashes if several)" },
  { "energy_hash",      "TEXT NOT NULL", "SHA-256 of the energy table" },
  { "area_hash",        "TEXT NOT NULL", "SHA-256 of the area table" },
  { "model",            "TEXT NOT NULL", "workload name: BERT, TrXL, T5, XLM" },
  { "seq_len",          "INTEGER NOT NULL", "tokens, M = P" },
  { "ov_rows_2d",       "INTEGER", "override, PEs; NULL = the design's own" },
  { "ov_cols_2d",       "INTEGER", "override, PEs; NULL = the design's own" },
  { "ov_width_1d",      "INTEGER", "override, PEs; NULL = the design's own" },
  { "ov_buffer_bytes",  "INTEGER", "override, buffer capacity; NULL = the design's own" },
  { "ov_bandwidth_bps", "REAL", "override, DRAM bytes/s; NULL = the design's own" },
  { "ov_regs_per_pe",   "INTEGER", "override, register words per PE; NULL = the design's own" },
  { "status",           "TEXT NOT NULL CHECK (status IN ('ok', 'error'))", "error: the engine rejected it" },
  { "error",            "TEXT", "the engine's message when status = 'error'" },
};
enum { P_ID, P_HASH, P_ENGINE, P_RUN, P_DESIGN, P_MAPH, P_ARCHH, P_CASCH, P_ENH, P_AREAH, P_MODEL,
       P_SEQ, P_ROWS, P_COLS, P_WIDTH, P_BUF, P_BW, P_REGS, P_STATUS, P_ERROR, P_NBASE };
_Static_assert(sizeof point_base / sizeof point_base[0] == P_NBASE, "point_base and P_*");

static const char runs_sql[] =
  "CREATE TABLE runs(                -- one row per attnsim command that stored points\n"
  "  run_id INTEGER PRIMARY KEY,\n"
  "  run_uuid TEXT NOT NULL UNIQUE,   -- random; the same run in every file it is merged into\n"
  "  started_at TEXT NOT NULL,        -- UTC, ISO 8601: 2024-05-01T12:00:00Z\n"
  "  attnsim_version TEXT NOT NULL,   -- attnsim --version\n"
  "  git_rev TEXT NOT NULL,           -- git describe --always --dirty at build time, or unknown\n"
  "  host TEXT NOT NULL,              -- host name\n"
  "  command TEXT NOT NULL            -- the command line, shell-quoted\n"
  ")";
static const char energy_sql[] =
  "CREATE TABLE point_energy(        -- energy by component (sim_result.energy_by)\n"
  "  point_id INTEGER NOT NULL REFERENCES points(point_id) ON DELETE CASCADE,\n"
  "  component TEXT NOT NULL,         -- sim_component_name: compute_2d, ..., dram\n"
  "  energy_pj REAL NOT NULL,         -- pJ\n"
  "  PRIMARY KEY (point_id, component)\n"
  ")";
static const char arrays_sql[] =
  "CREATE TABLE point_arrays(        -- each PE array's busy time\n"
  "  point_id INTEGER NOT NULL REFERENCES points(point_id) ON DELETE CASCADE,\n"
  "  idx INTEGER NOT NULL,            -- position in sim_result\n"
  "  name TEXT NOT NULL,              -- 2d, 1d\n"
  "  busy_cycles INTEGER NOT NULL,    -- cycles\n"
  "  util REAL NOT NULL,              -- busy PE-cycles / (PEs x cycles)\n"
  "  PRIMARY KEY (point_id, idx)\n"
  ")";
static const char einsums_sql[] =
  "CREATE TABLE point_einsums(       -- per-Einsum metrics (sim_result.einsum)\n"
  "  point_id INTEGER NOT NULL REFERENCES points(point_id) ON DELETE CASCADE,\n"
  "  idx INTEGER NOT NULL,            -- position in sim_result\n"
  "  name TEXT NOT NULL,              -- phase/TENSOR, e.g. attention/BQK\n"
  "  array TEXT NOT NULL,             -- the array it is bound to\n"
  "  busy_cycles INTEGER NOT NULL,    -- cycles its array spends on it\n"
  "  util REAL NOT NULL,              -- its busy PE-cycles / (array PEs x cycles)\n"
  "  energy_pj REAL NOT NULL,         -- pJ, its arithmetic and register energy\n"
  "  PRIMARY KEY (point_id, idx)\n"
  ")";
static const char index_sql[] =
  "CREATE INDEX points_by_workload ON points(design, model, seq_len)";
/* Version 3: the data mode's comparison (sim_result.data), one row per
** point of engine cycle-data; after the index, so that a version 2 store
** migrated by creating it has the objects in the order a new store has. */
static const char data_sql[] =
  "CREATE TABLE point_data(          -- the data mode's errors (sim/README.md \"Data mode\")\n"
  "  point_id INTEGER PRIMARY KEY REFERENCES points(point_id) ON DELETE CASCADE,\n"
  "  max_abs_err REAL,                -- max |out - ref| over the output; NULL: not finite\n"
  "  max_rel_err REAL,                -- max |out - ref| / max(|ref|, 2^-14); NULL: not finite\n"
  "  max_ref REAL NOT NULL,           -- max |ref|, the output's magnitude\n"
  "  max_bound REAL,                  -- the largest element tolerance; NULL: not finite\n"
  "  err_over_bound REAL,             -- worst |out - ref| / tolerance, above 1 fails; NULL: not finite\n"
  "  pe_edges INTEGER NOT NULL,       -- PE-edges the banks stepped\n"
  "  emul_mismatch INTEGER NOT NULL,  -- output elements whose bits differ from the fp16 emulation\n"
  "  emul_exact INTEGER NOT NULL      -- 1: the mapping folds in the interpreter's order (mismatch fails)\n"
  ")";

struct rs_store {
  sqlite3 *db;
  char *path;
  rs_mode mode;
  int64_t run_id;             /* 0 until this connection stores a point */
  uint64_t jitter;            /* state of the busy handler's random waits */
  char started_at[32];        /* when the store was opened, UTC */
  char *command;              /* for the run row */
  sqlite3_stmt *st_has, *st_point, *st_energy, *st_array, *st_einsum, *st_run, *st_data;
};

/* ---- small helpers ---------------------------------------------------- */

sqlite3 *rs_store_db(rs_store *s) { return s->db; }
const char *rs_store_path(const rs_store *s) { return s->path; }

int rs_store_sqlerr(rs_store *s, at_err *e, const char *what) {
  if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_CORRUPT)
    return at_errf(e, "%s: damaged database (%s); restore it from a copy, or salvage what "
                   "is left with: sqlite3 %s .recover | sqlite3 NEW.db", s->path,
                   sqlite3_errmsg(s->db), s->path);
  return at_errf(e, "%s: %s%s%s", s->path, what ? what : "", what ? ": " : "",
                 sqlite3_errmsg(s->db));
}

/* Waiting for another writer.  SQLite's default handler backs off to 100 ms
** sleeps, so a process committing a point every millisecond starves any
** other writer for the whole sweep.  Transactions here are short: retry
** every 0.5-1.5 ms (random, so waiters do not retry in step) until
** BUSY_TIMEOUT_MS have passed. */
static int busy_wait(void *arg, int count) {
  rs_store *s = arg;
  if (count >= BUSY_TIMEOUT_MS) return 0;
  s->jitter = s->jitter * 6364136223846793005ull + 1442695040888963407ull;
  struct timespec ts = { 0, 500000 + (long)(s->jitter >> 33) % 1000000 };
  nanosleep(&ts, NULL);
  return 1;
}

static int exec(rs_store *s, const char *sql, at_err *e) {
  if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return rs_store_sqlerr(s, e, NULL);
  return 0;
}

static void rollback(rs_store *s) {
  if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int prepare(rs_store *s, sqlite3_stmt **st, const char *sql, at_err *e) {
  if (*st) { sqlite3_reset(*st); sqlite3_clear_bindings(*st); return 0; }
  if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return rs_store_sqlerr(s, e, NULL);
  return 0;
}

/* A growable string for generated SQL. */
typedef struct sbuf { char *p; size_t n, cap; bool oom; } sbuf;
static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0) { b->oom = true; return; }
    if (b->p && b->n + (size_t)k < b->cap) { b->n += (size_t)k; return; }
    size_t cap = (b->cap ? b->cap * 2 : 1024) + (size_t)k;
    char *q = realloc(b->p, cap);
    if (!q) { b->oom = true; return; }
    b->p = q;
    b->cap = cap;
  }
}

static const char *sqltype(rs_type t) {
  return t == RS_U64 ? "INTEGER" : t == RS_F64 ? "REAL" : "TEXT";
}

/* CREATE TABLE points, generated from point_base and rs_metrics.  Static:
** built once, read by every open. */
static const char *points_sql(void) {
  static char *sql;
  if (sql) return sql;
  sbuf b = { 0 };
  sb_add(&b, "CREATE TABLE points(               -- one row per (configuration, engine)\n");
  for (int i = 0; i < P_NBASE; i++) {
    int w = (int)(strlen(point_base[i].name) + strlen(point_base[i].decl)) + 4;
    if (point_base[i].doc)
      sb_add(&b, "  %s %s,%*s-- %s\n", point_base[i].name, point_base[i].decl,
             w < 35 ? 35 - w : 1, "", point_base[i].doc);
    else
      sb_add(&b, "  %s %s,\n", point_base[i].name, point_base[i].decl);
  }
  sb_add(&b, "  -- metrics of sim_result; NULL when status = 'error'\n");
  for (int i = 0; i < rs_nmetrics; i++) {
    const char *t = sqltype(rs_metrics[i].type);
    int w = (int)(strlen(rs_metrics[i].column) + strlen(t)) + 4;
    sb_add(&b, "  %s %s,%*s-- %s\n", rs_metrics[i].column, t, w < 35 ? 35 - w : 1, "",
           rs_metrics[i].doc);
  }
  sb_add(&b, "  UNIQUE (config_hash, engine)\n)");
  if (b.oom) { free(b.p); return NULL; }
  return sql = b.p;
}

/* Names of the point columns except point_id, comma-separated, each with
** the prefix (e.g. "p."); run_id may be replaced by an expression. */
static void point_columns(sbuf *b, const char *prefix, const char *run_expr) {
  for (int i = 1; i < P_NBASE; i++) {
    if (i == P_RUN && run_expr) sb_add(b, "%s%s", i > 1 ? ", " : "", run_expr);
    else sb_add(b, "%s%s%s", i > 1 ? ", " : "", prefix, point_base[i].name);
  }
  for (int i = 0; i < rs_nmetrics; i++) sb_add(b, ", %s%s", prefix, rs_metrics[i].column);
}

char *rs_store_default_path(void) {
  return at_path_join(at_data_dir(), "results/attnsim.db");
}

/* ---- opening and checking --------------------------------------------- */

typedef struct schema_obj { const char *type, *name; const char *sql; } schema_obj;

static int expected_schema(schema_obj *o) {
  const char *p = points_sql();
  if (!p) return -1;
  o[0] = (schema_obj){ "table", "runs", runs_sql };
  o[1] = (schema_obj){ "table", "points", p };
  o[2] = (schema_obj){ "table", "point_energy", energy_sql };
  o[3] = (schema_obj){ "table", "point_arrays", arrays_sql };
  o[4] = (schema_obj){ "table", "point_einsums", einsums_sql };
  o[5] = (schema_obj){ "index", "points_by_workload", index_sql };
  o[6] = (schema_obj){ "table", "point_data", data_sql };
  return 7;
}

static int pragma_int(rs_store *s, const char *sql, int64_t *v, at_err *e) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) goto fail;
  int rc = sqlite3_step(st);
  *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 0;
fail:
  if ((sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_NOTADB)
    return at_errf(e, "%s: not an attnsim results database (not an SQLite file); left untouched",
                   s->path);
  return rs_store_sqlerr(s, e, NULL);
}

/* Reads only.  *fresh = 1 for an empty SQLite file (no objects, no
** application id): ours to initialise; *v2 = 1 for an unaltered version 2
** store (version 3 less point_data): readable, migrated for writing. */
static int check_schema(rs_store *s, int *fresh, int *v2, at_err *e) {
  int64_t app, ver, nobj;
  *fresh = 0;
  *v2 = 0;
  if (pragma_int(s, "PRAGMA application_id", &app, e)) return -1;
  if (pragma_int(s, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", &nobj, e))
    return -1;
  if (app == 0 && nobj == 0) { *fresh = 1; return 0; }
  if (app != RS_APPLICATION_ID) {
    char names[200] = "";
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT name FROM sqlite_schema WHERE type = 'table' "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 4", -1, &st, NULL) == SQLITE_OK) {
      for (int k = 0; sqlite3_step(st) == SQLITE_ROW; k++) {
        size_t n = strlen(names);
        snprintf(names + n, sizeof names - n, "%s%s", k ? ", " : "",
                 k < 3 ? (const char *)sqlite3_column_text(st, 0) : "...");
      }
      sqlite3_finalize(st);
    }
    return at_errf(e, "%s: not an attnsim results database (an SQLite file %s%s); left untouched",
                   s->path, *names ? "with tables " : "of another application", names);
  }
  if (pragma_int(s, "PRAGMA user_version", &ver, e)) return -1;
  if (ver != RS_SCHEMA_VERSION && ver != 2)
    return at_errf(e, "%s: attnsim results database of schema version %lld; this attnsim "
                   "reads version %d (use the attnsim that wrote it to export it); left untouched",
                   s->path, (long long)ver, RS_SCHEMA_VERSION);
  schema_obj want[8];
  int nwant = expected_schema(want);
  if (nwant < 0) return at_errf(e, "out of memory");
  if (ver == 2) { nwant--; *v2 = 1; }   /* point_data is version 3's */
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->db, "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE "
                         "'sqlite_%' ORDER BY rowid", -1, &st, NULL) != SQLITE_OK)
    return rs_store_sqlerr(s, e, NULL);
  int i = 0, rc;
  const char *bad = NULL;
  char badname[64] = "";
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(st, 0);
    const char *name = (const char *)sqlite3_column_text(st, 1);
    const char *sql = (const char *)sqlite3_column_text(st, 2);
    if (i >= nwant || !type || !name || !sql || strcmp(type, want[i].type) ||
        strcmp(name, want[i].name) || strcmp(sql, want[i].sql)) {
      snprintf(badname, sizeof badname, "%s", name ? name : "?");
      bad = i < nwant && name && !strcmp(name, want[i].name) ? "differs from" : "is not in";
      /* an object of the schema found early: the one expected here is missing */
      for (int j = i + 1; j < nwant && name && *bad == 'i'; j++)
        if (!strcmp(name, want[j].name)) { bad = "is missing from"; snprintf(badname, sizeof badname, "%s", want[i].name); }
      break;
    }
    i++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rs_store_sqlerr(s, e, NULL);
  if (!bad && i < nwant) { bad = "is missing from"; snprintf(badname, sizeof badname, "%s", want[i].name); }
  if (bad)
    return at_errf(e, "%s: attnsim results database with an altered schema ('%s' %s "
                   "schema version %d); left untouched", s->path, badname, bad, RS_SCHEMA_VERSION);
  return 0;
}

/* check_schema in one read transaction: its reads must see one snapshot,
** or a store being initialised by another process could look like an id-less
** file that has tables, i.e. a foreign one. */
static int check_snapshot(rs_store *s, int *fresh, int *v2, at_err *e) {
  if (exec(s, "BEGIN", e)) return -1;
  int rc = check_schema(s, fresh, v2, e);
  if (rc) rollback(s);
  else if (exec(s, "COMMIT", e)) { rollback(s); rc = -1; }
  return rc;
}

static int create_schema(rs_store *s, at_err *e) {
  schema_obj want[8];
  int n = expected_schema(want);
  if (n < 0) return at_errf(e, "out of memory");
  for (int i = 0; i < n; i++)
    if (exec(s, want[i].sql, e)) return -1;
  char sql[96];
  snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
           RS_APPLICATION_ID, RS_SCHEMA_VERSION);
  return exec(s, sql, e);
}

/* Switching a fresh file to WAL needs an exclusive lock, and SQLite returns
** SQLITE_BUSY at once, without calling the busy handler, when another
** process opening the same new file holds a shared lock (two sweeps
** started together): retry on the busy handler's schedule. */
static int set_wal(rs_store *s, at_err *e) {
  for (int attempt = 0;; attempt++) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
      return rs_store_sqlerr(s, e, "cannot switch to WAL mode");
    int rc = sqlite3_step(st);
    bool wal = rc == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_BUSY && busy_wait(s, attempt)) continue;
    if (rc != SQLITE_ROW) return rs_store_sqlerr(s, e, "cannot switch to WAL mode");
    if (!wal) return at_errf(e, "%s: cannot switch to WAL mode", s->path);
    return 0;
  }
}

static const char *file_kind(mode_t m) {
  return S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
       : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* A store is a regular file, or (RS_WRITE) a new file in an existing
** directory.  SQLite would open /dev/null or a FIFO, and then create its
** journal, WAL and shared-memory files beside it ("/dev/null-journal"). */
static int check_path(const char *path, rs_mode mode, at_err *e) {
  struct stat sb;
  if (!*path) return at_errf(e, "results database: empty path");
  if (stat(path, &sb) == 0) {
    if (S_ISDIR(sb.st_mode)) return at_errf(e, "%s: is a directory, not a results database", path);
    if (!S_ISREG(sb.st_mode))
      return at_errf(e, "%s: is %s, not a results database (a store is a regular file); left untouched",
                     path, file_kind(sb.st_mode));
    return 0;
  }
  if (errno != ENOENT) return at_errf(e, "%s: cannot open results database: %s", path, strerror(errno));
  if (mode == RS_READ) return at_errf(e, "%s: no such results database", path);
  char *dir = at_dirname(path);
  if (!dir) return at_errf(e, "out of memory");
  int rc = 0;
  if (stat(dir, &sb) != 0)
    rc = at_errf(e, "%s: cannot create results database: %s: %s", path, dir, strerror(errno));
  else if (!S_ISDIR(sb.st_mode))
    rc = at_errf(e, "%s: cannot create results database: %s is not a directory", path, dir);
  free(dir);
  return rc;
}

int rs_store_open(const char *path, rs_mode mode, rs_store **out, at_err *e) {
  *out = NULL;
  if (check_path(path, mode, e)) return -1;
  rs_store *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) { free(s); return at_errf(e, "out of memory"); }
  s->mode = mode;
  /* A reader opens read-write when it may (and is kept from writing by
  ** query_only below): a read-only connection cannot remove the -wal and
  ** -shm files a WAL store grows when opened, so every export would leave
  ** them behind; the last read-write connection to close removes them. */
  int flags = mode == RS_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
            : access(path, W_OK) == 0 ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
    at_errf(e, "%s: cannot open results database: %s", path,
            s->db ? sqlite3_errmsg(s->db) : "out of memory");
    rs_store_close(s);
    return -1;
  }
  sqlite3_extended_result_codes(s->db, 1);
  s->jitter = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
  sqlite3_busy_handler(s->db, busy_wait, s);
  int fresh, v2;
  if (check_snapshot(s, &fresh, &v2, e)) goto fail;
  if (mode == RS_WRITE && sqlite3_db_readonly(s->db, "main") == 1) {
    at_errf(e, "%s: cannot write to the results database (read-only file)", path);
    goto fail;
  }
  if (fresh && mode == RS_READ) {
    at_errf(e, "%s: empty database, no attnsim results in it", path);
    goto fail;
  }
  if (fresh) {
    /* An empty file is ours; WAL first (it cannot change inside a
    ** transaction), then the schema, re-checking under the write lock in
    ** case another process initialised it meanwhile. */
    if (set_wal(s, e) || exec(s, "BEGIN IMMEDIATE", e)) goto fail;
    if (check_schema(s, &fresh, &v2, e)) { rollback(s); goto fail; }
    if (fresh && create_schema(s, e)) { rollback(s); goto fail; }
    if (exec(s, "COMMIT", e)) { rollback(s); goto fail; }
  } else if (mode == RS_WRITE) {
    if (set_wal(s, e)) goto fail;
    if (v2) {
      /* version 2 to 3: the one new table, under the write lock, re-checked */
      char sql[64];
      snprintf(sql, sizeof sql, "PRAGMA user_version = %d", RS_SCHEMA_VERSION);
      if (exec(s, "BEGIN IMMEDIATE", e)) goto fail;
      if (check_schema(s, &fresh, &v2, e)) { rollback(s); goto fail; }
      if (v2 && (exec(s, data_sql, e) || exec(s, sql, e))) { rollback(s); goto fail; }
      if (exec(s, "COMMIT", e)) { rollback(s); goto fail; }
    }
  }
  if (mode == RS_WRITE && exec(s, "PRAGMA synchronous = NORMAL", e)) goto fail;
  if (mode == RS_READ && exec(s, "PRAGMA query_only = ON", e)) goto fail;
  if (exec(s, "PRAGMA foreign_keys = ON", e)) goto fail;
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(s->started_at, sizeof s->started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  *out = s;
  return 0;
fail:
  rs_store_close(s);
  return -1;
}

void rs_store_close(rs_store *s) {
  if (!s) return;
  sqlite3_finalize(s->st_has);
  sqlite3_finalize(s->st_point);
  sqlite3_finalize(s->st_energy);
  sqlite3_finalize(s->st_array);
  sqlite3_finalize(s->st_einsum);
  sqlite3_finalize(s->st_data);
  sqlite3_finalize(s->st_run);
  sqlite3_close(s->db);
  free(s->command);
  free(s->path);
  free(s);
}

/* ---- provenance ------------------------------------------------------- */

/* Single-quotes an argument unless it is made of safe characters only. */
static void shell_quote(sbuf *b, const char *a) {
  bool safe = *a != 0;
  for (const char *p = a; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%", *p))
      safe = false;
  if (safe) { sb_add(b, "%s", a); return; }
  sb_add(b, "'");
  for (const char *p = a; *p; p++) {
    if (*p == '\'') sb_add(b, "'\\''");
    else sb_add(b, "%c", *p);
  }
  sb_add(b, "'");
}

int rs_store_set_command(rs_store *s, int argc, char **argv, at_err *e) {
  if (argc < 1) return 0;
  sbuf b = { 0 };
  for (int i = 0; i < argc; i++) {
    if (i) sb_add(&b, " ");
    shell_quote(&b, argv[i]);
  }
  if (b.oom || !b.p) { free(b.p); return at_errf(e, "out of memory"); }
  free(s->command);
  s->command = b.p;
  return 0;
}

static void run_uuid(char out[33]) {
  unsigned char r[16];
  int fd = open("/dev/urandom", O_RDONLY);
  bool ok = fd >= 0 && read(fd, r, sizeof r) == (ssize_t)sizeof r;
  if (fd >= 0) close(fd);
  if (!ok) {
    /* No urandom: digest what makes this process unique enough. */
    char seed[160], hex[RS_HASH_HEX], host[64] = "";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    gethostname(host, sizeof host - 1);
    snprintf(seed, sizeof seed, "%s %ld %lld %ld", host, (long)getpid(),
             (long long)ts.tv_sec, ts.tv_nsec);
    rs_sha256 h;
    rs_sha256_init(&h);
    rs_sha256_update(&h, seed, strlen(seed));
    rs_sha256_hex(&h, hex);
    memcpy(out, hex, 32);
    out[32] = 0;
    return;
  }
  for (int i = 0; i < 16; i++) snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static int insert_run(rs_store *s, at_err *e) {
  if (prepare(s, &s->st_run, "INSERT INTO runs(run_uuid, started_at, attnsim_version, "
              "git_rev, host, command) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e))
    return -1;
  char uuid[33], host[256] = "";
  run_uuid(uuid);
  if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "unknown");
  sqlite3_bind_text(s->st_run, 1, uuid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s->st_run, 2, s->started_at, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->st_run, 3, ATTNSIM_VERSION, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->st_run, 4, rs_git_rev, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->st_run, 5, host, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s->st_run, 6, s->command ? s->command : "attnsim", -1, SQLITE_STATIC);
  if (sqlite3_step(s->st_run) != SQLITE_DONE) return rs_store_sqlerr(s, e, "storing the run");
  s->run_id = sqlite3_last_insert_rowid(s->db);
  return 0;
}

/* ---- storing points --------------------------------------------------- */

int rs_store_has(rs_store *s, const rs_config *c, int *has, at_err *e) {
  if (prepare(s, &s->st_has, "SELECT 1 FROM points WHERE config_hash = ?1 AND engine = ?2", e))
    return -1;
  sqlite3_bind_text(s->st_has, 1, c->hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->st_has, 2, c->engine, -1, SQLITE_STATIC);
  int rc = sqlite3_step(s->st_has);
  sqlite3_reset(s->st_has);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rs_store_sqlerr(s, e, NULL);
  *has = rc == SQLITE_ROW;
  return 0;
}

int rs_store_count(rs_store *s, int64_t *n, at_err *e) {
  return pragma_int(s, "SELECT count(*) FROM points", n, e);
}

static int bind_u64(rs_store *s, sqlite3_stmt *st, int i, uint64_t v, const char *what, at_err *e) {
  if (v > (uint64_t)INT64_MAX)
    return at_errf(e, "%s: %s = %llu does not fit the store's 64-bit integers", s->path,
                   what, (unsigned long long)v);
  sqlite3_bind_int64(st, i, (int64_t)v);
  return 0;
}

/* A metric that is not finite is an engine's bug or an input no engine
** should have accepted; storing it as NULL would read back as "no value"
** under status ok, so it is refused, naming the metric. */
static int bind_f64(rs_store *s, sqlite3_stmt *st, int i, double v, const char *what, at_err *e) {
  if (!isfinite(v))
    return at_errf(e, "%s: %s is not a finite number (%g): refusing to store it", s->path, what, v);
  sqlite3_bind_double(st, i, v);
  return 0;
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v) {
  if (v) sqlite3_bind_int64(st, i, v); else sqlite3_bind_null(st, i);
}

static int step_done(rs_store *s, sqlite3_stmt *st, at_err *e) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return rs_store_sqlerr(s, e, "storing a point");
  return 0;
}

static int put_point(rs_store *s, const rs_config *c, const sim_result *r,
                     const char *error, at_err *e) {
  if (!s->st_point) {
    sbuf b = { 0 };
    sb_add(&b, "INSERT INTO points(");
    point_columns(&b, "", NULL);
    sb_add(&b, ") VALUES (");
    for (int i = 1; i < P_NBASE + rs_nmetrics; i++) sb_add(&b, "%s?%d", i > 1 ? ", " : "", i);
    sb_add(&b, ")");
    int rc = b.oom ? at_errf(e, "out of memory") : prepare(s, &s->st_point, b.p, e);
    free(b.p);
    if (rc) return -1;
  } else {
    sqlite3_reset(s->st_point);
    sqlite3_clear_bindings(s->st_point);
  }
  sqlite3_stmt *st = s->st_point;
  sqlite3_bind_text(st, P_HASH, c->hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_ENGINE, c->engine, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, P_RUN, s->run_id);
  sqlite3_bind_text(st, P_DESIGN, c->design, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_MAPH, c->mapping_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_ARCHH, c->arch_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_CASCH, c->cascade_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_ENH, c->energy_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_AREAH, c->area_hash, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, P_MODEL, c->wl.name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, P_SEQ, c->seq_len);
  bind_opt_int(st, P_ROWS, c->ov.rows_2d);
  bind_opt_int(st, P_COLS, c->ov.cols_2d);
  bind_opt_int(st, P_WIDTH, c->ov.width_1d);
  bind_opt_int(st, P_BUF, c->ov.buffer_bytes);
  if (c->ov.bandwidth_Bps > 0) sqlite3_bind_double(st, P_BW, c->ov.bandwidth_Bps);
  bind_opt_int(st, P_REGS, c->ov.regs_per_pe);
  sqlite3_bind_text(st, P_STATUS, r ? "ok" : "error", -1, SQLITE_STATIC);
  if (!r) sqlite3_bind_text(st, P_ERROR, error ? error : "", -1, SQLITE_STATIC);
  for (int i = 0; r && i < rs_nmetrics; i++) {
    const rs_metric *m = &rs_metrics[i];
    const char *p = (const char *)r + m->offset;
    int k = P_NBASE + i;
    if (m->type == RS_U64) {
      uint64_t v;
      memcpy(&v, p, sizeof v);
      if (bind_u64(s, st, k, v, m->column, e)) return -1;
    } else if (m->type == RS_F64) {
      double v;
      memcpy(&v, p, sizeof v);
      if (bind_f64(s, st, k, v, m->column, e)) return -1;
    } else {
      sqlite3_bind_text(st, k, p, -1, SQLITE_STATIC);
    }
  }
  if (step_done(s, st, e)) return -1;
  int64_t pid = sqlite3_last_insert_rowid(s->db);
  if (!r) return 0;

  if (prepare(s, &s->st_energy, "INSERT INTO point_energy(point_id, component, energy_pj) "
              "VALUES (?1, ?2, ?3)", e))
    return -1;
  for (int k = 0; k < SIM_C_COUNT; k++) {
    sqlite3_bind_int64(s->st_energy, 1, pid);
    sqlite3_bind_text(s->st_energy, 2, sim_component_name[k], -1, SQLITE_STATIC);
    if (bind_f64(s, s->st_energy, 3, r->energy_by[k], sim_component_name[k], e)) return -1;
    if (step_done(s, s->st_energy, e)) return -1;
  }
  if (prepare(s, &s->st_array, "INSERT INTO point_arrays(point_id, idx, name, busy_cycles, "
              "util) VALUES (?1, ?2, ?3, ?4, ?5)", e))
    return -1;
  for (int k = 0; k < r->n_arrays && k < SIM_MAX_ARRAYS; k++) {
    sqlite3_bind_int64(s->st_array, 1, pid);
    sqlite3_bind_int(s->st_array, 2, k);
    sqlite3_bind_text(s->st_array, 3, r->array_name[k], -1, SQLITE_STATIC);
    if (bind_u64(s, s->st_array, 4, r->array_busy[k], "array_busy", e)) return -1;
    if (bind_f64(s, s->st_array, 5, r->array_util[k], "array_util", e)) return -1;
    if (step_done(s, s->st_array, e)) return -1;
  }
  if (prepare(s, &s->st_einsum, "INSERT INTO point_einsums(point_id, idx, name, array, "
              "busy_cycles, util, energy_pj) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", e))
    return -1;
  for (int k = 0; k < r->n_einsums && k < SIM_MAX_EINSUMS; k++) {
    const sim_einsum_result *x = &r->einsum[k];
    sqlite3_bind_int64(s->st_einsum, 1, pid);
    sqlite3_bind_int(s->st_einsum, 2, k);
    sqlite3_bind_text(s->st_einsum, 3, x->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->st_einsum, 4, x->array, -1, SQLITE_STATIC);
    if (bind_u64(s, s->st_einsum, 5, x->busy_cycles, "busy_cycles", e)) return -1;
    if (bind_f64(s, s->st_einsum, 6, x->util, "einsum util", e) ||
        bind_f64(s, s->st_einsum, 7, x->energy_pJ, "einsum energy_pj", e))
      return -1;
    if (step_done(s, s->st_einsum, e)) return -1;
  }
  if (!r->data.on) return 0;
  if (prepare(s, &s->st_data, "INSERT INTO point_data(point_id, max_abs_err, max_rel_err, max_ref, "
              "max_bound, err_over_bound, pe_edges, emul_mismatch, emul_exact) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", e))
    return -1;
  /* a wrong PE may make an output NaN or infinite: stored as no value */
  const double dv[5] = { r->data.max_abs_err, r->data.max_rel_err, r->data.max_ref, r->data.max_bound,
                         r->data.worst };
  sqlite3_bind_int64(s->st_data, 1, pid);
  for (int k = 0; k < 5; k++)
    if (isfinite(dv[k])) sqlite3_bind_double(s->st_data, 2 + k, dv[k]);
    else if (k == 2) return bind_f64(s, s->st_data, 4, dv[k], "max_ref", e);
    else sqlite3_bind_null(s->st_data, 2 + k);
  if (bind_u64(s, s->st_data, 7, r->data.pe_edges, "pe_edges", e) ||
      bind_u64(s, s->st_data, 8, r->data.emul_mismatch, "emul_mismatch", e))
    return -1;
  sqlite3_bind_int(s->st_data, 9, r->data.emul_exact);
  return step_done(s, s->st_data, e);
}

int rs_store_put(rs_store *s, const rs_config *c, const sim_result *r,
                 const char *error, int *added, at_err *e) {
  int has, new_run = 0;
  if (added) *added = 0;
  /* IMMEDIATE: take the write lock now, so the existence check and the
  ** insert see the same database (a deferred transaction could find its
  ** snapshot stale at the first write and fail without waiting). */
  if (exec(s, "BEGIN IMMEDIATE", e)) return -1;
  if (rs_store_has(s, c, &has, e)) goto fail;
  if (!has) {
    if (!s->run_id) {
      if (insert_run(s, e)) goto fail;
      new_run = 1;
    }
    if (put_point(s, c, r, error, e)) goto fail;
  }
  if (exec(s, "COMMIT", e)) goto fail;
  if (added) *added = !has;
  return 0;
fail:
  rollback(s);
  if (new_run) s->run_id = 0;
  return -1;
}

/* ---- merging ---------------------------------------------------------- */

int rs_store_merge(rs_store *dst, const char *src_path, int64_t *added,
                   int64_t *present, at_err *e) {
  *added = *present = 0;
  rs_store *src;
  if (rs_store_open(src_path, RS_READ, &src, e)) return -1;
  int64_t nsrc;
  int rc = rs_store_count(src, &nsrc, e);
  rs_store_close(src);
  if (rc) return -1;
  struct stat a, b;
  if (stat(src_path, &a) == 0 && stat(dst->path, &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return at_errf(e, "%s: is the output database itself", src_path);

  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(dst->db, "ATTACH ?1 AS src", -1, &st, NULL) != SQLITE_OK)
    return rs_store_sqlerr(dst, e, NULL);
  sqlite3_bind_text(st, 1, src_path, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return rs_store_sqlerr(dst, e, "attaching");
  /* a version 2 source has no point_data */
  int src_data = 0;
  if (sqlite3_prepare_v2(dst->db, "SELECT count(*) FROM src.sqlite_schema WHERE name = 'point_data'", -1, &st,
                         NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    src_data = sqlite3_column_int(st, 0) > 0;
  sqlite3_finalize(st);

  /* Runs are matched by uuid, points by (config_hash, engine); new points
  ** get new ids, above every id dst had, which is how their breakdowns are
  ** found. */
  sbuf q = { 0 };
  sb_add(&q, "INSERT OR IGNORE INTO main.runs(run_uuid, started_at, attnsim_version, git_rev, "
             "host, command) SELECT run_uuid, started_at, attnsim_version, git_rev, host, "
             "command FROM src.runs ORDER BY run_id;\n"
             "CREATE TEMP TABLE merge_base AS SELECT coalesce(max(point_id), 0) AS id "
             "FROM main.points;\n"
             "INSERT OR IGNORE INTO main.points(");
  point_columns(&q, "", NULL);
  sb_add(&q, ") SELECT ");
  point_columns(&q, "p.", "r.run_id");
  sb_add(&q, " FROM src.points p JOIN src.runs sr ON sr.run_id = p.run_id "
             "JOIN main.runs r ON r.run_uuid = sr.run_uuid ORDER BY p.point_id;\n");
  static const char *const child[4][2] = {
    { "point_energy", "component, energy_pj" },
    { "point_arrays", "idx, name, busy_cycles, util" },
    { "point_einsums", "idx, name, array, busy_cycles, util, energy_pj" },
    { "point_data", "max_abs_err, max_rel_err, max_ref, max_bound, err_over_bound, pe_edges, emul_mismatch, "
                    "emul_exact" },
  };
  for (int i = 0; i < 3 + src_data; i++) {
    sb_add(&q, "INSERT INTO main.%s(point_id, %s) SELECT mp.point_id", child[i][0], child[i][1]);
    for (const char *c = child[i][1]; *c;) {
      size_t n = strcspn(c, ",");
      sb_add(&q, ", x.%.*s", (int)n, c);
      c += n;
      while (*c == ',' || *c == ' ') c++;
    }
    sb_add(&q, " FROM src.%s x JOIN src.points sp ON sp.point_id = x.point_id "
               "JOIN main.points mp ON mp.config_hash = sp.config_hash AND mp.engine = sp.engine "
               "WHERE mp.point_id > (SELECT id FROM merge_base);\n", child[i][0]);
  }
  sb_add(&q, "DROP TABLE merge_base;");
  if (q.oom) { free(q.p); sqlite3_exec(dst->db, "DETACH src", NULL, NULL, NULL); return at_errf(e, "out of memory"); }

  int64_t before = 0, after = 0;
  rc = exec(dst, "BEGIN IMMEDIATE", e);
  if (!rc) rc = rs_store_count(dst, &before, e);
  if (!rc) rc = exec(dst, q.p, e);
  if (!rc) rc = rs_store_count(dst, &after, e);
  if (!rc) rc = exec(dst, "COMMIT", e);
  if (rc) rollback(dst);
  free(q.p);
  sqlite3_exec(dst->db, "DETACH src", NULL, NULL, NULL);
  if (rc) return -1;
  *added = after - before;
  *present = nsrc - *added;
  return 0;
}

/* ---- export ----------------------------------------------------------- */

/* Shortest %g rendering that reads back as the same double. */
/* Shortest text that reads back as v.  A non-finite value (only a database
** written by something else can hold one) is written as no value: empty in
** CSV, null in JSON, never "inf" or "nan". */
static void fmt_double(char *b, size_t n, double v) {
  if (!isfinite(v)) { b[0] = 0; return; }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(b, n, "%.*g", prec, v);
    if (strtod(b, NULL) == v) return;
  }
}

static void csv_field(FILE *f, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) { fputs(s, f); return; }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void json_str(FILE *f, const char *s) { at_json_str(f, s); }

/* Writes column i of a row as CSV or JSON (NULL: empty / null). */
static void value(FILE *f, sqlite3_stmt *st, int i, rs_format fmt) {
  char b[40];
  switch (sqlite3_column_type(st, i)) {
  case SQLITE_NULL:
    if (fmt == RS_JSON) fputs("null", f);
    break;
  case SQLITE_INTEGER:
    fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
    break;
  case SQLITE_FLOAT:
    fmt_double(b, sizeof b, sqlite3_column_double(st, i));
    fputs(*b ? b : fmt == RS_JSON ? "null" : "", f);
    break;
  default: {
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (fmt == RS_JSON) json_str(f, t ? t : ""); else csv_field(f, t ? t : "");
  }
  }
}

/* The export's columns, in CSV order: the leading nine of `attnsim run
** --csv`, the other metrics, then (after the energies) the rest. */
static const char *const lead_cols[] = { "design", "model", "seq_len" };
static const char *const tail_cols[] = {
  "engine", "status", "error", "ov_rows_2d", "ov_cols_2d", "ov_width_1d", "ov_buffer_bytes",
  "ov_bandwidth_bps", "ov_regs_per_pe", "config_hash", "mapping_hash", "arch_hash", "cascade_hash",
  "energy_hash", "area_hash", "attnsim_version", "git_rev" };
static const char *const run_cols[] = { "started_at", "host", "command" };
#define NLEAD 3
#define NTAIL (int)(sizeof tail_cols / sizeof tail_cols[0])
#define NRUN (int)(sizeof run_cols / sizeof run_cols[0])

int rs_store_export(rs_store *s, FILE *f, rs_format fmt, at_err *e) {
  sbuf q = { 0 };
  sb_add(&q, "SELECT p.point_id");
  for (int i = 0; i < NLEAD; i++) sb_add(&q, ", p.%s", lead_cols[i]);
  for (int i = 0; i < rs_nmetrics; i++) sb_add(&q, ", p.%s", rs_metrics[i].column);
  for (int i = 0; i < NTAIL; i++)
    sb_add(&q, ", %s.%s", i >= NTAIL - 2 ? "r" : "p", tail_cols[i]);
  for (int i = 0; i < NRUN; i++) sb_add(&q, ", r.%s", run_cols[i]);
  sb_add(&q, " FROM points p JOIN runs r ON r.run_id = p.run_id ORDER BY p.design, p.model, "
             "p.seq_len, p.ov_rows_2d, p.ov_cols_2d, p.ov_width_1d, p.ov_buffer_bytes, "
             "p.ov_bandwidth_bps, p.ov_regs_per_pe, p.engine, p.config_hash");
  if (q.oom) { free(q.p); return at_errf(e, "out of memory"); }
  sqlite3_stmt *st = NULL, *en = NULL, *ar = NULL, *ei = NULL, *da = NULL;
  int rc = -1;
  /* JSON: a point of engine cycle-data gains its point_data row (a version
  ** 2 store has none: da stays NULL) */
  if (fmt == RS_JSON)
    sqlite3_prepare_v2(s->db, "SELECT max_abs_err, max_rel_err, max_ref, max_bound, err_over_bound, pe_edges, "
                       "emul_mismatch, emul_exact FROM point_data WHERE point_id = ?1", -1, &da, NULL);
  if (sqlite3_prepare_v2(s->db, q.p, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(s->db, "SELECT component, energy_pj FROM point_energy WHERE point_id = ?1",
                         -1, &en, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(s->db, "SELECT name, busy_cycles, util FROM point_arrays WHERE "
                         "point_id = ?1 ORDER BY idx", -1, &ar, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(s->db, "SELECT name, array, busy_cycles, util, energy_pj FROM "
                         "point_einsums WHERE point_id = ?1 ORDER BY idx", -1, &ei, NULL) != SQLITE_OK) {
    rs_store_sqlerr(s, e, NULL);
    goto done;
  }
  const int c_metric = 1 + NLEAD, c_tail = c_metric + rs_nmetrics, c_run = c_tail + NTAIL;
  if (fmt == RS_CSV) {
    for (int i = 0; i < NLEAD; i++) fprintf(f, "%s,", lead_cols[i]);
    for (int i = 0; i < rs_nmetrics; i++) fprintf(f, "%s,", rs_metrics[i].column);
    for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, "energy_%s_pj,", sim_component_name[k]);
    for (int i = 0; i < NTAIL; i++) fprintf(f, "%s%s", tail_cols[i], i + 1 < NTAIL ? "," : "\n");
  } else {
    fputs("[", f);
  }
  int row = 0, step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t pid = sqlite3_column_int64(st, 0);
    /* Energy by component, in sim_component order. */
    char energy[SIM_C_COUNT][40];
    bool have[SIM_C_COUNT] = { false };
    sqlite3_reset(en);
    sqlite3_bind_int64(en, 1, pid);
    while (sqlite3_step(en) == SQLITE_ROW) {
      const char *name = (const char *)sqlite3_column_text(en, 0);
      for (int k = 0; k < SIM_C_COUNT; k++)
        if (name && !strcmp(name, sim_component_name[k])) {
          fmt_double(energy[k], sizeof energy[k], sqlite3_column_double(en, 1));
          have[k] = energy[k][0] != 0;
        }
    }
    if (fmt == RS_CSV) {
      for (int i = 1; i < c_tail; i++) { value(f, st, i, fmt); fputc(',', f); }
      for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, "%s,", have[k] ? energy[k] : "");
      for (int i = c_tail; i < c_run; i++) { value(f, st, i, fmt); fputc(i + 1 < c_run ? ',' : '\n', f); }
      row++;
      continue;
    }
    fputs(row++ ? ",\n{" : "\n{", f);
    for (int i = 1; i < c_metric; i++) {
      fprintf(f, "%s\"%s\":", i > 1 ? "," : "", lead_cols[i - 1]);
      value(f, st, i, fmt);
    }
    for (int i = c_tail; i < c_tail + 3; i++) {            /* engine, status, error */
      fprintf(f, ",\"%s\":", tail_cols[i - c_tail]);
      value(f, st, i, fmt);
    }
    fputs(",\"overrides\":{", f);
    for (int i = c_tail + 3; i < c_tail + 8; i++) {
      fprintf(f, "%s\"%s\":", i > c_tail + 3 ? "," : "", tail_cols[i - c_tail] + 3);
      value(f, st, i, fmt);
    }
    fputs("},\"metrics\":{", f);
    for (int i = c_metric; i < c_tail; i++) {
      fprintf(f, "%s\"%s\":", i > c_metric ? "," : "", rs_metrics[i - c_metric].column);
      value(f, st, i, fmt);
    }
    fputs("},\"energy_by_pj\":{", f);
    int n = 0;
    for (int k = 0; k < SIM_C_COUNT; k++)
      if (have[k]) fprintf(f, "%s\"%s\":%s", n++ ? "," : "", sim_component_name[k], energy[k]);
    fputs("},\"arrays\":[", f);
    sqlite3_reset(ar);
    sqlite3_bind_int64(ar, 1, pid);
    for (n = 0; sqlite3_step(ar) == SQLITE_ROW; n++) {
      fprintf(f, "%s{\"name\":", n ? "," : "");
      value(f, ar, 0, fmt);
      fputs(",\"busy_cycles\":", f);
      value(f, ar, 1, fmt);
      fputs(",\"util\":", f);
      value(f, ar, 2, fmt);
      fputc('}', f);
    }
    fputs("],\"einsums\":[", f);
    sqlite3_reset(ei);
    sqlite3_bind_int64(ei, 1, pid);
    for (n = 0; sqlite3_step(ei) == SQLITE_ROW; n++) {
      static const char *const k[] = { "name", "array", "busy_cycles", "util", "energy_pj" };
      fputs(n ? ",{" : "{", f);
      for (int j = 0; j < 5; j++) {
        fprintf(f, "%s\"%s\":", j ? "," : "", k[j]);
        value(f, ei, j, fmt);
      }
      fputc('}', f);
    }
    if (da) {
      sqlite3_reset(da);
      sqlite3_bind_int64(da, 1, pid);
      if (sqlite3_step(da) == SQLITE_ROW) {
        static const char *const k[] = { "max_abs_err", "max_rel_err", "max_ref", "max_bound", "err_over_bound",
                                         "pe_edges", "emul_mismatch", "emul_exact" };
        fputs("],\"data\":{", f);
        for (int j = 0; j < 8; j++) {
          fprintf(f, "%s\"%s\":", j ? "," : "", k[j]);
          value(f, da, j, fmt);
        }
        fputs("}", f);
        fputs(",\"config_hash\":", f);
      } else {
        fputs("],\"config_hash\":", f);
      }
    } else {
      fputs("],\"config_hash\":", f);
    }
    value(f, st, c_tail + 8, fmt);
    fputs(",\"files\":{", f);
    for (int i = c_tail + 9; i < c_tail + 14; i++) {
      fprintf(f, "%s\"%.*s\":", i > c_tail + 9 ? "," : "",
              (int)(strlen(tail_cols[i - c_tail]) - 5), tail_cols[i - c_tail]);
      value(f, st, i, fmt);
    }
    fputs("},\"run\":{", f);
    for (int i = c_tail + 14; i < c_run + NRUN; i++) {
      const char *name = i < c_run ? tail_cols[i - c_tail] : run_cols[i - c_run];
      fprintf(f, "%s\"%s\":", i > c_tail + 14 ? "," : "", name);
      value(f, st, i, fmt);
    }
    fputs("}}", f);
  }
  if (step != SQLITE_DONE) { rs_store_sqlerr(s, e, NULL); goto done; }
  if (fmt == RS_JSON) fputs(row ? "\n]\n" : "]\n", f);
  if (fflush(f) != 0 || ferror(f)) { at_errf(e, "export: write error: %s", strerror(errno)); goto done; }
  rc = 0;
done:
  sqlite3_finalize(st);
  sqlite3_finalize(en);
  sqlite3_finalize(ar);
  sqlite3_finalize(ei);
  sqlite3_finalize(da);
  free(q.p);
  return rc;
}
