/*
** test_store.c: is the store right?  SHA-256 against the FIPS vectors, the
** configuration hash pinned (a change re-keys every stored point, so it must
** be deliberate) and sensitive to every input, a point stored once with all
** its breakdowns, a rejected point kept with its reason, a failed insert
** leaving nothing behind, export columns, merge as a union, and every kind
** of foreign file rejected with its exact message and left byte-identical.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hash.h"
#include "store.h"

static char dir[64];

static int setup(void **st) {
  (void)st;
  snprintf(dir, sizeof dir, "/tmp/attnsim-store-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st) {
  (void)st;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd);
}

static void path_of(char *b, size_t n, const char *name) { snprintf(b, n, "%s/%s", dir, name); }

/* ---- hashing ---------------------------------------------------------- */

static void sha(const char *s, char hex[RS_HASH_HEX]) {
  rs_sha256 h;
  rs_sha256_init(&h);
  rs_sha256_update(&h, s, strlen(s));
  rs_sha256_hex(&h, hex);
}

static void test_sha256_vectors(void **st) {
  (void)st;
  char hex[RS_HASH_HEX];
  sha("", hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  sha("abc", hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", hex);
  assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  /* One million 'a', fed in uneven pieces across block boundaries. */
  rs_sha256 h;
  rs_sha256_init(&h);
  char a[997];
  memset(a, 'a', sizeof a);
  size_t left = 1000000;
  for (size_t k = 1; left > 0; k = k % 997 + 1) {
    size_t n = k < left ? k : left;
    rs_sha256_update(&h, a, n);
    left -= n;
  }
  rs_sha256_hex(&h, hex);
  assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  assert_int_equal(rs_hash_prefix64("00000000000000ff"), 255);
}

static void fixed_config(rs_config *c) {
  memset(c, 0, sizeof *c);
  snprintf(c->design, sizeof c->design, "fusemax");
  sha("mapping", c->mapping_hash);
  sha("arch", c->arch_hash);
  sha("cascade", c->cascade_hash);
  sha("energy", c->energy_hash);
  sha("area", c->area_hash);
  snprintf(c->wl.name, sizeof c->wl.name, "BERT");
  c->wl.H = 12, c->wl.E = 64, c->wl.F = 64, c->wl.D = 768, c->wl.FFN = 3072, c->wl.B = 64;
  c->seq_len = 65536;
  c->ov.rows_2d = 128;
  c->ov.bandwidth_Bps = 400.0 * (1 << 30);
  snprintf(c->engine, sizeof c->engine, "analytical");
  rs_config_hash(c);
}

static void test_config_hash_pinned(void **st) {
  (void)st;
  rs_config c;
  fixed_config(&c);
  /* Pinned: if this changes, every existing database's keys go stale;
  ** change it only with the canonical text's version ("-v1").  Derived
  ** outside attnsim, with h() { printf '%s' "$1" | sha256sum | cut -c1-64; }:
  **   printf 'attnsim-config-v1\ndesign=fusemax\nmapping=%s\narch=%s\n
  **   cascade=%s\nenergy=%s\narea=%s\nmodel=BERT\nH=12\nE=64\nF=64\nD=768\n
  **   FFN=3072\nB=64\nseq_len=65536\nrows_2d=128\ncols_2d=0\nwidth_1d=0\n
  **   buffer_bytes=0\nbandwidth_Bps=429496729600\nengine=analytical\n'
  **   "$(h mapping)" "$(h arch)" "$(h cascade)" "$(h energy)" "$(h area)" | sha256sum
  ** (one line, without the breaks). */
  assert_string_equal(c.hash, "2eb90337f7b313c714f9f61f584908a87b930c304fc8c040dfa715563fa50eb7");
  assert_int_equal(rs_config_shard(&c, 1), 0);
  assert_int_equal(rs_config_shard(&c, 7), (int)(rs_hash_prefix64(c.hash) % 7));
}

static void test_config_hash_covers_every_input(void **st) {
  (void)st;
  rs_config base, c;
  fixed_config(&base);
  char seen[32][RS_HASH_HEX];
  int n = 0;
#define VARY(stmt) do { c = base; stmt; rs_config_hash(&c); \
    assert_string_not_equal(c.hash, base.hash); \
    for (int i = 0; i < n; i++) assert_string_not_equal(c.hash, seen[i]); \
    memcpy(seen[n++], c.hash, RS_HASH_HEX); } while (0)
  VARY(c.design[0] = 'F');
  VARY(c.mapping_hash[0] = 'x');
  VARY(c.arch_hash[0] = 'x');
  VARY(c.cascade_hash[0] = 'x');
  VARY(c.energy_hash[0] = 'x');
  VARY(c.area_hash[0] = 'x');
  VARY(c.wl.name[0] = 'b');
  VARY(c.wl.H++);
  VARY(c.wl.E++);
  VARY(c.wl.F++);
  VARY(c.wl.D++);
  VARY(c.wl.FFN++);
  VARY(c.wl.B++);
  VARY(c.wl.G = 4; c.wl.KVH = 3);
  VARY(c.wl.G = 4; c.wl.KVH = 4);
  VARY(c.wl.W = 4096);
  VARY(c.wl.C = 512);
  VARY(c.wl.R = 64);
  VARY(c.wl.phase = WL_DECODE; c.wl.NEW = 1);
  VARY(c.wl.phase = WL_DECODE; c.wl.NEW = 2);
  VARY(c.seq_len++);
  VARY(c.ov.rows_2d++);
  VARY(c.ov.cols_2d++);
  VARY(c.ov.width_1d++);
  VARY(c.ov.buffer_bytes++);
  VARY(c.ov.bandwidth_Bps *= 1.0000001);
  VARY(c.engine[0] = 'A');
  /* Fields must not run into each other: "ab"+"c" differs from "a"+"bc". */
  VARY(snprintf(c.design, sizeof c.design, "fusemaxB"); c.wl.name[0] = 'E'; c.wl.name[1] = 'R';
       c.wl.name[2] = 'T'; c.wl.name[3] = 0);
#undef VARY
}

/* ---- storing ---------------------------------------------------------- */

static void fake_result(sim_result *r, uint64_t cycles) {
  memset(r, 0, sizeof *r);
  r->cycles = cycles;
  r->latency_s = (double)cycles / 940e6;
  r->compute_cycles = cycles;
  r->memory_cycles = cycles / 3;
  for (int k = 0; k < SIM_C_COUNT; k++) r->energy_by[k] = 1000.0 * (k + 1);
  r->energy_pJ = 15000.0;
  r->traffic_bytes = 1 << 20;
  r->buffer_bytes = 1 << 24;
  r->util_2d = 0.75;
  r->util_1d = 0.125;
  r->area_um2 = 4.5e8;
  snprintf(r->bound, sizeof r->bound, "2d");
  snprintf(r->tiling, sizeof r->tiling, "M0=256 P0=256");
  r->n_arrays = 2;
  snprintf(r->array_name[0], 16, "2d");
  snprintf(r->array_name[1], 16, "1d");
  r->array_busy[0] = cycles;
  r->array_busy[1] = cycles / 8;
  r->array_util[0] = 0.75;
  r->array_util[1] = 0.125;
  r->n_einsums = 3;
  for (int k = 0; k < 3; k++) {
    snprintf(r->einsum[k].name, SIM_NAME_MAX, "attention/E%d", k);
    snprintf(r->einsum[k].array, 16, k ? "1d" : "2d");
    r->einsum[k].busy_cycles = cycles / (k + 1);
    r->einsum[k].util = 0.1 * (k + 1);
    r->einsum[k].energy_pJ = 100.0 * (k + 1);
  }
}

static int64_t scalar(const char *db, const char *sql) {
  sqlite3 *h;
  sqlite3_stmt *st;
  int64_t v = -1;
  assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

/* A new store called name in the scratch folder (its path in db) and the
** fixed configuration. */
static rs_store *open_new(const char *name, char *db, size_t n, rs_config *c) {
  at_err e;
  rs_store *s;
  path_of(db, n, name);
  assert_int_equal(rs_store_open(db, RS_WRITE, &s, &e), 0);
  fixed_config(c);
  return s;
}

static void test_put_once_with_breakdowns(void **st) {
  (void)st;
  char db[128];
  at_err e;
  rs_config c;
  rs_store *s = open_new("once.db", db, sizeof db, &c);
  sim_result r;
  fake_result(&r, 1000000);
  int added, has;
  assert_int_equal(rs_store_has(s, &c, &has, &e), 0);
  assert_int_equal(has, 0);
  assert_int_equal(rs_store_put(s, &c, &r, NULL, &added, &e), 0);
  assert_int_equal(added, 1);
  assert_int_equal(rs_store_put(s, &c, &r, NULL, &added, &e), 0);
  assert_int_equal(added, 0);
  assert_int_equal(rs_store_has(s, &c, &has, &e), 0);
  assert_int_equal(has, 1);
  /* A rejected point: stored with its reason, no metrics, no breakdowns. */
  rs_config c2 = c;
  c2.seq_len = 1024;
  rs_config_hash(&c2);
  assert_int_equal(rs_store_put(s, &c2, NULL, "tile larger than the buffer", &added, &e), 0);
  assert_int_equal(added, 1);
  /* A value the store cannot hold fails the whole point. */
  rs_config c3 = c;
  c3.seq_len = 2048;
  rs_config_hash(&c3);
  r.cycles = UINT64_MAX;
  assert_int_equal(rs_store_put(s, &c3, &r, NULL, &added, &e), -1);
  assert_non_null(strstr(e.msg, "cycles = 18446744073709551615 does not fit"));
  int64_t n;
  assert_int_equal(rs_store_count(s, &n, &e), 0);
  assert_int_equal(n, 2);
  rs_store_close(s);

  assert_int_equal(scalar(db, "SELECT count(*) FROM runs"), 1);
  assert_int_equal(scalar(db, "SELECT count(*) FROM point_energy"), SIM_C_COUNT);
  assert_int_equal(scalar(db, "SELECT count(*) FROM point_arrays"), 2);
  assert_int_equal(scalar(db, "SELECT count(*) FROM point_einsums"), 3);
  assert_int_equal(scalar(db, "SELECT cycles FROM points WHERE status = 'ok'"), 1000000);
  assert_int_equal(scalar(db, "SELECT count(*) FROM points WHERE status = 'error' AND "
                              "cycles IS NULL AND error = 'tile larger than the buffer'"), 1);
  assert_int_equal(scalar(db, "SELECT ov_rows_2d FROM points LIMIT 1"), 128);
  assert_int_equal(scalar(db, "SELECT count(*) FROM points WHERE ov_cols_2d IS NULL"), 2);
  assert_int_equal(scalar(db, "PRAGMA application_id"), RS_APPLICATION_ID);
  assert_int_equal(scalar(db, "PRAGMA user_version"), RS_SCHEMA_VERSION);

  /* Export: header, one row per point, in order. */
  assert_int_equal(rs_store_open(db, RS_READ, &s, &e), 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_int_equal(rs_store_export(s, f, RS_CSV, &e), 0);
  fclose(f);
  assert_true(!strncmp(buf, "design,model,seq_len,latency_s,cycles,energy_pj,traffic_bytes,"
                            "util_2d,util_1d,", 71));
  int lines = 0;
  for (char *p = buf; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 3);
  assert_non_null(strstr(buf, "\nfusemax,BERT,1024,,,,,,,,,,,,,,,,,,,,,,,,,analytical,error,"
                              "tile larger than the buffer,128,,,,429496729600,"));
  free(buf);
  f = open_memstream(&buf, &len);
  assert_int_equal(rs_store_export(s, f, RS_JSON, &e), 0);
  fclose(f);
  assert_non_null(strstr(buf, "\"einsums\":[{\"name\":\"attention/E0\",\"array\":\"2d\","
                              "\"busy_cycles\":1000000,\"util\":0.1,\"energy_pj\":100}"));
  assert_non_null(strstr(buf, "\"energy_by_pj\":{\"compute_2d\":1000,"));
  free(buf);
  rs_store_close(s);
}

/* inf or nan is refused, naming the metric (it was stored as NULL under
** status ok); one that reaches a database anyway exports as no value,
** never as the text "inf", so the JSON stays valid. */
static void test_non_finite_refused(void **st) {
  (void)st;
  char db[128];
  at_err e;
  rs_config c;
  rs_store *s = open_new("inf.db", db, sizeof db, &c);
  sim_result r;
  int added;
  fake_result(&r, 1000);
  r.latency_s = INFINITY;
  assert_int_equal(rs_store_put(s, &c, &r, NULL, &added, &e), -1);
  assert_non_null(strstr(e.msg, "latency_s is not a finite number"));
  fake_result(&r, 1000);
  r.energy_by[SIM_C_DRAM] = NAN;
  assert_int_equal(rs_store_put(s, &c, &r, NULL, &added, &e), -1);
  assert_non_null(strstr(e.msg, "dram is not a finite number"));
  int64_t n;
  assert_int_equal(rs_store_count(s, &n, &e), 0);
  assert_int_equal(n, 0);
  fake_result(&r, 1000);
  assert_int_equal(rs_store_put(s, &c, &r, NULL, &added, &e), 0);
  rs_store_close(s);
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, "UPDATE points SET util_2d = 9e999; "
                                   "UPDATE point_energy SET energy_pj = -9e999 "
                                   "WHERE component = 'regs'", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(rs_store_open(db, RS_READ, &s, &e), 0);
  for (int fmt = 0; fmt < 2; fmt++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(rs_store_export(s, f, fmt ? RS_JSON : RS_CSV, &e), 0);
    fclose(f);
    assert_null(strstr(buf, "inf"));
    if (fmt) {
      assert_non_null(strstr(buf, "\"util_2d\":null"));
      assert_null(strstr(buf, "\"regs\""));
    }
    free(buf);
  }
  rs_store_close(s);
}

static void test_merge_is_a_union(void **st) {
  (void)st;
  char a[128], b[128];
  path_of(a, sizeof a, "a.db");
  path_of(b, sizeof b, "b.db");
  at_err e;
  rs_store *sa, *sb;
  assert_int_equal(rs_store_open(a, RS_WRITE, &sa, &e), 0);
  assert_int_equal(rs_store_open(b, RS_WRITE, &sb, &e), 0);
  sim_result r;
  for (int i = 0; i < 6; i++) {
    rs_config c;
    fixed_config(&c);
    c.seq_len = 1024 << i;
    rs_config_hash(&c);
    fake_result(&r, 1000 + (uint64_t)i);
    if (i < 4) assert_int_equal(rs_store_put(sa, &c, &r, NULL, NULL, &e), 0);
    fake_result(&r, 5000 + (uint64_t)i);      /* b's copies differ: a's must win */
    if (i >= 2) assert_int_equal(rs_store_put(sb, &c, &r, NULL, NULL, &e), 0);
  }
  rs_store_close(sb);
  int64_t added, present;
  assert_int_equal(rs_store_merge(sa, b, &added, &present, &e), 0);
  assert_int_equal(added, 2);
  assert_int_equal(present, 2);
  assert_int_equal(rs_store_merge(sa, b, &added, &present, &e), 0);
  assert_int_equal(added, 0);
  assert_int_equal(present, 4);
  assert_int_equal(rs_store_merge(sa, a, &added, &present, &e), -1);
  char want[256];
  snprintf(want, sizeof want, "%s: is the output database itself", a);
  assert_string_equal(e.msg, want);
  rs_store_close(sa);
  assert_int_equal(scalar(a, "SELECT count(*) FROM points"), 6);
  assert_int_equal(scalar(a, "SELECT count(*) FROM runs"), 2);
  assert_int_equal(scalar(a, "SELECT sum(cycles) FROM points"), 1000 + 1001 + 1002 + 1003 + 5004 + 5005);
  assert_int_equal(scalar(a, "SELECT count(*) FROM point_einsums"), 18);
  assert_int_equal(scalar(a, "SELECT count(*) FROM point_energy"), 6 * SIM_C_COUNT);
  assert_int_equal(scalar(a, "SELECT count(*) FROM point_einsums x JOIN points p USING (point_id) "
                             "WHERE x.busy_cycles = p.cycles AND x.idx = 0"), 6);
  assert_int_equal(scalar(a, "SELECT count(*) FROM points p JOIN runs r USING (run_id)"), 6);
}

/* ---- foreign files ---------------------------------------------------- */

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *b = malloc(1 << 20);
  *n = fread(b, 1, 1 << 20, f);
  fclose(f);
  return b;
}

/* Opening `path` in both modes fails with "PATH: <tail>" and changes no
** byte of it, and creates no -wal or -shm beside it. */
static void rejected(const char *path, const char *tail) {
  size_t n0, n1;
  char *before = slurp(path, &n0), want[512], side[160];
  at_err e;
  rs_store *s = NULL;
  snprintf(want, sizeof want, "%s: %s", path, tail);
  for (int mode = 0; mode < 2; mode++) {
    assert_int_equal(rs_store_open(path, mode ? RS_WRITE : RS_READ, &s, &e), -1);
    assert_null(s);
    assert_string_equal(e.msg, want);
  }
  char *after = slurp(path, &n1);
  if (before) {
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
  }
  snprintf(side, sizeof side, "%s-wal", path);
  assert_int_not_equal(access(side, F_OK), 0);
  free(before);
  free(after);
}

static void sql(const char *db, const char *text) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(sqlite3_exec(h, text, NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
}

static void test_foreign_files_untouched(void **st) {
  (void)st;
  char p[128];
  at_err e;
  rs_store *s;

  path_of(p, sizeof p, "notes.txt");
  FILE *f = fopen(p, "w");
  for (int i = 0; i < 200; i++) fprintf(f, "line %d of somebody's notes\n", i);
  fclose(f);
  rejected(p, "not an attnsim results database (not an SQLite file); left untouched");

  path_of(p, sizeof p, "other.db");
  sql(p, "CREATE TABLE users(name); CREATE TABLE orders(id); INSERT INTO users VALUES ('x');");
  rejected(p, "not an attnsim results database (an SQLite file with tables orders, users); "
              "left untouched");

  path_of(p, sizeof p, "other2.db");
  sql(p, "PRAGMA application_id = 42;");
  rejected(p, "not an attnsim results database (an SQLite file of another application); "
              "left untouched");

  /* Ours, but another schema version or an altered schema. */
  path_of(p, sizeof p, "v9.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), 0);
  rs_store_close(s);
  sql(p, "PRAGMA user_version = 9;");
  rejected(p, "attnsim results database of schema version 9; this attnsim reads version 3 "
              "(use the attnsim that wrote it to export it); left untouched");

  path_of(p, sizeof p, "altered.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), 0);
  rs_store_close(s);
  sql(p, "ALTER TABLE points ADD COLUMN note TEXT;");
  rejected(p, "attnsim results database with an altered schema ('points' differs from schema "
              "version 3); left untouched");

  path_of(p, sizeof p, "extra.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), 0);
  rs_store_close(s);
  sql(p, "CREATE TABLE mine(x);");
  rejected(p, "attnsim results database with an altered schema ('mine' is not in schema "
              "version 3); left untouched");

  path_of(p, sizeof p, "dropped.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), 0);
  rs_store_close(s);
  sql(p, "DROP INDEX points_by_workload;");
  rejected(p, "attnsim results database with an altered schema ('points_by_workload' is "
              "missing from schema version 3); left untouched");

  /* A damaged header: no longer SQLite at all. */
  path_of(p, sizeof p, "header.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), 0);
  rs_store_close(s);
  f = fopen(p, "r+b");
  fwrite("garbage garbage!", 1, 16, f);
  fclose(f);
  rejected(p, "not an attnsim results database (not an SQLite file); left untouched");

  /* Directories and missing files. */
  rejected(dir, "is a directory, not a results database");
  path_of(p, sizeof p, "absent.db");
  assert_int_equal(rs_store_open(p, RS_READ, &s, &e), -1);
  char want[256];
  snprintf(want, sizeof want, "%s: no such results database", p);
  assert_string_equal(e.msg, want);
  assert_int_not_equal(access(p, F_OK), 0);
  /* A path under a regular file can never be created. */
  path_of(p, sizeof p, "notes.txt/x.db");
  assert_int_equal(rs_store_open(p, RS_WRITE, &s, &e), -1);
  snprintf(want, sizeof want, "%s: cannot open results database: Not a directory", p);
  assert_string_equal(e.msg, want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_sha256_vectors),
    cmocka_unit_test(test_config_hash_pinned),
    cmocka_unit_test(test_config_hash_covers_every_input),
    cmocka_unit_test(test_put_once_with_breakdowns),
    cmocka_unit_test(test_non_finite_refused),
    cmocka_unit_test(test_merge_is_a_union),
    cmocka_unit_test(test_foreign_files_untouched),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
