/*
** cycle.cpp: the SystemC cycle-level engine.  Per phase, a controller
** enumerates the tiles of the shared nest in loop order (batch outermost)
** and materialises each tile's tasks (its in-tile Einsums, plus the
** Einsums that fire when the loops they do not use reach their last
** iteration); one clocked SC_METHOD per PE array takes the oldest ready
** task of a window of W tiles and occupies the array for its busy cycles;
** each tile's DRAM and buffer bytes are enumerated from its loop indices
** (which tensor tiles move: the per-tile form of the reuse analysis); a
** DRAM channel serves them in tile order at the architecture's bandwidth
** and latency, `prefetch` tiles ahead of the window.  All decisions are
** functions of times already known, so a method woken every cycle (--full)
** and one that sleeps through provably busy cycles (fast-forward) take the
** same ones.  Fast-forward also detects a periodic steady state at loop
** boundaries and extrapolates whole iterations; under predicates as far
** as the tiles' inputs repeat, and runs of skipped tiles are made without
** evaluating them.  Action counts come from
** the enumeration: each materialised task adds its firing's counts.
** Semantics: sim/README.md "The cycle-level engine".
*/
#include <systemc>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <map>
#include <vector>

extern "C" {
#include "cycle.h"
#include "data.h"
#include "einsum_int.h"
}

namespace {

using sc_core::sc_event;
using sc_core::sc_module;
using sc_core::sc_module_name;
using sc_core::sc_time;
using sc_core::SC_NS;

constexpr int64_t UNKNOWN = -1;
/* Entries of a predicated Einsum's Var cache (Ein::at) before it is emptied:
** about 550 bytes each with the map node and its key, so at most ~9 MB an
** Einsum.  Measured at Llama-3.1-70B GQA 64K (gqa-fusemax):
** unbounded 659 MB peak, 2^16 245 MB, 2^14 70 MB; time not worse */
constexpr size_t kVarCache = size_t(1) << 14;

/* What one firing of an Einsum costs: its counts and timing.  Firings of
** an Einsum differ only at the last iteration of a `ceil` loop (a partial
** tile) and at the firings that complete its outputs. */
struct Var {
  bool made = false;
  sim_ecount cnt{};         /* action counts */
  uint64_t pe_per = 0;      /* PE-cycles */
  uint64_t par = 1;         /* logical PEs it keeps busy */
  uint64_t phys = 1;        /* PEs they run on: par, or the array's cols when folded */
  int64_t busy = 1;         /* sim_busy_cycles (ceil(PE-cycles / PEs) unfolded), at least 1 */
  int64_t occ = 1;          /* cycles its array is occupied */
  int64_t lat_same = 1;     /* from start to results usable on the same array */
  int64_t lat_other = 1;    /* ... on another array (drain included) */
  int64_t lat_final = 1;    /* ... to its last result written (skew, drain) */
};

/* An Einsum of the phase, and how it waits. */
struct Ein {
  int array = 0;
  bool in_tile = true;
  bool leaves = false;      /* its results leave the array */
  bool shifted = false;     /* ... through the column shift chain */
  std::vector<std::pair<int, int>> feeds;   /* (consumer Einsum, its array) on other arrays */
  std::vector<int> dep;     /* same-tile producers (TILE, or ALL when it fires once) */
  std::vector<int> carried; /* producers in the previous iteration of the carried loop */
  std::vector<int> unused;  /* levels (shared loops) it does not iterate over */
  std::vector<int> reduced; /* levels it iterates that its output is not indexed by */
  std::vector<int> ceil_lv; /* levels that are `ceil` parts of a rank it uses */
  std::vector<int64_t> ext; /* per cascade rank: elements one full tile covers */
  Var var[16];              /* by variant: bit 0 completes, bit i+1 ceil_lv[i] at its last */
  /* with predicates: by variant and tile position.  A cache, not a
  ** record: a Var is a pure function of its key, tasks hold copies, and
  ** it is emptied when it reaches kVarCache entries (unbounded, it held
  ** 1.3 GB at Llama-3.1-70B GQA 128K: every tile position of a head) */
  std::map<std::vector<int64_t>, Var> at;
};

struct Task {
  int x = 0;
  Var v;                    /* a copy: the cache it came from may be emptied */
  int64_t S = UNKNOWN;      /* start cycle; UNKNOWN: not started */
  int64_t E = 0, Us = 0, Uo = 0, Wf = 0;
};

struct Tile {
  uint64_t k = 0;           /* position in the enumeration */
  std::vector<Task> t;
  int64_t rel = 0;          /* cycle it enters the window */
  int rel_cause = SIM_S_WINDOW;  /* what held its entry: the window, or buffer ports */
  int64_t bufdone = 0;      /* cycle the buffer has served its row accesses */
  int64_t arr = 0;          /* cycle its DRAM bytes have arrived */
  int nstarted = 0;
  int64_t endE = 0, endW = 0;   /* max occupancy end / last write of its tasks so far */
  bool checked = false;     /* period check done */
  bool quiet = false;       /* skipped, and its DRAM channel untouched (a skip run may follow it) */
};

/* A saved state for period detection at one loop level. */
struct Snap {
  uint64_t k = 0;
  int64_t t = 0;            /* logical cycle of the tile's window entry */
  std::vector<int64_t> sig;
  std::vector<sim_ecount> cnt;   /* per Einsum, enumerated so far */
  std::vector<uint64_t> busy;    /* per Einsum, occupancy so far */
  std::vector<std::array<uint64_t, SIM_S_COUNT>> stall;
  std::vector<uint64_t> moved;   /* per tensor and SIM_MOVE_*, bytes so far */
};

/* One source of a tensor's tile moves (sim/README.md "Traffic"): einsum x
** reading tensor t (a DRAM fetch, shared by the readers of a staged tile or
** streamed, or a buffer read) or writing it. */
enum MoveKind { MV_FETCH, MV_STREAM, MV_BUF_READ, MV_WRITE };
struct Mover {
  int t = 0, x = 0;
  MoveKind kind = MV_FETCH;
  std::vector<int> zero;    /* levels it iterates inside its moving loops: a move when all are at 0 */
  std::vector<int> pin;     /* levels whose indices fix which tile moves */
  std::vector<int> early;   /* levels it does not iterate inside the tile's residency: a fetch at their first
                            ** iteration, where the resident tile arrives, not at its firing (the last) */
  uint64_t mult = 1;        /* moves per firing: its own loops that re-fetch the tile */
  std::vector<int> mlv;     /* a DRAM or buffer read of masked tiles is skipped (skip.c): the levels fixing its block; */
  bool masked = false;      /* ... set when the rule applies */
};

/* How tensor t's dims map to levels: rank, whether it is the iterative
** dim (one more slice), and the levels whose parts cover it. */
struct TDim {
  int rank = 0;
  bool iter = false;
  std::vector<int> lv;
};

struct Phase;

/* One PE array: a clocked method over plain state for all its PEs. */
struct ArrayMod : sc_module {
  Phase *P;
  int id;
  int64_t busy_until = 0;
  std::vector<uint64_t> left;   /* --full: work left per PE of the running task */
  int64_t last_step = -1;
  int npe_running = 0;
  bool fifo_blocked = false;    /* its last wait was on a full FIFO */
  uint64_t stepped = 0;         /* --full: PE-cycles stepped */
  /* the boundary worth observing (--vcd): busy, the Einsum running (its
  ** index + 1, 0 idle), why it waits (sim_stall + 1, 0 busy) */
  sc_core::sc_signal<bool> busy_sig;
  sc_core::sc_signal<uint32_t> einsum_sig, stall_sig;
  SC_HAS_PROCESS(ArrayMod);
  ArrayMod(sc_module_name n, Phase *p, int i)
      : sc_module(n), P(p), id(i), busy_sig("busy"), einsum_sig("einsum"), stall_sig("stall") {
    SC_METHOD(step);
  }
  void step();
};

struct Ctrl : sc_module {
  Phase *P;
  SC_HAS_PROCESS(Ctrl);
  Ctrl(sc_module_name n, Phase *p) : sc_module(n), P(p) { SC_METHOD(step); }
  void step();
};

struct Phase {
  const sc_schedule *s;
  const sc_phase *ph;
  const sim_engine_opts *o;
  at_err *e;
  int failed = 0;
  int W = 2;
  bool sequential = false;
  std::vector<Ein> ein;
  int nlev = 0;
  std::vector<uint64_t> size, stride;   /* per level: iterations, tiles per iteration */
  int carry_level = -1;                 /* level of the shared loop carrying the iterative rank */
  std::vector<int> epoch_levels;        /* pipelined: levels whose iterations refill the pipeline */
  uint64_t ntiles = 0;
  uint64_t next_k = 0;                  /* next tile to materialise */
  std::deque<Tile> tiles;               /* materialised, oldest first */
  /* the window counts tiles with work: a tile the predicates skip holds no
  ** state in flight, so it takes no window entry (with it, FuseMax's 12
  ** held as few as 5 active tiles of a sliding window, which could not
  ** hide the column drains: +101% at Llama-3.1-8B 16K, W = 1K) */
  std::deque<uint64_t> work_k;          /* the last W + prefetch tiles with work, oldest first */
  int64_t skipped_arr = 0;              /* latest arrival of a skipped tile's fetches since the last tile with work */
  int64_t chan_free = 0;                /* DRAM channel busy until */
  int64_t buf_free = 0;                 /* global buffer's ports busy until */
  uint64_t rows_per_cycle = 1;          /* banks x ports */
  std::vector<Mover> movers;
  std::vector<std::vector<TDim>> tdim;  /* per tensor; empty: no footprint (never moves) */
  std::vector<uint64_t> moved;          /* per tensor x SIM_MOVE_*: bytes enumerated */
  std::vector<char> fires;              /* per Einsum: fires in the tile being made */
  int prefetch = 1;                     /* tiles a fetch may start before the window takes its tile */
  double bpc = 1;                       /* DRAM bytes per cycle */
  int64_t dram_latency = 0;
  int64_t release_max = 0;              /* window release is monotone */
  int64_t endW_all = 0;                 /* max last write of every task started */
  int64_t offset = 0;                   /* cycles skipped by extrapolation */
  int64_t final_logical = 0;
  std::vector<sim_ecount> cnt;          /* per Einsum, enumerated */
  std::vector<uint64_t> busy;           /* per Einsum, occupancy cycles */
  std::vector<std::array<uint64_t, SIM_S_COUNT>> stall;   /* per array, idle cycles by cause */
  std::vector<int64_t> idle_from;       /* per array: cycle it last became free; -1 before its first task */
  std::vector<std::deque<Snap>> snap;   /* per level: the last 8 iteration starts */
  /* made inside the phase's context: arrays wait on kick(), the controller
  ** on kick_ctrl(); a task start notifies both, a new tile the first */
  std::unique_ptr<sc_event> kick_ev, kick_ctrl_ev;
  sc_event &kick() { return *kick_ev; }
  sc_event &kick_ctrl() { return *kick_ctrl_ev; }
  std::vector<std::unique_ptr<ArrayMod>> arrays;
  std::unique_ptr<Ctrl> ctrl;
  uint64_t extrapolated = 0;            /* tiles skipped */
  uint64_t var_flushes = 0;             /* times an Ein::at cache was emptied (ATTNSIM_CYCLE_DEBUG) */
  bool record = false;                  /* --trace/--vcd: no extrapolation, slices kept */
  sim_data *dm = nullptr;               /* --data: the value model, fired at every task start */
  struct Slice { int track; int x; uint64_t k; int64_t S, dur; double rd = 0, wr = 0; };
  std::vector<Slice> slices;            /* per task (track = array) and DRAM request (track = arrays) */

  int fail(const char *msg) {
    if (!failed) at_errf(e, "cycle engine: %s", msg);
    failed = 1;
    sc_core::sc_stop();
    return -1;
  }

  int64_t now() const { return (int64_t)(sc_core::sc_time_stamp().to_seconds() * 1e9 + 0.5); }

  Tile *find(uint64_t k) {
    if (tiles.empty() || k < tiles.front().k || k > tiles.back().k) return nullptr;
    return &tiles[(size_t)(k - tiles.front().k)];
  }

  uint64_t idx(uint64_t k, int l) const { return (k / stride[l]) % size[l]; }

  /* Completion of tile k for the window: every task has started, so the
  ** time is known; UNKNOWN otherwise.  Sequential: its last write + 1. */
  int64_t complete(uint64_t k) {
    Tile *t = find(k);
    if (!t) return 0;       /* dropped: long complete */
    if (t->nstarted < (int)t->t.size()) return UNKNOWN;
    return std::max(sequential ? t->endW + 1 : t->endE, t->bufdone);
  }

  bool starts_iteration(uint64_t k, int l) const { return k % stride[l] == 0; }

  int materialise();
  int tile_bytes(uint64_t k, uint64_t *rows, uint64_t *fill_rows, double *rd, double *wr);
  uint64_t tensor_tile(int t, uint64_t k, const std::vector<int> &pin);
  const Var *variant(int x, uint64_t k);
  unsigned variant_key(int x, uint64_t k);
  bool completes(int x, uint64_t k, unsigned key);
  void tile_range(int x, uint64_t k, unsigned key, es_range &rg, std::vector<int64_t> *pos);
  bool fifo_full(int x, int64_t t);
  void check(Tile *t);
  void signature(const Tile *t, std::vector<int64_t> &sig);
  /* piecewise periodic extrapolation under predicates */
  std::vector<uint64_t> last_moved;     /* bytes the last tile materialised added, per tensor x SIM_MOVE_* */
  uint64_t last_rows = 0;               /* ... and its buffer rows */
  uint64_t skip_jumped = 0;             /* tiles of skip runs made without evaluating them */
  void span(int l, uint64_t klo, uint64_t khi, uint64_t &mn, uint64_t &mx) const;
  uint32_t region_box(int x, const std::vector<int> *pins, uint64_t klo, uint64_t khi, es_range &b, int *scan);
  bool shift_invariant(int l, uint64_t j, uint64_t klo, uint64_t khi);
  uint64_t skip_run(uint64_t k);
  uint64_t quiet_run(uint64_t k);
  uint64_t shape_of(uint64_t k) const;
  void set_fires(uint64_t k);
  void trim();
  /* the kinds of tile a run made without evaluating holds: what decides
  ** their bytes (first and last indices), their buffer rows and bytes */
  struct Shape { uint64_t key; uint64_t rows; std::vector<uint64_t> moved; uint64_t count; };
  std::vector<Shape> jshapes;
  void start(ArrayMod *a, Tile *t, Task *task);
};

/* A dependency's time: when its results are usable by array `a`; UNKNOWN
** if it has not started. */
static int64_t usable(const Phase *P, const Task &d, int a) {
  if (d.S == UNKNOWN) return UNKNOWN;
  return P->ein[d.x].array == a ? d.Us : d.Uo;
}

void ArrayMod::step() {
  if (P->failed) return;
  int64_t t = P->now();
  if (P->o->full && npe_running && last_step < t && t < busy_until) {
    /* step every PE of the running task one cycle */
    int still = 0;
    for (uint64_t &w : left)
      if (w) { w--; stepped++; still += w != 0; }
    last_step = t;
    npe_running = still;
  }
  if (t < busy_until) {
    if (P->o->full) next_trigger(sc_time(1, SC_NS));
    else next_trigger(sc_time((double)(busy_until - t), SC_NS));
    return;
  }
  /* idle: the oldest ready task bound to this array */
  if (P->record && busy_sig.read()) { busy_sig.write(false); einsum_sig.write(0); }
  int64_t wake = INT64_MAX;
  int wait_cause = SIM_S_WINDOW;
  bool fifo_wait = false;
  for (Tile &tl : P->tiles) {
    if (tl.nstarted == (int)tl.t.size()) continue;
    int64_t gate = std::max(tl.rel, tl.arr);
    for (Task &task : tl.t) {
      if (task.S != UNKNOWN || P->ein[task.x].array != id) continue;
      int64_t ready = gate;
      int cause = tl.arr > tl.rel ? SIM_S_DRAM : tl.rel_cause;
      bool known = true;
      auto wait_for = [&](const Task &d) {
        int64_t u = usable(P, d, id);
        if (u == UNKNOWN) { known = false; return; }
        if (u > ready) { ready = u; cause = P->ein[d.x].array == id ? SIM_S_DEPENDENCY : SIM_S_DRAIN; }
      };
      for (int q : P->ein[task.x].dep)
        for (Task &d : tl.t)
          if (d.x == q) wait_for(d);
      if (P->carry_level >= 0 && P->idx(tl.k, P->carry_level) > 0) {
        Tile *prev = P->find(tl.k - P->stride[P->carry_level]);
        for (int q : P->ein[task.x].carried)
          for (size_t j = 0; prev && j < prev->t.size(); j++)
            if (prev->t[j].x == q) wait_for(prev->t[j]);
      }
      if (!known) continue;
      if (ready <= t && P->fifo_full(task.x, t)) {
        /* its results would find the consumer's input FIFO full: wait for a
        ** consumer to start (a task start kicks every array) */
        if (wake == INT64_MAX) { wake = INT64_MAX - 1; wait_cause = SIM_S_FIFO_FULL; }
        fifo_wait = true;
        continue;
      }
      if (ready <= t) {
        /* the idle stretch before this start, charged to what it waited for */
        if (fifo_blocked) cause = SIM_S_FIFO_FULL;
        fifo_blocked = false;
        int64_t from = P->idle_from[(size_t)id];
        if (from < 0) P->stall[(size_t)id][SIM_S_FILL] += (uint64_t)t;
        else if (t > from) P->stall[(size_t)id][(size_t)cause] += (uint64_t)(t - from);
        P->start(this, &tl, &task);
        P->idle_from[(size_t)id] = busy_until;
        P->kick().notify(sc_core::SC_ZERO_TIME);
        P->kick_ctrl().notify(sc_core::SC_ZERO_TIME);
        if (P->o->full) next_trigger(sc_time(1, SC_NS));
        else next_trigger(sc_time((double)(busy_until - t), SC_NS));
        return;
      }
      if (ready < wake) { wake = ready; wait_cause = cause; }
    }
  }
  if (fifo_wait) fifo_blocked = true;
  if (P->record) stall_sig.write((uint32_t)wait_cause + 1);
  bool more = P->next_k < P->ntiles;
  for (Tile &tl : P->tiles) more |= tl.nstarted < (int)tl.t.size();
  if (!more) return;              /* nothing left for anyone: sleep for good */
  if (P->o->full) next_trigger(sc_time(1, SC_NS), P->kick());
  else if (wake < INT64_MAX - 1) next_trigger(sc_time((double)(wake - t), SC_NS), P->kick());
  else next_trigger(P->kick());
}

void Phase::start(ArrayMod *a, Tile *t, Task *task) {
  const Var &x = task->v;
  int64_t S = now();
  task->S = S;
  task->E = S + x.occ;
  task->Us = S + x.lat_same;
  task->Uo = S + x.lat_other;
  task->Wf = S + x.lat_final;
  a->busy_until = task->E;
  if (record) {
    slices.push_back(Slice{ a->id, task->x, t->k, S, task->E - S, 0, 0 });
    a->busy_sig.write(true);
    a->einsum_sig.write((uint32_t)task->x + 1);
    a->stall_sig.write(0);
  }
  if (dm) {
    /* the values of this firing, computed as it starts (data.h) */
    es_range rg;
    tile_range(task->x, t->k, variant_key(task->x, t->k), rg, nullptr);
    if (sim_data_fire(dm, task->x, idx(t->k, 0), &rg, S, e)) {
      char msg[sizeof e->msg];
      snprintf(msg, sizeof msg, "%s", e->msg);
      fail(msg);
      return;
    }
  }
  t->nstarted++;
  t->endE = std::max(t->endE, task->E);
  t->endW = std::max(t->endW, task->Wf);
  endW_all = std::max(endW_all, task->Wf);
  final_logical = std::max(final_logical, task->Wf + offset);
  if (o->full) {
    /* logical PE j's share, on PE j mod phys (a fold takes several) */
    if (x.phys == x.par) {
      a->left.assign((size_t)x.par, x.pe_per / x.par);
      for (uint64_t i = 0; i < x.pe_per % x.par; i++) a->left[(size_t)i]++;
    } else {
      a->left.assign((size_t)x.phys, 0);
      for (uint64_t j = 0; j < x.par; j++)
        a->left[(size_t)(j % x.phys)] += x.pe_per / x.par + (j < x.pe_per % x.par);
    }
    a->npe_running = x.pe_per > 0;
    a->last_step = S - 1;
    /* the first cycle is stepped now */
    int still = 0;
    for (uint64_t &w : a->left)
      if (w) { w--; a->stepped++; still += w != 0; }
    a->last_step = S;
    a->npe_running = still;
  }
}

/* Whether starting einsum x at cycle t would overfill a consumer array's
** input FIFO: it holds, per task of this Einsum started before t, one
** output until the consuming task starts (before t, so the answer does not
** depend on which method runs first within a cycle). */
bool Phase::fifo_full(int x, int64_t t) {
  for (auto &f : ein[(size_t)x].feeds) {
    int64_t depth = s->arch->arrays[f.second].fifo_depth;
    if (depth <= 0) continue;
    int64_t held = 0;
    for (const Tile &tl : tiles) {
      const Task *prod = nullptr, *cons = nullptr;
      for (const Task &task : tl.t) {
        if (task.x == x) prod = &task;
        if (task.x == f.first) cons = &task;
      }
      if (prod && cons && prod->S != UNKNOWN && prod->S < t && (cons->S == UNKNOWN || cons->S >= t)) held++;
    }
    if (held >= depth) return true;
  }
  return false;
}

/* Creates the next tiles whose window entry is known, in order, each only
** after the previous one's period check (so a skip never renumbers a tile
** whose tasks were built for another position). */
int Phase::materialise() {
  int made = 0;
  while (next_k < ntiles) {
    if (!tiles.empty() && !tiles.back().checked) break;
    uint64_t k = next_k;
    int64_t rel = 0, pre = 0;
    int rel_cause = SIM_S_WINDOW;
    /* the W-th tile with work before k (k - W when none is skipped) */
    size_t nw = work_k.size();
    if (nw >= (size_t)W) {
      uint64_t kw = work_k[nw - (size_t)W];
      int64_t c = complete(kw);
      if (c == UNKNOWN) break;
      rel = c;
      Tile *old = find(kw);
      if (old && old->bufdone > (sequential ? old->endW + 1 : old->endE)) rel_cause = SIM_S_BUFFER_PORT;
    }
    if (nw >= (size_t)(W + prefetch)) {
      /* its fetch may start once the tile `prefetch` places ahead of it in
      ** the window is done: the window's W tiles plus `prefetch` are in memory */
      int64_t c = complete(work_k.front());
      if (c == UNKNOWN) break;
      pre = c;
    }
    bool epoch_start = false;
    for (int l : epoch_levels) epoch_start |= k > 0 && starts_iteration(k, l);
    if (epoch_start) {
      /* a pipelined epoch refills the pipeline: every earlier task written */
      for (Tile &tl : tiles) if (tl.nstarted < (int)tl.t.size()) return made;
      rel = std::max(rel, endW_all + 1);
    }
    rel = std::max(rel, release_max);
    release_max = rel;
    if (!epoch_start) {
      /* a run of skipped tiles like the one just made: made without
      ** evaluating them (skip_run) */
      uint64_t n = quiet_run(k);
      if (!n && !failed) n = skip_run(k);
      if (failed) return -1;
      if (n) {
        for (const Shape &sh : jshapes)
          for (size_t q = 0; q < moved.size(); q++) {
            uint64_t b;
            if (at_mul64(sh.moved[q], sh.count, &b) || at_add64(moved[q], b, &moved[q]))
              return fail("DRAM or buffer bytes overflow 64 bits");
          }
        for (uint64_t q = 0; q < n; q++) {
          Tile sk;
          sk.k = k + q;
          sk.rel = rel;
          sk.rel_cause = rel_cause;
          uint64_t rows = jshapes[0].rows;
          if (jshapes.size() > 1) {
            uint64_t key = shape_of(k + q);
            for (const Shape &sh : jshapes) if (sh.key == key) rows = sh.rows;
          }
          if (rows) {
            buf_free = std::max(rel, buf_free) + (int64_t)(rows / rows_per_cycle + (rows % rows_per_cycle != 0));
            sk.bufdone = buf_free;
          }
          sk.checked = sk.quiet = true;
          tiles.push_back(std::move(sk));
          trim();
        }
        next_k += n;
        made += (int)n;
        skip_jumped += n;
        continue;
      }
    }
    Tile tl;
    tl.k = k;
    tl.rel = rel;
    tl.rel_cause = rel_cause;
    set_fires(k);
    uint64_t rows = 0, fill_rows = 0;
    double rd = 0, wr = 0;
    bool preds = es_has_preds(ph->c);
    if (preds) last_moved = moved;
    if (tile_bytes(k, &rows, &fill_rows, &rd, &wr)) return fail(e->msg);
    if (preds)
      for (size_t q = 0; q < moved.size(); q++) last_moved[q] = moved[q] - last_moved[q];
    /* a tile the predicates mask wholly for every Einsum is skipped: no task */
    bool work = !es_has_preds(ph->c);
    for (size_t x = 0; x < ein.size(); x++) {
      if (fires[x]) {
        Task task;
        task.x = (int)x;
        const Var *v = variant((int)x, k);
        if (!v) return fail(e->msg);
        task.v = *v;
        work |= task.v.cnt.pe_cycles > 0;
        tl.t.push_back(task);
      }
    }
    if (!work) tl.t.clear();
    /* the buffer's banks serve the tile's row accesses from its window
    ** entry.  A skipped tile computes nothing: the running state of its
    ** queries stays where it is (RM, RD, RNV carried unchanged), so only
    ** its fills (the K and V tiles fetched at a masked p1 = 0, which later
    ** tiles read) take the ports.  With its running state's rows too, every
    ** one of the M1 x P1 tiles held the ports, though a window keeps about
    ** W / M0 + 1 per query block: window-fusemax at Llama-3.1-8B 64K, W = 1K,
    ** ran 2.76x the analytical figure, growing as P^2 */
    if (!work) rows = fill_rows;
    if (preds) last_rows = rows;          /* the rows a skip or quiet run charges per tile */
    int64_t bbegin = std::max(rel, buf_free);
    if (rows) buf_free = bbegin + (int64_t)(rows / rows_per_cycle + (rows % rows_per_cycle != 0));
    tl.bufdone = rows ? buf_free : 0;
    for (const Task &task : tl.t) {
      size_t x = (size_t)task.x;
      if (sim_add_counts(&cnt[x], &task.v.cnt, e)) return fail(e->msg);
      if (at_add64(busy[x], (uint64_t)task.v.busy, &busy[x])) return fail("busy cycles overflow 64 bits");
    }
    /* the DRAM channel: one request queue, served in tile order; a tile's
    ** fetches gate its tasks, its write-backs follow them on the channel */
    if (rd > 0 || wr > 0) {
      int64_t rsvc = (int64_t)std::ceil(rd / bpc), wsvc = (int64_t)std::ceil(wr / bpc);
      int64_t begin = std::max(pre, chan_free);
      chan_free = begin + rsvc + wsvc;
      tl.arr = rd > 0 ? begin + rsvc + dram_latency : 0;
      if (record) slices.push_back(Slice{ (int)arrays.size(), -1, k, begin, rsvc + wsvc, rd, wr });
    }
    if (!work) {
      /* a skipped tile's fetches (the K tile of a new m1 at a masked p1)
      ** serve the tiles after it: the next tile with work waits for them */
      skipped_arr = std::max(skipped_arr, tl.arr);
    } else {
      tl.arr = std::max(tl.arr, skipped_arr);
      skipped_arr = 0;
      work_k.push_back(k);
      if (work_k.size() > (size_t)(W + prefetch)) work_k.pop_front();
    }
    if (tl.t.empty()) tl.checked = true;
    tl.quiet = !work && rd == 0 && wr == 0;
    tiles.push_back(std::move(tl));
    next_k++;
    made++;
    trim();
  }
  return made;
}

/* Which Einsums fire in tile k (fires[]): the in-tile ones, and those
** whose unused shared loops are at their last iteration. */
void Phase::set_fires(uint64_t k) {
  for (size_t x = 0; x < ein.size(); x++) {
    bool f = ein[x].in_tile;
    if (!f) {
      f = true;
      for (int l : ein[x].unused) f &= idx(k, l) == size[l] - 1;
    }
    fires[x] = f;
  }
}

/* Keeps the tiles a carried dependency or the window can still need. */
void Phase::trim() {
  uint64_t keep = (uint64_t)(W + prefetch) + 1 + (carry_level >= 0 ? stride[carry_level] : 0);
  while (tiles.size() > keep && tiles.front().nstarted == (int)tiles.front().t.size() &&
         (work_k.empty() || tiles.front().k < work_k.front()))
    tiles.pop_front();
}

/* Bytes of tensor t's tile whose position the levels `pin` fix, at tile k:
** a rank covered by a pinned level spans that level's elements (a `ceil`
** part's tail at its last index), the iterative dim's extra (initial) slice
** goes with the first; the batch is one item when pinned. */
uint64_t Phase::tensor_tile(int t, uint64_t k, const std::vector<int> &pin) {
  uint64_t n = (uint64_t)s->arch->word_bytes;
  bool batch_pinned = std::find(pin.begin(), pin.end(), 0) != pin.end();
  if (!batch_pinned) n *= size[0];
  for (const TDim &d : tdim[(size_t)t]) {
    uint64_t ext = (uint64_t)ph->c->ranks[d.rank].size, div = 1;
    bool first = true, ceil_pinned = false;
    for (int l : d.lv) {
      if (std::find(pin.begin(), pin.end(), l) == pin.end()) continue;
      const sc_part *sp = &ph->part[ph->shared[l - 1]];
      uint64_t i = idx(k, l);
      first &= i == 0;
      if (sp->block) {
        ceil_pinned = true;
        ext = i == size[l] - 1 && sp->tail ? (uint64_t)sp->tail : (uint64_t)sp->block;
      } else {
        div *= (uint64_t)sp->size;
      }
    }
    if (!ceil_pinned) ext /= div;   /* setup checked that the parts divide the rank */
    if (d.iter && first) ext++;
    n *= ext;                        /* at most the tensor's bytes, which setup checked */
  }
  return n;
}

/* Tile k's traffic, added to the per-tensor totals: the buffer rows it
** touches (and of those, the fills': a skipped tile's only) and its DRAM bytes
** read (fetches, spilled reads) and written. */
int Phase::tile_bytes(uint64_t k, uint64_t *rows, uint64_t *fill_rows, double *rd, double *wr) {
  const es_cascade *c = ph->c;
  uint64_t buf = 0, fills = 0;
  size_t m = 0;
  while (m < movers.size()) {
    int t = movers[m].t;
    const sc_storage *st = &ph->st[t];
    uint64_t v[SIM_MOVE_COUNT] = { 0 }, fetch = 0;
    for (; m < movers.size() && movers[m].t == t; m++) {
      const Mover &mv = movers[m];
      bool moves = fires[(size_t)mv.x];
      if (!mv.early.empty()) {
        moves = true;
        for (int l : ein[(size_t)mv.x].unused)
          moves &= idx(k, l) == (std::find(mv.early.begin(), mv.early.end(), l) != mv.early.end() ? 0 : size[l] - 1);
      }
      if (!moves) continue;
      if (mv.kind == MV_WRITE) {
        moves = variant_key(mv.x, k) & 1;   /* with the output complete */
      } else {
        for (int l : mv.zero) moves &= idx(k, l) == 0;
      }
      if (!moves) continue;
      if (mv.masked) {   /* a read of a tile its reader keeps no point of: none */
        uint64_t ix[SC_MAX_LOOPS];
        int in;
        for (size_t i = 0; i < mv.mlv.size(); i++) ix[i] = idx(k, mv.mlv[i]);
        if (sim_read_kept(ph, mv.x, mv.mlv.data(), ix, (int)mv.mlv.size(), &in, e)) return -1;
        if (!in) continue;
      }
      uint64_t b;
      bool bad = at_mul64(tensor_tile(t, k, mv.pin), mv.mult, &b);
      switch (mv.kind) {
        case MV_FETCH: fetch = std::max(fetch, b); break;   /* the staged tile serves every reader */
        case MV_STREAM: bad |= at_add64(v[SIM_MOVE_DRAM_READ], b, &v[SIM_MOVE_DRAM_READ]); break;
        case MV_BUF_READ: bad |= at_add64(v[SIM_MOVE_BUF_READ], b, &v[SIM_MOVE_BUF_READ]); break;
        case MV_WRITE:
          if (st->home == SC_DRAM) bad |= at_add64(v[SIM_MOVE_DRAM_WRITE], b, &v[SIM_MOVE_DRAM_WRITE]);
          if (st->home == SC_BUFFER || (st->home == SC_DRAM && st->keep_at >= 0))
            bad |= at_add64(v[SIM_MOVE_BUF_WRITE], b, &v[SIM_MOVE_BUF_WRITE]);
          break;
      }
      if (bad) return at_errf(e, "cycle engine: bytes of tensor %s in one tile overflow 64 bits", c->tensors[t].name);
    }
    if (at_add64(v[SIM_MOVE_DRAM_READ], fetch, &v[SIM_MOVE_DRAM_READ]) ||
        at_add64(v[SIM_MOVE_BUF_WRITE], fetch, &v[SIM_MOVE_BUF_WRITE]) ||   /* fills */
        at_add64(fills, fetch, &fills))
      return at_errf(e, "cycle engine: bytes of tensor %s in one tile overflow 64 bits", c->tensors[t].name);
    for (int q = 0; q < SIM_MOVE_COUNT; q++) {
      uint64_t &acc = moved[(size_t)t * SIM_MOVE_COUNT + (size_t)q];
      if (at_add64(acc, v[q], &acc)) return at_errf(e, "cycle engine: bytes of tensor %s overflow 64 bits", c->tensors[t].name);
    }
    double spill = st->home == SC_BUFFER ? st->spill : 0;
    *rd += (double)v[SIM_MOVE_DRAM_READ] + spill * (double)v[SIM_MOVE_BUF_READ];
    *wr += (double)v[SIM_MOVE_DRAM_WRITE] + spill * (double)v[SIM_MOVE_BUF_WRITE];
    if (at_add64(buf, v[SIM_MOVE_BUF_READ], &buf) || at_add64(buf, v[SIM_MOVE_BUF_WRITE], &buf))
      return at_errf(e, "cycle engine: buffer bytes of one tile overflow 64 bits");
  }
  uint64_t row_bytes = (uint64_t)s->arch->buffer.row_bits / 8;
  *rows = buf / row_bytes + (buf % row_bytes != 0);
  *fill_rows = fills / row_bytes + (fills % row_bytes != 0);
  return 0;
}

static int64_t rel(int64_t v, int64_t t) { return v > t ? v - t : 0; }

/* The state that decides the future, relative to tile t's window entry:
** every task started before it (its times relative, clamped at 0), which
** tasks wait, and the DRAM channel.  Tasks that start at that very cycle
** are left out: they follow from the state before it. */
void Phase::signature(const Tile *t, std::vector<int64_t> &sig) {
  int64_t T = t->rel;
  sig.clear();
  sig.push_back(rel(chan_free, T));
  sig.push_back(rel(buf_free, T));
  for (const auto &am : arrays) sig.push_back(am->fifo_blocked);
  sig.push_back(rel(endW_all + 1, T));
  sig.push_back(rel(skipped_arr, T));
  for (uint64_t kw : work_k) {
    /* the window's tiles with work: where they are and when they complete */
    sig.push_back((int64_t)(kw - t->k));
    int64_t c = complete(kw);
    sig.push_back(c == UNKNOWN ? -1 : rel(c, T));
  }
  for (const Tile &tl : tiles) {
    bool live = tl.k >= t->k || tl.nstarted < (int)tl.t.size() || tl.endW >= T;
    if (!live) continue;
    sig.push_back((int64_t)(tl.k - t->k) - (int64_t)1e12);
    sig.push_back(rel(tl.rel, T));
    sig.push_back(rel(tl.arr, T));
    sig.push_back(rel(tl.bufdone, T));
    sig.push_back(tl.rel_cause);
    for (const Task &task : tl.t) {
      sig.push_back(task.x);
      if (task.S == UNKNOWN || task.S >= T) { sig.push_back(-1); continue; }
      sig.push_back(rel(task.E, T));
      sig.push_back(rel(task.Us, T));
      sig.push_back(rel(task.Uo, T));
      sig.push_back(rel(task.Wf, T));
    }
  }
}

/* ---- piecewise periodic extrapolation under predicates ----------------
** A predicate's mask moves with the tile (causal: the diagonal), so equal
** states one period apart make the next periods equal only where the
** tiles' inputs (each firing's counts and completion, each masked read's
** answer, hence the tile's bytes and whether it is skipped) repeat with
** that period.  A shift of whole iterations of level l moves only the
** ranges of level l's rank: a tile's inputs are unchanged by it when
** every predicate that applies to an Einsum using level l and names a
** leaf of that rank is constant over the union of the ranges the shifted
** tiles read (a comparison, linear in the leaf indices: its minimum and
** maximum over the box), or, for a block mask, when its bits repeat with
** the shift there (constant, along a rank read whole).  The shapes (first, last, `ceil` tails) repeat by the
** unpredicated rule (the first and last iterations are never skipped). */

/* Leaf ranks of rank r (r itself unless the cascade split it). */
static uint32_t leaves_of(const es_cascade *c, int r) {
  const es_rank *R = &c->ranks[r];
  if (R->outer < 0) return 1u << r;
  return leaves_of(c, R->outer) | leaves_of(c, R->inner);
}

/* The ranks einsum i's scopes can hold: its space, a step's block, and
** the ranks of its explicit reductions. */
static uint32_t reduce_ranks(const es_expr *x) {
  if (!x) return 0;
  uint32_t s = reduce_ranks(x->a) | reduce_ranks(x->b);
  if (x->kind == ES_E_REDUCE)
    for (int k = 0; k < x->nred; k++) s |= 1u << x->red[k];
  return s;
}

/* Coefficients of predicate p over the leaf ranks (k[r] x_r + c0, the
** comparison against 0); false on overflow. */
static bool linearise(const es_cascade *c, const es_pred *p, __int128 *k, __int128 &c0) {
  c0 = 0;
  for (int r = 0; r < c->nranks; r++) k[r] = 0;
  for (int i = 0; i < p->nterm; i++) {
    const es_pterm *t = &p->term[i];
    switch (t->kind) {
      case ES_PT_INDEX: {
        /* the composite index outer * SIZE(inner) + inner, recursively */
        std::vector<std::pair<int, __int128>> st{ { t->ref, (__int128)t->coef } };
        while (!st.empty()) {
          auto [r, co] = st.back();
          st.pop_back();
          const es_rank *R = &c->ranks[r];
          if (R->outer < 0) { k[r] += co; continue; }
          st.push_back({ R->outer, co * c->ranks[R->inner].size });
          st.push_back({ R->inner, co });
        }
        break;
      }
      case ES_PT_SIZE: c0 += (__int128)t->coef * c->ranks[t->ref].size; break;
      case ES_PT_PARAM: c0 += (__int128)t->coef * c->params[t->ref].size; break;
      case ES_PT_NUM: c0 += t->coef; break;
    }
  }
  return true;
}

/* Whether predicate p gives every point of box b the same value, or (a
** mask) the same value at a point and at the point `delta` further along
** leaf rank `sl` (delta 0: constant); false when it cannot tell. */
static bool pred_repeats(const es_cascade *c, const es_pred *p, const es_range &b, int sl, int64_t delta) {
  if (p->mask < 0) {
    __int128 k[ES_MAX_RANKS], c0, lo, hi;
    linearise(c, p, k, c0);
    lo = hi = c0;
    for (int r = 0; r < c->nranks; r++) {
      if (!k[r]) continue;
      if (b.hi[r] <= b.lo[r]) return true;   /* no point */
      __int128 a = k[r] * b.lo[r], z = k[r] * (b.hi[r] - 1);
      lo += std::min(a, z);
      hi += std::max(a, z);
    }
    switch (p->cmp) {
      case ES_C_LT: return hi < 0 || lo >= 0;
      case ES_C_LE: return hi <= 0 || lo > 0;
      case ES_C_GT: return lo > 0 || hi <= 0;
      case ES_C_GE: return lo >= 0 || hi < 0;
      case ES_C_EQ:
      case ES_C_NE: return lo == hi || lo > 0 || hi < 0;
    }
    return false;
  }
  const es_tensor *T = &c->tensors[p->mask];
  const unsigned char *bits = c->maskbits ? c->maskbits[p->mask] : nullptr;
  if (!bits) return false;
  int64_t n = 1, lo[ES_MAX_DIMS], hi[ES_MAX_DIMS], sd = -1;
  for (int d = 0; d < T->ndims; d++) {
    int r = T->dim[d];
    if (c->ranks[r].outer >= 0) return false;   /* a mask over a split rank's parent: not read here */
    lo[d] = b.lo[r];
    hi[d] = b.hi[r];
    if (hi[d] <= lo[d]) return true;
    if (r == sl) sd = d;
    if ((n *= hi[d] - lo[d]) > (1 << 20)) return false;
  }
  int first = -1;
  int64_t at[ES_MAX_DIMS];
  for (int64_t q = 0; q < n; q++) {
    int64_t rest = q;
    for (int d = T->ndims; d-- > 0;) { at[d] = lo[d] + rest % (hi[d] - lo[d]); rest /= hi[d] - lo[d]; }
    auto bit = [&](int64_t shift) {
      uint64_t f = 0;
      for (int d = 0; d < T->ndims; d++)
        f = f * (uint64_t)c->ranks[T->dim[d]].size + (uint64_t)(at[d] + (d == sd ? shift : 0));
      return bits[f] != 0;
    };
    if (delta && sd >= 0) {
      if (at[sd] + delta < hi[sd] && bit(0) != bit(delta)) return false;
    } else {
      int v = bit(0);
      if (first < 0) first = v;
      else if (v != first) return false;
    }
  }
  return true;
}

/* The least and greatest index level l takes over tiles klo..khi. */
void Phase::span(int l, uint64_t klo, uint64_t khi, uint64_t &mn, uint64_t &mx) const {
  uint64_t q0 = klo / stride[l], q1 = khi / stride[l];
  uint64_t a = q0 % size[l], b = q1 % size[l];
  if (q1 - q0 >= size[l] || a > b) { mn = 0; mx = size[l] - 1; }
  else { mn = a; mx = b; }
}

/* A box holding the ranges einsum x reads over tiles klo..khi: its tile
** ranges (tile_range), or with pins the blocks those levels fix
** (sim_read_kept); a step's block ranks whole (returned).  With scan, the
** rank completes() scans beyond the tile, or -1. */
uint32_t Phase::region_box(int x, const std::vector<int> *pins, uint64_t klo, uint64_t khi, es_range &b, int *scan) {
  const es_cascade *c = ph->c;
  Ein &E = ein[(size_t)x];
  es_range_full(c, &b);
  for (int r = 0; r < c->nranks; r++) {
    int64_t per = c->ranks[r].size, lo = 0, hi = 0;
    bool pinned = false;
    for (int l = 1; l <= ph->nshared; l++) {
      const sc_part *sp = &ph->part[ph->shared[l - 1]];
      if (sp->rank != r || !sc_uses(ph, x, ph->shared[l - 1])) continue;
      if (pins && std::find(pins->begin(), pins->end(), l) == pins->end()) continue;
      per = sp->block ? sp->block : per / sp->size;
      uint64_t mn, mx;
      span(l, klo, khi, mn, mx);
      lo += (int64_t)mn * per;
      hi += (int64_t)mx * per;
      pinned = true;
    }
    int64_t ext = pins ? per : E.ext[(size_t)r];
    if (pinned || !pins) {
      b.lo[r] = lo;
      b.hi[r] = std::min<int64_t>(hi + ext, c->ranks[r].size);
    }
  }
  uint32_t whole = es_block_of(c, ph->e[x].einsum);
  int r1 = -1;
  bool one = true;
  for (int l : E.reduced) {
    int q = ph->part[ph->shared[l - 1]].rank;
    one &= r1 < 0 || q == r1;
    r1 = q;
  }
  if (scan) *scan = r1 >= 0 && one ? r1 : -1;
  for (int r = 0; r < c->nranks; r++)
    if (whole >> r & 1) { b.lo[r] = 0; b.hi[r] = c->ranks[r].size; }
  return whole;
}

/* Whether einsum x keeps no point in any tile of box b: a predicate that
** applies to its space is false all over b. */
static bool none_kept(const es_cascade *c, int i, const es_range &b) {
  uint32_t space = es_space_set(c, i);
  for (int r = 0; r < c->nranks; r++)
    if ((space >> r & 1) && b.hi[r] <= b.lo[r]) return true;
  for (int q = 0; q < c->npreds; q++) {
    const es_pred *p = &c->preds[q];
    if (!es_pred_of(c, p, i) || !es_pred_computable(c, p, space) || !pred_repeats(c, p, b, -1, 0)) continue;
    /* constant over b: its value at the box's corner */
    int64_t at[ES_MAX_RANKS];
    for (int r = 0; r < c->nranks; r++) at[r] = b.lo[r];
    if (!es_pred_holds(c, p, space, at)) return true;
  }
  return false;
}

/* Whether tiles klo..khi have the inputs of the tiles j iterations of
** level l later (as long as those stay inside level l's loop). */
bool Phase::shift_invariant(int l, uint64_t j, uint64_t klo, uint64_t khi) {
  const es_cascade *c = ph->c;
  if (l == 0) return true;   /* the batch loop: no predicate reads it */
  /* l < 0: every predicate constant over the tiles (quiet_run) */
  uint32_t moving = ~0u;
  int64_t per = 0;
  int sl = -1;
  if (l > 0) {
    const sc_part *lp = &ph->part[ph->shared[l - 1]];
    moving = leaves_of(c, lp->rank);
    /* the shift, in elements of the leaf rank level l's part covers */
    per = c->ranks[lp->rank].size;
    for (int q = 1; q <= l; q++) {
      const sc_part *sp = &ph->part[ph->shared[q - 1]];
      if (sp->rank == lp->rank) per = sp->block ? sp->block : per / sp->size;
    }
    sl = c->ranks[lp->rank].outer < 0 ? lp->rank : -1;
  }
  auto ok = [&](int x, const es_range &b, uint32_t whole) {
    int i = ph->e[x].einsum;
    const es_einsum *X = &c->einsums[i];
    uint32_t scope = es_space_set(c, i) | es_block_of(c, i) | reduce_ranks(X->rhs);
    for (int q = 0; q < c->npreds; q++) {
      const es_pred *p = &c->preds[q];
      if (!es_pred_of(c, p, i) || !es_pred_computable(c, p, scope)) continue;
      uint32_t named = 0;
      if (p->mask >= 0) {
        for (int d = 0; d < c->tensors[p->mask].ndims; d++) named |= leaves_of(c, c->tensors[p->mask].dim[d]);
      } else {
        for (int r = 0; r < c->nranks; r++) if (p->ranks >> r & 1) named |= leaves_of(c, r);
      }
      if (!(named & moving)) continue;
      /* a mask may repeat with the shift; along a rank read whole (a
      ** step's block, the rank completes() scans) it must be constant */
      int64_t delta = sl >= 0 && !(whole >> sl & 1) ? (int64_t)j * per : 0;
      if (!pred_repeats(c, p, b, sl, delta)) return false;
    }
    return true;
  };
  es_range b;
  /* whether the levels among lv (all shared ones x uses: lv null) keep
  ** their index over the tiles: then x's range (block) is the same in each */
  auto fixed = [&](int x, const std::vector<int> *lv) {
    for (int q = 1; q <= ph->nshared; q++) {
      if (!sc_uses(ph, x, ph->shared[q - 1]) || (lv && std::find(lv->begin(), lv->end(), q) == lv->end())) continue;
      uint64_t mn, mx;
      span(q, klo, khi, mn, mx);
      if (mn != mx) return false;
    }
    return true;
  };
  for (int x = 0; x < ph->ne; x++) {
    if (l > 0 ? !sc_uses(ph, x, ph->shared[l - 1]) : fixed(x, nullptr)) continue;
    int scan;
    uint32_t whole = region_box(x, nullptr, klo, khi, b, &scan);
    if (!ok(x, b, whole)) return false;
    if (scan < 0) continue;
    /* completes() scans rank `scan` beyond the tile; it answers no, without
    ** the scan, where no tile is at the last of x's reduced loops and x
    ** keeps no point (linear-causal's OB off the diagonal) */
    bool last = true;
    for (int q : ein[(size_t)x].reduced) {
      uint64_t mn, mx;
      span(q, klo, khi, mn, mx);
      last &= mx == size[q] - 1;
    }
    if (!last && none_kept(c, ph->e[x].einsum, b)) continue;
    b.lo[scan] = 0;
    b.hi[scan] = c->ranks[scan].size;
    if (!ok(x, b, whole | 1u << scan)) return false;
  }
  for (const Mover &mv : movers) {
    if (!mv.masked || (l > 0 ? std::find(mv.mlv.begin(), mv.mlv.end(), l) == mv.mlv.end() : fixed(mv.x, &mv.mlv)))
      continue;
    uint32_t whole = region_box(mv.x, &mv.mlv, klo, khi, b, nullptr);
    if (!ok(mv.x, b, whole)) return false;
  }
  return true;
}

/* How many tiles from k on (along the innermost loop) are skipped and move
** nothing on the DRAM channel as the tile just made before k did: their
** inputs are that tile's (shift_invariant), so materialising them would
** decide the same; 0 if none or when every tile is to be run. */
uint64_t Phase::skip_run(uint64_t k) {
  int L = nlev - 1;
  if (o->full || record || dm || L < 1 || !es_has_preds(ph->c) || tiles.empty()) return 0;
  const Tile &pv = tiles.back();
  /* inside one iteration of the loops around the innermost, past its
  ** first iteration (the moves at index 0) and short of its last (the
  ** Einsums that fire there): the tiles differ only by the predicates */
  if (!pv.quiet || pv.k + 1 != k || idx(k, L) < 2 || idx(k, L) + 2 > size[L]) return 0;
  for (int l : epoch_levels) if (l == L) return 0;
  uint64_t lo = 0, hi = size[L] - 1 - idx(k, L);   /* up to the last-but-one iteration */
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (shift_invariant(L, 1, pv.k, k + mid - 1)) lo = mid;
    else hi = mid - 1;
  }
  jshapes.assign(1, Shape{ shape_of(k), last_rows, last_moved, lo });
  return lo;
}

/* The first and last iterations of every level at tile k, two bits each:
** with every predicate constant, a tile's inputs depend on nothing else. */
uint64_t Phase::shape_of(uint64_t k) const {
  uint64_t key = 0;
  for (int l = 0; l < nlev; l++) {
    uint64_t i = idx(k, l);
    key = key << 2 | (uint64_t)(i == 0) | (uint64_t)(i == size[l] - 1) << 1;
  }
  return key;
}

/* How many tiles from k on, across any loops, are skipped and move nothing
** on the DRAM channel, as the tile just made before k: every predicate
** constant over their ranges (shift_invariant with l < 0), so each tile's
** inputs follow from its shape (shape_of); a shape not seen yet is
** evaluated once (its counts, its bytes) and ends the run if it has work
** or DRAM traffic.  0 if none or when every tile is to be run. */
uint64_t Phase::quiet_run(uint64_t k) {
  if (o->full || record || dm || nlev > 32 || !es_has_preds(ph->c) || tiles.empty() || !epoch_levels.empty()) return 0;
  const Tile &pv = tiles.back();
  if (!pv.quiet || pv.k + 1 != k) return 0;
  uint64_t lo = 0, hi = ntiles - k;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo + 1) / 2;
    if (shift_invariant(-1, 0, pv.k, k + mid - 1)) lo = mid;
    else hi = mid - 1;
  }
  if (lo < 2) return 0;   /* the innermost run (skip_run) costs less */
  jshapes.assign(1, Shape{ shape_of(pv.k), last_rows, last_moved, 0 });
  std::vector<uint64_t> keep = moved;
  for (uint64_t q = 0; q < lo; q++) {
    uint64_t key = shape_of(k + q);
    Shape *sh = nullptr;
    for (Shape &z : jshapes) if (z.key == key) sh = &z;
    if (!sh) {
      /* evaluate one tile of this shape as materialise would */
      set_fires(k + q);
      bool work = false;
      for (size_t x = 0; x < ein.size() && !work; x++) {
        if (!fires[x]) continue;
        const Var *v = variant((int)x, k + q);
        if (!v) { fail(e->msg); return 0; }
        work = v->cnt.pe_cycles > 0;
      }
      uint64_t rows = 0, fill_rows = 0;
      double rd = 0, wr = 0;
      if (!work && tile_bytes(k + q, &rows, &fill_rows, &rd, &wr)) { fail(e->msg); return 0; }
      if (work || rd != 0 || wr != 0) { moved = keep; lo = q; break; }
      Shape z{ key, fill_rows, moved, 0 };   /* a skipped tile's ports serve only its fills (materialise) */
      for (size_t i = 0; i < moved.size(); i++) z.moved[i] = moved[i] - keep[i];
      moved = keep;
      jshapes.push_back(std::move(z));
      sh = &jshapes.back();
    }
    sh->count++;
  }
  return lo;
}

/* At tile t's window entry: if the state equals the one saved one
** iteration earlier at some loop level, the iterations between are
** periodic; skip all but the last two of that loop (the last may differ:
** Einsums that fire after it, the next loop's start). */
void Phase::check(Tile *t) {
  t->checked = true;
  if (o->full || record || dm) return;   /* --data: every tile's values are computed */
  /* with predicates, only as far as the tiles' inputs repeat (above) */
  bool preds = es_has_preds(ph->c);
  int top = nlev;
  std::vector<int64_t> sig;
  signature(t, sig);
  uint64_t k = t->k;
  for (int l = 0; l < top; l++) {
    if (size[l] < 4 || !starts_iteration(k, l)) continue;
    uint64_t i = idx(k, l);
    /* the state may repeat every j iterations (a window longer than a loop) */
    const Snap *hit = nullptr;
    uint64_t j = 0;
    for (size_t h = snap[l].size(); h-- > 0 && !hit;) {
      const Snap &c = snap[l][h];
      uint64_t jj = (k - c.k) / stride[l];
      if (c.k + jj * stride[l] == k && jj >= 1 && i >= jj + 1 && c.sig == sig) { hit = &c; j = jj; }
    }
    if (hit) {
      const Snap &sn = *hit;
      /* whole periods of j iterations, landing at most at the last-but-one */
      uint64_t n = size[l] >= i + 2 ? (size[l] - 2 - i) / j : 0;
      if (n >= 1 && preds && l >= 1) {
        /* the tiles whose inputs decide the future: from the oldest with a
        ** task not started, one period back, to the last renumbered one */
        uint64_t d = j * stride[l], kold = k;
        for (const Tile &tl : tiles)
          if (tl.nstarted < (int)tl.t.size()) kold = std::min(kold, tl.k);
        uint64_t klo = kold >= d ? kold - d : 0, lo = 0, hi = n;
        while (lo < hi) {
          uint64_t mid = lo + (hi - lo + 1) / 2;
          if (shift_invariant(l, j, klo, k + mid * d)) lo = mid;
          else hi = mid - 1;
        }
        n = lo;
      }
      if (n >= 1) {
        uint64_t dk = n * j * stride[l];
        int64_t D = t->rel + offset - sn.t;   /* logical cycles per iteration */
        uint64_t add;
        if (at_mul64(n, (uint64_t)D, &add) || (int64_t)add < 0 || offset + (int64_t)add < offset) {
          fail("extrapolated cycles overflow 64 bits");
          return;
        }
        offset += (int64_t)add;
        for (size_t x = 0; x < ein.size(); x++) {
          /* one period's counts: now minus one iteration ago, times n */
          const sim_ecount &was = sn.cnt[x];
          sim_ecount tot{};
          bool bad = false;
          for (int op = 0; op < HW_OP_COUNT; op++) bad |= at_mul64(cnt[x].ops[op] - was.ops[op], n, &tot.ops[op]);
          bad |= at_mul64(cnt[x].pe_cycles - was.pe_cycles, n, &tot.pe_cycles);
          bad |= at_mul64(cnt[x].rf_reads - was.rf_reads, n, &tot.rf_reads);
          bad |= at_mul64(cnt[x].edge_operands - was.edge_operands, n, &tot.edge_operands);
          bad |= at_mul64(cnt[x].rf_writes - was.rf_writes, n, &tot.rf_writes);
          bad |= at_mul64(cnt[x].forwarded - was.forwarded, n, &tot.forwarded);
          uint64_t b;
          bad |= at_mul64(busy[x] - sn.busy[x], n, &b) || at_add64(busy[x], b, &busy[x]);
          if (bad) { fail("extrapolated action counts overflow 64 bits"); return; }
          if (sim_add_counts(&cnt[x], &tot, e)) { fail(e->msg); return; }
        }
        for (size_t q = 0; q < moved.size(); q++) {
          uint64_t b;
          if (at_mul64(moved[q] - sn.moved[q], n, &b) || at_add64(moved[q], b, &moved[q])) {
            fail("extrapolated DRAM or buffer bytes overflow 64 bits");
            return;
          }
        }
        for (size_t a = 0; a < stall.size(); a++)
          for (int c = 0; c < SIM_S_COUNT; c++) {
            uint64_t b;
            if (at_mul64(stall[a][(size_t)c] - sn.stall[a][(size_t)c], n, &b) ||
                at_add64(stall[a][(size_t)c], b, &stall[a][(size_t)c])) {
              fail("extrapolated stall cycles overflow 64 bits");
              return;
            }
          }
        for (Tile &tl : tiles) tl.k += dk;
        for (uint64_t &kw : work_k) kw += dk;
        next_k += dk;
        extrapolated += dk;
        k = t->k;
        for (int l2 = l + 1; l2 < nlev; l2++) snap[(size_t)l2].clear();
        break;
      }
    }
  }
  for (int l = 0; l < top; l++) {
    if (!starts_iteration(k, l)) continue;
    if (snap[l].size() == 8) snap[l].pop_front();
    snap[l].emplace_back();
    Snap &sn = snap[l].back();
    sn.k = k;
    sn.t = t->rel + offset;
    sn.sig = sig;
    sn.cnt = cnt;
    sn.busy = busy;
    sn.stall = stall;
    sn.moved = moved;
  }
}

void Ctrl::step() {
  if (P->failed) return;
  int64_t t = P->now();
  bool any = false;
  for (;;) {
    bool progress = P->materialise() > 0;
    if (P->failed) return;
    Tile *last = P->tiles.empty() ? nullptr : &P->tiles.back();
    if (last && !last->checked && last->rel <= t) {
      P->check(last);
      if (P->failed) return;
      progress = true;
    }
    if (!progress) break;
    any = true;
  }
  if (any) P->kick().notify(sc_core::SC_ZERO_TIME);
  Tile *last = P->tiles.empty() ? nullptr : &P->tiles.back();
  if (last && !last->checked && last->rel > t) next_trigger(sc_time((double)(last->rel - t), SC_NS), P->kick_ctrl());
  else if (P->next_k < P->ntiles) next_trigger(P->kick_ctrl());
}

/* The firing of einsum x in tile k: its counts from the elements the tile
** covers, computed once per variant. */
unsigned Phase::variant_key(int x, uint64_t k) {
  Ein &E = ein[(size_t)x];
  unsigned key = 0;
  for (size_t i = 0; i < E.ceil_lv.size(); i++)
    if (idx(k, E.ceil_lv[i]) == size[E.ceil_lv[i]] - 1) key |= 2u << i;
  return key | (completes(x, k, key) ? 1u : 0u);
}

/* Whether einsum x's output is complete in tile k (variant key `key`
** without bit 0): its reduced loops at their last iteration, or, with
** predicates, at the last iteration that keeps a point of x (at the last
** if none does), as the analytical engine counts every kept output as
** completed once (linear-causal's OA sums m1 but keeps only m1 == p1:
** query block p1's output is done in step p1, and the steps after it are
** masked for it).  Reduced loops over more than one rank keep the plain
** rule. */
bool Phase::completes(int x, uint64_t k, unsigned key) {
  Ein &E = ein[(size_t)x];
  bool last = true, one_rank = true;
  int r = -1;
  for (int l : E.reduced) {
    last &= idx(k, l) == size[l] - 1;
    int q = ph->part[ph->shared[l - 1]].rank;
    one_rank &= r < 0 || q == r;
    r = q;
  }
  if (r < 0 || !one_rank || !es_has_preds(ph->c)) return last;
  es_range rg;
  tile_range(x, k, key, rg, nullptr);
  const int64_t lo = rg.lo[r], hi = rg.hi[r];
  /* points of x in [a, b) of rank r, the others as in the tile; a range
  ** of the phase's own ranks, on which es_points cannot fail (if it did:
  ** counted as a point, so not complete early) */
  auto any = [&](int64_t a, int64_t b) {
    rg.lo[r] = a;
    rg.hi[r] = b;
    uint64_t pts = 1;
    at_err ignore;
    if (a < b && es_points(ph->c, ph->e[x].einsum, &rg, &pts, &ignore)) pts = 1;
    return a < b && pts > 0;
  };
  if (any(hi, ph->c->ranks[r].size)) return false;
  return any(lo, hi) || (last && !any(0, lo));
}

/* The elements of each rank einsum x's firing in tile k covers (variant
** key `key`); with pos, its tile position (by rank) is appended. */
void Phase::tile_range(int x, uint64_t k, unsigned key, es_range &rg, std::vector<int64_t> *pos) {
  Ein &E = ein[(size_t)x];
  std::vector<int64_t> ext = E.ext;
  for (size_t i = 0; i < E.ceil_lv.size(); i++) {
    const sc_part *cp = &ph->part[ph->shared[E.ceil_lv[i] - 1]];
    if ((key >> (i + 1) & 1) && cp->tail) ext[(size_t)cp->rank] = cp->tail;
  }
  /* the tile's range: each shared loop it runs under moves its rank's
  ** window by the elements one of its iterations covers */
  es_range_full(ph->c, &rg);
  for (int r = 0; r < ph->c->nranks; r++) {
    int64_t lo = 0, per = ph->c->ranks[r].size;
    for (int l = 1; l <= ph->nshared; l++) {
      const sc_part *sp = &ph->part[ph->shared[l - 1]];
      if (sp->rank != r || !sc_uses(ph, x, ph->shared[l - 1])) continue;
      per = sp->block ? sp->block : per / sp->size;
      lo += (int64_t)idx(k, l) * per;
    }
    rg.lo[r] = lo;
    rg.hi[r] = std::min<int64_t>(lo + ext[(size_t)r], ph->c->ranks[r].size);
    if (pos) pos->push_back(lo);
  }
}

const Var *Phase::variant(int x, uint64_t k) {
  Ein &E = ein[(size_t)x];
  unsigned key = variant_key(x, k);
  std::vector<int64_t> ext = E.ext;
  const sc_einsum *se = &ph->e[x];
  const hw_array *ar = &s->arch->arrays[se->array];
  for (size_t i = 0; i < E.ceil_lv.size(); i++) {
    const sc_part *cp = &ph->part[ph->shared[E.ceil_lv[i] - 1]];
    if ((key >> (i + 1) & 1) && cp->tail) ext[(size_t)cp->rank] = cp->tail;
  }
  es_range rg;
  bool preds = es_has_preds(ph->c);
  std::vector<int64_t> pos{ (int64_t)key };
  tile_range(x, k, key, rg, preds ? &pos : nullptr);
  if (preds && E.at.size() >= kVarCache && !E.at.count(pos)) { E.at.clear(); var_flushes++; }
  Var &V = preds ? E.at[pos] : E.var[key];
  if (V.made) return &V;
  if (sim_einsum_count_in(s, ph, x, &rg, key & 1, &V.cnt, e)) return nullptr;
  V.pe_per = V.cnt.pe_cycles;
  V.par = 1;
  /* a partial tile keeps only the PEs its elements reach busy: per rank,
  ** the product of its spatial parts (on either dimension) up to the
  ** tile's extent in it */
  int64_t span[ES_MAX_RANKS];
  std::fill(span, span + ES_MAX_RANKS, int64_t(0));
  for (int d = 0; d < 2; d++)
    for (int i = 0; i < se->nsp[d]; i++) {
      const sc_part *sp = &ph->part[se->spatial[d][i]];
      span[sp->rank] = span[sp->rank] ? span[sp->rank] * sp->size : sp->size;
    }
  for (int r = 0; r < ph->c->nranks; r++)
    if (span[r]) V.par *= (uint64_t)std::min<int64_t>(span[r], ext[(size_t)r]);
  V.phys = se->fold && (uint64_t)ar->cols < V.par ? (uint64_t)ar->cols : V.par;
  uint64_t bc = 0;
  if (sim_busy_cycles(ar, se, V.pe_per, V.par, &bc) || bc > (uint64_t)INT64_MAX / 4) {
    at_errf(e, "cycle engine: Einsum %s/%s works more than 2^61 cycles per PE per tile", ph->name,
            ph->c->tensors[ph->c->einsums[se->einsum].lhs.tensor].name);
    return nullptr;
  }
  V.busy = std::max<int64_t>(1, (int64_t)bc);
  int64_t rows = ar->rows, p = ar->pipeline_depth, er = ar->edge_registers;
  int64_t skew = rows > 1 ? (rows - 1) + (ar->cols - 1) : 0;
  int64_t drain = ar->results == HW_RESULTS_SHIFT && rows > 1 ? rows : 0;
  /* the shift chain holds the array only when there are results to
  ** shift: a firing that keeps no point (linear-causal's OB off the
  ** diagonal) shifts nothing (sim_kept_firings, the analytical rule) */
  V.occ = E.shifted && V.cnt.pe_cycles > 0 ? std::max(V.busy, rows) : V.busy;
  int64_t last_entry = er + V.busy - 1;
  V.lat_same = V.busy - 1 + std::max<int64_t>(p, 1);
  V.lat_other = last_entry + std::max<int64_t>(p, 1) + drain;
  V.lat_final = last_entry + skew + p + (E.leaves ? drain : 0);
  if (preds && V.cnt.pe_cycles == 0) {
    /* a task that keeps no point computes nothing: its output slice is the
    ** carried one, so nothing skews in, shifts or drains across (before,
    ** the masked tasks of the last key row's AV-only tiles each paid two
    ** column drains: causal-flat at Llama-3.1-8B 4K +3.1%, now +1.3%) */
    V.lat_other = V.lat_same;
    V.lat_final = V.lat_same;
  }
  V.made = true;
  return &V;
}

/* The moves of tensor t's tile for einsum x when the loops of its nest
** down to `at` (all, if at < 0) sit above the tile: the loops out to the
** innermost one that indexes t (and is a loop: more than one iteration)
** decide when the tile changes; the shared ones among them pin which tile
** it is, its own irrelevant ones re-fetch it within a firing, and the
** shared loops inside must be at their first iteration (sim/README.md). */
static int add_mover(Phase &P, const std::vector<int> &level_of, int t, int x, MoveKind kind, int at) {
  const sc_phase *ph = P.ph;
  const sc_einsum *se = &ph->e[x];
  Mover mv;
  mv.t = t;
  mv.x = x;
  mv.kind = kind;
  int n = se->nloop, inner = -1;
  if (at >= 0)
    for (int i = 0; i < se->nloop; i++)
      if (se->loop[i] == at) { n = i + 1; break; }
  for (int i = 0; i < n; i++)
    if (ph->part[se->loop[i]].size > 1 && sc_relevant(ph, se->loop[i], t)) inner = i;
  if (kind == MV_WRITE) inner = -1;   /* a write fires with the output complete: pinned by every shared loop */
  for (int i = 0; i < se->nloop; i++) {
    int p = se->loop[i], lv = level_of[(size_t)p];
    if (kind == MV_WRITE) { if (lv >= 0) mv.pin.push_back(lv); continue; }
    if (i <= inner) {
      if (lv >= 0) mv.pin.push_back(lv);
      else if (!sc_relevant(ph, p, t) && at_mul64(mv.mult, (uint64_t)ph->part[p].size, &mv.mult))
        return at_errf(P.e, "re-fetches of %s overflow 64 bits", ph->c->tensors[t].name);
    } else if (lv >= 0) {
      mv.zero.push_back(lv);
    }
  }
  /* an amortised reader (linear-causal's KVB, outside p1) reads a staged
  ** tile that stays resident over the shared loops inside `at` it does not
  ** iterate: the tile arrived at their first iteration, and another reader
  ** fetching it there is the same fetch (the analytical engine's one
  ** fetch per residency, the most of any reader) */
  if (kind == MV_FETCH && at >= 0 && level_of[(size_t)at] >= 0)
    for (int k = 0; k < ph->nshared; k++)
      if (k + 1 > level_of[(size_t)at] && !sc_uses(ph, x, ph->shared[k])) mv.early.push_back(k + 1);
  if ((kind == MV_FETCH || kind == MV_STREAM) ? sim_read_maskable(ph, t) : kind == MV_BUF_READ && sim_buf_read_maskable(ph, t)) {
    int lv[SC_MAX_LOOPS];
    mv.mlv.assign(lv, lv + sim_read_pins(ph, x, t, at, lv));
    mv.masked = true;
  }
  P.movers.push_back(mv);
  return 0;
}

/* The per-tile traffic enumeration's tables: each tensor's dims by level,
** and who moves its tiles. */
static int traffic_setup(Phase &P) {
  const sc_phase *ph = P.ph;
  const es_cascade *c = ph->c;
  std::vector<int> level_of((size_t)ph->nparts, -1);
  level_of[SC_BATCH] = 0;
  for (int k = 0; k < ph->nshared; k++) level_of[(size_t)ph->shared[k]] = k + 1;
  P.tdim.assign((size_t)c->ntensors, {});
  P.moved.assign((size_t)c->ntensors * SIM_MOVE_COUNT, 0);
  P.fires.assign((size_t)ph->ne, 0);
  for (int t = 0; t < c->ntensors; t++) {
    const es_tensor *T = &c->tensors[t];
    const sc_storage *st = &ph->st[t];
    uint64_t el = 0, live = 0;
    at_err ignore;
    if (es_footprint(c, t, &el, &live, &ignore)) continue;   /* as the reuse analysis: it never moves */
    for (int d = 0; d < T->ndims; d++) {
      TDim td;
      td.rank = T->dim[d];
      td.iter = d == T->iter_dim;
      uint64_t prod = 1;
      for (int k = 0; k < ph->nshared; k++) {
        const sc_part *sp = &ph->part[ph->shared[k]];
        if (sp->rank != td.rank && c->ranks[sp->rank].parent != td.rank) continue;
        td.lv.push_back(k + 1);
        if (!sp->block) prod *= (uint64_t)sp->size;   /* at most the rank's size if it divides */
      }
      if (prod > (uint64_t)c->ranks[td.rank].size || (uint64_t)c->ranks[td.rank].size % prod)
        return at_errf(P.e, "cycle engine cannot execute phase %s: the shared loops over rank %s do not divide it (tensor %s)",
                       ph->name, c->ranks[td.rank].name, T->name);
      P.tdim[(size_t)t].push_back(td);
    }
    int staged = st->home == SC_BUFFER || (st->home == SC_DRAM && st->keep_at >= 0);
    for (int x = 0; x < ph->ne; x++) {
      const es_einsum *E = &c->einsums[ph->e[x].einsum];
      if (E->lhs.tensor == t && (staged || st->home == SC_DRAM) && add_mover(P, level_of, t, x, MV_WRITE, -1)) return -1;
      if (!sim_reads(E->rhs, t)) continue;
      if (st->home == SC_DRAM && add_mover(P, level_of, t, x, st->keep_at >= 0 ? MV_FETCH : MV_STREAM, st->keep_at))
        return -1;
      if (!((st->forward >> x) & 1) && staged && add_mover(P, level_of, t, x, MV_BUF_READ, -1)) return -1;
    }
  }
  return 0;
}

/* Builds the per-Einsum costs of a phase; -1 with e if the engine cannot
** execute it. */
static int setup(Phase &P) {
  const sc_schedule *s = P.s;
  const sc_phase *ph = P.ph;
  const hw_arch *a = s->arch;
  P.W = P.o->window > 0 ? P.o->window : ph->window > 0 ? ph->window : 2;
  P.prefetch = ph->prefetch;
  P.sequential = ph->policy == SC_SEQUENTIAL;
  if (P.sequential) P.W = 1;
  P.nlev = 1 + ph->nshared;
  P.size.resize((size_t)P.nlev);
  P.stride.resize((size_t)P.nlev);
  P.size[0] = (uint64_t)ph->part[SC_BATCH].size;
  for (int k = 0; k < ph->nshared; k++) P.size[(size_t)k + 1] = (uint64_t)ph->part[ph->shared[k]].size;
  uint64_t st = 1;
  for (int l = P.nlev - 1; l >= 0; l--) {
    P.stride[(size_t)l] = st;
    if (at_mul64(st, P.size[(size_t)l], &st)) return at_errf(P.e, "cycle engine: phase %s has more than 2^64 tiles", ph->name);
  }
  P.ntiles = st;
  for (int k = 0; k < ph->nshared; k++)
    if (ph->c->iter_rank >= 0 && ph->part[ph->shared[k]].rank == ph->c->iter_rank) P.carry_level = k + 1;
  if (ph->policy == SC_PIPELINED) {
    for (int k = 0; k < ph->nepoch; k++) {
      if (ph->epoch[k] == SC_BATCH) P.epoch_levels.push_back(0);
      for (int j = 0; j < ph->nshared; j++) if (ph->shared[j] == ph->epoch[k]) P.epoch_levels.push_back(j + 1);
    }
  }
  P.ein.resize((size_t)ph->ne);
  P.cnt.assign((size_t)ph->ne, sim_ecount{});
  P.busy.assign((size_t)ph->ne, 0);
  P.stall.assign((size_t)a->n_arrays, std::array<uint64_t, SIM_S_COUNT>{});
  P.idle_from.assign((size_t)a->n_arrays, -1);
  P.snap.resize((size_t)P.nlev);
  for (int x = 0; x < ph->ne; x++) {
    Ein &E = P.ein[(size_t)x];
    const sc_einsum *se = &ph->e[x];
    E.array = se->array;
    E.in_tile = se->in_tile;
    int t = ph->c->einsums[se->einsum].lhs.tensor;
    const char *tn = ph->c->tensors[t].name;
    /* results leave the array: stored, the output, or read by another array */
    E.leaves = ph->st[t].home != SC_REGS || ph->c->tensors[t].is_output;
    for (int q = 0; q < ph->ne; q++) {
      int dq[SC_MAX_EINSUMS], nq = sim_deps(ph, q, SIM_DEP_ALL, dq);
      for (int i = 0; i < nq; i++)
        if (dq[i] == x && ph->e[q].array != se->array) {
          E.leaves = true;
          bool have = false;
          for (auto &f : E.feeds) have |= f.first == q;
          if (!have) E.feeds.push_back({ q, ph->e[q].array });
        }
    }
    E.shifted = sim_shifts_out(s, ph, x);   /* the analytical engine's rule too */
    /* elements of each rank one tile covers: the parts the shared loops it
    ** runs under leave inside the tile */
    E.ext.assign((size_t)ph->c->nranks, 1);
    std::vector<int> shared_used((size_t)ph->c->nranks, 0);
    for (int k = 0; k < ph->nshared; k++) {
      const sc_part *sp = &ph->part[ph->shared[k]];
      if (!sc_uses(ph, x, ph->shared[k])) continue;
      shared_used[(size_t)sp->rank]++;
      if (sp->block) E.ceil_lv.push_back(k + 1);
      if (!sc_relevant(ph, ph->shared[k], t) && sp->size > 1) E.reduced.push_back(k + 1);
    }
    for (int p = 1; p < ph->nparts; p++) {
      const sc_part *sp = &ph->part[p];
      bool is_shared = false;
      for (int k = 0; k < ph->nshared; k++) is_shared |= ph->shared[k] == p && sc_uses(ph, x, p);
      if (!is_shared) E.ext[(size_t)sp->rank] *= sp->size;
    }
    for (int r = 0; r < ph->c->nranks; r++) {
      bool has_ceil = false;
      for (int p = 1; p < ph->nparts; p++) has_ceil |= ph->part[p].rank == r && ph->part[p].block;
      if (!has_ceil) continue;
      if (shared_used[(size_t)r] > 1)
        return at_errf(P.e, "cycle engine cannot execute phase %s: rank %s has a 'ceil' part and another shared loop (Einsum %s)",
                       ph->name, ph->c->ranks[r].name, tn);
      if (!shared_used[(size_t)r]) E.ext[(size_t)r] = ph->c->ranks[r].size;   /* the whole rank in every tile */
    }
    if (E.ceil_lv.size() > 3)
      return at_errf(P.e, "cycle engine cannot execute phase %s: Einsum %s runs under more than 3 'ceil' loops", ph->name, tn);
    int dep[SC_MAX_EINSUMS];
    int nd = sim_deps(ph, x, se->in_tile ? SIM_DEP_TILE : SIM_DEP_FIRED, dep);
    for (int i = 0; i < nd; i++)
      if (dep[i] != x && (ph->e[dep[i]].in_tile || !se->in_tile)) E.dep.push_back(dep[i]);
    /* a carried slice comes from the producer's task one iteration of the
    ** carried loop earlier: in-tile Einsums, or two that fire in the same
    ** tiles (a shared loop over a reduced rank, inside the carried loop,
    ** that neither iterates); waiting for it in the same tile would wait
    ** for the next slice, which waits for this task */
    nd = sim_deps(ph, x, SIM_DEP_CARRIED, dep);
    for (int i = 0; i < nd; i++) {
      bool same = ph->e[dep[i]].in_tile == se->in_tile;
      for (int k = 0; k < ph->nshared && same; k++)
        same = sc_uses(ph, x, ph->shared[k]) == sc_uses(ph, dep[i], ph->shared[k]);
      if ((ph->e[dep[i]].in_tile && se->in_tile) || same) E.carried.push_back(dep[i]);
    }
    for (int k = 0; k < ph->nshared; k++) if (!sc_uses(ph, x, ph->shared[k])) E.unused.push_back(k + 1);
  }
  if (traffic_setup(P)) return -1;
  P.bpc = a->dram.bandwidth_Bps / a->clock_hz;
  P.rows_per_cycle = (uint64_t)a->buffer.banks * (uint64_t)a->buffer.ports;
  P.dram_latency = a->dram.latency_cycles;
  return 0;
}

/* SystemC elaborates once per context: each phase gets a fresh one. */
struct Context {
  Context() {
    setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 1);
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    sc_core::sc_set_time_resolution(1, SC_NS);
  }
  ~Context() {
    delete sc_core::sc_curr_simcontext;
    sc_core::sc_curr_simcontext = nullptr;
    sc_core::sc_default_global_context = nullptr;
  }
};

/* Runs one phase; its cycles (the last result's cycle + 1) in *cycles. */
static int run_phase(Phase &P, int64_t *cycles, std::vector<uint64_t> &stepped, sim_result *r) {
  if (setup(P)) return -1;
  {
    Context ctx;
    P.kick_ev = std::make_unique<sc_event>("kick");
    P.kick_ctrl_ev = std::make_unique<sc_event>("kick_ctrl");
    for (int k = 0; k < P.s->arch->n_arrays; k++) {
      char name[32];
      snprintf(name, sizeof name, "array_%d", k);
      P.arrays.push_back(std::make_unique<ArrayMod>(name, &P, k));
    }
    P.ctrl = std::make_unique<Ctrl>("ctrl", &P);
    sc_core::sc_trace_file *vcd = nullptr;
    if (P.record && P.o->vcd) {
      /* SystemC appends ".vcd"; a phase after the first gets its name too */
      std::string name = P.o->vcd;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".vcd") == 0) name.resize(name.size() - 4);
      if (P.ph != &P.s->phase[0]) name += std::string("-") + P.ph->name;
      vcd = sc_core::sc_create_vcd_trace_file(name.c_str());
      vcd->set_time_unit(1, SC_NS);
      for (auto &am : P.arrays) {
        std::string an = P.s->arch->arrays[am->id].name;
        sc_core::sc_trace(vcd, am->busy_sig, "array_" + an + ".busy");
        sc_core::sc_trace(vcd, am->einsum_sig, "array_" + an + ".einsum");
        sc_core::sc_trace(vcd, am->stall_sig, "array_" + an + ".stall");
      }
    }
    try {
      sc_core::sc_start();
    } catch (const std::exception &ex) {
      P.arrays.clear();
      P.ctrl.reset();
      P.kick_ev.reset();
    P.kick_ctrl_ev.reset();
      return at_errf(P.e, "cycle engine: SystemC: %s", ex.what());
    }
    for (size_t k = 0; k < P.arrays.size(); k++) stepped[k] += P.arrays[k]->stepped;
    if (vcd) sc_core::sc_close_vcd_trace_file(vcd);
    P.arrays.clear();
    P.ctrl.reset();
    P.kick_ev.reset();
    P.kick_ctrl_ev.reset();
  }
  if (P.failed) return -1;
  if (getenv("ATTNSIM_CYCLE_DEBUG"))
    fprintf(stderr, "cycle engine: phase %s: %llu tiles, %llu extrapolated, %llu in skip runs, %lld cycles, "
            "%llu cache flushes\n", P.ph->name, (unsigned long long)P.ntiles, (unsigned long long)P.extrapolated,
            (unsigned long long)P.skip_jumped, (long long)P.final_logical, (unsigned long long)P.var_flushes);
  for (const Tile &tl : P.tiles)
    if (tl.nstarted < (int)tl.t.size()) return at_errf(P.e, "cycle engine: phase %s deadlocked (a task never became ready)", P.ph->name);
  if (P.next_k < P.ntiles) return at_errf(P.e, "cycle engine: phase %s stopped before its last tile", P.ph->name);
  *cycles = P.final_logical;
  for (size_t k = 0; k < P.stall.size() && k < SIM_MAX_ARRAYS; k++) {
    /* after its last task the array waits for the run's last result */
    int64_t last = P.idle_from[k] < 0 ? 0 : P.idle_from[k] + P.offset;
    if (P.idle_from[k] < 0) P.stall[k][SIM_S_FILL] += (uint64_t)P.final_logical;
    else if (P.final_logical > last) P.stall[k][SIM_S_DRAIN] += (uint64_t)(P.final_logical - last);
    for (int c = 0; c < SIM_S_COUNT; c++)
      if (at_add64(r->stall[k][c], P.stall[k][(size_t)c], &r->stall[k][c])) return at_errf(P.e, "stall cycles overflow 64 bits");
  }
  return 0;
}

/* A task slice of the whole run, for --trace. */
struct RunSlice { int phase; Phase::Slice sl; int64_t base; };

int cycle_run(const sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e, bool record,
              std::vector<RunSlice> *slices, sim_data *dm) {
  const hw_arch *a = s->arch;
  sim_ecount cost[SC_MAX_PHASES][SC_MAX_EINSUMS];
  uint64_t busy[SC_MAX_PHASES][SC_MAX_EINSUMS];
  std::memset(cost, 0, sizeof cost);
  std::memset(busy, 0, sizeof busy);
  std::memset(&r->act, 0, sizeof r->act);
  std::memset(r->stall, 0, sizeof r->stall);
  std::vector<uint64_t> stepped((size_t)a->n_arrays, 0);
  int64_t total = 0;
  double mem = 0;
  for (int i = 0; i < s->nphases; i++) {
    Phase P;
    P.s = s;
    P.ph = &s->phase[i];
    P.o = o;
    P.e = e;
    P.record = record;
    P.dm = dm;
    int64_t c = 0;
    if (run_phase(P, &c, stepped, r)) return -1;
    if (slices)
      for (const Phase::Slice &sl : P.slices) slices->push_back(RunSlice{ i, sl, i ? total + 1 : 0 });
    /* phases run back to back: the next starts the cycle after */
    total += i ? c + 1 : c;
    for (int x = 0; x < P.ph->ne; x++) {
      cost[i][x] = P.cnt[(size_t)x];
      busy[i][x] = P.busy[(size_t)x];
      if (sim_add_counts(&r->act.array[P.ph->e[x].array], &cost[i][x], e)) return -1;
    }
    /* the traffic the tiles enumerated, under the engines' one spill and row rule */
    sim_actions tr{};
    uint64_t dram = 0;
    for (int t = 0; t < P.ph->c->ntensors; t++)
      if (sim_tensor_traffic(s, P.ph, t, &P.moved[(size_t)t * SIM_MOVE_COUNT], &tr, e)) return -1;
    if (sim_add_traffic(&r->act, &tr, &dram, e)) return -1;
    mem += std::ceil((double)dram / (a->dram.bandwidth_Bps / a->clock_hz));
  }
  if (o->full)
    for (int k = 0; k < a->n_arrays; k++)
      if (stepped[(size_t)k] != r->act.array[k].pe_cycles)
        return at_errf(e, "cycle engine: array %s stepped %llu PE-cycles, its tasks count %llu", a->arrays[k].name,
                       (unsigned long long)stepped[(size_t)k], (unsigned long long)r->act.array[k].pe_cycles);
  if (sim_report(s, cost, busy, (double)total, r, e)) return -1;
  r->compute_cycles = r->cycles;
  r->memory_cycles = (uint64_t)mem;
  uint64_t top = 0;
  const char *b = "memory";
  for (int k = 0; k < a->n_arrays; k++)
    if (r->array_busy[k] > top) { top = r->array_busy[k]; b = a->arrays[k].name; }
  if (r->memory_cycles > top) b = "memory";
  snprintf(r->bound, sizeof r->bound, "%s", b);
  return 0;
}

}  // namespace

/* Chrome/Perfetto trace-event JSON: one track per array and one for the
** DRAM channel, a slice per task (1 us on the time axis = 1 cycle).  The
** file is written beside and renamed into place: never half-written. */
static int write_trace(const sc_schedule *s, const std::vector<RunSlice> &sl, const char *path, at_err *e) {
  std::string tmp = std::string(path) + ".tmp";
  FILE *f = fopen(tmp.c_str(), "w");
  if (!f) return at_errf(e, "%s: cannot write: %s", path, strerror(errno));
  const hw_arch *a = s->arch;
  fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
  fprintf(f, "{\"ph\":\"M\",\"pid\":1,\"name\":\"process_name\",\"args\":{\"name\":\"attnsim cycle engine (1 us = 1 cycle)\"}}");
  for (int k = 0; k <= a->n_arrays; k++)
    fprintf(f, ",\n{\"ph\":\"M\",\"pid\":1,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":\"%s%s\"}}", k,
            k < a->n_arrays ? "array " : "DRAM", k < a->n_arrays ? a->arrays[k].name : "");
  for (const RunSlice &r : sl) {
    const sc_phase *ph = &s->phase[r.phase];
    const char *name = r.sl.x >= 0 ? ph->c->tensors[ph->c->einsums[ph->e[r.sl.x].einsum].lhs.tensor].name : "tile bytes";
    fprintf(f, ",\n{\"ph\":\"X\",\"pid\":1,\"tid\":%d,\"name\":\"%s/%s\",\"ts\":%lld,\"dur\":%lld,\"args\":{\"tile\":%llu",
            r.sl.track, ph->name, name, (long long)(r.base + r.sl.S), (long long)r.sl.dur, (unsigned long long)r.sl.k);
    /* a DRAM request: the bytes it reads (fetches gating the tile) and writes back */
    if (r.sl.x < 0) fprintf(f, ",\"read_bytes\":%.17g,\"write_bytes\":%.17g", r.sl.rd, r.sl.wr);
    fprintf(f, "}}");
  }
  fprintf(f, "\n]}\n");
  if (fclose(f) || rename(tmp.c_str(), path)) {
    remove(tmp.c_str());
    return at_errf(e, "%s: cannot write: %s", path, strerror(errno));
  }
  return 0;
}

/* The timed run, with the value model when o->data (opened before the
** run so a refusal costs nothing, compared after it). */
static int timed_run(const sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  if (!o->data) return cycle_run(s, o, r, e, false, nullptr, nullptr);
  sim_data *dm = nullptr;
  if (sim_data_open(s, o, &dm, e)) return -1;
  int rc = cycle_run(s, o, r, e, false, nullptr, dm);
  if (!rc) rc = sim_data_finish(dm, r, e);   /* drains the firings still running, then compares */
  if (rc) r->data.diverged = sim_data_diverged(dm);
  sim_data_close(dm);
  return rc;
}

extern "C" int sim_cycle(const sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  try {
    if (!o->trace && !o->vcd) return timed_run(s, o, r, e);
    /* time the run first: a trace of a long one would be gigabytes */
    uint64_t limit = o->trace_limit ? o->trace_limit : 10000000;
    if (timed_run(s, o, r, e)) return -1;
    if (r->cycles > limit)
      return at_errf(e, "the run is %llu cycles, longer than the trace limit of %llu: trace a smaller point or "
                     "raise --trace-limit", (unsigned long long)r->cycles, (unsigned long long)limit);
    std::vector<RunSlice> sl;
    sim_result again;
    std::memset(&again, 0, sizeof again);
    if (cycle_run(s, o, &again, e, true, &sl, nullptr)) return -1;
    if (again.cycles != r->cycles)
      return at_errf(e, "cycle engine: the traced run took %llu cycles, the extrapolated one %llu",
                     (unsigned long long)again.cycles, (unsigned long long)r->cycles);
    return o->trace ? write_trace(s, sl, o->trace, e) : 0;
  } catch (const std::exception &ex) {
    return at_errf(e, "cycle engine: %s", ex.what());
  }
}

extern "C" {
static int cycle_entry(const struct sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  return sim_cycle(s, o, r, e);
}
const sim_engine sim_engine_cycle = { "cycle", cycle_entry };
static int cycle_data_entry(const struct sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  sim_engine_opts d = *o;
  if (!d.data) d.seed = 1;
  d.data = 1;
  return sim_cycle(s, &d, r, e);
}
const sim_engine sim_engine_cycle_data = { "cycle-data", cycle_data_entry };
static int rtl_entry(const struct sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  sim_engine_opts d = *o;
  if (!d.data) d.seed = 1;
  d.data = 1;
  if (sim_data_use_rtl(&d, e)) return -1;
  return sim_cycle(s, &d, r, e);
}
const sim_engine sim_engine_rtl = { "rtl", rtl_entry };
}

