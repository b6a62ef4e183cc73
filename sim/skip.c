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
#include <stdlib.h>
#include <string.h>

/* Most positions the analytical engine enumerates for one read (a 1M-token
** causal phase on 256-wide tiles has 2^24 K-tile positions per head). */
#define SKIP_MAX_POSITIONS ((uint64_t)1 << 26)
/* Distinct values of a class key (kept_by_classes) counted at most. */
#define SKIP_MAX_CLASSES ((int64_t)1 << 22)

/* Whether the rules that are refinements, not needed for a count to be
** exact (buffer reads, the shift chain), apply to einsum x's positions
** over pins[0..np): always when they group into classes, else (a block
** mask reads a pinned rank: each position is data) up to
** SKIP_FAST_POSITIONS of them; past that every tile reads and every firing
** pays its chain, in both engines.  Before the classes every read was
** capped so: causal-fusemax at 1M pins 2^24 positions for Q's buffer reads
** (150 s enumerated, 2.4 s capped, 0.08 s by classes). */
#define SKIP_FAST_POSITIONS ((uint64_t)1 << 16)
static int refinable(const sc_phase *ph, int x, const int *pins, int np);

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
    if (!refinable(ph, x, lv, n)) return 0;
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

/* The tile levels lv[0..n) fix at idx[0..n) for einsum x, as a range. */
static void read_range(const sc_phase *ph, int x, const int *lv, const uint64_t *idx, int n, es_range *rgp) {
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
  *rgp = rg;
}

int sim_read_kept(const sc_phase *ph, int x, const int *lv, const uint64_t *idx, int n, int *kept, at_err *e) {
  es_range rg;
  uint64_t pts;
  read_range(ph, x, lv, idx, n, &rg);
  if (es_points(ph->c, ph->e[x].einsum, &rg, &pts, e)) return -1;
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

/* The telling levels of pins[0..np) for einsum x (lv[0..*n)), and the
** positions they take (*all) and the others repeat (*same): a level no
** predicate can tell apart (a head, say) repeats the others' answer. */
static int telling_levels(const sc_phase *ph, int x, const int *pins, int np, const char *what, int *lv, int *n,
                          uint64_t *all, uint64_t *same, at_err *e) {
  *n = 0;
  *all = *same = 1;
  for (int i = 0; i < np; i++) {
    const sc_part *sp = &ph->part[ph->shared[pins[i] - 1]];
    int tells = pred_rank(ph->c, sp->rank) && sc_uses(ph, x, ph->shared[pins[i] - 1]);
    if (tells) lv[(*n)++] = pins[i];
    if (at_mul64(tells ? *all : *same, (uint64_t)sp->size, tells ? all : same))
      return at_errf(e, "%s: tile positions overflow 64 bits", what);
  }
  return 0;
}

/* Einsum y reads t (for every y when t < 0 or at < 0: then only x counts). */
static int counts_for(const sc_phase *ph, int x, int t, int at, int y) {
  return y == x || (t >= 0 && at >= 0 && sim_reads(ph->c->einsums[ph->e[y].einsum].rhs, t));
}

/* The readers a position asks (counts_for), each with its count prepared
** once (es_counter) and read_range's arithmetic laid out for the many
** positions asked: rank r of reader y's tile starts at the sum of idx[i]
** step[i] over the levels i on r and spans per[r]. */
typedef struct readers {
  int n;
  int y[SC_MAX_EINSUMS];
  es_counter *k[SC_MAX_EINSUMS];
  es_range full;                          /* the cascade's whole range */
  int64_t step[SC_MAX_EINSUMS][SC_MAX_LOOPS];   /* 0: level i does not move y's tile */
  int rank[SC_MAX_EINSUMS][SC_MAX_LOOPS];
  int64_t per[SC_MAX_EINSUMS][ES_MAX_RANKS];
  uint32_t pinned[SC_MAX_EINSUMS];        /* ranks some level moves */
} readers;

/* The readers over levels lv[0..n); counters prepared if k (else each
** position is counted from scratch, sim_read_kept, for the few classes). */
static int readers_open(const sc_phase *ph, int x, int t, int at, const int *lv, int n, int k, readers *R, at_err *e) {
  const es_cascade *c = ph->c;
  memset(R, 0, sizeof *R);
  es_range_full(c, &R->full);
  for (int y = 0; y < ph->ne; y++) {
    if (!counts_for(ph, x, t, at, y)) continue;
    int j = R->n++;
    R->y[j] = y;
    for (int r = 0; r < c->nranks; r++) R->per[j][r] = c->ranks[r].size;
    for (int i = 0; i < n; i++) {
      int p = ph->shared[lv[i] - 1];
      const sc_part *sp = &ph->part[p];
      R->rank[j][i] = sp->rank;
      if (!sc_uses(ph, y, p)) continue;
      R->per[j][sp->rank] /= sp->size;
      R->step[j][i] = R->per[j][sp->rank];
      R->pinned[j] |= 1u << sp->rank;
    }
    if (!k) continue;
    const es_einsum *X = &c->einsums[ph->e[y].einsum];
    uint32_t space = 0;
    for (int q = 0; q < X->nspace; q++) space |= 1u << X->space[q];
    if (es_counter_open(c, ph->e[y].einsum, space, &R->k[j], e)) return -1;
  }
  return 0;
}

static void readers_close(readers *R) {
  for (int j = 0; j < R->n; j++) es_counter_close(R->k[j]);
}

/* Whether a position (idx over lv[0..n)) keeps a point: of x, or with t and
** at >= 0 (a staged tile, fetched for every reader: sim_read_maskable says
** the readers pin the same levels) of any reader of t (R). */
static int position_kept(const sc_phase *ph, const readers *R, const int *lv, const uint64_t *idx, int n, int *in,
                         at_err *e) {
  *in = 0;
  for (int j = 0; j < R->n && !*in; j++) {
    if (!R->k[j]) {
      if (sim_read_kept(ph, R->y[j], lv, idx, n, in, e)) return -1;
      continue;
    }
    /* read_range, from the laid-out steps */
    es_range rg = R->full;
    for (int i = 0; i < n; i++)
      if (R->step[j][i]) rg.lo[R->rank[j][i]] += (int64_t)idx[i] * R->step[j][i];
    for (int r = 0; r < ph->c->nranks; r++)
      if (R->pinned[j] >> r & 1) {
        int64_t hi = rg.lo[r] + R->per[j][r];
        rg.hi[r] = hi < R->full.hi[r] ? hi : R->full.hi[r];
      }
    if (es_counter_any(R->k[j], &rg, in, e)) return -1;
  }
  return 0;
}

static int64_t gcd64(int64_t a, int64_t b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b) { int64_t r = a % b; a = b; b = r; }
  return a;
}

/* Positions by classes.  A reader's count in a tile depends on the tile's
** origin only through the values there of its predicates' linear forms
** (es_count_forms; the tiles of one read all have the same extents), and
** each form's value is sum_i B_i idx_i over the levels.  When every form's
** B is a multiple of one vector B (causal m <= p, a window p - m < W, GQA's
** shifted diagonal, linear-causal's m1 == p1 with the intra-block m <= p),
** positions with equal u = B . idx keep alike: count the positions per u by
** convolving the levels (a sliding sum each, O(range of u)), find one
** position of each u, and ask it (sim_read_kept) once.  A causal read of
** 2^24 positions at 1M tokens is 8K classes.  Returns 1 if done (*kept
** counts the telling positions that keep a point), 0 if the forms do not
** reduce so (more than one direction, or a mask reads a pinned rank; the
** caller enumerates), -1 on error. */
/* The direction B of kept_by_classes (*have: some form varies) and the
** range of u, umin..umax; 1 if the forms reduce to it, else 0. */
static int class_direction(const sc_phase *ph, int x, int t, int at, const int *lv, int n, int64_t *B, int *have,
                           int *mono, int64_t *umin, int64_t *umax) {
  const es_cascade *c = ph->c;
  *have = 0;
  int up = 1, down = 1;        /* every form a <= growing (falling) with u */
  memset(B, 0, SC_MAX_LOOPS * sizeof *B);
  for (int y = 0; y < ph->ne; y++) {
    if (!counts_for(ph, x, t, at, y)) continue;
    const es_einsum *X = &c->einsums[ph->e[y].einsum];
    uint32_t space = 0, mranks;
    for (int k = 0; k < X->nspace; k++) space |= 1u << X->space[k];
    int64_t k[64][ES_MAX_RANKS];
    int nf, le[64];
    at_err ignore;
    if (es_count_forms(c, ph->e[y].einsum, space, k, le, 64, &nf, &mranks, &ignore)) return 0;
    /* each level's step on its rank, as sim_read_kept places the tile */
    int64_t step[SC_MAX_LOOPS] = { 0 }, per[ES_MAX_RANKS];
    for (int r = 0; r < c->nranks; r++) per[r] = c->ranks[r].size;
    for (int i = 0; i < n; i++) {
      int p = ph->shared[lv[i] - 1], r = ph->part[p].rank;
      if (!sc_uses(ph, y, p)) continue;
      per[r] /= ph->part[p].size;
      step[i] = per[r];
      if ((space >> r & 1) && (mranks >> r & 1)) return 0;   /* a mask reads it: data, not a form */
    }
    for (int f = 0; f < nf; f++) {
      int64_t v[SC_MAX_LOOPS], g = 0;
      for (int i = 0; i < n; i++) {
        int r = ph->part[ph->shared[lv[i] - 1]].rank;
        /* a level of one position moves nothing (and must not thin the gcd) */
        if (!step[i] || !(space >> r & 1) || ph->part[ph->shared[lv[i] - 1]].size == 1) { v[i] = 0; continue; }
        if (at_smul64(k[f][r], step[i], &v[i])) return 0;
        g = gcd64(g, v[i]);
      }
      if (!g) continue;                        /* the same at every position */
      int neg = 0;
      for (int i = 0; i < n; i++) if (v[i]) { neg = v[i] < 0; break; }
      for (int i = 0; i < n; i++) v[i] = (neg ? -v[i] : v[i]) / g;
      if (!*have) { memcpy(B, v, (size_t)n * sizeof *v); *have = 1; }
      else if (memcmp(B, v, (size_t)n * sizeof *v)) return 0;
      /* the form is (neg ? -g : g) u: a <= with g > 0 tightens as u grows */
      up &= le[f] && !neg;
      down &= le[f] && neg;
    }
  }
  *mono = up ? 1 : down ? -1 : 0;
  *umin = *umax = 0;
  for (int i = 0; i < n; i++) {
    int64_t d;
    if (at_smul64(B[i], ph->part[ph->shared[lv[i] - 1]].size - 1, &d)) return 0;
    if (d < 0 ? __builtin_add_overflow(*umin, d, umin) : __builtin_add_overflow(*umax, d, umax)) return 0;
  }
  int64_t L;
  return !__builtin_sub_overflow(*umax, *umin, &L) && L < SKIP_MAX_CLASSES && (L + 1) * n <= 8 * SKIP_MAX_CLASSES;
}

/* One position idx[0..n) of class u0 (offset by -umin): level by level
** from the last convolved, an index leaving a remainder the earlier levels
** reach (seen, rlo, rhi: kept_by_classes's tables). */
static void class_position(const int64_t *B, const int64_t *S, const int *ord, int n, const unsigned char *seen,
                           const int64_t *rlo, const int64_t *rhi, int64_t umin, int64_t L, int64_t u0,
                           uint64_t *idx) {
  int64_t rem = u0;
  for (int o = n - 1; o >= 0; o--) {
    int i = ord[o];
    int64_t lo = o ? rlo[o - 1] : -umin, hi = o ? rhi[o - 1] : -umin, j0 = 0, j1 = S[i] - 1, j;
    if (B[i] > 0) {                          /* rem - B j in [lo, hi] */
      j0 = (rem - hi + B[i] - 1) / B[i] > 0 ? (rem - hi + B[i] - 1) / B[i] : 0;
      if ((rem - lo) / B[i] < j1) j1 = (rem - lo) / B[i];
    } else if (B[i] < 0) {
      int64_t b = -B[i];
      j0 = (lo - rem + b - 1) / b > 0 ? (lo - rem + b - 1) / b : 0;
      if ((hi - rem) / b < j1) j1 = (hi - rem) / b;
    }
    for (j = j0; j <= j1; j++) {
      int64_t r = rem - B[i] * j;
      if (o == 0 ? r == -umin : seen[(int64_t)(o - 1) * L + r]) break;
    }
    idx[i] = (uint64_t)j;                    /* j <= j1: the class is present, so one exists */
    rem -= B[i] * j;
  }
}

static int kept_by_classes(const sc_phase *ph, int x, int t, int at, const int *lv, int n, uint64_t *kept,
                           at_err *e) {
  int64_t B[SC_MAX_LOOPS], S[SC_MAX_LOOPS], umin, umax;
  int have, mono;
  for (int i = 0; i < n; i++) S[i] = ph->part[ph->shared[lv[i] - 1]].size;
  if (!class_direction(ph, x, t, at, lv, n, B, &have, &mono, &umin, &umax)) return 0;
  uint64_t idx[SC_MAX_LOOPS] = { 0 };
  int in;
  if (!have) {                                 /* one class */
    uint64_t all = 1;
    for (int i = 0; i < n; i++) all *= (uint64_t)S[i];   /* checked by the caller */
    readers R1;
    int rc1 = readers_open(ph, x, t, at, lv, n, 0, &R1, e) || position_kept(ph, &R1, lv, idx, n, &in, e);
    readers_close(&R1);
    if (rc1) return -1;
    *kept = in ? all : 0;
    return 1;
  }
  /* each reader's count prepared once for all the classes */
  readers *R = calloc(1, sizeof *R);
  int64_t L = umax - umin + 1;
  /* levels by |B|, smallest first: the reachable sums then stay runs, so
  ** finding a class's position below scans little */
  int ord[SC_MAX_LOOPS];
  for (int i = 0; i < n; i++) ord[i] = i;
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && llabs(B[ord[j - 1]]) > llabs(B[ord[j]]); j--) { int s = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = s; }
  uint64_t *prev = calloc((size_t)L, sizeof *prev), *cur = calloc((size_t)L, sizeof *cur);
  unsigned char *seen = calloc((size_t)(L * n), 1);     /* seen[i L + u]: u reached by levels ord[0..i] */
  int64_t rlo[SC_MAX_LOOPS], rhi[SC_MAX_LOOPS];          /* the least and most u reached so */
  int rc = -1;
  if (!prev || !cur || !seen || !R) { at_errf(e, "out of memory"); goto done; }
  if (readers_open(ph, x, t, at, lv, n, 1, R, e)) goto done;
  prev[-umin] = 1;
  for (int o = 0; o < n; o++) {
    int i = ord[o];
    int64_t b = B[i], w;
    if (b == 0) {
      for (int64_t u = 0; u < L; u++) cur[u] = prev[u] * (uint64_t)S[i];
    } else if (b > 0) {                        /* cur[u] = sum_j prev[u - b j] */
      w = b * S[i];
      for (int64_t u = 0; u < L; u++)
        cur[u] = (u >= b ? cur[u - b] : 0) + prev[u] - (u >= w ? prev[u - w] : 0);
    } else {
      b = -b;
      w = b * S[i];
      for (int64_t u = L - 1; u >= 0; u--)
        cur[u] = (u + b < L ? cur[u + b] : 0) + prev[u] - (u + w < L ? prev[u + w] : 0);
    }
    rlo[o] = L;
    rhi[o] = -1;
    for (int64_t u = 0; u < L; u++) {
      seen[(int64_t)o * L + u] = cur[u] != 0;
      if (cur[u]) { if (u < rlo[o]) rlo[o] = u; rhi[o] = u; }
    }
    uint64_t *sw = prev; prev = cur; cur = sw;
  }
  uint64_t sum = 0;
  if (mono) {
    /* every form a <= moving one way with u: the points a tile keeps only
    ** drop as u grows (mono 1) or only grow (-1), so the classes that keep
    ** one are a run at one end, found by bisection over the classes
    ** present (log2 of 8K: 13 questions rather than 8K) */
    int64_t nc = 0;
    for (int64_t u = 0; u < L; u++)
      if (prev[u]) cur[nc++] = (uint64_t)u;          /* cur: the classes present, ascending */
    int64_t lo = 0, hi = nc;                          /* mono 1: kept on [0, lo); -1: on [lo, nc) */
    while (lo < hi) {
      int64_t mid = lo + (hi - lo) / 2;
      class_position(B, S, ord, n, seen, rlo, rhi, umin, L, (int64_t)cur[mid], idx);
      if (position_kept(ph, R, lv, idx, n, &in, e)) goto done;
      if (in == (mono > 0)) lo = mid + 1;
      else hi = mid;
    }
    for (int64_t j = mono > 0 ? 0 : lo; j < (mono > 0 ? lo : nc); j++)
      if (at_add64(sum, prev[cur[j]], &sum)) { at_errf(e, "tile positions overflow 64 bits"); goto done; }
  } else {
    for (int64_t u0 = 0; u0 < L; u0++) {
      if (!prev[u0]) continue;
      class_position(B, S, ord, n, seen, rlo, rhi, umin, L, u0, idx);
      if (position_kept(ph, R, lv, idx, n, &in, e)) goto done;
      if (in && at_add64(sum, prev[u0], &sum)) { at_errf(e, "tile positions overflow 64 bits"); goto done; }
    }
  }
  *kept = sum;
  rc = 1;
done:
  if (R) readers_close(R);
  free(R);
  free(prev);
  free(cur);
  free(seen);
  return rc;
}

/* Of the positions the levels pins[0..np) take, how many keep a point
** (*kept) out of *total: a point of x, or with t >= 0 and at >= 0 (a
** staged tile, shared) a point of any reader of t.  By classes where the
** forms allow (kept_by_classes), else position by position, at most
** SKIP_MAX_POSITIONS.  what: the count's name for an error. */
static int kept_positions(const sc_phase *ph, int x, int t, int at, const int *pins, int np, const char *what,
                          uint64_t *kept, uint64_t *total, at_err *e) {
  int lv[SC_MAX_LOOPS], n;
  uint64_t idx[SC_MAX_LOOPS] = { 0 }, all, same, in_all = 0;
  if (telling_levels(ph, x, pins, np, what, lv, &n, &all, &same, e)) return -1;
  int cl = kept_by_classes(ph, x, t, at, lv, n, &in_all, e);
  if (cl < 0) return -1;
  if (!cl) {
    if (all > SKIP_MAX_POSITIONS)
      return at_errf(e, "%s: more than %llu tile positions to check against the predicates", what,
                     (unsigned long long)SKIP_MAX_POSITIONS);
    readers *R = calloc(1, sizeof *R);
    if (!R) return at_errf(e, "out of memory");
    int rc = readers_open(ph, x, t, at, lv, n, 1, R, e);
    for (uint64_t q = 0; q < all && !rc; q++) {
      int in;
      rc = position_kept(ph, R, lv, idx, n, &in, e);
      in_all += (uint64_t)in;
      for (int i = n - 1; i >= 0; i--) {        /* the next position, innermost fastest */
        if (++idx[i] < (uint64_t)ph->part[ph->shared[lv[i] - 1]].size) break;
        idx[i] = 0;
      }
    }
    readers_close(R);
    free(R);
    if (rc) return -1;
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
  if (!refinable(ph, x, pins, np)) return 0;   /* every firing, as without predicates */
  char what[80];
  snprintf(what, sizeof what, "firings of Einsum %s", ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name);
  uint64_t kept, total;
  if (kept_positions(ph, x, -1, -1, pins, np, what, &kept, &total, e)) return -1;
  if (at_mul64(kept, (uint64_t)ph->part[SC_BATCH].size, n)) return at_errf(e, "%s overflow 64 bits", what);
  return 0;
}

static int refinable(const sc_phase *ph, int x, const int *pins, int np) {
  int lv[SC_MAX_LOOPS], n, have;
  uint64_t all, same;
  int64_t B[SC_MAX_LOOPS], umin, umax;
  int mono;
  at_err ignore;
  if (telling_levels(ph, x, pins, np, "", lv, &n, &all, &same, &ignore)) return 0;
  return all <= SKIP_FAST_POSITIONS || class_direction(ph, x, -1, -1, lv, n, B, &have, &mono, &umin, &umax);
}
