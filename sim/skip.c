/*
** skip.c: masked tiles move no data.  With predicates or block masks, a
** DRAM read of an input's tile (a fetch into the buffer, a streamed read)
** is skipped, with its fill, when the one Einsum that reads the input keeps no point in
** the block the read's pinning loops fix: K and V tiles above the causal
** diagonal, outside a window or in a masked block never leave DRAM.  A
** staged input's read from the buffer is skipped the same way, per reader
** (each reads its own).  One
** rule for both engines: the analytical engine counts the kept positions
** (sim_read_count), the cycle engine asks at each move (sim_read_kept).
*/
#include "sim_int.h"

#include <stdio.h>
#include <string.h>

/* Most positions the analytical engine enumerates for one read (a 1M-token
** causal phase on 256-wide tiles has 2^24 K-tile positions per head). */
#define SKIP_MAX_POSITIONS ((uint64_t)1 << 26)
/* Most positions for the rules that are refinements, not needed for a
** count to be exact (buffer reads, the shift chain): past it they apply
** to no position, in both engines.  Each position costs an es_points
** call; the buffer reads of causal-fusemax at 1M pin (p2, m1, p1), 2^24
** positions, and took the analytical engine 150 s. */
#define SKIP_FAST_POSITIONS ((uint64_t)1 << 16)

/* Positions of the levels among lv[0..n) a predicate can tell apart for
** einsum x (the rest repeat their answer), capped past the fast limit. */
static uint64_t telling_positions(const sc_phase *ph, int x, const int *lv, int n);

/* Whether einsum x's loops down to part `at` (-1: all) are all shared
** (or the batch): no own loop above the tile re-fetches it within a
** firing. */
static int only_shared(const sc_phase *ph, int x, int at) {
  for (int i = 0; i < ph->e[x].nloop; i++) {
    int sh = ph->e[x].loop[i] == SC_BATCH;
    for (int k = 0; k < ph->nshared; k++) sh |= ph->shared[k] == ph->e[x].loop[i];
    if (!sh) return 0;
    if (ph->e[x].loop[i] == at) break;
  }
  return 1;
}

/* The input rule both read skips share. */
static int maskable_input(const sc_phase *ph, int t) {
  const es_cascade *c = ph->c;
  if (!es_has_preds(c) || !c->tensors[t].is_input || c->tensors[t].is_mask || c->tensors[t].iter_dim >= 0) return 0;
  /* a `ceil` part's tail tiles move fewer bytes than the others: the
  ** analytical engine's count assumes equal tiles */
  for (int p = 1; p < ph->nparts; p++)
    if (ph->part[p].block) return 0;
  return 1;
}

int sim_buf_read_maskable(const sc_phase *ph, int t) {
  if (!maskable_input(ph, t)) return 0;
  for (int x = 0; x < ph->ne; x++) {
    if (!sim_reads(ph->c->einsums[ph->e[x].einsum].rhs, t)) continue;
    int lv[SC_MAX_LOOPS], n = sim_read_pins(ph, x, t, -1, lv);
    if (telling_positions(ph, x, lv, n) > SKIP_FAST_POSITIONS) return 0;
  }
  return 1;
}

int sim_read_maskable(const sc_phase *ph, int t) {
  const es_cascade *c = ph->c;
  if (!maskable_input(ph, t)) return 0;
  /* several readers: only if their reads move the same tiles at the same
  ** positions (the same pinning levels, no own loop re-fetching), so a
  ** position moves its tile when any reader keeps a point there, in both
  ** engines (a fetch shared by readers of different nests would need a
  ** per-tile max); linear-causal's Q, read by QKI and OB at m1 == p1 */
  int readers = 0, np = 0, pins[SC_MAX_LOOPS], all_shared = 1, same = 1;
  for (int x = 0; x < ph->ne; x++) {
    if (!sim_reads(c->einsums[ph->e[x].einsum].rhs, t)) continue;
    int lv[SC_MAX_LOOPS], n = sim_read_pins(ph, x, t, ph->st[t].keep_at, lv);
    if (readers++ == 0) {
      np = n;
      memcpy(pins, lv, (size_t)n * sizeof *lv);
    } else {
      same &= n == np && !memcmp(lv, pins, (size_t)n * sizeof *lv);
    }
    all_shared &= only_shared(ph, x, ph->st[t].keep_at);
  }
  return readers == 1 || (readers > 1 && same && all_shared);
}

int sim_read_pins(const sc_phase *ph, int x, int t, int at, int *lv) {
  const sc_einsum *se = &ph->e[x];
  int n = se->nloop, inner = -1, np = 0;
  if (at >= 0)
    for (int i = 0; i < se->nloop; i++)
      if (se->loop[i] == at) { n = i + 1; break; }
  for (int i = 0; i < n; i++)
    if (ph->part[se->loop[i]].size > 1 && sc_relevant(ph, se->loop[i], t)) inner = i;
  /* as the cycle engine's movers: the shared loops out to the innermost
  ** one that indexes t fix which tile moves (the batch loop aside: no
  ** predicate reads it) */
  for (int i = 0; i <= inner; i++)
    for (int k = 0; k < ph->nshared; k++)
      if (ph->shared[k] == se->loop[i]) lv[np++] = k + 1;
  return np;
}

int sim_read_kept(const sc_phase *ph, int x, const int *lv, const uint64_t *idx, int n, int *kept, at_err *e) {
  const es_cascade *c = ph->c;
  es_range rg;
  es_range_full(c, &rg);
  for (int r = 0; r < c->nranks; r++) {
    int64_t lo = 0, per = c->ranks[r].size;
    int pinned = 0;
    for (int i = 0; i < n; i++) {
      int p = ph->shared[lv[i] - 1];
      const sc_part *sp = &ph->part[p];
      if (sp->rank != r || !sc_uses(ph, x, p)) continue;
      per /= sp->size;
      lo += (int64_t)idx[i] * per;
      pinned = 1;
    }
    if (!pinned) continue;
    rg.lo[r] = lo;
    rg.hi[r] = lo + per < c->ranks[r].size ? lo + per : c->ranks[r].size;
  }
  uint64_t pts;
  if (es_points(c, ph->e[x].einsum, &rg, &pts, e)) return -1;
  *kept = pts > 0;
  return 0;
}

/* Whether a predicate or mask can tell apart the blocks of rank r: it
** names r, the rank r was split from, or a part of r. */
static int pred_rank(const es_cascade *c, int r) {
  uint32_t named = 0;
  for (int i = 0; i < c->npreds; i++) named |= c->preds[i].ranks;
  for (int q = 0; q < c->nranks; q++)
    if ((named >> q & 1) && (q == r || c->ranks[r].parent == q || c->ranks[q].parent == r)) return 1;
  return 0;
}

/* Of the positions the levels pins[0..np) take, how many keep a point
** (*kept) out of *total: a point of x, or with t >= 0 and at >= 0 (a
** staged tile of t, shared) a point of any reader of t.  what: the count's
** name for an error. */
static int kept_positions(const sc_phase *ph, int x, int t, int at, const int *pins, int np, const char *what,
                          uint64_t *kept, uint64_t *total, at_err *e) {
  int lv[SC_MAX_LOOPS], n = 0;
  uint64_t idx[SC_MAX_LOOPS] = { 0 }, all = 1, same = 1;
  /* a level no predicate can tell apart (a head, say) repeats the others'
  ** answer: enumerate the rest, multiply by it */
  for (int i = 0; i < np; i++) {
    const sc_part *sp = &ph->part[ph->shared[pins[i] - 1]];
    int tells = pred_rank(ph->c, sp->rank) && sc_uses(ph, x, ph->shared[pins[i] - 1]);
    if (tells) lv[n++] = pins[i];
    if (at_mul64(tells ? all : same, (uint64_t)sp->size, tells ? &all : &same) || all > SKIP_MAX_POSITIONS)
      return at_errf(e, "%s: more than %llu tile positions to check against the predicates", what,
                     (unsigned long long)SKIP_MAX_POSITIONS);
  }
  uint64_t in_all = 0;
  for (uint64_t k = 0; k < all; k++) {
    int in = 0;
    /* a staged tile (at >= 0) is fetched for every reader: a position
    ** moves it when any keeps a point there (sim_read_maskable: the
    ** readers pin the same levels); a streamed read is x's own */
    for (int y = 0; y < ph->ne && !in; y++) {
      if (y != x && (t < 0 || at < 0 || !sim_reads(ph->c->einsums[ph->e[y].einsum].rhs, t))) continue;
      if (sim_read_kept(ph, y, lv, idx, n, &in, e)) return -1;
    }
    in_all += (uint64_t)in;
    for (int i = n - 1; i >= 0; i--) {        /* the next position, innermost fastest */
      if (++idx[i] < (uint64_t)ph->part[ph->shared[lv[i] - 1]].size) break;
      idx[i] = 0;
    }
  }
  if (at_mul64(all, same, total) || at_mul64(in_all, same, kept))
    return at_errf(e, "%s: tile positions overflow 64 bits", what);
  return 0;
}

int sim_read_count(const sc_phase *ph, int x, int t, int at, uint64_t *kept, uint64_t *total, at_err *e) {
  int pins[SC_MAX_LOOPS];
  int np = sim_read_pins(ph, x, t, at, pins);
  char what[80];
  snprintf(what, sizeof what, "reads of %s", ph->c->tensors[t].name);
  return kept_positions(ph, x, t, at, pins, np, what, kept, total, e);
}

int sim_kept_firings(const sc_phase *ph, int x, uint64_t *n, at_err *e) {
  *n = sim_firings(ph, x);
  if (!es_has_preds(ph->c)) return 0;
  int pins[SC_MAX_LOOPS], np = 0;
  for (int k = 0; k < ph->nshared; k++)
    if (sc_uses(ph, x, ph->shared[k])) pins[np++] = k + 1;
  if (telling_positions(ph, x, pins, np) > SKIP_FAST_POSITIONS) return 0;   /* every firing, as without predicates */
  char what[80];
  snprintf(what, sizeof what, "firings of Einsum %s", ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name);
  uint64_t kept, total;
  if (kept_positions(ph, x, -1, -1, pins, np, what, &kept, &total, e)) return -1;
  if (at_mul64(kept, (uint64_t)ph->part[SC_BATCH].size, n)) return at_errf(e, "%s overflow 64 bits", what);
  return 0;
}

static uint64_t telling_positions(const sc_phase *ph, int x, const int *lv, int n) {
  uint64_t all = 1;
  for (int i = 0; i < n; i++) {
    int p = ph->shared[lv[i] - 1];
    if (!pred_rank(ph->c, ph->part[p].rank) || !sc_uses(ph, x, p)) continue;
    if (at_mul64(all, (uint64_t)ph->part[p].size, &all) || all > SKIP_FAST_POSITIONS) return SKIP_FAST_POSITIONS + 1;
  }
  return all;
}
