/*
** analytic.c: the analytical engine.  From a schedule it counts, per
** Einsum, operations by kind and the PE-cycles they occupy (serial PEs add
** their operations' cycles; pipelined-unit PEs are bound by their busiest
** unit), divides by the PEs the spatial binding uses, and applies the
** phase's overlap policy; DRAM and buffer traffic follow from each
** tensor's home and residency level by reuse analysis over the loop nest.
** No formula here knows any particular design.
*/
#include "sim_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const sim_component_name[SIM_C_COUNT] = {
  "compute_2d", "compute_1d", "regs", "buffer", "dram"
};

/* Logical PEs an Einsum keeps busy: the product of the spatial parts it
** uses (a fold runs them on fewer, sim_busy_cycles). */
static uint64_t parallelism(const sc_phase *ph, const sc_einsum *se) {
  /* at most the array's PEs, which hw_validate bounds, but for a fold */
  return sc_spatial_extent(ph, se, 0, -1) * sc_spatial_extent(ph, se, 1, -1);
}

/* Times tensor t's tile is brought in for einsum x, when the loops of its
** nest down to `at` (all of them if at < 0 or absent) sit above the tile:
** the product of the irrelevant loops outside the innermost relevant one.
** A loop of one iteration is no loop: it neither moves nor keeps a tile. */
/* rel: bit p, part p is relevant to t (sc_relevant). */
static int refetch(const sc_phase *ph, const sc_einsum *se, int t, uint64_t rel, int at, uint64_t *f, at_err *e) {
  int n = se->nloop;
  if (at >= 0)
    for (int i = 0; i < se->nloop; i++)
      if (se->loop[i] == at) { n = i + 1; break; }
  int inner = -1;
  for (int i = 0; i < n; i++)
    if (ph->part[se->loop[i]].size > 1 && (rel >> se->loop[i] & 1)) inner = i;
  *f = 1;
  for (int i = 0; i < inner; i++)
    if (!(rel >> se->loop[i] & 1) && at_mul64(*f, (uint64_t)ph->part[se->loop[i]].size, f))
      return at_errf(e, "re-fetches of %s overflow 64 bits", ph->c->tensors[t].name);
  return 0;
}

/* The bytes of `bytes` that a spilled proportion p sends to DRAM: p taken
** to 32 fractional bits, the product rounded to nearest (half up), exactly
** in 64 bits (bytes = q 2^32 + r). */
static int spilled(uint64_t bytes, double p, uint64_t *out, const char *t, at_err *e) {
  uint64_t s32 = (uint64_t)llround(p * 4294967296.0), q = bytes >> 32, r = bytes & 0xffffffffu;
  if (at_mul64(q, s32, out) || at_add64(*out, (r * s32 + 0x80000000u) >> 32, out))
    return at_errf(e, "spilled bytes of %s overflow 64 bits", t);
  return 0;
}

/* Ceiling of bytes / row bytes, the rows a tensor's accesses touch. */
static uint64_t rows_of(uint64_t bytes, uint64_t row_bytes) {
  return bytes / row_bytes + (bytes % row_bytes != 0);
}

/* The buffer reads Timeloop's legacy read-modify-write rule (6e081fc,
** src/loop-analysis/tiling.cpp) adds to tensor t when its first-read
** elision subtracts a wrapped partition size: reads = updates -
** partition, partition = (elements x tile) / tile in 64-bit size_t
** (ComputePartitionSizes), exact unless the product reaches 2^64.
** elements: the words t's defining Einsum writes (batch included; an
** iterative dimension counts its M1 written slices, not the initial one);
** tile: t's elements in the body of part st->tl_elide_at.  Words out. */
static int timeloop_extra_reads(const sc_phase *ph, int t, uint64_t *words, at_err *e) {
  const es_cascade *c = ph->c;
  const es_tensor *T = &c->tensors[t];
  *words = 0;
  int x = -1;
  for (int i = 0; i < ph->ne; i++) if (ph->e[i].einsum == T->def) x = i;
  if (x < 0) return 0;                       /* not written in this phase */
  uint64_t el = (uint64_t)ph->part[SC_BATCH].size;
  for (int d = 0; d < T->ndims; d++)
    if (at_mul64(el, (uint64_t)c->ranks[T->dim[d]].size, &el))
      return at_errf(e, "elements of tensor %s overflow 64 bits", T->name);
  uint64_t tile = sc_tile_elements(ph, x, t, ph->st[t].tl_elide_at);
  if (tile == 0 || tile == UINT64_MAX) return at_errf(e, "tensor %s: no tile at part %s for Timeloop's elision", T->name,
                                                      ph->part[ph->st[t].tl_elide_at].name);
  uint64_t partition = el * tile / tile;     /* wraps modulo 2^64, as size_t does */
  if (partition > el)                         /* Timeloop asserts here: no published run took this path */
    return at_errf(e, "tensor %s: Timeloop's wrapped partition size exceeds the tensor", T->name);
  *words = el - partition;
  return 0;
}

int sim_tensor_traffic(const sc_schedule *s, const sc_phase *ph, int t, const uint64_t moved[SIM_MOVE_COUNT],
                       sim_actions *a, at_err *e) {
  const sc_storage *st = &ph->st[t];
  const char *tn = ph->c->tensors[t].name;
  uint64_t row_bytes = (uint64_t)s->arch->buffer.row_bits / 8;
  uint64_t dram_r = moved[SIM_MOVE_DRAM_READ], dram_w = moved[SIM_MOVE_DRAM_WRITE];
  uint64_t buf_r = moved[SIM_MOVE_BUF_READ], buf_w = moved[SIM_MOVE_BUF_WRITE];
  if (st->home == SC_BUFFER && st->spill > 0) {
    uint64_t sr, sw;
    if (spilled(buf_r, st->spill, &sr, tn, e) || spilled(buf_w, st->spill, &sw, tn, e)) return -1;
    if (at_add64(dram_r, sr, &dram_r) || at_add64(dram_w, sw, &dram_w))
      return at_errf(e, "DRAM or buffer bytes of tensor %s overflow 64 bits", tn);
  }
  /* after the spill: the artifact sends none of these reads to DRAM (its
  ** traffic count drops a buffer tensor's reads when they equal its writes) */
  if (st->tl_elide && st->home == SC_BUFFER) {
    uint64_t w;
    if (timeloop_extra_reads(ph, t, &w, e)) return -1;
    if (at_mul64(w, (uint64_t)s->arch->word_bytes, &w) || at_add64(buf_r, w, &buf_r))
      return at_errf(e, "buffer reads of tensor %s overflow 64 bits", tn);
  }
  if (at_add64(a->dram_read_bytes, dram_r, &a->dram_read_bytes) ||
      at_add64(a->dram_write_bytes, dram_w, &a->dram_write_bytes) ||
      at_add64(a->buffer_read_bytes, buf_r, &a->buffer_read_bytes) ||
      at_add64(a->buffer_write_bytes, buf_w, &a->buffer_write_bytes) ||
      at_add64(a->buffer_row_reads, rows_of(buf_r, row_bytes), &a->buffer_row_reads) ||
      at_add64(a->buffer_row_writes, rows_of(buf_w, row_bytes), &a->buffer_row_writes))
    return at_errf(e, "total DRAM or buffer traffic overflows 64 bits");
  return 0;
}

/* f bytes of einsum x's reads of t at residency `at`, scaled to the
** positions whose block x keeps a point in (skip.c): each position moves
** the same bytes, f / total of them. */
static int kept_reads(const sc_phase *ph, int x, int t, int at, uint64_t *f, at_err *e) {
  uint64_t kept, total;
  if (sim_read_count(ph, x, t, at, &kept, &total, e)) return -1;
  if (*f % total) return at_errf(e, "reads of %s: %llu bytes over %llu tile positions", ph->c->tensors[t].name,
                                 (unsigned long long)*f, (unsigned long long)total);
  *f = *f / total * kept;
  return 0;
}

/* Bit u: expression x reads tensor u (sim_reads, for every u at once). */
static uint64_t reads_mask(const es_expr *x) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return 1ull << x->acc.tensor;
  return reads_mask(x->a) | reads_mask(x->b);
}

/* Adds one phase's DRAM and buffer bytes (and buffer rows) to a. */
int sim_phase_traffic(const sc_schedule *s, const sc_phase *ph, sim_actions *a, at_err *e) {
  const es_cascade *c = ph->c;
  uint64_t wb = (uint64_t)s->arch->word_bytes, batch = (uint64_t)ph->part[SC_BATCH].size;
  /* worked out once per phase rather than per tensor and Einsum: what each
  ** Einsum reads, and which parts move each tensor's tile */
  uint64_t rd[SC_MAX_EINSUMS], cover[ES_MAX_RANKS] = { 0 };
  for (int x = 0; x < ph->ne; x++) rd[x] = reads_mask(c->einsums[ph->e[x].einsum].rhs);
  for (int p = 1; p < ph->nparts; p++) {     /* bit p of cover[r]: part p tiles rank r or a part of it */
    int pr = ph->part[p].rank;
    cover[pr] |= 1ull << p;
    if (c->ranks[pr].parent >= 0) cover[c->ranks[pr].parent] |= 1ull << p;
  }
  for (int t = 0; t < c->ntensors; t++) {
    uint64_t rel = 1ull << SC_BATCH;    /* bit p: sc_relevant(ph, p, t) */
    for (int d = 0; d < c->tensors[t].ndims; d++) rel |= cover[c->tensors[t].dim[d]];
    const sc_storage *st = &ph->st[t];
    const char *tn = c->tensors[t].name;
    uint64_t el = 0, live = 0, bytes, f;
    at_err ignore;
    if (es_footprint(c, t, &el, &live, &ignore)) continue;
    if (at_mul64(el, wb, &bytes) || at_mul64(bytes, batch, &bytes))
      return at_errf(e, "bytes of tensor %s overflow 64 bits", tn);
    uint64_t dram_r = 0, dram_w = 0, buf_r = 0, buf_w = 0, shared = 0;
    int staged = st->home == SC_BUFFER || (st->home == SC_DRAM && st->keep_at >= 0);
    int masked = sim_read_maskable(ph, t);   /* DRAM reads of masked tiles skipped */
    int buf_masked = sim_buf_read_maskable(ph, t);   /* and each reader's buffer reads */
    for (int x = 0; x < ph->ne; x++) {
      const sc_einsum *se = &ph->e[x];
      const es_einsum *E = &c->einsums[se->einsum];
      if (E->lhs.tensor == t) {
        if (st->home == SC_DRAM && at_add64(dram_w, bytes, &dram_w)) goto overflow;
        if (staged && at_add64(buf_w, bytes, &buf_w)) goto overflow;
      }
      if (!(rd[x] >> t & 1)) continue;
      int fwd = (st->forward >> x) & 1;
      if (st->home == SC_DRAM) {
        if (refetch(ph, se, t, rel, st->keep_at, &f, e)) return -1;
        if (at_mul64(f, bytes, &f)) goto overflow;
        if (masked && kept_reads(ph, x, t, st->keep_at, &f, e)) return -1;
        if (st->keep_at >= 0) { if (f > shared) shared = f; }
        else if (at_add64(dram_r, f, &dram_r)) goto overflow;
      }
      if (!fwd && staged) {
        if (refetch(ph, se, t, rel, -1, &f, e)) return -1;
        if (at_mul64(f, bytes, &f)) goto overflow;
        if (buf_masked && kept_reads(ph, x, t, -1, &f, e)) return -1;
        if (at_add64(buf_r, f, &buf_r)) goto overflow;
      }
    }
    if (at_add64(dram_r, shared, &dram_r)) goto overflow;
    if (st->home == SC_DRAM && st->keep_at >= 0 && at_add64(buf_w, shared, &buf_w)) goto overflow;   /* fills */
    const uint64_t moved[SIM_MOVE_COUNT] = { dram_r, dram_w, buf_r, buf_w };
    if (sim_tensor_traffic(s, ph, t, moved, a, e)) return -1;
    continue;
  overflow:
    return at_errf(e, "DRAM or buffer bytes of tensor %s overflow 64 bits", tn);
  }
  return 0;
}

/* Critical path of one tile: arrays run one Einsum at a time, Einsums that
** do not run in every tile (amortised, e.g. a final division) first, then
** the tile's Einsums in dependency order as soon as inputs and array allow. */
static double tile_makespan(const sc_phase *ph, const double *busy, double tiles) {
  double end[SC_MAX_EINSUMS] = { 0 }, free_at[HW_MAX_ARRAYS] = { 0 }, span = 0;
  int done[SC_MAX_EINSUMS] = { 0 };
  for (int x = 0; x < ph->ne; x++) {
    if (ph->e[x].in_tile) continue;
    int a = ph->e[x].array;
    end[x] = free_at[a] + busy[x] / tiles;
    free_at[a] = end[x];
    done[x] = 1;
  }
  const es_cascade *c = ph->c;
  for (int k = 0; k < c->neinsums; k++) {
    int x = -1;
    for (int q = 0; q < ph->ne; q++) if (ph->e[q].einsum == c->order[k]) x = q;
    if (x < 0 || done[x]) continue;
    int dep[SC_MAX_EINSUMS];
    int nd = sim_deps(ph, x, SIM_DEP_TILE, dep);
    double start = free_at[ph->e[x].array];
    for (int i = 0; i < nd; i++)
      if (ph->e[dep[i]].in_tile && end[dep[i]] > start) start = end[dep[i]];
    end[x] = start + busy[x] / tiles;
    free_at[ph->e[x].array] = end[x];
    done[x] = 1;
  }
  for (int x = 0; x < ph->ne; x++) if (end[x] > span) span = end[x];
  return span;
}

/* Cycles for operands to skew in and results to drain out of an array:
** a reduction across its rows takes `rows` cycles to reach the edge when
** results shift out (`results: shift`, the default), none when they are
** read out at once (`results: parallel`), as the cycle engine times it. */
static double drain_cycles(const hw_array *ar) {
  return ar->rows > 1 && ar->results == HW_RESULTS_SHIFT ? (double)ar->rows : 0;
}

int sim_analytic(const sc_schedule *s, sim_result *r, at_err *e) {
  const hw_arch *a = s->arch;
  double bpc = a->dram.bandwidth_Bps / a->clock_hz;      /* bytes per cycle */
  double total = 0, total_compute = 0, total_mem = 0;
  double ebusy[SC_MAX_PHASES][SC_MAX_EINSUMS];
  sim_ecount cost[SC_MAX_PHASES][SC_MAX_EINSUMS];
  int mem_phases = 0, arr_phases[HW_MAX_ARRAYS] = { 0 };
  memset(&r->act, 0, sizeof r->act);
  for (int i = 0; i < s->nphases; i++) {
    const sc_phase *ph = &s->phase[i];
    double arr_busy[HW_MAX_ARRAYS] = { 0 };
    double drain = 0, tiles = (double)ph->part[SC_BATCH].size;
    for (int k = 0; k < ph->nshared; k++) tiles *= (double)ph->part[ph->shared[k]].size;
    for (int x = 0; x < ph->ne; x++) {
      const sc_einsum *se = &ph->e[x];
      if (sim_einsum_count(s, ph, x, &cost[i][x], e) ||
          sim_add_counts(&r->act.array[se->array], &cost[i][x], e))
        return -1;
      uint64_t bc;
      if (sim_busy_cycles(&a->arrays[se->array], se, cost[i][x].pe_cycles, parallelism(ph, se), &bc))
        return at_errf(e, "Einsum %s/%s: busy cycles overflow 64 bits", ph->name,
                       ph->c->tensors[ph->c->einsums[se->einsum].lhs.tensor].name);
      /* each firing whose results shift out down the columns holds the
      ** array for the shift chain's `rows` cycles (the cycle engine's
      ** rule); a firing the predicates mask wholly shifts nothing */
      uint64_t chain, fired;
      if (sim_shifts_out(s, ph, x)) {
        if (sim_kept_firings(ph, x, &fired, e)) return -1;
        if (!at_mul64(fired, (uint64_t)a->arrays[se->array].rows, &chain) && chain > bc) bc = chain;
      }
      ebusy[i][x] = (double)bc;
      arr_busy[se->array] += ebusy[i][x];
      double d = drain_cycles(&a->arrays[se->array]);
      if (d > drain) drain = d;
    }
    double compute = 0;
    int top = 0;
    for (int k = 0; k < a->n_arrays; k++) {
      if (arr_busy[k] > compute) { compute = arr_busy[k]; top = k; }
    }
    if (ph->policy == SC_SEQUENTIAL) {
      compute = tiles * (tile_makespan(ph, ebusy[i], tiles) + drain);
    } else if (ph->policy == SC_PIPELINED) {
      double epochs = 1;
      for (int k = 0; k < ph->nepoch; k++) epochs *= (double)ph->part[ph->epoch[k]].size;
      compute += epochs * drain;
    } else {
      compute += drain;
    }
    sim_actions tr = { 0 };
    uint64_t phase_dram;
    if (sim_phase_traffic(s, ph, &tr, e) || sim_add_traffic(&r->act, &tr, &phase_dram, e)) return -1;
    double mem = ceil((double)phase_dram / bpc);
    total_compute += compute;
    total_mem += mem;
    total += mem > compute ? mem : compute;
    if (mem > compute) mem_phases++;
    else arr_phases[top]++;
  }
  if (!(total < 1.8e19)) return at_errf(e, "latency overflows 64-bit cycles");
  r->compute_cycles = (uint64_t)ceil(total_compute);
  r->memory_cycles = (uint64_t)ceil(total_mem);
  uint64_t busy[SC_MAX_PHASES][SC_MAX_EINSUMS];
  for (int i = 0; i < s->nphases; i++)
    for (int x = 0; x < s->phase[i].ne; x++) busy[i][x] = (uint64_t)ebusy[i][x];
  if (sim_report(s, cost, busy, total, r, e)) return -1;
  /* what bounds latency */
  int kinds = (mem_phases > 0);
  const char *b = "memory";
  for (int k = 0; k < a->n_arrays; k++)
    if (arr_phases[k]) { kinds++; b = a->arrays[k].name; }
  const char *bn = kinds > 1 ? "mixed" : b;
  size_t bl = strlen(bn) < sizeof r->bound - 1 ? strlen(bn) : sizeof r->bound - 1;
  memcpy(r->bound, bn, bl);   /* by hand: every mapping the mapper evaluates comes here */
  r->bound[bl] = 0;
  return 0;
}

static int analytic_run(const sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e) {
  (void)o;
  return sim_analytic(s, r, e);
}

const sim_engine sim_engine_analytical = { "analytical", analytic_run };
