/*
** paper.c: the FuseMax paper's studies over sim_eval (see paper.h).  The
** designs, models and lengths are the paper's; every number comes from
** the shipped mapping files through the analytical engine.
*/
#include "paper.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const paper_designs[] = { "unfused", "flat", "cascade", "arch", "fusemax", NULL };
const char *const paper_e2e_designs[] = { "unfused", "flat", "fusemax", NULL };
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

static int eval_into(sim_design *d, const wl_workload *w, int64_t seq, sim_result *r, at_err *e) {
  if (sim_eval(d, w, seq, NULL, r, e)) {
    at_err wrap;
    at_errf(&wrap, "%s, %s, %lld tokens: %s", sim_design_name(d), w->name, (long long)seq, e->msg);
    *e = wrap;
    return -1;
  }
  return 0;
}

static int find_design(const char *name, const char *energy_path, sim_design **d, at_err *e) {
  if (sim_design_find(name, d, e)) return -1;
  return energy_path ? sim_design_set_energy(*d, energy_path, e) : 0;
}

int paper_compute(paper_run **out, const char *energy_path, at_err *e) {
  paper_run *p = calloc(1, sizeof *p);
  sim_design *d[8] = { 0 }, *lin_flat = NULL, *lin_fm = NULL;
  int nd = 0, rc = -1;
  *out = NULL;
  if (!p) return at_errf(e, "out of memory");
  for (; paper_designs[nd]; nd++)
    if (find_design(paper_designs[nd], energy_path, &d[nd], e)) { nd++; goto done; }
  if (find_design("linear-flat", energy_path, &lin_flat, e) ||
      find_design("linear-fusemax", energy_path, &lin_fm, e))
    goto done;
  for (int i = 0; i < nd; i++) {              /* distinct table names, for the summary */
    const char *path = sim_design_energy_path(d[i]), *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strstr(p->energy, base))
      snprintf(p->energy + strlen(p->energy), sizeof p->energy - strlen(p->energy), "%s%s",
               *p->energy ? ", " : "", base);
  }
  for (int mi = 0; paper_models[mi]; mi++) {
    wl_workload w;
    if (wl_find(paper_models[mi], NULL, &w, e)) goto done;
    for (int si = 0; paper_seqs[si]; si++) {
      sim_result lf, lm;
      if (eval_into(lin_flat, &w, paper_seqs[si], &lf, e) || eval_into(lin_fm, &w, paper_seqs[si], &lm, e)) goto done;
      for (int di = 0; di < nd; di++) {
        paper_point *pt = &p->pt[p->n++];
        pt->study = "attention";
        if (eval_into(d[di], &w, paper_seqs[si], &pt->r, e)) goto done;
        int e2e = 0;
        for (int k = 0; paper_e2e_designs[k]; k++) e2e |= !strcmp(paper_e2e_designs[k], paper_designs[di]);
        if (!e2e) continue;
        paper_point *q = &p->pt[p->n++];
        q->study = "end2end";
        q->r = pt->r;
        sim_result_add(&q->r, strcmp(paper_designs[di], "fusemax") ? &lf : &lm);
      }
    }
  }
  rc = 0;
done:
  for (int i = 0; i < nd; i++) sim_design_free(d[i]);
  sim_design_free(lin_flat);
  sim_design_free(lin_fm);
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
      const sim_result *f = paper_find(p, study, "fusemax", paper_models[mi], paper_seqs[si]);
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
        const sim_result *fm = paper_find(p, studies[st], "fusemax", paper_models[mi], paper_seqs[si]);
        const sim_result *fl = paper_find(p, studies[st], "flat", paper_models[mi], paper_seqs[si]);
        const sim_result *un = paper_find(p, studies[st], "unfused", paper_models[mi], paper_seqs[si]);
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
      paper_ratio_of(p, studies[st], "flat", m, &rf);
      paper_ratio_of(p, studies[st], "unfused", m, &ru);
      fprintf(f, "%-10s %-8s %15.2fx %15.2fx %17.1f%% %17.1f%%\n", studies[st], m ? m : "all", rf.speedup,
              ru.speedup, 100 * rf.energy, 100 * ru.energy);
    }
  fprintf(f, "\nenergy table: %s (attnsim paper --energy FILE prices with another)\n", p->energy);
  fprintf(f, "published (FuseMax paper): attention 6.7x over FLAT, 10x over unfused, energy 79%% and 77%%;\n"
             "end-to-end 5.3x and 7.6x, energy 83%% and 82%%.  See sim/README.md for where and why attnsim differs.\n");
}
