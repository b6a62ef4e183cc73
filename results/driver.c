/*
** driver.c: the sweep driver.  With --jobs N > 1 it forks N workers that
** evaluate points and send each result back over a pipe; the parent is the
** store's only writer.  Why not a connection per worker: SQLite serialises
** writers anyway, so one writer loses nothing and never busy-waits; the
** parent counts every finished point for the progress line; and a worker
** that crashes loses only its point, never a transaction.  Workers are
** forked after the designs are loaded, so they share them copy-on-write.
** --jobs 1 is one worker too: a point that crashes the engine must not take
** the store's only connection with it.  SIGINT, SIGTERM and SIGHUP stop
** the sweep between points; either way the store is closed cleanly.
*/
#include "driver.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "mapper.h"
#include "sim_bound.h"
#include "store.h"

/* The engines a point can be evaluated with: sim's registry (sim.h),
** stored under their names; the cycle engine runs fast-forward. */
typedef sim_engine rs_engine;
const char *const rs_engine_names[] = { "analytical", "cycle", "cycle-data", "rtl", NULL };

/* Everything a point needs, prepared once per sweep. */
typedef struct ctx {
  const rs_sweep *sw;
  const rs_engine *engine;
  sim_design **designs;         /* loaded, by design index */
  rs_config *base;              /* per design: name, file hashes, engine */
  char *mdir;                   /* where mapped designs' mappings are written: DB.mappings */
  long delay_us;                /* $ATTNSIM_SWEEP_DELAY_US, else 0 */
  int64_t crash_at;             /* $ATTNSIM_SWEEP_CRASH_AT: this point aborts; else -1 */
} ctx;

/* The signal that asked the sweep to stop, 0 if none (set by on_signal). */
static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NSTOP (int)(sizeof stop_signals / sizeof stop_signals[0])

static void point_config(const ctx *x, int64_t i, rs_config *c) {
  rs_sweep_point p = rs_sweep_at(x->sw, i);
  *c = x->base[p.design];
  c->wl = x->sw->models[p.model];
  c->seq_len = x->sw->seqs[p.seq];
  c->ov = x->sw->variants[p.variant];
  rs_config_hash(c);
}

/* ---- progress --------------------------------------------------------- */

typedef struct progress {
  int on;
  int64_t total, done;
  double start, last;           /* seconds, monotonic */
} progress;

static void progress_draw(progress *p, int final) {
  if (!p->on) return;
  double t = at_now_s();
  if (!final && t - p->last < 0.1) return;
  p->last = t;
  double el = t - p->start, rate = el > 0 ? (double)p->done / el : 0;
  char eta[32] = "--:--";
  if (rate > 0) {
    long s = (long)((double)(p->total - p->done) / rate + 0.5);
    snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  }
  fprintf(stderr, "\rsweep: %lld/%lld points, %.0f points/s, ETA %s\033[K%s",
          (long long)p->done, (long long)p->total, rate, eta, final ? "\n" : "");
  fflush(stderr);
}

/* ---- storing ---------------------------------------------------------- */

static int store_one(rs_store *s, const ctx *x, int64_t i, const sim_result *r,
                     const char *err, rs_sweep_stats *st, at_err *e) {
  rs_config c;
  int added;
  point_config(x, i, &c);
  if (rs_store_put(s, &c, r, err, &added, e)) return -1;
  if (added) {
    st->added++;
    if (!r) st->failed++;
  } else {
    st->present++;              /* another process stored it meanwhile */
  }
  return 0;
}

/* Writes the mapping the mapper found into x->mdir, named by its hash
** (so every point that finds the same mapping shares one file), and
** fills hex with that hash. */
static int keep_mapping(const ctx *x, const map_spec *m, char hex[RS_HASH_HEX], at_err *e) {
  char tmp[1200], path[1200];
  static unsigned long serial;
  snprintf(tmp, sizeof tmp, "%s/new-%ld-%lu.yaml", x->mdir, (long)getpid(), serial++);
  if (map_write(m, tmp, e)) return -1;
  if (rs_hash_file(tmp, hex, e)) { unlink(tmp); return -1; }
  snprintf(path, sizeof path, "%s/%s.yaml", x->mdir, hex);
  if (rename(tmp, path)) {
    int err = errno;
    unlink(tmp);
    return at_errf(e, "%s: cannot write: %s", path, strerror(err));
  }
  return 0;
}

/* A point of a mapped design: the mapper searches the design's cascade on
** its architecture with the point's overrides, and the best mapping is
** evaluated as the design's would be.  A point with no legal mapping is
** rejected with the mapper's reason (which rules pruned everything). */
static int eval_mapped(const ctx *x, int design, const wl_workload *w, int64_t seq, const sim_overrides *ov,
                       sim_result *r, at_err *e) {
  const rs_mapped *mp = &x->sw->mapped[design];
  const sim_design *d = x->designs[design];
  hw_arch *a;
  if (sim_arch_override(sim_design_arch(d), ov, &a, e)) return -1;
  map_search_opts o = { .cascade_path = sim_design_cascade_path(d, 0), .arch_path = sim_design_arch_path(d),
                        .arch = a ? a : sim_design_arch(d), .w = w, .seq = seq, .design = x->sw->designs[design],
                        .objective = MAP_OBJ_LATENCY, .budget = mp->budget, .seed = mp->seed, .jobs = 1,
                        .engine = &sim_map_engine };
  map_search_result res;
  int rc = map_search(&o, &res, e);
  hw_free(a);
  if (rc) return -1;
  char hex[RS_HASH_HEX];
  sim_design *md;
  rc = keep_mapping(x, res.best, hex, e);
  if (rc) { map_free(res.best); return -1; }
  if (sim_design_with(d, res.best, &md, e)) return -1;
  rc = sim_eval_on(md, w, seq, ov, x->engine, NULL, r, e);
  sim_design_free(md);
  if (!rc) snprintf(r->mapped_hash, sizeof r->mapped_hash, "%s", hex);
  return rc;
}

static int eval_point(const ctx *x, int64_t i, sim_result *r, at_err *e) {
  rs_sweep_point p = rs_sweep_at(x->sw, i);
  memset(r, 0, sizeof *r);
  if (x->delay_us > 0) {
    struct timespec ts = { x->delay_us / 1000000, x->delay_us % 1000000 * 1000 };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  }
  if (i == x->crash_at) abort();   /* test hook: a crash in the engine */
  if (x->sw->mapped[p.design].on)
    return eval_mapped(x, p.design, &x->sw->models[p.model], x->sw->seqs[p.seq], &x->sw->variants[p.variant], r, e);
  /* a {design: FILE, set: ..} entry's values join the workload's, as --set's would */
  wl_workload w = x->sw->models[p.model];
  const rs_design_set *ds = &x->sw->dset[p.design];
  for (int k = 0; k < ds->nset; k++) {
    if (w.nset == WL_MAX_SET) return at_errf(e, "%s: more than %d sizes set", x->sw->design_where[p.design], WL_MAX_SET);
    w.set[w.nset++] = ds->set[k];
  }
  return sim_eval_on(x->designs[p.design], &w, x->sw->seqs[p.seq], &x->sw->variants[p.variant], x->engine, NULL, r, e);
}

/* ---- workers ---------------------------------------------------------- */

/* What a worker sends back per point.  Same binary on both ends of the
** pipe, so the struct travels as raw bytes. */
typedef struct wmsg {
  int64_t index;                /* the point, in sweep numbering */
  int32_t ok;                   /* 1: r holds the result; 0: err holds why not */
  at_err err;
  sim_result r;
} wmsg;

/* Tasks in flight per worker: two hide the round trip, and stay far below
** the pipe's capacity so neither side ever blocks on a full pipe. */
#define DEPTH 2

typedef struct worker {
  pid_t pid;
  int task_fd;                  /* parent writes point indices; -1 once closed */
  int result_fd;                /* parent reads wmsg; -1 once the worker is done */
  int outstanding;              /* tasks sent, results not yet read (<= DEPTH) */
  int head;                     /* inflight[head] is the task being evaluated */
  int64_t inflight[DEPTH];      /* FIFO of the outstanding tasks */
} worker;


static int write_full(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t k = write(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return -1;
    c += k;
    n -= (size_t)k;
  }
  return 0;
}

/* 1: got n bytes; 0: end of file before any byte; -1: error or short. */
static int read_full(int fd, void *p, size_t n) {
  char *c = p;
  size_t got = 0;
  while (got < n) {
    ssize_t k = read(fd, c + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) return -1;
    if (k == 0) return got == 0 ? 0 : -1;
    got += (size_t)k;
  }
  return 1;
}

/* Sends one task to a worker; 0 on success. */
static int send_task(worker *w, int64_t idx) {
  if (write_full(w->task_fd, &idx, sizeof idx)) return -1;
  w->inflight[(w->head + w->outstanding++) % DEPTH] = idx;
  return 0;
}

static void worker_main(const ctx *x, int task_fd, int result_fd) {
  /* The parent alone decides when to stop (a terminal's ^C reaches the
  ** whole process group); SIGTERM, from the parent, ends the worker. */
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGTERM, SIG_DFL);
  wmsg *m = malloc(sizeof *m);
  if (!m) _exit(1);
  int64_t i;
  while (read_full(task_fd, &i, sizeof i) == 1) {
    memset(m, 0, sizeof *m);
    m->index = i;
    m->ok = eval_point(x, i, &m->r, &m->err) == 0;
    if (write_full(result_fd, m, sizeof *m)) _exit(1);
  }
  free(m);
  _exit(0);
}

static void describe_exit(int status, char *b, size_t n) {
  if (WIFSIGNALED(status)) snprintf(b, n, "killed by signal %d", WTERMSIG(status));
  else if (WIFEXITED(status)) snprintf(b, n, "exited with status %d", WEXITSTATUS(status));
  else snprintf(b, n, "stopped");
}

static int run_workers(rs_store *s, const ctx *x, int64_t *todo, int64_t n, int jobs,
                       progress *pg, rs_sweep_stats *st, at_err *e) {
  int nw = (int64_t)jobs < n ? jobs : (int)n;
  worker *w = calloc((size_t)nw, sizeof *w);
  struct pollfd *pfd = calloc((size_t)nw, sizeof *pfd);
  wmsg *m = malloc(sizeof *m);
  if (!w || !pfd || !m) { free(w); free(pfd); free(m); return at_errf(e, "out of memory"); }
  for (int k = 0; k < nw; k++) w[k].pid = -1, w[k].task_fd = w[k].result_fd = -1;

  /* A worker that dies must not take the parent with it through SIGPIPE. */
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;
  sigemptyset(&ign.sa_mask);
  sigaction(SIGPIPE, &ign, &old);
  fflush(NULL);                 /* no buffered output duplicated in children */

  int rc = 0;
  for (int k = 0; k < nw && !rc; k++) {
    int tp[2], rp[2];
    if (pipe(tp)) { rc = at_errf(e, "pipe: %s", strerror(errno)); break; }
    if (pipe(rp)) {
      close(tp[0]); close(tp[1]);
      rc = at_errf(e, "pipe: %s", strerror(errno));
      break;
    }
    pid_t pid = fork();
    if (pid < 0) {
      close(tp[0]); close(tp[1]); close(rp[0]); close(rp[1]);
      rc = at_errf(e, "fork: %s", strerror(errno));
      break;
    }
    if (pid == 0) {
      /* Hold no other worker's pipe ends: each worker's end of file must
      ** come from the parent alone. */
      for (int j = 0; j < k; j++) { close(w[j].task_fd); close(w[j].result_fd); }
      close(tp[1]);
      close(rp[0]);
      /* Nor the parent's bookkeeping (freed, so that a leak checker
      ** following the worker finds nothing lost at its _exit). */
      free(w);
      free(pfd);
      free(m);
      free(todo);
      worker_main(x, tp[0], rp[1]);
    }
    close(tp[0]);
    close(rp[1]);
    w[k] = (worker){ .pid = pid, .task_fd = tp[1], .result_fd = rp[0] };
  }

  int64_t next = 0, done = 0;
  for (int k = 0; k < nw && !rc; k++)
    for (int d = 0; d < DEPTH && next < n && w[k].pid > 0; d++) {
      if (send_task(&w[k], todo[next])) break;
      next++;
    }
  while (!rc && done < n) {
    if (stop_signal) break;
    int np = 0;
    for (int k = 0; k < nw; k++)
      if (w[k].result_fd >= 0 && w[k].outstanding > 0) {
        pfd[np].fd = w[k].result_fd;
        pfd[np].events = POLLIN;
        pfd[np++].revents = 0;
      }
    if (np == 0) { rc = at_errf(e, "sweep: no worker left with work (internal error)"); break; }
    if (poll(pfd, (nfds_t)np, -1) < 0) {
      if (errno == EINTR) continue;
      rc = at_errf(e, "poll: %s", strerror(errno));
      break;
    }
    for (int q = 0; q < np && !rc; q++) {
      if (!pfd[q].revents) continue;
      int k = 0;
      while (w[k].result_fd != pfd[q].fd) k++;
      int got = read_full(w[k].result_fd, m, sizeof *m);
      if (got != 1 && stop_signal) break;   /* it died of the same signal */
      if (got != 1) {
        int status = 0;
        char how[64];
        waitpid(w[k].pid, &status, 0);
        w[k].pid = -1;
        describe_exit(status, how, sizeof how);
        int64_t bad = w[k].inflight[w[k].head];
        rs_sweep_point p = rs_sweep_at(x->sw, bad);
        rc = at_errf(e, "sweep: a worker %s while evaluating %s %s seq_len=%lld (point %lld "
                     "of the sweep); the points stored so far are kept, rerun to resume",
                     how, x->sw->designs[p.design], x->sw->models[p.model].name,
                     (long long)x->sw->seqs[p.seq], (long long)bad);
        break;
      }
      if (m->index != w[k].inflight[w[k].head]) {
        rc = at_errf(e, "sweep: a worker answered out of order (internal error)");
        break;
      }
      w[k].head = (w[k].head + 1) % DEPTH;
      w[k].outstanding--;
      if (store_one(s, x, m->index, m->ok ? &m->r : NULL, m->ok ? NULL : m->err.msg, st, e)) {
        rc = -1;
        break;
      }
      done++;
      pg->done++;
      progress_draw(pg, 0);
      if (next < n && send_task(&w[k], todo[next]) == 0) next++;
      if (next >= n && w[k].task_fd >= 0) { close(w[k].task_fd); w[k].task_fd = -1; }
    }
  }

  if (!rc && stop_signal)
    rc = at_errf(e, "sweep: stopped by signal %d after %lld of %lld points; the points stored "
                 "so far are kept, rerun to resume", (int)stop_signal, (long long)done, (long long)n);
  /* Closing the task pipes ends the workers; on an error, stop them. */
  for (int k = 0; k < nw; k++) {
    if (w[k].task_fd >= 0) close(w[k].task_fd);
    if (w[k].result_fd >= 0) close(w[k].result_fd);
    if (w[k].pid > 0) {
      if (rc) kill(w[k].pid, SIGTERM);
      waitpid(w[k].pid, NULL, 0);
    }
  }
  sigaction(SIGPIPE, &old, NULL);
  free(w);
  free(pfd);
  free(m);
  return rc;
}

/* ---- the sweep -------------------------------------------------------- */

static int load_designs(const rs_sweep *sw, const rs_engine *eng, ctx *x, at_err *e) {
  x->designs = calloc((size_t)sw->ndesigns, sizeof *x->designs);
  x->base = calloc((size_t)sw->ndesigns, sizeof *x->base);
  if (!x->designs || !x->base) return at_errf(e, "out of memory");
  for (int i = 0; i < sw->ndesigns; i++) {
    const char *d = sw->mapped[i].on ? sw->mapped[i].base : sw->dset[i].file ? sw->dset[i].file : sw->designs[i];
    at_err e2;
    int rc = sw->dset[i].file || strchr(d, '/') || strstr(d, ".yaml") ? sim_design_load(d, NULL, &x->designs[i], &e2)
                                                  : sim_design_find(d, &x->designs[i], &e2);
    if (rc) return at_errf(e, "%s: %s", sw->design_where[i], e2.msg);
    rs_config *c = &x->base[i];
    snprintf(c->engine, sizeof c->engine, "%s", eng->name);
    snprintf(c->design, sizeof c->design, "%s", sw->designs[i]);
    if (rs_config_hash_design(c, x->designs[i], &e2)) return at_errf(e, "%s: %s", sw->design_where[i], e2.msg);
    if (sw->mapped[i].on) {
      if (sim_design_ncascades(x->designs[i]) != 1)
        return at_errf(e, "%s: mapped: design %s has %d phases; the mapper maps one cascade", sw->design_where[i],
                       d, sim_design_ncascades(x->designs[i]));
      /* The key of a mapped point: the mapper's inputs (the design's
      ** files, its budget and seed), not the mapping it will find. */
      char text[256];
      snprintf(text, sizeof text, "attnsim-mapped-v1\nmapping=%s\nbudget=%lld\nseed=%llu\nobjective=latency\n",
               c->mapping_hash, (long long)sw->mapped[i].budget, (unsigned long long)sw->mapped[i].seed);
      rs_sha256 h;
      rs_sha256_init(&h);
      rs_sha256_update(&h, text, strlen(text));
      rs_sha256_hex(&h, c->mapping_hash);
    }
  }
  return 0;
}

static void free_designs(const rs_sweep *sw, ctx *x) {
  for (int i = 0; x->designs && i < sw->ndesigns; i++) sim_design_free(x->designs[i]);
  free(x->designs);
  free(x->base);
  free(x->mdir);
}

int rs_sweep_run(const rs_sweep *sw, const rs_sweep_opts *o, rs_sweep_stats *st, at_err *e) {
  memset(st, 0, sizeof *st);
  const rs_engine *eng = NULL;
  eng = sim_engine_find(o->engine);
  if (!eng) return at_errf(e, "unknown engine '%s' (engines: analytical, cycle, cycle-data, rtl)", o->engine);
  if (!strcmp(eng->name, "rtl") && !sim_rtl_available())
    return at_errf(e, "engine rtl: this build has no RTL co-simulation (configure with -DATTNSIM_RTL=ON)");
  if (o->nshards < 1 || o->shard < 0 || o->shard >= o->nshards)
    return at_errf(e, "bad shard %d/%d", o->shard, o->nshards);
  if (o->jobs < 1 || o->jobs > RS_MAX_JOBS) return at_errf(e, "bad number of jobs %d", o->jobs);

  ctx x = { .sw = sw, .engine = eng };
  /* Test hook: a delay per point stands in for a slow engine, so tests can
  ** interrupt a sweep part-way or overlap two of them (results/README.md). */
  const char *delay = getenv("ATTNSIM_SWEEP_DELAY_US");
  uint64_t us = 0, at = 0;
  if (delay && *delay && (at_parse_u64(delay, 0, &us) || us > 60000000))
    return at_errf(e, "ATTNSIM_SWEEP_DELAY_US: must be a whole number of microseconds up to 60000000, "
                   "got '%.64s'", delay);
  x.delay_us = (long)us;
  const char *crash = getenv("ATTNSIM_SWEEP_CRASH_AT");
  if (crash && *crash && (at_parse_u64(crash, 0, &at) || at >= (uint64_t)INT64_MAX))
    return at_errf(e, "ATTNSIM_SWEEP_CRASH_AT: must be a point number, got '%.64s'", crash);
  x.crash_at = crash && *crash ? (int64_t)at : -1;
  /* Stop between points on these signals, so that the store is closed. */
  struct sigaction stop = { .sa_handler = on_signal }, old[NSTOP];
  sigemptyset(&stop.sa_mask);
  stop_signal = 0;
  for (int k = 0; k < NSTOP; k++) sigaction(stop_signals[k], &stop, &old[k]);
  rs_store *s = NULL;
  int64_t *todo = NULL, ntodo = 0;
  int rc = -1;
  if (load_designs(sw, eng, &x, e)) goto done;
  if (!o->dry_run && rs_store_open(o->db_path, RS_WRITE, &s, e)) goto done;
  for (int i = 0; !o->dry_run && i < sw->ndesigns; i++) {
    if (!sw->mapped[i].on || x.mdir) continue;
    size_t len = strlen(o->db_path) + 10;
    if (!(x.mdir = malloc(len))) { at_errf(e, "out of memory"); goto done; }
    snprintf(x.mdir, len, "%s.mappings", o->db_path);
    if (mkdir(x.mdir, 0777) && errno != EEXIST) { at_errf(e, "%s: cannot create: %s", x.mdir, strerror(errno)); goto done; }
  }
  if (s && rs_store_set_command(s, o->argc, o->argv, e)) goto done;
  if (!o->dry_run && !(todo = malloc(sizeof *todo * (size_t)(sw->npoints ? sw->npoints : 1)))) {
    at_errf(e, "out of memory");
    goto done;
  }
  for (int64_t i = 0; i < sw->npoints; i++) {
    rs_config c;
    point_config(&x, i, &c);
    if (o->nshards > 1 && rs_config_shard(&c, o->nshards) != o->shard) continue;
    st->points++;
    if (o->dry_run) continue;
    int has;
    if (rs_store_has(s, &c, &has, e)) goto done;
    if (has) st->present++;
    else todo[ntodo++] = i;
  }
  if (o->dry_run) { rc = 0; goto done; }

  progress pg = { .on = o->progress, .total = ntodo, .start = at_now_s() };
  if (pg.on)
    fprintf(stderr, "sweep: %lld points, %lld already stored, %lld to run\n",
            (long long)st->points, (long long)st->present, (long long)ntodo);
  rc = ntodo > 0 ? run_workers(s, &x, todo, ntodo, o->jobs, &pg, st, e) : 0;
  if (pg.on) progress_draw(&pg, 1);
done:
  if (!rc && stop_signal)
    rc = at_errf(e, "sweep: stopped by signal %d before any point was evaluated", (int)stop_signal);
  st->signal = stop_signal;
  free(todo);
  rs_store_close(s);
  free_designs(sw, &x);
  for (int k = 0; k < NSTOP; k++) sigaction(stop_signals[k], &old[k], NULL);
  return rc;
}
