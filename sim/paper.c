/*
** paper.c: the FuseMax paper's studies over sim_eval (see paper.h).  The
** designs, models and lengths are the paper's; every number comes from
** the shipped mapping files through the analytical engine.
*/
#include "paper.h"
#include "sim_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* NAMES-BEGIN: the paper's designs as a table, the only place this file
** names one (tests/sim/design-names.sh checks that no other code does). */
const char *const paper_designs[] = { "unfused", "flat", "cascade", "arch", "fusemax", NULL };
const char *const paper_e2e_designs[] = { "unfused", "flat", "fusemax", NULL };
const char *const paper_e2e_linear[] = { "linear-flat", "linear-flat", "linear-fusemax", NULL };
const char *const paper_subject = "fusemax";
const char *const paper_baselines[] = { "flat", "unfused", NULL };
/* NAMES-END */
const char *const paper_models[] = { "bert", "trxl", "t5", "xlm", NULL };
const int64_t paper_seqs[] = { 1024, 4096, 16384, 65536, 262144, 1048576, 0 };

void sim_result_add(sim_result *r, const sim_result *b) {
  double ca = (double)r->cycles, cb = (double)b->cycles, ct = ca + cb;
  r->util_2d = ct > 0 ? (r->util_2d * ca + b->util_2d * cb) / ct : 0;
  r->util_1d = ct > 0 ? (r->util_1d * ca + b->util_1d * cb) / ct : 0;
  for (int k = 0; k < r->n_arrays; k++)
    for (int j = 0; j < b->n_arrays; j++)
      if (!strcmp(r->array_name[k], b->array_name[j])) {
        r->array_util[k] = ct > 0 ? (r->array_util[k] * ca + b->array_util[j] * cb) / ct : 0;
        r->array_busy[k] += b->array_busy[j];
      }
  r->cycles += b->cycles;
  r->compute_cycles += b->compute_cycles;
  r->memory_cycles += b->memory_cycles;
  r->latency_s += b->latency_s;
  r->energy_pJ += b->energy_pJ;
  for (int k = 0; k < SIM_C_COUNT; k++) r->energy_by[k] += b->energy_by[k];
  r->traffic_bytes += b->traffic_bytes;
  r->buffer_bytes += b->buffer_bytes;
  if (strcmp(r->bound, b->bound)) snprintf(r->bound, sizeof r->bound, "mixed");
  for (int k = 0; k < b->n_einsums && r->n_einsums < SIM_MAX_EINSUMS; k++) r->einsum[r->n_einsums++] = b->einsum[k];
}

int paper_pareto_overrides(int64_t dim, sim_overrides *ov, at_err *e) {
  if (dim <= 0 || dim > 8192) return at_errf(e, "array size %lld out of range 1..8192", (long long)dim);
  memset(ov, 0, sizeof *ov);
  ov->rows_2d = ov->cols_2d = ov->width_1d = dim;
  int64_t bytes = (16LL << 20) / (256 * 256) * dim * dim;   /* 256 bytes per PE */
  if (bytes < 32 * 512) bytes = 32 * 512;                    /* one row per bank */
  ov->buffer_bytes = bytes;
  return 0;
}

/* One design of a study run, as a configuration loads it. */
typedef struct study_design {
  sim_design *d;
  sim_overrides ov;           /* the buffer capacity a variant sets; else zeros */
  int regs_one_pe;            /* price register files for one PE per array */
} study_design;

/* The knobs the configuration's variants set for one design. */
static void resolve(const paper_config *c, const char *name, paper_setting *out) {
  memset(out, 0, sizeof *out);
  for (int i = 0; c->acc && i <= c->acc->n; i++) {
    const paper_variant *v = i < c->acc->n ? ((c->mask >> i) & 1 ? &c->acc->v[i] : NULL) : c->extra;
    for (int j = 0; v && j < v->n; j++) {
      const paper_setting *s = &v->s[j];
      if (strcmp(s->design, name)) continue;
      for (int k = 0; k < 3; k++) if (s->set & (1u << k)) out->file[k] = s->file[k];
      if (s->set & (1u << PAPER_K_BUFFER)) out->buffer_bytes = s->buffer_bytes;
      if (s->set & (1u << PAPER_K_PRICE_AT)) out->price_at_bytes = s->price_at_bytes;
      if (s->set & (1u << PAPER_K_REGFILE)) out->regfile_one_pe = s->regfile_one_pe;
      if (s->set & (1u << PAPER_K_ELISION)) {
        out->nelide = s->nelide;
        memcpy(out->elide_tensor, s->elide_tensor, sizeof out->elide_tensor);
        memcpy(out->elide_part, s->elide_part, sizeof out->elide_part);
      }
      out->set |= s->set;
    }
  }
}

static int open_design(const char *name, const paper_config *c, study_design *sd, at_err *e) {
  paper_setting s;
  resolve(c, name, &s);
  memset(sd, 0, sizeof *sd);
  const char *arch = s.file[PAPER_K_ARCH], *energy = s.file[PAPER_K_ENERGY] ? s.file[PAPER_K_ENERGY] : c->energy_path;
  if (s.file[PAPER_K_MAPPING] ? sim_design_load(s.file[PAPER_K_MAPPING], arch, &sd->d, e)
                              : sim_design_find_on(name, arch, &sd->d, e))
    return -1;
  if (strcmp(sim_design_name(sd->d), name))
    return at_errf(e, "%s: files its results under design '%s', not '%s' (the design its variant replaces)",
                   sim_design_mapping_path(sd->d), sim_design_name(sd->d), name);
  if (energy && sim_design_set_energy(sd->d, energy, e)) return -1;
  if (s.price_at_bytes && sim_design_price_buffer_at(sd->d, s.price_at_bytes, e)) return -1;
  sd->ov.buffer_bytes = s.buffer_bytes;
  sd->regs_one_pe = s.regfile_one_pe;
  for (int i = 0; i < s.nelide; i++)
    if (sim_design_set_elision(sd->d, s.elide_tensor[i], s.elide_part[i], e)) return -1;
  return 0;
}

/* Register-file energy of one PE per array: each array's exact counts over
** its PEs, at the rule's own prices (sim_regs_pJ).  The totals and the
** component change; the per-Einsum energies (not in the paper's output)
** keep every PE's registers. */
static void price_regs_one_pe(const hw_arch *a, sim_result *r) {
  double pJ = 0;
  for (int k = 0; k < a->n_arrays && k < SIM_MAX_ARRAYS; k++)
    pJ += sim_regs_pJ(a, &r->act.array[k]) / (double)hw_array_pes(&a->arrays[k]);
  r->energy_pJ += pJ - r->energy_by[SIM_C_REGS];
  r->energy_by[SIM_C_REGS] = pJ;
}

static int eval_into(const study_design *sd, const wl_workload *w, int64_t seq, sim_result *r, at_err *e) {
  if (sim_eval(sd->d, w, seq, &sd->ov, r, e)) {
    at_err wrap;
    at_errf(&wrap, "%s, %s, %lld tokens: %s", sim_design_name(sd->d), w->name, (long long)seq, e->msg);
    *e = wrap;
    return -1;
  }
  if (sd->regs_one_pe) price_regs_one_pe(sim_design_arch(sd->d), r);
  return 0;
}

int paper_compute(paper_run **out, const char *energy_path, at_err *e) {
  paper_config c = { energy_path, NULL, 0, NULL };
  return paper_compute_config(out, &c, e);
}

/* Index of name in a NULL-terminated table, or -1. */
static int index_of(const char *const *t, const char *name) {
  for (int i = 0; t[i]; i++) if (!strcmp(t[i], name)) return i;
  return -1;
}

int paper_compute_config(paper_run **out, const paper_config *c, at_err *e) {
  paper_run *p = calloc(1, sizeof *p);
  study_design d[8], lin[8];
  int nd = 0, nl = 0, rc = -1;
  *out = NULL;
  if (!p) return at_errf(e, "out of memory");
  for (; paper_designs[nd]; nd++)
    if (open_design(paper_designs[nd], c, &d[nd], e)) { nd++; goto done; }
  for (; paper_e2e_linear[nl]; nl++)
    if (open_design(paper_e2e_linear[nl], c, &lin[nl], e)) { nl++; goto done; }
  if (c->acc) snprintf(p->accounting, sizeof p->accounting, "%s", c->acc->name);
  for (int i = 0; i < nd; i++) {              /* distinct table names, for the summary */
    const char *path = sim_design_energy_path(d[i].d), *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strstr(p->energy, base))
      snprintf(p->energy + strlen(p->energy), sizeof p->energy - strlen(p->energy), "%s%s",
               *p->energy ? ", " : "", base);
  }
  for (int mi = 0; paper_models[mi]; mi++) {
    wl_workload w;
    if (wl_find(paper_models[mi], NULL, &w, e)) goto done;
    for (int si = 0; paper_seqs[si]; si++) {
      sim_result lr[8];
      for (int k = 0; k < nl; k++)
        if (eval_into(&lin[k], &w, paper_seqs[si], &lr[k], e)) goto done;
      for (int di = 0; di < nd; di++) {
        paper_point *pt = &p->pt[p->n++];
        pt->study = "attention";
        if (eval_into(&d[di], &w, paper_seqs[si], &pt->r, e)) goto done;
        int k = index_of(paper_e2e_designs, paper_designs[di]);
        if (k < 0) continue;
        paper_point *q = &p->pt[p->n++];
        q->study = "end2end";
        q->r = pt->r;
        sim_result_add(&q->r, &lr[k]);
      }
    }
  }
  rc = 0;
done:
  for (int i = 0; i < nd; i++) sim_design_free(d[i].d);
  for (int i = 0; i < nl; i++) sim_design_free(lin[i].d);
  if (rc) free(p);
  else *out = p;
  return rc;
}

void paper_free(paper_run *p) { free(p); }

const sim_result *paper_find(const paper_run *p, const char *study, const char *design, const char *model,
                             int64_t seq) {
  for (int i = 0; i < p->n; i++) {
    const sim_result *r = &p->pt[i].r;
    if (!strcmp(p->pt[i].study, study) && !strcmp(r->design, design) && !strcasecmp(r->model, model) &&
        r->seq_len == seq)
      return r;
  }
  return NULL;
}

void paper_ratio_of(const paper_run *p, const char *study, const char *baseline, const char *model,
                    paper_ratio *out) {
  memset(out, 0, sizeof *out);
  for (int mi = 0; paper_models[mi]; mi++) {
    if (model && strcasecmp(model, paper_models[mi])) continue;
    for (int si = 0; paper_seqs[si]; si++) {
      const sim_result *f = paper_find(p, study, paper_subject, paper_models[mi], paper_seqs[si]);
      const sim_result *b = paper_find(p, study, baseline, paper_models[mi], paper_seqs[si]);
      if (!f || !b || f->latency_s <= 0 || b->energy_pJ <= 0) continue;
      out->speedup += b->latency_s / f->latency_s;
      out->energy += f->energy_pJ / b->energy_pJ;
      out->points++;
    }
  }
  if (out->points) {
    out->speedup /= out->points;
    out->energy /= out->points;
  }
}

static const char *seq_name(int64_t s, char *buf, size_t n) {
  if (s >= 1048576 && s % 1048576 == 0) snprintf(buf, n, "%lldM", (long long)(s / 1048576));
  else if (s % 1024 == 0) snprintf(buf, n, "%lldK", (long long)(s / 1024));
  else snprintf(buf, n, "%lld", (long long)s);
  return buf;
}

void paper_print(FILE *f, const paper_run *p) {
  static const char *const studies[] = { "attention", "end2end" };
  for (int st = 0; st < 2; st++) {
    const char *const *ds = st ? paper_e2e_designs : paper_designs;
    fprintf(f, "== %s study: latency (s), and FuseMax's speedup and energy ratio per point ==\n",
            st ? "end-to-end (one encoder layer)" : "attention");
    fprintf(f, "%-6s %5s", "model", "seq");
    for (int k = 0; ds[k]; k++) fprintf(f, " %11s", ds[k]);
    fprintf(f, " %9s %9s %8s %8s  %s\n", "x/flat", "x/unfused", "util_2d", "util_1d", "bound(flat,fusemax)");
    for (int mi = 0; paper_models[mi]; mi++)
      for (int si = 0; paper_seqs[si]; si++) {
        char b[32];
        fprintf(f, "%-6s %5s", paper_models[mi], seq_name(paper_seqs[si], b, sizeof b));
        for (int k = 0; ds[k]; k++) {
          const sim_result *r = paper_find(p, studies[st], ds[k], paper_models[mi], paper_seqs[si]);
          fprintf(f, " %11.5g", r ? r->latency_s : 0);
        }
        const sim_result *fm = paper_find(p, studies[st], paper_subject, paper_models[mi], paper_seqs[si]);
        const sim_result *fl = paper_find(p, studies[st], paper_baselines[0], paper_models[mi], paper_seqs[si]);
        const sim_result *un = paper_find(p, studies[st], paper_baselines[1], paper_models[mi], paper_seqs[si]);
        if (fm && fl && un)
          fprintf(f, " %9.3f %9.3f %8.4f %8.4f  %s,%s\n", fl->latency_s / fm->latency_s,
                  un->latency_s / fm->latency_s, fm->util_2d, fm->util_1d, fl->bound, fm->bound);
        else
          fputc('\n', f);
      }
    fputc('\n', f);
  }
  fprintf(f, "== summary: means of per-point ratios over 4 models x 6 lengths ==\n");
  fprintf(f, "%-10s %-8s %16s %16s %18s %18s\n", "study", "model", "speedup/flat", "speedup/unfused",
          "energy vs flat", "energy vs unfused");
  for (int st = 0; st < 2; st++)
    for (int mi = -1; paper_models[mi < 0 ? 0 : mi]; mi++) {
      const char *m = mi < 0 ? NULL : paper_models[mi];
      paper_ratio rf, ru;
      paper_ratio_of(p, studies[st], paper_baselines[0], m, &rf);
      paper_ratio_of(p, studies[st], paper_baselines[1], m, &ru);
      fprintf(f, "%-10s %-8s %15.2fx %15.2fx %17.1f%% %17.1f%%\n", studies[st], m ? m : "all", rf.speedup,
              ru.speedup, 100 * rf.energy, 100 * ru.energy);
    }
  fprintf(f, "\nenergy table: %s (attnsim paper --energy FILE prices with another)\n", p->energy);
  if (*p->accounting)
    fprintf(f, "accounting: %s (sim/README.md \"Accountings\"; attnsim paper --ledger measures each variant)\n",
            p->accounting);
  fprintf(f, "published (FuseMax paper): attention 6.7x over FLAT, 10x over unfused, energy 79%% and 77%%;\n"
             "end-to-end 5.3x and 7.6x, energy 83%% and 82%%.  See sim/README.md for where and why attnsim differs.\n");
}

/* ---- The ledger ---- */

typedef struct acc_stat { double sum, min, max, abs; int n; } acc_stat;

static void stat_add(acc_stat *s, double v) {
  if (!s->n || v < s->min) s->min = v;
  if (!s->n || v > s->max) s->max = v;
  s->sum += v;
  s->abs += fabs(v);
  s->n++;
}

static paper_ledger_row stat_row(const acc_stat *s) {
  paper_ledger_row r = { s->n ? s->sum / s->n : 0, s->min, s->max };
  return r;
}

/* Row of the ledger for a point's (study, design), added if new. */
static int ledger_row(paper_ledger *l, const paper_point *pt) {
  for (int i = 0; i < l->ndesigns; i++)
    if (l->d[i].study == pt->study && !strcmp(l->d[i].design, pt->r.design)) return i;
  if (l->ndesigns == (int)(sizeof l->d / sizeof l->d[0])) return -1;
  l->d[l->ndesigns].study = pt->study;
  snprintf(l->d[l->ndesigns].design, sizeof l->d[0].design, "%s", pt->r.design);
  return l->ndesigns++;
}

static double metric(const sim_result *r, int m) { return m ? r->energy_pJ : r->latency_s; }

/* Per-point change of one run against a reference, as a fraction of the
** default: (run - ref) / def, or (ref - run) / def with flip. */
static double change(const sim_result *run, const sim_result *ref, const sim_result *def, int m, int flip) {
  double d = metric(def, m);
  double v = (metric(run, m) - metric(ref, m)) / d;
  return flip ? -v : v;
}

/* Stats of one run's change, per ledger row; sum[] collects it per point. */
static void ledger_fold(paper_ledger *l, const paper_run *def, const paper_run *run, const paper_run *ref, int flip,
                        paper_ledger_row rows[][2], double (*sum)[2]) {
  acc_stat st[16][2];
  memset(st, 0, sizeof st);
  for (int i = 0; i < def->n; i++) {
    int k = ledger_row(l, &def->pt[i]);
    if (k < 0) continue;
    for (int m = 0; m < 2; m++) {
      double v = change(&run->pt[i].r, &ref->pt[i].r, &def->pt[i].r, m, flip);
      stat_add(&st[k][m], v);
      if (sum) sum[i][m] += v;
    }
  }
  for (int k = 0; k < l->ndesigns; k++)
    for (int m = 0; m < 2; m++) rows[k][m] = stat_row(&st[k][m]);
}

/* The rows ledger_fold filled, into field `f` of every design. */
#define LEDGER_STORE(l, f, rows) \
  for (int k_ = 0; k_ < (l)->ndesigns; k_++) { (l)->d[k_].f[0] = rows[k_][0]; (l)->d[k_].f[1] = rows[k_][1]; }

int paper_ledger_compute(const paper_accounting *acc, const char *energy_path, paper_ledger *out, at_err *e) {
  memset(out, 0, sizeof *out);
  paper_run *def = NULL, *all = NULL, *run = NULL;
  double (*sa)[2] = calloc(PAPER_MAX_POINTS, sizeof *sa), (*sr)[2] = calloc(PAPER_MAX_POINTS, sizeof *sr);
  int rc = -1;
  paper_config c0 = { energy_path, acc, 0, NULL }, ca = { energy_path, acc, paper_all(acc), NULL };
  if (!sa || !sr) { at_errf(e, "out of memory"); goto done; }
  if (paper_compute_config(&def, &c0, e) || paper_compute_config(&all, &ca, e)) goto done;
  for (int i = 0; i < def->n; i++) {
    if (def->pt[i].r.latency_s <= 0 || def->pt[i].r.energy_pJ <= 0) { at_errf(e, "a point of zero latency or energy"); goto done; }
    ledger_row(out, &def->pt[i]);
  }
  paper_ledger_row rows[16][2];
  ledger_fold(out, def, all, def, 0, rows, NULL);
  LEDGER_STORE(out, total, rows);
  for (int v = 0; v < acc->n; v++) {
    paper_config cp = { energy_path, acc, 1u << v, NULL }, cm = { energy_path, acc, paper_all(acc) & ~(1u << v), NULL };
    if (paper_compute_config(&run, &cp, e)) goto done;
    ledger_fold(out, def, run, def, 0, rows, sa);
    LEDGER_STORE(out, applied[v], rows);
    paper_free(run);
    run = NULL;
    if (paper_compute_config(&run, &cm, e)) goto done;
    ledger_fold(out, def, run, all, 1, rows, sr);
    LEDGER_STORE(out, removed[v], rows);
    paper_free(run);
    run = NULL;
  }
  for (int v = 0; v < acc->nothers; v++) {
    paper_config co = { energy_path, acc, 0, &acc->other[v] };
    if (paper_compute_config(&run, &co, e)) goto done;
    ledger_fold(out, def, run, def, 0, rows, NULL);
    LEDGER_STORE(out, other[v], rows);
    paper_free(run);
    run = NULL;
  }
  /* residual per point: the whole change minus the variants' changes */
  acc_stat ra[16][2], rr[16][2];
  memset(ra, 0, sizeof ra);
  memset(rr, 0, sizeof rr);
  for (int i = 0; i < def->n; i++) {
    int k = ledger_row(out, &def->pt[i]);
    for (int m = 0; k >= 0 && m < 2; m++) {
      double t = change(&all->pt[i].r, &def->pt[i].r, &def->pt[i].r, m, 0);
      stat_add(&ra[k][m], t - sa[i][m]);
      stat_add(&rr[k][m], t - sr[i][m]);
    }
  }
  for (int k = 0; k < out->ndesigns; k++)
    for (int m = 0; m < 2; m++) {
      out->d[k].points = ra[k][m].n;
      out->d[k].resid_applied[m] = stat_row(&ra[k][m]);
      out->d[k].resid_removed[m] = stat_row(&rr[k][m]);
      out->d[k].abs_resid_applied[m] = ra[k][m].n ? ra[k][m].abs / ra[k][m].n : 0;
      out->d[k].abs_resid_removed[m] = rr[k][m].n ? rr[k][m].abs / rr[k][m].n : 0;
    }
  rc = 0;
done:
  paper_free(def);
  paper_free(all);
  paper_free(run);
  free(sa);
  free(sr);
  return rc;
}

/* Whether variant v sets anything for design. */
static int touches(const paper_variant *v, const char *design) {
  for (int i = 0; i < v->n; i++) if (!strcmp(v->s[i].design, design)) return 1;
  return 0;
}

/* Percent, with a change below the last printed digit shown as 0 (no -0.000). */
static double pct(double x) { return fabs(100 * x) < 5e-4 ? 0 : 100 * x; }

static void ledger_line(FILE *f, const char *what, const char *how, const paper_ledger_row *r) {
  fprintf(f, "  %-22s %-8s", what, how);
  for (int m = 0; m < 2; m++) fprintf(f, "  %+8.3f [%+8.3f, %+8.3f]", pct(r[m].mean), pct(r[m].min), pct(r[m].max));
  fputc('\n', f);
}

void paper_ledger_print(FILE *f, const paper_accounting *acc, const paper_ledger *l) {
  fprintf(f, "== ledger: accounting %s (%s) against the default model ==\n"
             "Per study and design, the change each variant causes, in %% of the default model's value at\n"
             "the same point: mean [min, max] over the points.  applied: the variant alone on the default;\n"
             "removed: the whole accounting minus the accounting without it.  residual: the whole change\n"
             "(accounting - default) minus the sum of the variants' changes (interactions between them).\n\n",
          acc->name, acc->path);
  for (int k = 0; k < l->ndesigns; k++) {
    const char *dn = l->d[k].design;
    char title[96];
    snprintf(title, sizeof title, "%s %s (%d points)", l->d[k].study, dn, l->d[k].points);
    fprintf(f, "%-33s  %-28s  %s\n", title, "latency %", "energy %");
    ledger_line(f, "accounting - default", "", l->d[k].total);
    for (int v = 0; v < acc->n; v++) {
      if (!touches(&acc->v[v], dn)) continue;
      ledger_line(f, acc->v[v].name, "applied", l->d[k].applied[v]);
      ledger_line(f, "", "removed", l->d[k].removed[v]);
    }
    ledger_line(f, "residual", "applied", l->d[k].resid_applied);
    ledger_line(f, "", "removed", l->d[k].resid_removed);
    fprintf(f, "  %-31s  mean |residual|: applied %.3f%% / %.3f%%, removed %.3f%% / %.3f%% (latency / energy)\n",
            "", 100 * l->d[k].abs_resid_applied[0], 100 * l->d[k].abs_resid_applied[1],
            100 * l->d[k].abs_resid_removed[0], 100 * l->d[k].abs_resid_removed[1]);
    for (int v = 0; v < acc->nothers; v++)
      if (touches(&acc->other[v], dn)) ledger_line(f, acc->other[v].name, "alone", l->d[k].other[v]);
    fputc('\n', f);
  }
  fprintf(f, "Variants (files in %s's folder):\n", acc->name);
  for (int v = 0; v < acc->n + acc->nothers; v++) {
    const paper_variant *x = v < acc->n ? &acc->v[v] : &acc->other[v - acc->n];
    fprintf(f, "  %-22s %s%s\n", x->name, x->description, v < acc->n ? "" : " [not in the accounting]");
  }
}
