/*
** cmd_results.c: `attnsim sweep`, `merge`, `export` and `report`, the
** command-line face of results/: run a sweep file into the SQLite store,
** merge shard stores, write every stored point as CSV or JSON, and render
** the gnuplot + HTML report.  The work is in results/; this file parses
** options and prints.
*/
#include "cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "report.h"
#include "store.h"
#include "sweep.h"

static const char sweep_help[] =
  "usage: attnsim sweep FILE [--db FILE] [--jobs N] [--shard I/N] [--engine E] [--dry-run]\n\n"
  "Evaluates every point of a sweep file (experiments/*.yaml: the cartesian\n"
  "product of its designs, models, sequence lengths and architecture variants;\n"
  "a design {mapped: NAME, budget: N, seed: S} is mapped by the mapper at every point;\n"
  "{design: FILE, set: {DENSITY: 0.1}} runs a mapping file with those sizes set; parts:\n"
  "lists several such products in one file, experiments/README.md)\n"
  "and stores each in the results database, one transaction per point.  Points\n"
  "already stored (same configuration hash and engine) are skipped, so an\n"
  "interrupted sweep resumes where it stopped, and two sweeps may share a\n"
  "database.  A point the engine rejects (say, a tile larger than the buffer)\n"
  "is stored with status 'error' and its message; it is counted on stderr and\n"
  "does not make the sweep fail.  On a terminal, a progress line shows points\n"
  "done, rate and ETA; otherwise the command is silent unless something fails.\n"
  "Points are evaluated in worker processes and stored by this one: a point\n"
  "that crashes the engine, or SIGINT, SIGTERM or SIGHUP, stops the sweep after\n"
  "the point being stored, with the database consistent and closed (no -wal or\n"
  "-shm file left beside it); rerun to resume.\n\n"
  "  --db FILE     results database: a regular file, or a new one in an\n"
  "                existing directory (default: results/attnsim.db in the data\n"
  "                directory, $ATTNSIM_DATA_DIR or the source tree)\n"
  "  --jobs N      worker processes, a whole number from 1 to 256 (default 1)\n"
  "  --shard I/N   only the points whose configuration hash mod N is I\n"
  "                (0 <= I < N): N processes with I = 0..N-1 cover the sweep\n"
  "                once, on any number of machines; merge their databases with\n"
  "                attnsim merge\n"
  "  --engine E    engine: analytical (default), cycle, cycle-data (the cycle\n"
  "                engine in data mode, seed 1: its errors go to the point_data\n"
  "                table) or rtl (the same on the Verilated PEs shadowed by the\n"
  "                C twin; a build with -DATTNSIM_RTL=ON); stored under its name\n"
  "  --dry-run     print the number of points (of this shard) and stop; no\n"
  "                database is opened\n\n"
  "Exit status: 0 success, 2 bad input (options, sweep file, database) or a\n"
  "worker process that died; stopped by a signal, the command dies of it.\n";

static const char merge_help[] =
  "usage: attnsim merge OUT.db IN.db...\n\n"
  "Copies into OUT.db (created if absent) every run and point of each IN.db\n"
  "that OUT.db lacks: the union of shard databases.  A point already in OUT.db\n"
  "(same configuration hash and engine) keeps OUT.db's values, so merging twice\n"
  "changes nothing.  Each input is merged in one transaction.  Prints, per\n"
  "input, the points added and those already present.\n\n"
  "Exit status: 0 success, 2 a database that cannot be read or written (an\n"
  "input that is not an attnsim results database is rejected untouched).\n";

static const char export_help[] =
  "usage: attnsim export [--db FILE] --csv|--json\n\n"
  "Writes every stored point on stdout, in a fixed order (design, model,\n"
  "seq_len, overrides, engine, configuration hash).\n"
  "  --csv    one row per point.  The columns start as `attnsim run --csv`'s\n"
  "           (design,model,seq_len,latency_s,cycles,energy_pj,traffic_bytes,\n"
  "           util_2d,util_1d,...), then the energy by component, engine,\n"
  "           status, error, the overrides ov_* (empty = the design's own), the\n"
  "           configuration and file hashes, attnsim_version and git_rev\n"
  "  --json   a JSON array, one object per point and line, also holding the\n"
  "           per-array and per-Einsum breakdowns and the run's provenance\n"
  "  --db FILE  results database (default: results/attnsim.db)\n\n"
  "Exit status: 0 success, 2 bad options or database.\n";

static const char report_help[] =
  "usage: attnsim report [--db FILE] --out DIR [--engine E]\n\n"
  "Renders the report into DIR (created if absent): with gnuplot, as PNG and\n"
  "SVG, 2D and 1D utilization against sequence length, speedup over FLAT,\n"
  "energy by component, latency against area (with the Pareto front) and the\n"
  "array-size sweep; DIR/data/ holds the data of every figure (TSV) and\n"
  "DIR/index.html shows each figure with its tables.  A figure whose points are\n"
  "not in the database gets a note saying which sweep to run.  The gnuplot\n"
  "scripts are results/plots/*.gp; gnuplot is $ATTNSIM_GNUPLOT or gnuplot.\n"
  "When the database holds points of engine cycle-data or rtl (sweep --engine\n"
  "cycle-data or rtl), index.html ends with a table of their errors, whatever E.\n\n"
  "  --db FILE    results database (default: results/attnsim.db)\n"
  "  --out DIR    output directory (required)\n"
  "  --engine E   only points of engine E (default analytical)\n\n"
  "Exit status: 0 success, 1 gnuplot failed on a figure (the rest is written),\n"
  "2 bad options, database or output directory.\n";

/* Shared option parsing: the options each command accepts are flagged. */
enum { O_DB = 1, O_JOBS = 2, O_SHARD = 4, O_ENGINE = 8, O_DRY = 16, O_CSV = 32, O_JSON = 64,
       O_OUT = 128 };

typedef struct opts {
  const char *db, *engine, *out;
  int jobs, shard, nshards, dry_run, csv, json;
  int nargs;
  char **args;                  /* positional arguments */
} opts;

/* "attnsim: message (see attnsim sweep --help)"; the usage line of help
** names the command. */
static int bad(const char *help, const char *fmt, const char *arg) {
  const char *cmd = help + strlen("usage: attnsim ");
  fprintf(stderr, "attnsim: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, " (see attnsim %.*s --help)\n", (int)strcspn(cmd, " \n"), cmd);
  return AT_EXIT_INPUT;
}

/* --shard I/N: two strict whole numbers, 0 <= I < N <= MAX_SHARDS. */
#define MAX_SHARDS (1 << 20)
static int parse_shard(const char *arg, opts *o, at_err *e) {
  const char *slash = strchr(arg, '/');
  char i[24];
  size_t n = slash ? (size_t)(slash - arg) : 0;
  uint64_t si, sn;
  if (slash && n < sizeof i) {
    memcpy(i, arg, n);
    i[n] = 0;
    if (!at_parse_u64(i, 0, &si) && !at_parse_u64(slash + 1, 0, &sn) && si < sn && sn <= MAX_SHARDS) {
      o->shard = (int)si;
      o->nshards = (int)sn;
      return 0;
    }
  }
  return at_errf(e, "--shard: must be I/N, whole numbers with 0 <= I < N <= %d, got '%.64s'", MAX_SHARDS, arg);
}

/* Returns -1 when the command should go on, else its exit status. */
static int parse(int argc, char **argv, int allowed, const char *help, opts *o) {
  static const struct option lo[] = {
    { "db", required_argument, 0, 'd' }, { "jobs", required_argument, 0, 'j' },
    { "shard", required_argument, 0, 's' }, { "engine", required_argument, 0, 'e' },
    { "dry-run", no_argument, 0, 'n' }, { "csv", no_argument, 0, 'c' },
    { "json", no_argument, 0, 'J' }, { "out", required_argument, 0, 'o' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  memset(o, 0, sizeof *o);
  o->engine = "analytical";
  o->jobs = 1;
  o->nshards = 1;
  optind = 1;
  opterr = 0;
  int ch;
  at_err e;
  int li = -1;
  if ((ch = cli_abbreviated(argc, argv, lo))) return bad(help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
    if (ch == ':') return bad(help, "option '%s' needs a value", argv[optind - 1]);
    int flag = ch == 'd' ? O_DB : ch == 'j' ? O_JOBS : ch == 's' ? O_SHARD : ch == 'e' ? O_ENGINE
             : ch == 'n' ? O_DRY : ch == 'c' ? O_CSV : ch == 'J' ? O_JSON : ch == 'o' ? O_OUT : 0;
    if (ch == 'h') { fputs(help, stdout); return AT_EXIT_OK; }
    if (!flag) return bad(help, "bad option '%s'", argv[optind - 1]);
    if (!(allowed & flag)) return bad(help, "bad option '--%s'", lo[li].name);
    switch (ch) {
    case 'd': o->db = optarg; break;
    case 'e': o->engine = optarg; break;
    case 'o': o->out = optarg; break;
    case 'n': o->dry_run = 1; break;
    case 'c': o->csv = 1; break;
    case 'J': o->json = 1; break;
    case 'j': {
      int64_t v;
      if (cli_opt_int("--jobs", optarg, 1, RS_MAX_JOBS, &v, &e)) return cli_fail(&e);
      o->jobs = (int)v;
      break;
    }
    case 's':
      if (parse_shard(optarg, o, &e)) return cli_fail(&e);
      break;
    }
  }
  o->nargs = argc - optind;
  o->args = argv + optind;
  return -1;
}

/* The default database, or --db. */
static const char *db_path(const opts *o, char **owned) {
  *owned = NULL;
  if (o->db) return o->db;
  *owned = rs_store_default_path();
  return *owned ? *owned : "results/attnsim.db";
}

/* "attnsim" and argv, copied before getopt permutes argv: the command line
** as typed, for the run row.  NULL when out of memory (the run row then
** says just "attnsim"). */
static char **command_line(int argc, char **argv) {
  char **full = malloc(sizeof *full * (size_t)(argc + 2));
  if (!full) return NULL;
  full[0] = "attnsim";
  memcpy(full + 1, argv, sizeof *full * (size_t)argc);
  full[argc + 1] = NULL;
  return full;
}

int cmd_sweep(int argc, char **argv) {
  char **full = command_line(argc, argv);
  opts o;
  int rc = parse(argc, argv, O_DB | O_JOBS | O_SHARD | O_ENGINE | O_DRY, sweep_help, &o);
  if (rc < 0 && o.nargs != 1) rc = bad(sweep_help, "%s", "expected one sweep file");
  at_err e;
  rs_sweep *sw = NULL;
  if (rc < 0 && rs_sweep_load(o.args[0], &sw, &e)) rc = cli_fail(&e);
  if (rc >= 0) { free(full); return rc; }
  char *owned;
  rs_sweep_opts so = {
    .db_path = db_path(&o, &owned), .engine = o.engine, .jobs = o.jobs, .shard = o.shard,
    .nshards = o.nshards, .dry_run = o.dry_run, .progress = isatty(STDERR_FILENO),
    .argc = full ? argc + 1 : 0, .argv = full,
  };
  rs_sweep_stats st;
  rc = rs_sweep_run(sw, &so, &st, &e);
  free(full);
  free(owned);
  rs_sweep_free(sw);
  if (rc && st.signal) {
    /* The store is closed; now die of the signal, as the caller (a shell,
    ** Slurm) expects of a process it interrupted. */
    fprintf(stderr, "%s\n", e.msg);
    signal(st.signal, SIG_DFL);
    raise(st.signal);
  }
  if (rc) return cli_fail(&e);
  if (o.dry_run) {
    printf("%lld\n", (long long)st.points);
    return AT_EXIT_OK;
  }
  if (so.progress)
    fprintf(stderr, "sweep: stored %lld new points (%lld were already stored)\n",
            (long long)st.added, (long long)st.present);
  if (st.failed)
    fprintf(stderr, "attnsim: sweep: the engine rejected %lld points; they are stored with "
            "status 'error' (attnsim export shows why)\n", (long long)st.failed);
  return AT_EXIT_OK;
}

int cmd_merge(int argc, char **argv) {
  char **full = command_line(argc, argv);
  opts o;
  int rc = parse(argc, argv, 0, merge_help, &o);
  if (rc < 0 && o.nargs < 2) rc = bad(merge_help, "%s", "expected OUT.db and at least one IN.db");
  at_err e;
  rs_store *out = NULL;
  /* Every input is checked before OUT is created or touched, and before
  ** anything is printed: an input that is OUT itself is refused here, not
  ** after the inputs before it were merged and reported. */
  struct stat so, si;
  int out_exists = rc < 0 && stat(o.args[0], &so) == 0;
  for (int i = 1; rc < 0 && i < o.nargs; i++) {
    rs_store *in;
    if (rs_store_open(o.args[i], RS_READ, &in, &e)) rc = cli_fail(&e);
    rs_store_close(in);
    if (rc < 0 && out_exists && stat(o.args[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
      rc = bad(merge_help, "%s: is the output database itself", o.args[i]);
  }
  if (rc < 0 && rs_store_open(o.args[0], RS_WRITE, &out, &e)) rc = cli_fail(&e);
  if (rc < 0 && full && rs_store_set_command(out, argc + 1, full, &e)) rc = cli_fail(&e);
  free(full);
  for (int i = 1; rc < 0 && i < o.nargs; i++) {
    int64_t added, present;
    if (rs_store_merge(out, o.args[i], &added, &present, &e)) rc = cli_fail(&e);
    else printf("%s: %lld points added, %lld already present\n", o.args[i], (long long)added,
                (long long)present);
  }
  rs_store_close(out);
  return rc < 0 ? AT_EXIT_OK : rc;
}

int cmd_export(int argc, char **argv) {
  opts o;
  int rc = parse(argc, argv, O_DB | O_CSV | O_JSON, export_help, &o);
  if (rc >= 0) return rc;
  if (o.nargs != 0) return bad(export_help, "unexpected argument '%s'", o.args[0]);
  if (o.csv + o.json != 1) return bad(export_help, "%s", "give exactly one of --csv and --json");
  char *owned;
  const char *db = db_path(&o, &owned);
  at_err e;
  rs_store *s;
  rc = rs_store_open(db, RS_READ, &s, &e);
  free(owned);
  if (rc) return cli_fail(&e);
  rc = rs_store_export(s, stdout, o.csv ? RS_CSV : RS_JSON, &e);
  rs_store_close(s);
  return rc ? cli_fail(&e) : AT_EXIT_OK;
}

int cmd_report(int argc, char **argv) {
  opts o;
  int rc = parse(argc, argv, O_DB | O_OUT | O_ENGINE, report_help, &o);
  if (rc >= 0) return rc;
  if (o.nargs != 0) return bad(report_help, "unexpected argument '%s'", o.args[0]);
  if (!o.out) return bad(report_help, "%s", "--out DIR is required");
  char *owned;
  rs_report_opts ro = { .db_path = db_path(&o, &owned), .out_dir = o.out, .engine = o.engine };
  rs_report_stats st;
  at_err e;
  rc = rs_report(&ro, &st, &e);
  free(owned);
  if (rc && st.failed == 0) return cli_fail(&e);
  if (rc) {
    fprintf(stderr, "%s\n", e.msg);
    return AT_EXIT_FAIL;
  }
  printf("%s/index.html: %d figures drawn, %d without data\n", o.out, st.rendered, st.empty);
  return AT_EXIT_OK;
}
