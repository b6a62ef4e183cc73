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

/* What one Einsum costs, summed over all its points and batch items. */
typedef struct ecost {
  double pe_cycles;           /* PE-cycles occupied */
  double unit_busy[HW_UNIT_COUNT];
  double serial_cycles;
  double energy_pJ;           /* arithmetic */
  double reg_reads, reg_writes;  /* words */
} ecost;

static void charge(const hw_arch *a, const hw_array *ar, hw_op op, double n, int operands, ecost *k) {
  const hw_op_cost *oc = &ar->ops[op];
  k->serial_cycles += n * (double)oc->cycles;
  for (int u = 0; u < HW_UNIT_COUNT; u++) k->unit_busy[u] += n * (double)oc->uses[u];
  k->energy_pJ += n * hw_op_energy_pJ(a, ar, op);
  k->reg_reads += n * operands;
  k->reg_writes += n;
}

static void einsum_cost(const sc_schedule *s, const sc_phase *ph, const sc_einsum *se, ecost *k) {
  const hw_arch *a = s->arch;
  const hw_array *ar = &a->arrays[se->array];
  const es_cascade *c = ph->c;
  const es_einsum *x = &c->einsums[se->einsum];
  memset(k, 0, sizeof *k);
  double pts = (double)ph->part[SC_BATCH].size;
  for (int i = 0; i < x->nspace; i++) pts *= (double)c->ranks[x->space[i]].size;
  sc_opuse uses[SC_MAX_OPUSES];
  int nu = sc_einsum_ops(c, se->einsum, uses);   /* the binder checked nu >= 0 */
  for (int i = 0; i < nu; i++) charge(a, ar, uses[i].op, pts * uses[i].per_point, uses[i].operands, k);
  if (ar->issue == HW_ISSUE_SERIAL) {
    k->pe_cycles = k->serial_cycles;
  } else {
    for (int u = 0; u < HW_UNIT_COUNT; u++)
      if (k->unit_busy[u] > k->pe_cycles) k->pe_cycles = k->unit_busy[u];
  }
}

/* PEs an Einsum keeps busy: the product of the spatial parts it uses. */
static double parallelism(const sc_phase *ph, const sc_einsum *se) {
  double n = 1;
  for (int k = 0; k < 2; k++)
    if (se->spatial[k] >= 0) n *= (double)ph->part[se->spatial[k]].size;
  return n;
}

/* Times tensor t's tile is brought in for einsum x, when the loops of its
** nest down to `at` (all of them if at < 0 or absent) sit above the tile:
** the product of the irrelevant loops outside the innermost relevant one.
** A loop of one iteration is no loop: it neither moves nor keeps a tile. */
static double refetch(const sc_phase *ph, const sc_einsum *se, int t, int at) {
  int n = se->nloop;
  if (at >= 0)
    for (int i = 0; i < se->nloop; i++)
      if (se->loop[i] == at) { n = i + 1; break; }
  int inner = -1;
  for (int i = 0; i < n; i++)
    if (ph->part[se->loop[i]].size > 1 && sc_relevant(ph, se->loop[i], t)) inner = i;
  double f = 1;
  for (int i = 0; i < inner; i++)
    if (!sc_relevant(ph, se->loop[i], t)) f *= (double)ph->part[se->loop[i]].size;
  return f;
}

static int reads(const es_expr *x, int t) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return x->acc.tensor == t;
  return reads(x->a, t) || reads(x->b, t);
}

typedef struct traffic {
  double dram_bytes, buf_read_bytes, buf_write_bytes;
} traffic;

static void phase_traffic(const sc_schedule *s, const sc_phase *ph, traffic *tr) {
  const es_cascade *c = ph->c;
  double wb = (double)s->arch->word_bytes, batch = (double)ph->part[SC_BATCH].size;
  memset(tr, 0, sizeof *tr);
  for (int t = 0; t < c->ntensors; t++) {
    const sc_storage *st = &ph->st[t];
    uint64_t el = 0, live = 0;
    at_err ignore;
    if (es_footprint(c, t, &el, &live, &ignore)) continue;
    double bytes = (double)el * wb * batch;
    double dram_r = 0, dram_w = 0, buf_r = 0, buf_w = 0, shared = 0;
    for (int x = 0; x < ph->ne; x++) {
      const sc_einsum *se = &ph->e[x];
      const es_einsum *E = &c->einsums[se->einsum];
      if (E->lhs.tensor == t) {
        if (st->home == SC_DRAM) dram_w += bytes;
        if (st->home == SC_BUFFER || (st->home == SC_DRAM && st->keep_at >= 0)) buf_w += bytes;
      }
      if (!reads(E->rhs, t)) continue;
      int fwd = (st->forward >> x) & 1;
      if (st->home == SC_DRAM) {
        double f = refetch(ph, se, t, st->keep_at) * bytes;
        if (st->keep_at >= 0) { if (f > shared) shared = f; }
        else dram_r += f;
      }
      if (!fwd && (st->home == SC_BUFFER || (st->home == SC_DRAM && st->keep_at >= 0)))
        buf_r += refetch(ph, se, t, -1) * bytes;
    }
    dram_r += shared;
    if (st->home == SC_DRAM && st->keep_at >= 0) buf_w += shared;   /* fills */
    if (st->home == SC_BUFFER && st->spill > 0) {
      dram_r += st->spill * buf_r;
      dram_w += st->spill * buf_w;
    }
    tr->dram_bytes += dram_r + dram_w;
    tr->buf_read_bytes += buf_r;
    tr->buf_write_bytes += buf_w;
  }
}

/* Loop-independent predecessor of einsum x inside one tile, via tensor t. */
static int tile_dep(const sc_phase *ph, const es_expr *x, int *dep, int n) {
  if (!x) return n;
  if (x->kind == ES_E_ACCESS) {
    const es_tensor *T = &ph->c->tensors[x->acc.tensor];
    if (T->def < 0) return n;
    if (T->iter_dim >= 0) {
      const es_index *ix = &x->acc.ix[T->iter_dim];
      if (ix->kind == ES_IX_ZERO || ix->kind == ES_IX_LAST || (ix->kind == ES_IX_VAR && !ix->offset)) return n;
    }
    for (int q = 0; q < ph->ne; q++)
      if (ph->e[q].einsum == T->def && n < SC_MAX_EINSUMS) dep[n++] = q;
    return n;
  }
  n = tile_dep(ph, x->a, dep, n);
  return tile_dep(ph, x->b, dep, n);
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
    int nd = tile_dep(ph, c->einsums[ph->e[x].einsum].rhs, dep, 0);
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
** a reduction across its rows takes `rows` cycles to reach the edge. */
static double drain_cycles(const hw_array *ar) { return ar->rows > 1 ? (double)ar->rows : 0; }

int sim_analytic(const sc_schedule *s, sim_result *r, at_err *e) {
  const hw_arch *a = s->arch;
  double bpc = a->dram.bandwidth_Bps / a->clock_hz;      /* bytes per cycle */
  double total = 0, total_compute = 0, total_mem = 0;
  double pe_busy[HW_MAX_ARRAYS] = { 0 }, arr_busy_all[HW_MAX_ARRAYS] = { 0 };
  double ebusy[SC_MAX_PHASES][SC_MAX_EINSUMS];
  ecost cost[SC_MAX_PHASES][SC_MAX_EINSUMS];
  double dram = 0, bufr = 0, bufw = 0;
  int mem_phases = 0, arr_phases[HW_MAX_ARRAYS] = { 0 };
  for (int i = 0; i < s->nphases; i++) {
    const sc_phase *ph = &s->phase[i];
    double arr_busy[HW_MAX_ARRAYS] = { 0 };
    double drain = 0, tiles = (double)ph->part[SC_BATCH].size;
    for (int k = 0; k < ph->nshared; k++) tiles *= (double)ph->part[ph->shared[k]].size;
    for (int x = 0; x < ph->ne; x++) {
      const sc_einsum *se = &ph->e[x];
      einsum_cost(s, ph, se, &cost[i][x]);
      ebusy[i][x] = ceil(cost[i][x].pe_cycles / parallelism(ph, se));
      arr_busy[se->array] += ebusy[i][x];
      pe_busy[se->array] += cost[i][x].pe_cycles;
      double d = drain_cycles(&a->arrays[se->array]);
      if (d > drain) drain = d;
    }
    double compute = 0;
    int top = 0;
    for (int k = 0; k < a->n_arrays; k++) {
      arr_busy_all[k] += arr_busy[k];
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
    traffic tr;
    phase_traffic(s, ph, &tr);
    double mem = ceil(tr.dram_bytes / bpc);
    dram += tr.dram_bytes;
    bufr += tr.buf_read_bytes;
    bufw += tr.buf_write_bytes;
    total_compute += compute;
    total_mem += mem;
    total += mem > compute ? mem : compute;
    if (mem > compute) mem_phases++;
    else arr_phases[top]++;
  }
  if (!(total < 1.8e19)) return at_errf(e, "latency overflows 64-bit cycles");
  r->cycles = (uint64_t)ceil(total);
  r->compute_cycles = (uint64_t)ceil(total_compute);
  r->memory_cycles = (uint64_t)ceil(total_mem);
  r->latency_s = total / a->clock_hz;
  r->traffic_bytes = (uint64_t)llround(dram);
  r->buffer_bytes = (uint64_t)llround(bufr + bufw);
  r->n_arrays = a->n_arrays;
  for (int k = 0; k < a->n_arrays && k < SIM_MAX_ARRAYS; k++) {
    const hw_array *ar = &a->arrays[k];
    snprintf(r->array_name[k], sizeof r->array_name[k], "%s", ar->name);
    r->array_busy[k] = (uint64_t)arr_busy_all[k];
    r->array_util[k] = total > 0 ? pe_busy[k] / ((double)hw_array_pes(ar) * total) : 0;
    if (!strcmp(ar->name, "2d")) r->util_2d = r->array_util[k];
    if (!strcmp(ar->name, "1d")) r->util_1d = r->array_util[k];
  }
  /* energy */
  double regs_pJ = 0;
  r->n_einsums = 0;
  for (int i = 0; i < s->nphases; i++) {
    const sc_phase *ph = &s->phase[i];
    for (int x = 0; x < ph->ne; x++) {
      const ecost *k = &cost[i][x];
      const hw_array *ar = &a->arrays[ph->e[x].array];
      double rg = k->reg_reads * a->energy.reg_read_pJ + k->reg_writes * a->energy.reg_write_pJ;
      regs_pJ += rg;
      r->energy_by[strcmp(ar->name, "1d") ? SIM_C_COMPUTE_2D : SIM_C_COMPUTE_1D] += k->energy_pJ;
      if (r->n_einsums < SIM_MAX_EINSUMS) {
        sim_einsum_result *er = &r->einsum[r->n_einsums++];
        snprintf(er->name, sizeof er->name, "%s/%s", ph->name,
                 ph->c->tensors[ph->c->einsums[ph->e[x].einsum].lhs.tensor].name);
        snprintf(er->array, sizeof er->array, "%s", ar->name);
        er->busy_cycles = (uint64_t)ebusy[i][x];
        er->util = total > 0 ? k->pe_cycles / ((double)hw_array_pes(ar) * total) : 0;
        er->energy_pJ = k->energy_pJ + rg;
      }
    }
  }
  double row_bytes = (double)a->buffer.row_bits / 8.0;
  r->energy_by[SIM_C_REGS] = regs_pJ;
  r->energy_by[SIM_C_BUFFER] = bufr / row_bytes * hw_buffer_row_pJ(a, false) +
                               bufw / row_bytes * hw_buffer_row_pJ(a, true);
  r->energy_by[SIM_C_DRAM] = dram * 8.0 / (double)a->energy.dram_access_bits * a->energy.dram_access_pJ;
  r->energy_pJ = 0;
  for (int k = 0; k < SIM_C_COUNT; k++) r->energy_pJ += r->energy_by[k];
  /* what bounds latency */
  int kinds = (mem_phases > 0);
  const char *b = "memory";
  for (int k = 0; k < a->n_arrays; k++)
    if (arr_phases[k]) { kinds++; b = a->arrays[k].name; }
  snprintf(r->bound, sizeof r->bound, "%s", kinds > 1 ? "mixed" : b);
  snprintf(r->tiling, sizeof r->tiling, "%s", s->tiling);
  return 0;
}
