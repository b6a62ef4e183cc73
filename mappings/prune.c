/*
** prune.c: the pruning rules a bound schedule can break, and the key that
** finds duplicates.  Binding itself refuses the other rules (operations an
** array lacks, spatial fan-out, buffer capacity: map_bind_rule).  Each rule
** says why the engine's numbers for such a mapping would mean nothing.
*/
#include "map_int.h"
#include "mapper.h"

#include <stdio.h>
#include <string.h>

const char *const map_rule_name[MAP_RULE_COUNT] = {
  "operations", "spatial fan-out", "buffer capacity", "registers", "dependences", "duplicates"
};


/* Whether einsum xi reduces over a rank that part rank pr tiles. */
static int reduces(const es_cascade *c, int xi, int pr) {
  const es_einsum *x = &c->einsums[xi];
  for (int k = x->nspace - x->nsum; k < x->nspace; k++)
    if (map_rank_covers(c, x->space[k], pr)) return 1;
  return map_expr_reduces(c, x->rhs, pr);
}


/* Pass structure: a shared loop over part p is a fusion of every Einsum
** that uses it; if X reduces over p's rank and Y, which reads X, also
** iterates over it, Y would read X's reduction before its last tile. */
static int check_passes(const sc_phase *ph, const map_cinfo *ci, int quiet, map_rule *rule, at_err *e) {
  const es_cascade *c = ph->c;
  for (int k = 0; k < ph->nshared; k++) {
    int p = ph->shared[k], pr = ph->part[p].rank;
    if (ph->part[p].size <= 1) continue;
    for (int x = 0; x < ph->ne; x++) {
      int xi = ph->e[x].einsum;
      if (!(ci->reduces[xi] >> pr & 1) || !sc_uses(ph, x, p)) continue;
      int t = c->einsums[xi].lhs.tensor;
      for (int y = 0; y < ph->ne; y++) {
        if (y == x || !(ci->reads[ph->e[y].einsum] >> t & 1) || !sc_uses(ph, y, p)) continue;
        *rule = MAP_RULE_DEPEND;
        if (quiet) return -1;
        return at_errf(e, "phase %s: loop %s is shared, but %s reduces over %s before %s reads it (different passes)",
                       ph->name, ph->part[p].name, c->tensors[t].name, c->ranks[pr].name,
                       c->tensors[c->einsums[ph->e[y].einsum].lhs.tensor].name);
      }
    }
  }
  return 0;
}

void map_cinfo_init(const es_cascade *c, map_cinfo *ci) {
  memset(ci, 0, sizeof *ci);
  for (int xi = 0; xi < c->neinsums && xi < MAP_MAX_CEINSUMS; xi++) {
    for (int t = 0; t < c->ntensors; t++)
      if (map_expr_reads(c->einsums[xi].rhs, t)) ci->reads[xi] |= 1ull << t;
    for (int r = 0; r < c->nranks; r++)
      if (reduces(c, xi, r)) ci->reduces[xi] |= 1ull << r;
  }
  for (int t = 0; t < c->ntensors; t++)
    for (int d = 0; d < c->tensors[t].ndims; d++)
      for (int r = 0; r < c->nranks; r++)
        if (map_rank_covers(c, c->tensors[t].dim[d], r)) ci->dims[t] |= 1ull << r;
  /* ranks reduced on the way to each tensor: by its producer and, through
  ** what that reads, by theirs; one sweep in dependency order (producers
  ** first), one more for the iterative tensors' own earlier slices */
  for (int pass = 0; pass < 2; pass++)
    for (int k = 0; k < c->neinsums; k++) {
      int xi = c->order[k];
      if (xi >= MAP_MAX_CEINSUMS) continue;
      int lhs = c->einsums[xi].lhs.tensor;
      uint64_t v = ci->reduces[xi];
      for (int u = 0; u < c->ntensors; u++)
        if (u != lhs && (ci->reads[xi] >> u & 1)) v |= ci->red[u];
      ci->red[lhs] |= v;
    }
}

/* Whether an Einsum reads t and also the result of a reduction over one
** of t's ranks (SN = exp(QK - GM), GM = max over m of QK): t is then read
** in a later pass over that rank than the one that made it.  Bit t, for
** every tensor at once. */
static uint64_t held_across_passes(const sc_phase *ph, const map_cinfo *ci) {
  uint64_t held = 0;
  for (int y = 0; y < ph->ne; y++) {
    uint64_t rd = ci->reads[ph->e[y].einsum];
    for (uint64_t m = rd; m; m &= m - 1) {
      int t = __builtin_ctzll(m);
      for (uint64_t o = rd & ~(1ull << t); o; o &= o - 1)
        if (ci->dims[t] & ci->red[__builtin_ctzll(o)]) { held |= 1ull << t; break; }
    }
  }
  return held;
}

/* The innermost shared loop in einsum x's nest (the batch loop if none). */
static int innermost_shared(const sc_phase *ph, int x) {
  for (int k = ph->nshared - 1; k >= 0; k--)
    for (int i = 0; i < ph->e[x].nloop; i++)
      if (ph->e[x].loop[i] == ph->shared[k]) return ph->shared[k];
  return SC_BATCH;
}

/* The outermost shared loop (of more than one iteration) over a rank
** einsum x reduces, or -1: x's partial sums outlive it, so every tile of
** the output inside it is held until the loop's last iteration (BQK =
** sum over e, with a shared loop e2 outside m1 and p2, holds partial
** scores for all of them). */
static int split_reduction(const sc_phase *ph, const map_cinfo *ci, int x) {
  for (int k = 0; k < ph->nshared; k++) {
    int p = ph->shared[k];
    if (ph->part[p].size > 1 && ph->part[p].rank >= 0 && sc_uses(ph, x, p) &&
        (ci->reduces[ph->e[x].einsum] >> ph->part[p].rank & 1))
      return p;
  }
  return -1;
}

/* Registers.  Most tensors homed in registers stream from PE to PE: each
** value is consumed as it is made.  Two kinds must be held, and their
** words per PE (summed per array) must fit regs_per_pe:
**  - carried: an iterative tensor (a running max, sum, numerator) holds,
**    across the iterative loop, its tile inside that loop if the loop is
**    shared, else inside the innermost shared loop;
**  - across a pass: a tensor read by an Einsum that also reads the result
**    of a reduction over one of the tensor's ranks (SN = exp(QK - GM) with
**    GM = max over m of QK) is held whole over that rank, its tile inside
**    the innermost shared loop;
**  - partial sums: the output of a reduction split over a shared loop is
**    held, its tile inside the outermost such loop (split_reduction). */
static int check_regs(const sc_schedule *s, const sc_phase *ph, const map_cinfo *ci, int quiet, map_rule *rule, at_err *e) {
  const es_cascade *c = ph->c;
  int64_t words[HW_MAX_ARRAYS] = { 0 };
  uint64_t cover[ES_MAX_RANKS];
  int iter_at = -1, have_cover = 0;
  for (int k = 0; k < ph->nshared; k++)
    if (c->iter_rank >= 0 && ph->part[ph->shared[k]].rank == c->iter_rank) iter_at = ph->shared[k];
  uint64_t held_mask = held_across_passes(ph, ci);
  for (int t = 0; t < c->ntensors; t++) {
    if (ph->st[t].home != SC_REGS || c->tensors[t].def < 0) continue;
    int x = -1;
    for (int q = 0; q < ph->ne; q++)
      if (c->einsums[ph->e[q].einsum].lhs.tensor == t) x = q;
    if (x < 0) continue;
    int carried = c->tensors[t].iter_dim >= 0, at = carried && iter_at >= 0 ? iter_at : innermost_shared(ph, x);
    int held = carried || (held_mask >> t & 1), split = split_reduction(ph, ci, x);
    if (!held && split < 0) continue;
    const hw_array *ar = &s->arch->arrays[ph->e[x].array];
    if (!have_cover) map_cover_masks(ph, cover), have_cover = 1;
    uint64_t el = held ? map_tile_elements(ph, cover, x, t, at) : 0, pes = (uint64_t)hw_array_pes(ar);
    if (split >= 0) {
      uint64_t ps = map_tile_elements(ph, cover, x, t, split);
      if (ps > el) el = ps;
    }
    uint64_t per = el / pes + (el % pes != 0);
    words[ph->e[x].array] += per > (uint64_t)INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)per;
    if (words[ph->e[x].array] > ar->regs_per_pe) {
      *rule = MAP_RULE_REGS;
      if (quiet) return -1;
      return at_errf(e, "phase %s: values held in registers need %lld words per PE of array %s (%s among them), it has %lld",
                     ph->name, (long long)words[ph->e[x].array], ar->name, c->tensors[t].name, (long long)ar->regs_per_pe);
    }
  }
  return 0;
}

/* A tensor held across a pass in the buffer (not staged from DRAM) must
** be resident whole over the reduced rank: its tile (its alias root's)
** spans the innermost shared loop, so keep_at is the batch loop or a
** shared loop, not a loop inside the Einsums' own nests. */
static int check_held_buffer(const sc_phase *ph, const map_cinfo *ci, int quiet, map_rule *rule, at_err *e) {
  const es_cascade *c = ph->c;
  uint64_t held = 0;
  int have_held = 0;
  for (int t = 0; t < c->ntensors; t++) {
    if (ph->st[t].home != SC_BUFFER) continue;
    if (!have_held) held = held_across_passes(ph, ci), have_held = 1;
    if (!(held >> t & 1)) continue;
    int r = t;
    for (int steps = 0; ph->st[r].alias >= 0 && steps <= c->ntensors; steps++) r = ph->st[r].alias;
    const sc_storage *root = &ph->st[r];
    if (root->home != SC_BUFFER || root->keep_at == SC_BATCH) continue;
    int shared = 0;
    for (int k = 0; k < ph->nshared; k++) shared |= ph->shared[k] == root->keep_at;
    if (shared) continue;
    *rule = MAP_RULE_DEPEND;
    if (quiet) return -1;
    return at_errf(e, "phase %s: %s is read after a reduction over one of its ranks, so its buffer tile must span the "
                   "innermost shared loop; keep_at %s (of %s) lies inside the Einsums' nests", ph->name, c->tensors[t].name,
                   root->keep_at >= 0 ? ph->part[root->keep_at].name : "none", c->tensors[r].name);
  }
  return 0;
}

int map_check_schedule_ci(const sc_schedule *s, const map_cinfo *ci, int quiet, map_rule *rule, at_err *e) {
  *rule = MAP_RULE_NONE;
  for (int i = 0; i < s->nphases; i++)
    if (check_passes(&s->phase[i], &ci[i], quiet, rule, e) || check_held_buffer(&s->phase[i], &ci[i], quiet, rule, e) ||
        check_regs(s, &s->phase[i], &ci[i], quiet, rule, e))
      return -1;
  return 0;
}

int map_check_schedule(const sc_schedule *s, map_rule *rule, at_err *e) {
  map_cinfo ci[SC_MAX_PHASES];
  for (int i = 0; i < s->nphases; i++) map_cinfo_init(s->phase[i].c, &ci[i]);
  return map_check_schedule_ci(s, ci, 0, rule, e);
}

/* One 64-bit value into the hash (multiply and shift: a good enough mix
** for deduplication, a few cycles a value). */
static void mix(uint64_t *h, int64_t v) {
  *h = (*h ^ (uint64_t)v) * 0x9e3779b97f4a7c15ull;
  *h ^= *h >> 29;
}

/* Effective loops (more than one iteration) of a nest down to and
** including part `at` (all of it when at < 0 or absent). */
static int64_t depth_of(const sc_phase *ph, const sc_einsum *se, int at) {
  int64_t d = 0;
  for (int i = 0; i < se->nloop; i++) {
    if (ph->part[se->loop[i]].size > 1) d++;
    if (se->loop[i] == at) return d;
  }
  return at < 0 ? -1 : -2;
}

uint64_t map_schedule_key_ci(const sc_schedule *s, const map_cinfo *ci) {
  uint64_t h = 0xcbf29ce484222325ull;
  mix(&h, s->nphases);
  for (int i = 0; i < s->nphases; i++) {
    const sc_phase *ph = &s->phase[i];
    mix(&h, ph->policy);
    mix(&h, ph->part[SC_BATCH].size);
    for (int k = 0; k < ph->nshared; k++)
      if (ph->part[ph->shared[k]].size > 1) { mix(&h, ph->part[ph->shared[k]].rank); mix(&h, ph->part[ph->shared[k]].size); }
    int64_t epochs = 1;
    for (int k = 0; k < ph->nepoch; k++) epochs *= ph->part[ph->epoch[k]].size;
    mix(&h, epochs);
    for (int x = 0; x < ph->ne; x++) {
      const sc_einsum *se = &ph->e[x];
      mix(&h, se->einsum);
      mix(&h, se->array);
      mix(&h, se->in_tile);
      /* one word per dimension of at most one part, as before lists */
      for (int k = 0; k < 2; k++) {
        for (int j = 0; j < se->nsp[k]; j++) {
          int p = se->spatial[k][j];
          if (j) mix(&h, -11);
          mix(&h, ph->part[p].size > 1 ? ph->part[p].size * 64 + ph->part[p].rank : 0);
        }
        if (!se->nsp[k]) mix(&h, 0);
      }
      for (int k = 0; k < se->nloop; k++)
        if (ph->part[se->loop[k]].size > 1) { mix(&h, ph->part[se->loop[k]].rank); mix(&h, ph->part[se->loop[k]].size); }
      mix(&h, -7);
    }
    int first[SC_MAX_TENSORS];    /* the first Einsum touching each tensor, or -1 */
    for (int t = 0; t < ph->c->ntensors; t++) first[t] = -1;
    for (int x = ph->ne - 1; x >= 0; x--) {
      int xi = ph->e[x].einsum;
      first[ph->c->einsums[xi].lhs.tensor] = x;
      for (uint64_t m = ci[i].reads[xi]; m; m &= m - 1) first[__builtin_ctzll(m)] = x;
    }
    for (int t = 0; t < ph->c->ntensors; t++) {
      const sc_storage *st = &ph->st[t];
      mix(&h, st->home);
      mix(&h, st->alias);
      mix(&h, (int64_t)(st->spill * 1e9));
      mix(&h, (int64_t)st->forward);
      /* keep_at by its depth in the nest of the first Einsum touching it */
      int64_t d = -1;
      if (st->keep_at >= 0 && first[t] >= 0) d = depth_of(ph, &ph->e[first[t]], st->keep_at);
      mix(&h, st->keep_at < 0 ? -1 : d);
    }
  }
  return h;
}

uint64_t map_schedule_key(const sc_schedule *s) {
  map_cinfo ci[SC_MAX_PHASES];
  for (int i = 0; i < s->nphases; i++) map_cinfo_init(s->phase[i].c, &ci[i]);
  return map_schedule_key_ci(s, ci);
}
