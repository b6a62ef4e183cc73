/*
** bind.c: binding an in-memory mapping (map_int.h) into a schedule for one
** design point: select cases chosen from the point's configuration row,
** size expressions evaluated in exact checked 64-bit rationals, `rest`
** quotients, `fit` as the largest divisor whose resident tiles fit the
** global buffer, spatial bindings checked against the arrays, footprints.
** No YAML and no spec text here: an error is formatted from the mapping's
** location table only once binding has failed.
*/
#include "map_int.h"
#include "mapper.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bctx {
  const map_spec *m;
  const map_phase *mp;
  const map_ploc *pl;
  const hw_arch *a;
  const wl_workload *w;
  int64_t seq;
  const fc_config *cfg;       /* the point's configuration row, or NULL */
  sc_phase *ph;
  es_cascade *c;
  const uint32_t *opmask;     /* by cascade einsum: bit k, it performs hw_op k */
  const uint64_t *use;        /* by cascade einsum: bit r, it iterates rank r (map_spec.usemask) */
  const uint64_t *touch;      /* by cascade einsum: bit t, it reads or writes tensor t */
  int quiet;                  /* a failure needs no message (the mapper's candidates) */
  int fit_part;               /* the phase's `fit` part (its size is chosen last), or -1 */
  map_rule rule;              /* the pruning rule a failure breaks, if any */
  at_err *e;
} bctx;

#define ERR(at, ...) (b->quiet ? -1 : map_errf(b->m, (at), b->e, 0, __VA_ARGS__))
#define BADVAL(at, ...) (b->quiet ? -1 : map_errf(b->m, (at), b->e, 1, __VA_ARGS__))
/* einsum xi of the phase iterates over part p (sc_uses, from the mask) */
#define USES(xi, p) (puse >> (p) & 1)

/* A configuration column's value as select compares it. */
static const char *col_text(const fc_config *c, int col, char *buf, size_t cap) {
  switch (col) {
  case MC_Q_LOC: return c->Q_onchip ? "onchip" : "offchip";
  case MC_K_LOC: return c->K_onchip ? "onchip" : "offchip";
  case MC_V_LOC: return c->V_onchip ? "onchip" : "offchip";
  case MC_QK_LOC: return c->QK_onchip ? "onchip" : "offchip";
  case MC_A_LOC: return c->A_onchip ? "onchip" : "offchip";
  case MC_AV_LOC: return c->AV_onchip ? "onchip" : "offchip";
  case MC_QK_STAT: return c->QK_stationarity == FC_OUTPUT_STATIONARY ? "output" : "weight";
  case MC_AV_STAT: return c->AV_stationarity == FC_OUTPUT_STATIONARY ? "output" : "weight";
  case MC_FUSION: return c->fusion == FC_FUSE_HEAD ? "head" : "row";
  case MC_P1: snprintf(buf, cap, "%lld", (long long)c->P1); return buf;
  case MC_SPILLED: snprintf(buf, cap, "%g", c->proportion_spilled); return buf;
  default: snprintf(buf, cap, "%g", c->proportion_buffered); return buf;
  }
}

/* The case select `si` takes at this point: its node index in *idx. */
static int choose(bctx *b, int si, int *idx) {
  const map_sel *s = &b->mp->sel[si];
  char buf[32];
  const char *v = col_text(b->cfg, s->col, buf, sizeof buf);
  for (int i = 0; i < s->ncase; i++)
    if (!strcmp(s->key[i], v)) { *idx = s->val[i]; return 0; }
  return ERR(b->pl->sel[si], "select %s: no case for '%s'", map_col_name[s->col], v);
}

/* Follows select nodes of a pool to the chosen node (read nests them at
** most 8 deep). */
#define RESOLVE(pool, idx) \
  while (b->mp->pool[idx].sel >= 0) if (choose(b, b->mp->pool[idx].sel, &(idx))) return -1

/* ---- size expressions ---------------------------------------------------- */

/* The value of a size expression or of one of its operands: exact, as the
** rational num/den in lowest terms (den > 0), while every operand is whole
** or a decimal literal; a double once a fractional configuration column
** (proportion_*) enters, which only `spill` accepts. */
typedef struct xval {
  int64_t num, den;           /* exact value, when !real */
  int real;
  double r;                   /* the value, when real */
} xval;

static xval x_int(int64_t v) { return (xval){ v, 1, 0, 0 }; }
static double x_double(xval v) { return v.real ? v.r : (double)v.num / (double)v.den; }

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) { int64_t t = a % b; a = b; b = t; }
  return a;
}

/* a * b (div: a / b), exact and checked; -1 on overflow.  Operands are
** non-negative; cross-cancelling first keeps products as small as the
** result allows.  b must not be 0 when dividing. */
static int x_apply(xval *a, xval b, int div) {
  if (a->real || b.real) {
    double y = x_double(b);
    a->r = div ? x_double(*a) / y : x_double(*a) * y;
    a->real = 1;
    return 0;
  }
  int64_t bn = div ? b.den : b.num, bd = div ? b.num : b.den;
  int64_t g1 = gcd64(a->num, bd), g2 = gcd64(bn, a->den);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  int64_t n, d;
  if (at_smul64(a->num / g1, bn / g2, &n) || at_smul64(a->den / g2, bd / g1, &d)) return -1;
  if (n == 0) d = 1;
  a->num = n;
  a->den = d;
  return 0;
}

/* What an expression sizes, for messages (formatted only on failure). */
typedef struct what {
  int kind;                   /* W_SIZE, W_TILE, W_BATCH, W_SPILL */
  int rank, part;
} what;
enum { W_SIZE, W_TILE, W_BATCH, W_SPILL };

static const char *what_text(const bctx *b, what w, char *buf, size_t cap) {
  if (w.kind == W_SIZE && w.rank < 0) snprintf(buf, cap, "size of param %s", b->c->params[MAP_SIZE_PARAM(w.rank)].name);
  else if (w.kind == W_SIZE) snprintf(buf, cap, "size of rank %s", b->c->ranks[w.rank].name);
  else if (w.kind == W_TILE) snprintf(buf, cap, "tile %s of rank %s", b->mp->part[w.part].name, b->c->ranks[w.rank].name);
  else snprintf(buf, cap, "%s", w.kind == W_BATCH ? "batch size" : "spilled fraction");
  return buf;
}

static int term_value0(bctx *b, int xi, const map_term *t, xval *v);

/* A workload size (kind MX_SEQ .. MX_R) at this point; 0 when the point
** has no such size (no --model, no --seq, a workload without a window or
** MLA ranks). */
static int64_t wl_value(const bctx *b, int kind) {
  static const wl_workload none = { .name = "none" };
  const wl_workload *w = b->w ? b->w : &none;
  switch (kind) {
  case MX_SEQ: case MX_CTX: return b->seq;
  case MX_NEW: return w->H ? wl_queries(w, b->seq) : 0;
  case MX_B: return w->B;
  case MX_H: return w->H;
  case MX_D: return w->D;
  case MX_FFN: return w->FFN;
  case MX_KVH: return w->KVH;
  case MX_E: return w->E;
  case MX_F: return w->F;
  case MX_G: return w->G;
  case MX_W: return w->W;
  case MX_C: return w->C;
  default: return w->R;
  }
}

/* A workload name whose value is 0 was not given: which option or field
** would give it. */
static int not_given(bctx *b, int xi, const map_term *t, int kind) {
  char id[40];
  map_term_str(t, id, sizeof id);
  const wl_workload *w = b->w;
  if (kind == MX_SEQ || kind == MX_CTX || (kind == MX_NEW && w && w->H))
    return ERR(b->pl->expr[xi], "'%s' is not given: this mapping needs --seq", id);
  if (!w || !w->H) return ERR(b->pl->expr[xi], "'%s' is not given: this mapping needs --model", id);
  return ERR(b->pl->expr[xi], "'%s' is not given: workload %s has no %s (%s)", id, w->name, id,
             kind == MX_W ? "a sliding window" : kind == MX_C ? "MLA's latent KV rank" : "MLA's rope part");
}

/* A term's value: a size bound with --set first; a workload size or SEQ
** that is 0 was not given. */
static int term_value(bctx *b, int xi, const map_term *t, xval *v) {
  if (b->w && b->w->nset && t->kind != MX_NUM) {
    char id[40];
    map_term_str(t, id, sizeof id);
    for (int i = 0; i < b->w->nset; i++)
      if (!strcmp(id, b->w->set[i].name)) {
        if (!b->w->set[i].value)
          return BADVAL(b->pl->expr[xi], "'%s' is a density (%g), a fraction, not a size", id, b->w->set[i].density);
        *v = x_int(b->w->set[i].value);
        return 0;
      }
  }
  if (term_value0(b, xi, t, v)) return -1;
  int named = t->kind >= MX_SEQ && t->kind <= MX_WL_LAST ? t->kind : -1;
  if (t->kind == MX_RANK && b->c->ranks[t->idx].size <= 0) named = map_wl_kind(t->name);
  if (named >= 0 && !v->real && v->num == 0) return not_given(b, xi, t, named);
  if (named == MX_NEW && b->w && b->w->phase == WL_DECODE && b->seq && v->num > b->seq)
    return BADVAL(b->pl->expr[xi], "NEW: %lld new tokens per request exceed the context (--seq %lld)",
                  (long long)v->num, (long long)b->seq);
  return 0;
}

static int term_value0(bctx *b, int xi, const map_term *t, xval *v) {
  switch (t->kind) {
  case MX_NUM: *v = (xval){ t->num, t->den, 0, 0 }; return 0;
  case MX_CFG:
    if (t->idx == MC_P1) *v = x_int(b->cfg->P1);
    else *v = (xval){ 0, 1, 1, t->idx == MC_SPILLED ? b->cfg->proportion_spilled : b->cfg->proportion_buffered };
    return 0;
  case MX_ROWS:
  case MX_COLS: {
    const hw_array *ar = hw_array_find(b->a, t->name);
    if (!ar) return ERR(b->pl->expr[xi], "architecture %s has no array '%s'", b->a->name, t->name);
    *v = x_int(t->kind == MX_ROWS ? ar->rows : ar->cols);
    return 0;
  }
  case MX_SET:
    return ERR(b->pl->expr[xi], "unknown name '%s' (workload " MAP_WL_NAMES ", a rank size, ARRAY.rows/cols, "
               "config.COLUMN, or a name given with --set)", t->name);
  case MX_RANK: {   /* sized by now, or the workload's size of that name */
    if (b->c->ranks[t->idx].size > 0) { *v = x_int(b->c->ranks[t->idx].size); return 0; }
    int k = map_wl_kind(t->name);
    if (k >= 0) { *v = x_int(wl_value(b, k)); return 0; }
    return ERR(b->pl->expr[xi], "unknown name '%s' (workload " MAP_WL_NAMES ", a rank size, ARRAY.rows/cols, config.COLUMN)",
               t->name);
  }
  default: *v = x_int(wl_value(b, t->kind)); return 0;
  }
}

/* Evaluates expression xi (already resolved), left to right. */
static int eval_expr(bctx *b, int xi, what wh, xval *out) {
  const map_expr *x = &b->mp->expr[xi];
  xval acc = x_int(1);
  for (int i = 0; i < x->nterm; i++) {
    const map_term *t = &x->t[i];
    xval v = x_int(0);
    if (term_value(b, xi, t, &v)) return -1;
    char wb[80];
    if (t->op == '/' && !v.real && v.num == 0)
      return BADVAL(b->pl->expr[xi], "%s: division by zero", what_text(b, wh, wb, sizeof wb));
    if (x_apply(&acc, v, t->op == '/')) {
      char text[200], tok[40];
      const char *s = b->pl->expr[xi] ? b->m->locs[b->pl->expr[xi]].text : NULL;
      if (!s) s = map_expr_str(b->mp, x, text, sizeof text);
      map_term_str(t, tok, sizeof tok);
      return ERR(b->pl->expr[xi], "%s: '%.60s%s' overflows a 64-bit integer (at operand %d, '%c %s')",
                 what_text(b, wh, wb, sizeof wb), s, strlen(s) > 60 ? "..." : "", i + 1, t->op, tok);
    }
  }
  *out = acc;
  return 0;
}

/* A positive whole-number size: exact, or refused. */
static int eval_size(bctx *b, int xi, what wh, int64_t *out) {
  RESOLVE(expr, xi);
  /* one positive whole literal (every tile the mapper writes): its value,
  ** as the general path below would find it */
  const map_expr *x1 = &b->mp->expr[xi];
  if (x1->nterm == 1 && x1->t[0].kind == MX_NUM && x1->t[0].den == 1 && x1->t[0].num >= 1) {
    *out = x1->t[0].num;
    return 0;
  }
  xval v = x_int(0);
  if (eval_expr(b, xi, wh, &v)) return -1;
  char wb[80];
  mloc at = b->pl->expr[xi];
  if (v.real) return BADVAL(at, "%s: a fractional configuration column cannot give a size", what_text(b, wh, wb, sizeof wb));
  if (v.den != 1)
    return BADVAL(at, "%s: not a whole number (%lld/%lld here)", what_text(b, wh, wb, sizeof wb), (long long)v.num,
                  (long long)v.den);
  if (v.num < 1)
    return BADVAL(at, "%s: must be a positive whole number (it is %lld here)", what_text(b, wh, wb, sizeof wb),
                  (long long)v.num);
  *out = v.num;
  return 0;
}

/* ---- relevance, tiles ---------------------------------------------------- */

int map_rank_covers(const es_cascade *c, int have, int part_rank) {
  return have == part_rank || c->ranks[part_rank].parent == have;
}

int sc_relevant(const sc_phase *ph, int p, int t) {
  if (p == SC_BATCH) return 1;
  const es_tensor *T = &ph->c->tensors[t];
  for (int d = 0; d < T->ndims; d++)
    if (map_rank_covers(ph->c, T->dim[d], ph->part[p].rank)) return 1;
  return 0;
}

int sc_is_spatial(const sc_einsum *se, int p) {
  for (int d = 0; d < 2; d++)
    for (int i = 0; i < se->nsp[d]; i++)
      if (se->spatial[d][i] == p) return 1;
  return 0;
}

uint64_t sc_spatial_extent(const sc_phase *ph, const sc_einsum *se, int d, int t) {
  uint64_t n = 1;   /* binding checked the product against the dimension */
  for (int i = 0; i < se->nsp[d]; i++)
    if (t < 0 || sc_relevant(ph, se->spatial[d][i], t)) n *= (uint64_t)ph->part[se->spatial[d][i]].size;
  return n;
}

int map_expr_reduces(const es_cascade *c, const es_expr *x, int pr) {
  if (!x) return 0;
  if (x->kind == ES_E_REDUCE)
    for (int i = 0; i < x->nred; i++)
      if (map_rank_covers(c, x->red[i], pr)) return 1;
  return map_expr_reduces(c, x->a, pr) || map_expr_reduces(c, x->b, pr);
}

static int einsum_uses_rank(const es_cascade *c, int ei, int pr) {
  const es_einsum *x = &c->einsums[ei];
  for (int k = 0; k < x->nspace; k++)
    if (map_rank_covers(c, x->space[k], pr)) return 1;
  return map_expr_reduces(c, x->rhs, pr);
}


void map_phase_ops(map_spec *m, int phase) {
  const es_cascade *c = m->c[phase];
  for (int xi = 0; xi < c->neinsums && xi < MAP_MAX_CEINSUMS; xi++) {
    sc_opuse uses[SC_MAX_OPUSES];
    int nu = sc_einsum_ops(c, xi, uses);
    uint32_t mask = nu < 0 ? MAP_OPS_TOO_MANY : 0;
    for (int k = 0; k < nu; k++) mask |= 1u << uses[k].op;
    m->opmask[phase][xi] = mask;
    uint64_t use = 0, touch = 1ull << c->einsums[xi].lhs.tensor;
    for (int r = 0; r < c->nranks; r++)
      if (einsum_uses_rank(c, xi, r)) use |= 1ull << r;
    for (int t = 0; t < c->ntensors; t++)
      if (map_expr_reads(c->einsums[xi].rhs, t)) touch |= 1ull << t;
    m->usemask[phase][xi] = use;
    m->touchmask[phase][xi] = touch;
  }
}

int sc_uses(const sc_phase *ph, int x, int p) {
  if (p == SC_BATCH) return 1;
  return einsum_uses_rank(ph->c, ph->e[x].einsum, ph->part[p].rank);
}

/* Bit p: part p (p >= 1) tiles cascade rank r or a part of it, for every
** rank r of the phase's cascade: worked out once per phase and schedule, so
** a tile's extent is a product over a mask rather than a walk of the parts. */
void map_cover_masks(const sc_phase *ph, uint64_t *cover) {
  for (int r = 0; r < ph->c->nranks; r++) {
    cover[r] = 0;
    for (int p = 1; p < ph->nparts; p++)
      if (map_rank_covers(ph->c, r, ph->part[p].rank)) cover[r] |= 1ull << p;
  }
}

uint64_t map_tile_elements(const sc_phase *ph, const uint64_t *cover, int x, int t, int at) {
  const sc_einsum *se = &ph->e[x];
  const es_tensor *T = &ph->c->tensors[t];
  /* parts above the tile: the nest down to and including `at`.  When
  ** this Einsum does not iterate `at`, the shared loops down to `at` that
  ** it does iterate (and only the batch loop if `at` is not shared): the
  ** tile spans everything it does inside that level, not one element. */
  uint64_t above = 0;         /* bit set of parts */
  int in_nest = 0;
  for (int i = 0; at >= 0 && i < se->nloop; i++) in_nest |= se->loop[i] == at;
  if (at >= 0 && in_nest) {
    for (int i = 0; i < se->nloop; i++) {
      above |= 1ull << se->loop[i];
      if (se->loop[i] == at) break;
    }
  } else if (at >= 0) {
    uint64_t outer = 1ull << SC_BATCH;
    for (int k = 0; k < ph->nshared; k++) {
      outer |= 1ull << ph->shared[k];
      if (ph->shared[k] == at) break;
      if (k == ph->nshared - 1) outer = 1ull << SC_BATCH;    /* not shared */
    }
    for (int i = 0; i < se->nloop; i++)
      if (outer >> se->loop[i] & 1) above |= 1ull << se->loop[i];
  } else {
    for (int i = 0; i < se->nloop; i++) above |= 1ull << se->loop[i];
  }
  uint64_t n = 1;
  for (int d = 0; d < T->ndims; d++) {
    if (d == T->iter_dim) continue;     /* one live slice */
    int rd = T->dim[d];
    uint64_t ext = 1;
    if (!cover[rd]) ext = (uint64_t)ph->c->ranks[rd].size;
    for (uint64_t m = cover[rd] & ~above; m; m &= m - 1)     /* ascending parts, as a walk would */
      if (at_mul64(ext, (uint64_t)ph->part[__builtin_ctzll(m)].size, &ext)) return UINT64_MAX;
    if (at_mul64(n, ext, &n)) return UINT64_MAX;   /* saturated: no buffer holds it */
  }
  return n;
}

uint64_t sc_tile_elements(const sc_phase *ph, int x, int t, int at) {
  uint64_t cover[ES_MAX_RANKS];
  map_cover_masks(ph, cover);
  return map_tile_elements(ph, cover, x, t, at);
}

/* ---- binding ------------------------------------------------------------ */
typedef struct opacc {
  sc_opuse *out;
  int n;
} opacc;

static int use(opacc *a, hw_op op, double per_point, int operands, uint32_t red) {
  if (a->n == SC_MAX_OPUSES) return -1;
  a->out[a->n++] = (sc_opuse){ op, per_point, operands, red };
  return 0;
}

/* Walks an expression executed `per` times per point; mac_body: x is the
** direct body of a sum, so a product here is a MAC. */
static int ops_of(const es_cascade *c, const es_expr *x, double per, uint32_t red, int mac_body, opacc *a) {
  switch (x->kind) {
  case ES_E_NUM:
  case ES_E_ACCESS:
    return 0;
  case ES_E_NEG:
    return use(a, HW_OP_SUB, per, 1, red) || ops_of(c, x->a, per, red, 0, a) ? -1 : 0;
  case ES_E_EXP:
    return use(a, HW_OP_EXP, per, 1, red) || ops_of(c, x->a, per, red, 0, a) ? -1 : 0;
  case ES_E_BIN: {
    static const hw_op of[] = { HW_OP_ADD, HW_OP_SUB, HW_OP_MUL, HW_OP_DIV, HW_OP_MAX, HW_OP_MIN };
    int mac = mac_body && x->op == ES_MUL;
    if (use(a, mac ? HW_OP_MAC : of[x->op], per, mac ? 3 : 2, red)) return -1;
    return ops_of(c, x->a, per, red, 0, a) || ops_of(c, x->b, per, red, 0, a) ? -1 : 0;
  }
  case ES_E_REDUCE: {
    double inner = per;
    uint32_t ired = red;
    for (int i = 0; i < x->nred; i++) {
      inner *= (double)c->ranks[x->red[i]].size;
      ired |= 1u << x->red[i];
    }
    int mac = x->op == ES_ADD && x->a->kind == ES_E_BIN && x->a->op == ES_MUL;
    if (!mac && use(a, x->op == ES_MAX ? HW_OP_MAX : x->op == ES_MIN ? HW_OP_MIN : HW_OP_ADD, inner, 2, ired)) return -1;
    return ops_of(c, x->a, inner, ired, mac, a);
  }
  }
  return 0;
}

int sc_einsum_ops(const es_cascade *c, int xi, sc_opuse *out) {
  const es_einsum *x = &c->einsums[xi];
  opacc a = { out, 0 };
  /* an implicit sum over the whole right-hand side: a MAC if it is a product */
  int mac = x->nsum > 0 && x->rhs->kind == ES_E_BIN && x->rhs->op == ES_MUL;
  if (x->nsum > 0 && !mac && use(&a, HW_OP_ADD, 1, 2, 0)) return -1;
  if (ops_of(c, x->rhs, 1, 0, mac, &a)) return -1;
  return a.n;
}

int map_expr_reads(const es_expr *x, int t) {
  if (!x) return 0;
  if (x->kind == ES_E_ACCESS) return x->acc.tensor == t;
  return map_expr_reads(x->a, t) || map_expr_reads(x->b, t);
}

/* Bytes of the tiles resident in the buffer: each buffer- or DRAM-homed
** tensor with a keep_at level holds the largest tile any Einsum touching
** it sees there, less its spilled fraction; aliases share their root's.
** Exact (a spilled fraction rounds up to whole bytes); FP_OVERFLOW when the
** sum exceeds int64_t, which no buffer holds. */
#define FP_OVERFLOW INT64_MAX
static int64_t footprint(const sc_phase *ph, const hw_arch *a, const uint64_t *touch, const uint64_t *cover) {
  const es_cascade *c = ph->c;
  uint64_t total = 0;
  for (int t = 0; t < c->ntensors; t++) {
    const sc_storage *st = &ph->st[t];
    if (st->home == SC_REGS || st->alias >= 0) continue;
    if (st->home == SC_DRAM && st->keep_at < 0) continue;   /* streamed */
    uint64_t best = 0, bytes;
    for (int x = 0; x < ph->ne; x++) {
      if (!(touch[ph->e[x].einsum] >> t & 1)) continue;
      uint64_t el = map_tile_elements(ph, cover, x, t, st->keep_at);
      if (el > best) best = el;
    }
    if (at_mul64(best, (uint64_t)a->word_bytes, &bytes)) return FP_OVERFLOW;
    if (st->spill > 0) {
      double kept = ceil((double)bytes * (1.0 - st->spill));
      bytes = kept >= 0x1p63 ? UINT64_MAX : (uint64_t)kept;
    }
    if (at_add64(total, bytes, &total) || total > (uint64_t)INT64_MAX) return FP_OVERFLOW;
  }
  return (int64_t)total;
}

/* A footprint for messages: its bytes, or that it overflows. */
static const char *fp_text(int64_t fp, char *buf, size_t cap) {
  if (fp == FP_OVERFLOW) snprintf(buf, cap, "more than %lld", (long long)INT64_MAX);
  else snprintf(buf, cap, "%lld", (long long)fp);
  return buf;
}

/* Tries each tensor's keep_at choices, outermost first, until the phase fits. */
static int64_t settle_keep(sc_phase *ph, const hw_arch *a, const uint64_t *touch, const int *first_keep) {
  uint64_t cover[ES_MAX_RANKS];     /* the parts' ranks do not change here, only their sizes */
  map_cover_masks(ph, cover);
  for (int t = 0; t < ph->c->ntensors; t++) ph->st[t].keep_at = first_keep[t];
  int64_t fp = footprint(ph, a, touch, cover);
  for (int t = 0; t < ph->c->ntensors && fp > a->buffer.bytes; t++) {
    sc_storage *st = &ph->st[t];
    for (int j = 0; j < st->nfallback && fp > a->buffer.bytes; j++) {
      st->keep_at = st->fallback[j];
      fp = footprint(ph, a, touch, cover);
    }
  }
  return fp;
}

/* ---- divisors, for `fit` --------------------------------------------------
** `fit` takes the largest divisor of a quotient q < 2^63 whose tiles fit, so
** it needs q's divisors in descending order.  Trial division to sqrt(q)
** would take seconds for a large prime q; factoring with Miller-Rabin and
** Pollard's rho takes microseconds, and a q < 2^63 has at most 103680
** divisors. */

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) { return (uint64_t)((unsigned __int128)a * b % m); }

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t m) {
  uint64_t r = 1;
  for (a %= m; e; e >>= 1, a = mulmod(a, a, m))
    if (e & 1) r = mulmod(r, a, m);
  return r;
}

/* Deterministic for every n < 2^64 with these bases. */
static int is_prime(uint64_t n) {
  static const uint64_t base[] = { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37 };
  if (n < 2) return 0;
  for (int i = 0; i < 12; i++)
    if (n % base[i] == 0) return n == base[i];
  uint64_t d = n - 1;
  int r = 0;
  while (!(d & 1)) { d >>= 1; r++; }
  for (int i = 0; i < 12; i++) {
    uint64_t x = powmod(base[i], d, n);
    if (x == 1 || x == n - 1) continue;
    int comp = 1;
    for (int k = 1; k < r && comp; k++) {
      x = mulmod(x, x, n);
      if (x == n - 1) comp = 0;
    }
    if (comp) return 0;
  }
  return 1;
}

static uint64_t gcdu(uint64_t a, uint64_t b) {
  while (b) { uint64_t t = a % b; a = b; b = t; }
  return a;
}

/* A non-trivial factor of an odd composite n (Pollard's rho). */
static uint64_t rho(uint64_t n) {
  for (uint64_t c = 1;; c++) {
    uint64_t x = 2, y = 2, d = 1;
    while (d == 1) {
      x = (mulmod(x, x, n) + c) % n;
      y = (mulmod(y, y, n) + c) % n;
      y = (mulmod(y, y, n) + c) % n;
      d = gcdu(x > y ? x - y : y - x, n);
    }
    if (d != n) return d;
  }
}

typedef struct factors {
  int n;
  uint64_t p[64];             /* primes, unsorted, with repeats merged */
  int e[64];
} factors;

static void add_factor(factors *f, uint64_t p) {
  for (int i = 0; i < f->n; i++)
    if (f->p[i] == p) { f->e[i]++; return; }
  f->p[f->n] = p;
  f->e[f->n++] = 1;
}

static void factor(factors *f, uint64_t n) {
  if (n == 1) return;
  if (is_prime(n)) { add_factor(f, n); return; }
  uint64_t d = rho(n);
  factor(f, d);
  factor(f, n / d);
}

static int desc64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* The divisors of q >= 1 in descending order, in a new array; NULL when
** out of memory. */
static int64_t *divisors_desc(int64_t q, int *count) {
  factors f = { 0 };
  uint64_t n = (uint64_t)q;
  for (uint64_t p = 2; p < 64; p++)   /* small primes first: rho needs an odd composite */
    while (n % p == 0) { add_factor(&f, p); n /= p; }
  factor(&f, n);
  size_t total = 1;
  for (int i = 0; i < f.n; i++) total *= (size_t)f.e[i] + 1;
  int64_t *d = malloc(total * sizeof *d);
  if (!d) return NULL;
  size_t k = 1;
  d[0] = 1;
  for (int i = 0; i < f.n; i++) {
    size_t have = k;
    uint64_t pw = 1;
    for (int j = 0; j < f.e[i]; j++) {
      pw *= f.p[i];               /* divides q, so no overflow */
      for (size_t t = 0; t < have; t++) d[k++] = (int64_t)((uint64_t)d[t] * pw);
    }
  }
  qsort(d, k, sizeof *d, desc64);
  *count = (int)k;
  return d;
}

/* ---- binding ------------------------------------------------------------ */

#define STR_(n) #n
#define STR(n) STR_(n)
#define NEST_LIMIT "a nest holds at most " STR(SC_MAX_LOOPS) " loops (SC_MAX_LOOPS) with the batch loop"

typedef struct fitvar {
  int part;                   /* the `fit` part, or -1 */
  int rest;                   /* the `rest` part of the same rank, or -1 */
  int64_t quotient;           /* fit * rest */
  mloc at;
} fitvar;

/* Part sizes of every tiled rank, in the order the file tiles them. */
static int bind_tiling(bctx *b, es_binding *bind, fitvar *fv) {
  const map_phase *mp = b->mp;
  sc_phase *ph = b->ph;
  es_cascade *c = b->c;
  fv->part = fv->rest = -1;
  for (int ti = 0; ti < mp->ntiled; ti++) {
    const map_tiled *t = &mp->tiled[ti];
    int r = t->rank;
    int64_t size = c->ranks[r].size, known = 1;
    int rest = -1, fit = -1, ceil_up = 0;
    for (int p = t->first; p < t->first + t->n; p++) {
      int xi = mp->part[p].expr;
      RESOLVE(expr, xi);
      const map_expr *x = &mp->expr[xi];
      int64_t ps = 0;
      if (x->special == MAP_REST || x->special == MAP_CEIL) {
        if (rest >= 0) return ERR(b->pl->expr[xi], "only one part of a rank may be 'rest' or 'ceil'");
        rest = p;
        ceil_up = x->special == MAP_CEIL;   /* rounded up: the last iteration covers what is left */
        if (ceil_up && c->ranks[r].outer >= 0) return ERR(b->pl->expr[xi], "'ceil' cannot tile a rank the cascade splits");
      } else if (x->special == MAP_FIT) {
        if (fv->part >= 0 || fit >= 0) return ERR(b->pl->expr[xi], "only one part of a phase may be 'fit'");
        fit = p;
        fv->at = b->pl->expr[xi];
      } else {
        what wh = { W_TILE, r, p };
        if (eval_size(b, xi, wh, &ps)) return -1;
        if (ps > size) ps = size;   /* an array wider than the rank: the spare PEs idle */
        if (at_smul64(known, ps, &known)) {
          char wb[80];
          return ERR(b->pl->expr[xi], "%s: the tile sizes of rank %s multiply past a 64-bit integer",
                     what_text(b, wh, wb, sizeof wb), c->ranks[r].name);
        }
      }
      ph->part[p].size = ps;
    }
    mloc at = b->pl->tiled[ti];
    if (size % known && !ceil_up)
      return ERR(at, "%s (%lld) is not a multiple of its tile sizes (%lld) (a 'ceil' part allows that)", c->ranks[r].name,
                 (long long)size, (long long)known);
    int64_t q = size / known + (size % known != 0);
    if (ceil_up && fit >= 0) return ERR(at, "a rank with a 'ceil' part cannot have a 'fit' part");
    if (ceil_up) {
      ph->part[rest].block = known;
      ph->part[rest].tail = size % known ? size - (q - 1) * known : 0;
    }
    if (fit >= 0 && rest < 0) return ERR(at, "a rank with a 'fit' part needs a 'rest' part");
    if (rest < 0 && q != 1)
      return ERR(at, "tiles of %s multiply to %lld, not %lld (add a 'rest' part)", c->ranks[r].name, (long long)known,
                 (long long)size);
    if (fit >= 0) {
      fv->part = fit;
      fv->rest = rest;
      fv->quotient = q;
      ph->part[fit].size = 1;
      ph->part[rest].size = q;
    } else if (rest >= 0) {
      ph->part[rest].size = q;
    }
    if (c->ranks[r].outer >= 0) {
      for (int p = t->first; p < t->first + t->n; p++)
        if (p != fit && es_binding_set(bind, c->ranks[ph->part[p].rank].name, ph->part[p].size, b->e)) return -1;
    }
  }
  return 0;
}

/* hw_array_index with the comparison inline: binding looks up every
** Einsum's array, and array names are a few characters. */
static int array_index(const hw_arch *a, const char *name) {
  for (int i = 0; i < a->n_arrays; i++) {
    const char *p = a->arrays[i].name, *q = name;
    while (*p && *p == *q) p++, q++;
    if (*p == *q) return i;
  }
  return -1;
}

/* Bit k: the array's PEs perform hw_op k. */
static uint32_t array_ops(const hw_array *ar) {
  uint32_t m = 0;
  for (int k = 0; k < HW_OP_COUNT; k++)
    if (ar->ops[k].supported) m |= 1u << k;
  return m;
}

static int find_array_spatial(const map_phase *mp, const char *array) {
  for (int i = 0; i < mp->nspatial; i++)
    if (!strcmp(mp->spatial_array[i], array)) return mp->spatial[i];
  return -1;
}

/* The parts of spatial binding si on dimension k (0 rows, 1 cols) of
** array ar: their sizes' product fits the dimension, or (a fold) one part
** of more than one iteration exceeds a one-row array's columns. */
static int fit_dim(bctx *b, int si, int k, const hw_array *ar) {
  const map_phase *mp = b->mp;
  const map_spatial *sp = &mp->sp[si];
  const sc_phase *ph = b->ph;
  int64_t dim = k == 0 ? ar->rows : ar->cols;
  const char *dn = k == 0 ? "rows" : "cols";
  /* a `fit` part is sized for the buffer once the arrays are checked, at 1 here */
  for (int i = 0; i < sp->n[k]; i++)
    if (sp->part[k][i] == b->fit_part)
      return ERR(b->pl->sp_part[si][k], "part %s is 'fit', sized for the buffer, so it cannot be spatial", mp->part[b->fit_part].name);
  if (sp->n[k] == 1) {
    int p = sp->part[k][0];
    if (ph->part[p].size > dim && !(k == 1 && sp->fold))
      return b->rule = MAP_RULE_FANOUT, ERR(b->pl->sp_part[si][k], "spatial factor %s = %lld is larger than array %s's %lld %s",
                                            mp->part[p].name, (long long)ph->part[p].size, ar->name, (long long)dim, dn);
    return 0;
  }
  int wide = 0, ovf = 0;    /* parts of more than one iteration; the product leaves 64 bits */
  uint64_t n = 1;
  for (int i = 0; i < sp->n[k]; i++) {
    uint64_t z = (uint64_t)ph->part[sp->part[k][i]].size;
    wide += z > 1;
    ovf |= at_mul64(n, z, &n);
  }
  /* a fold of several parts would interleave their digits over the passes:
  ** no engine models that (mappings/README.md "Folds") */
  if (k == 1 && sp->fold && wide > 1)
    return ERR(b->pl->sp_fold[si], "array %s folds one part on its cols, not a list of %d parts of more than one iteration",
               ar->name, wide);
  if ((!ovf && n <= (uint64_t)dim) || (k == 1 && sp->fold)) return 0;
  b->rule = MAP_RULE_FANOUT;
  if (b->quiet) return -1;
  char names[4 * (MAP_NAME + 3)], sizes[4 * 24], prod[32] = "more than 2^64";
  size_t lw = 0, ls = 0;
  for (int i = 0; i < sp->n[k]; i++) {
    int p = sp->part[k][i];
    lw += (size_t)snprintf(names + lw, sizeof names - lw, "%s%s", i ? " x " : "", mp->part[p].name);
    ls += (size_t)snprintf(sizes + ls, sizeof sizes - ls, "%s%lld", i ? " x " : "", (long long)ph->part[p].size);
  }
  if (!ovf) snprintf(prod, sizeof prod, "%llu", (unsigned long long)n);
  return ERR(b->pl->sp_part[si][k], "spatial factors %s = %s = %s are larger than array %s's %lld %s", names, sizes, prod,
             ar->name, (long long)dim, dn);
}

static int bind_einsums(bctx *b) {
  const map_phase *mp = b->mp;
  const map_ploc *pl = b->pl;
  sc_phase *ph = b->ph;
  es_cascade *c = b->c;
  for (int i = 0; i < mp->nspatial; i++)
    if (array_index(b->a, mp->spatial_array[i]) < 0)
      return ERR(pl->spatial_key[i], "architecture %s has no array '%s'", b->a->name, mp->spatial_array[i]);
  /* bit p of rparts[r]: part p is (a tile of) cascade rank r itself */
  uint64_t rparts[ES_MAX_RANKS] = { 0 };
  uint32_t aops[HW_MAX_ARRAYS];       /* array_ops of each array, once */
  for (int k = 0; k < b->a->n_arrays && k < HW_MAX_ARRAYS; k++) aops[k] = array_ops(&b->a->arrays[k]);
  for (int p = 1; p < ph->nparts; p++)
    if (ph->part[p].rank >= 0) rparts[ph->part[p].rank] |= 1ull << p;
  for (int xi = 0; xi < c->neinsums; xi++) {
    int ei = mp->entry[xi];
    if (ei < 0) continue;       /* not in this phase: another phase runs it */
    /* bit p: the Einsum iterates over part p (sc_uses, from the mask) */
    uint64_t puse = 1ull << SC_BATCH;
    for (uint64_t m = b->use[xi]; m; m &= m - 1) puse |= rparts[__builtin_ctzll(m)];
    RESOLVE(ent, ei);
    const map_entry *en = &mp->ent[ei];
    const char *tn = c->tensors[c->einsums[xi].lhs.tensor].name;
    int ai = array_index(b->a, en->array);
    if (ai < 0) return BADVAL(pl->ent_array[ei], "architecture %s has no such array", b->a->name);
    const hw_array *ar = &b->a->arrays[ai];
    if (b->opmask[xi] & ~aops[ai]) {
      /* name the first missing operation in the order the expression uses them */
      sc_opuse uses[SC_MAX_OPUSES];
      int nu = sc_einsum_ops(c, xi, uses);
      for (int k = 0; k < nu; k++)
        if (!ar->ops[uses[k].op].supported)
          return b->rule = MAP_RULE_OPS, ERR(pl->ent_array[ei], "Einsum %s needs %s, which array %s of %s does not support", tn,
                     hw_op_name(uses[k].op), ar->name, b->a->name);
    }
    sc_einsum *se = &ph->e[ph->ne];
    memset(se, 0, sizeof *se);
    se->einsum = xi;
    se->array = ai;
    int si = en->spatial >= 0 ? en->spatial : find_array_spatial(mp, en->array);
    if (si >= 0) {
      RESOLVE(sp, si);
      const map_spatial *sp = &mp->sp[si];
      /* a fold time-multiplexes the columns of a one-row array; on a 2D
      ** array the reductions across rows and the shift chain would pass
      ** once per fold, which no engine models */
      if (sp->fold && ar->rows > 1)
        return ERR(pl->sp_fold[si], "array %s has %lld rows; only a one-row (1D) array folds its columns", ar->name,
                   (long long)ar->rows);
      se->fold = sp->fold;
      for (int k = 0; k < 2; k++) {
        if (fit_dim(b, si, k, ar)) return -1;
        se->nsp[k] = sp->n[k];
        for (int i = 0; i < sp->n[k]; i++) se->spatial[k][i] = sp->part[k][i];
      }
    }
    ph->ne++;
    /* nest: batch, the shared loops it uses, its own loops, the rest */
    uint64_t placed = 1;
    se->loop[se->nloop++] = SC_BATCH;
    se->in_tile = 1;
    for (int k = 0; k < ph->nshared; k++) {
      int p = ph->shared[k];
      if (!USES(xi, p)) {
        /* a loop of one iteration is no loop: it does not take an Einsum
        ** out of the tile (a `fit` part's size is not known yet) */
        if (ph->part[p].size != 1 || p == b->fit_part) se->in_tile = 0;
        continue;
      }
      if (sc_is_spatial(se, p))
        return ERR(pl->loops, "loop %s is spatial for %s, so it cannot be a shared (temporal) loop", mp->part[p].name, tn);
      se->loop[se->nloop++] = p;    /* at most 1 + (SC_MAX_LOOPS - 1): the reader's cap */
      placed |= 1ull << p;
    }
    int li = en->loops;
    if (li >= 0) {
      RESOLVE(list, li);
      const map_list *l = &mp->list[li];
      for (int k = 0; k < l->n; k++) {
        int p = l->part[k];
        if (placed & (1ull << p)) return ERR(pl->list[li], "loop %s is already in %s's nest", mp->part[p].name, tn);
        if (sc_is_spatial(se, p)) return ERR(pl->list[li], "loop %s is spatial for %s", mp->part[p].name, tn);
        if (!USES(xi, p)) continue;   /* not one of its ranks: no loop */
        if (se->nloop == SC_MAX_LOOPS) return ERR(pl->list[li], "loop nest of %s: %s", tn, NEST_LIMIT);
        se->loop[se->nloop++] = p;
        placed |= 1ull << p;
      }
    }
    uint64_t rest = puse & ~placed & ~1ull;
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < se->nsp[k]; i++) rest &= ~(1ull << se->spatial[k][i]);
    for (; rest; rest &= rest - 1) {      /* the remaining parts, in part order */
      if (se->nloop == SC_MAX_LOOPS) return ERR(pl->ent[ei], "loop nest of %s: %s", tn, NEST_LIMIT);
      se->loop[se->nloop++] = __builtin_ctzll(rest);
    }
    /* a part the Einsum does not iterate spans nothing for it */
    for (int k = 0; k < 2; k++) {
      int n = 0;
      for (int i = 0; i < se->nsp[k]; i++)
        if (USES(xi, se->spatial[k][i])) se->spatial[k][n++] = se->spatial[k][i];
      se->nsp[k] = n;
    }
  }
  return 0;
}

/* An alias chain must end at a tensor with buffer space of its own: the
** footprint counts only that root, so a cycle (no root) or a root in
** registers or streamed from DRAM would leave the chain's tiles uncounted. */
static int check_aliases(bctx *b, const mloc *alias_at) {
  const sc_phase *ph = b->ph;
  const es_cascade *c = ph->c;
  for (int t = 0; t < c->ntensors; t++) {
    if (ph->st[t].alias < 0) continue;
    int r = t, steps = 0;
    for (; ph->st[r].alias >= 0 && steps <= c->ntensors; steps++) {
      r = ph->st[r].alias;
      if (r == t) {   /* the chain as text only now: the mapper's candidates bind quietly */
        if (b->quiet) return -1;
        char chain[256];
        size_t len = (size_t)snprintf(chain, sizeof chain, "%s", c->tensors[t].name);
        for (int q = ph->st[t].alias, k = 0; k <= steps && len < sizeof chain; q = ph->st[q].alias, k++)
          len += (size_t)snprintf(chain + len, sizeof chain - len, " -> %s", c->tensors[q].name);
        return ERR(alias_at[t], "alias cycle: %s", chain);
      }
    }
    if (steps > c->ntensors) continue;    /* leads into a cycle: reported at one of its members */
    const sc_storage *root = &ph->st[r];
    if (root->home == SC_REGS || (root->home == SC_DRAM && root->keep_at < 0))
      return ERR(alias_at[t], "%s has no buffer space to share (it is %s)", c->tensors[r].name,
                 root->home == SC_REGS ? "in registers" : "streamed from DRAM");
  }
  return 0;
}

static int bind_storage(bctx *b) {
  const map_phase *mp = b->mp;
  sc_phase *ph = b->ph;
  es_cascade *c = b->c;
  mloc alias_at[SC_MAX_TENSORS] = { 0 };
  for (int t = 0; t < c->ntensors; t++) {
    sc_storage *st = &ph->st[t];
    memset(st, 0, sizeof *st);
    st->home = SC_REGS;
    st->keep_at = -1;
    st->alias = -1;
    int si = mp->store[t] >= 0 ? mp->store[t] : mp->store_default;
    if (si < 0) {
      /* inputs and outputs live in DRAM unless told otherwise */
      if (c->tensors[t].is_input || c->tensors[t].is_output) st->home = SC_DRAM;
      continue;
    }
    RESOLVE(sto, si);
    const map_store *ms = &mp->sto[si];
    st->home = ms->home;
    if (!ms->full) continue;
    int li = ms->keep;
    if (li >= 0) {
      RESOLVE(list, li);
      const map_list *l = &mp->list[li];
      st->keep_at = l->n ? l->part[0] : -1;
      st->nfallback = l->n > 1 ? l->n - 1 : 0;
      for (int j = 1; j < l->n; j++) st->fallback[j - 1] = l->part[j];
    }
    int xi = ms->spill;
    if (xi >= 0) {
      RESOLVE(expr, xi);
      xval sx;
      what wh = { W_SPILL, 0, 0 };
      if (eval_expr(b, xi, wh, &sx)) return -1;
      double sp = x_double(sx);
      if (!(sp >= 0 && sp <= 1)) return BADVAL(b->pl->expr[xi], "spill must be between 0 and 1");
      st->spill = sp;
    }
    if (ms->alias >= 0) {
      if (ms->alias == t) return BADVAL(b->pl->sto_alias[si], "expected another tensor of the cascade");
      st->alias = ms->alias;
      alias_at[t] = b->pl->sto_alias[si];
    }
    st->forward = ms->forward;
  }
  return check_aliases(b, alias_at);
}

static int bind_pipeline(bctx *b) {
  sc_phase *ph = b->ph;
  ph->policy = SC_PIPELINED;
  ph->window = 2;
  ph->prefetch = 1;
  ph->nepoch = 1;
  ph->epoch[0] = SC_BATCH;
  int pi = b->mp->pipe;
  if (pi < 0) return 0;
  RESOLVE(pip, pi);
  const map_pipe *p = &b->mp->pip[pi];
  ph->policy = p->policy;
  if (p->window) ph->window = p->window;
  if (p->prefetch >= 0) ph->prefetch = p->prefetch;
  int li = p->epoch;
  if (li >= 0) {
    RESOLVE(list, li);
    ph->nepoch = b->mp->list[li].n;
    memcpy(ph->epoch, b->mp->list[li].part, sizeof(int) * (size_t)ph->nepoch);
  }
  return 0;
}

static int bind_phase(bctx *b) {
  const map_phase *mp = b->mp;
  es_cascade *c = b->c;
  sc_phase *ph = b->ph;
  memset(ph, 0, sizeof *ph);
  ph->c = c;
  memcpy(ph->name, mp->name, sizeof ph->name);
  /* sizes of the cascade's ranks, from the workload */
  es_binding bind;            /* entries past bind.n are never read: no need to zero them */
  bind.n = 0;
  for (int r = 0; r < c->nranks; r++) c->ranks[r].size = 0;
  for (int i = 0; i < mp->nsize; i++) {
    int r = mp->size_rank[i];
    int64_t s = 0;
    what wh = { W_SIZE, r, 0 };
    if (eval_size(b, mp->size_expr[i], wh, &s)) return -1;
    if (r < 0) {              /* a param: es_bind gives it its size */
      if (es_binding_set(&bind, c->params[MAP_SIZE_PARAM(r)].name, s, b->e)) return -1;
      continue;
    }
    c->ranks[r].size = s;     /* visible to later expressions */
    if (es_binding_set(&bind, c->ranks[r].name, s, b->e)) return -1;
  }
  int64_t batch = 1;
  what bw = { W_BATCH, 0, 0 };
  if (mp->batch >= 0 && eval_size(b, mp->batch, bw, &batch)) return -1;
  ph->nparts = mp->nparts;
  for (int p = 0; p < mp->nparts; p++) {
    memcpy(ph->part[p].name, mp->part[p].name, sizeof mp->part[p].name);
    ph->part[p].rank = mp->part[p].rank;
  }
  ph->part[SC_BATCH].size = batch;
  /* a block mask's density comes from --set (DENSITY=0.1, or 1): es_bind
  ** checks it is in (0, 1] and says how to give one that is missing */
  for (int q = 0; b->w && q < c->nparams; q++) {
    if (c->params[q].kind != ES_P_DENSITY) continue;
    for (int i = 0; i < b->w->nset; i++) {
      const wl_size *z = &b->w->set[i];
      if (strcmp(z->name, c->params[q].name)) continue;
      if (es_binding_set(&bind, z->name, z->value, b->e)) return -1;
      if (!z->value) bind.real[bind.n - 1] = z->density;
    }
  }
  fitvar fv = { -1, -1, 0, 0 };
  if (bind_tiling(b, &bind, &fv)) return -1;
  if (es_bind(c, &bind, b->e)) return -1;
  b->fit_part = fv.part;
  /* ranks the tiling left alone are one part of the whole rank */
  for (int p = 1; p < ph->nparts; p++)
    if (mp->part[p].expr < 0) ph->part[p].size = c->ranks[ph->part[p].rank].size;
  int li = mp->loops;
  if (li >= 0) {
    RESOLVE(list, li);
    ph->nshared = mp->list[li].n;
    memcpy(ph->shared, mp->list[li].part, sizeof(int) * (size_t)ph->nshared);
  }
  if (bind_einsums(b) || bind_storage(b) || bind_pipeline(b)) return -1;
  int first_keep[SC_MAX_TENSORS];
  for (int t = 0; t < c->ntensors; t++) first_keep[t] = ph->st[t].keep_at;
  /* fit: the largest divisor of the quotient whose tiles fit */
  if (fv.part >= 0) {
    int64_t q = fv.quotient;
    int nd = 0, chosen = 0;
    int64_t *d = divisors_desc(q, &nd);
    if (!d) return at_errf(b->e, "out of memory");
    for (int i = 0; i < nd && !chosen; i++) {
      ph->part[fv.part].size = d[i];
      ph->part[fv.rest].size = q / d[i];
      if (settle_keep(ph, b->a, b->touch, first_keep) <= b->a->buffer.bytes) chosen = 1;
    }
    free(d);
    if (!chosen) {
      ph->part[fv.part].size = 1;
      ph->part[fv.rest].size = q;
      char fb[48];
      int64_t fp = settle_keep(ph, b->a, b->touch, first_keep);
      return b->rule = MAP_RULE_BUFFER, ERR(fv.at, "tile larger than the buffer: even %s = 1 needs %s bytes; %s has %lld", ph->part[fv.part].name,
                 fp_text(fp, fb, sizeof fb), b->a->name, (long long)b->a->buffer.bytes);
    }
  }
  ph->buffer_bytes = settle_keep(ph, b->a, b->touch, first_keep);
  if (ph->buffer_bytes > b->a->buffer.bytes) {
    char fb[48];
    return b->rule = MAP_RULE_BUFFER, ERR(b->pl->phase, "tile larger than the buffer: phase %s's resident tiles need %s bytes, %s has %lld", ph->name,
               fp_text(ph->buffer_bytes, fb, sizeof fb), b->a->name, (long long)b->a->buffer.bytes);
  }
  return 0;
}

/* Appends " NAME=SIZE" to the tiling summary unless NAME is there already
** (an earlier phase tiled it: `later`; a phase's part names are distinct,
** so the first phase need not look); a summary that would not fit ends in
** "...".  By hand, not snprintf: it runs on every bind. */
static void tiling_add(char *t, size_t cap, const char *name, int64_t size, int later) {
  char item[64];
  size_t k = strlen(name), n = strlen(t);
  if (k > 40) k = 40;
  memcpy(item, name, k);
  item[k++] = '=';
  item[k] = 0;
  for (const char *q = t; later && (q = strstr(q, item)); q++)
    if (q == t || q[-1] == ' ') return;
  if (n >= 3 && !strcmp(t + n - 3, "...")) return;
  char digits[24];
  int nd = 0;
  uint64_t v = size < 0 ? 0 : (uint64_t)size;
  do { digits[nd++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (nd) item[k++] = digits[--nd];
  item[k] = 0;
  if (n + (n > 0) + k + 4 < cap) {
    if (n) t[n++] = ' ';
    memcpy(t + n, item, k + 1);
  } else if (n + 5 <= cap) {
    memcpy(t + n, n ? " ..." : "...", n ? 5 : 4);
  }
}

/* Adds phase i's tile sizes to s->tiling (the parts of ranks the cascade
** does not split that do not span their rank), from its cascade's sizes. */
static void phase_tiling(sc_schedule *s, int i) {
  const sc_phase *ph = &s->phase[i];
  for (int p = 1; p < ph->nparts; p++) {
    const sc_part *pt = &ph->part[p];
    if (pt->rank >= 0 && ph->c->ranks[pt->rank].outer < 0 && pt->size != ph->c->ranks[pt->rank].size)
      tiling_add(s->tiling, sizeof s->tiling, pt->name, pt->size, i > 0);
  }
}

int map_bind(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, at_err *e) {
  return map_bind_rule(m, a, w, seq, s, NULL, e);
}

static int bind_all(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, map_rule *rule,
                    int quiet, at_err *e);

int map_bind_rule(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, map_rule *rule,
                  at_err *e) {
  return bind_all(m, a, w, seq, s, rule, 0, e);
}

int map_bind_quiet(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, map_rule *rule,
                   at_err *e) {
  return bind_all(m, a, w, seq, s, rule, 1, e);
}

static int bind_all(map_spec *m, const hw_arch *a, const wl_workload *w, int64_t seq, sc_schedule *s, map_rule *rule,
                    int quiet, at_err *e) {
  s->arch = a;
  s->nphases = 0;
  s->tiling[0] = 0;
  bctx b = { .m = m, .a = a, .w = w, .seq = seq, .quiet = quiet, .rule = MAP_RULE_NONE, .e = e };
  if (rule) *rule = MAP_RULE_NONE;
  if (m->config && fc_lookup(m->config, m->platform, w->name, seq, &b.cfg, e)) return -1;
  for (int i = 0; i < m->nphases; i++) {
    b.mp = m->ph[i];
    b.pl = m->pl[i];
    b.c = m->c[i];
    b.ph = &s->phase[i];
    b.opmask = m->opmask[i];
    b.use = m->usemask[i];
    b.touch = m->touchmask[i];
    if (bind_phase(&b)) {
      if (rule) *rule = b.rule;
      return -1;
    }
    s->nphases = i + 1;
    if (!quiet) phase_tiling(s, i);
  }
  return 0;
}

void map_tiling(sc_schedule *s) {
  s->tiling[0] = 0;
  for (int i = 0; i < s->nphases; i++) phase_tiling(s, i);
}
