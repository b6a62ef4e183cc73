/*
** bench_cycle.c: how fast is the cycle-level engine?  Prints (1) simulated
** PE-cycles per wall second with --full (every cycle, every PE stepped) on
** FuseMax's 256x256 + 256 arrays running its tile loop (one batch item,
** E = F = 64, 1K tokens: 16 tiles of 137/138 cycles per array) and on a
** 256x256 output-stationary GEMM; (2) the fast-forward wall time of the
** largest paper point (XLM, 1M tokens) and of the whole paper study (5
** designs x 4 models x 6 lengths); (3) the peak resident memory.  Prints
** figures; never fails on time.
** usage: bench_cycle [ROUNDS]   (default 1)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "paper.h"

static int die(const at_err *e) { fprintf(stderr, "bench_cycle: %s\n", e->msg); return 1; }

/* PEs of every array times the cycles simulated, per wall second. */
static int full_rate(const char *what, sim_design *d, const wl_workload *w, int64_t seq, const sim_overrides *ov,
                     int rounds) {
  const sim_engine *cyc = sim_engine_find("cycle");
  sim_engine_opts full = { .full = 1 };
  sim_result r;
  at_err e;
  double t0 = at_now_s();
  for (int i = 0; i < rounds; i++)
    if (sim_eval_on(d, w, seq, ov, cyc, &full, &r, &e)) return die(&e);
  double t = (at_now_s() - t0) / rounds, pes = 0, busy = 0;
  for (int k = 0; k < r.n_arrays; k++) busy += (double)r.act.array[k].pe_cycles;
  pes = (double)r.arch_rows_2d * (double)r.arch_cols_2d + (double)r.arch_width_1d;
  printf("%-34s %12llu cycles %8.3f s  %10.3g PE-cycles/s  (busy %10.3g/s)\n", what, (unsigned long long)r.cycles, t,
         pes * (double)r.cycles / t, busy / t);
  return 0;
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  if (rounds < 1) rounds = 1;
  at_err e;
  sim_design *d;
  wl_workload w;
  printf("--full (every cycle, every PE):\n");
  if (sim_design_find("fusemax", &d, &e) || wl_find("bert", NULL, &w, &e)) return die(&e);
  w.B = 1;
  w.H = 1;
  int rc = full_rate("fusemax 256x256+256, 1 batch item, 1K", d, &w, 1024, NULL, rounds);
  sim_design_free(d);
  if (rc) return rc;
  char path[1024];
  snprintf(path, sizeof path, "%s/mappings/gemm-os.yaml", at_data_dir());
  if (sim_design_load(path, NULL, &d, &e)) return die(&e);
  wl_workload g;
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "gemm");
  const char *nm[] = { "M", "N", "K" };
  int64_t val[] = { 1024, 1024, 256 };
  for (int i = 0; i < 3; i++) { snprintf(g.set[i].name, sizeof g.set[i].name, "%s", nm[i]); g.set[i].value = val[i]; }
  g.nset = 3;
  sim_overrides ov = { .rows_2d = 256, .cols_2d = 256 };
  rc = full_rate("gemm-os 256x256, M=N=1024 K=256", d, &g, 0, &ov, rounds);
  sim_design_free(d);
  if (rc) return rc;

  printf("fast-forward:\n");
  const sim_engine *cyc = sim_engine_find("cycle");
  if (sim_design_find("fusemax", &d, &e) || wl_find("xlm", NULL, &w, &e)) return die(&e);
  sim_result r;
  double t0 = at_now_s();
  if (sim_eval_on(d, &w, 1 << 20, NULL, cyc, NULL, &r, &e)) return die(&e);
  printf("%-34s %12llu cycles %8.4f s\n", "fusemax XLM 1M", (unsigned long long)r.cycles, at_now_s() - t0);
  sim_design_free(d);
  t0 = at_now_s();
  int n = 0;
  for (int di = 0; paper_designs[di]; di++) {
    if (sim_design_find(paper_designs[di], &d, &e)) return die(&e);
    for (int m = 0; paper_models[m]; m++) {
      if (wl_find(paper_models[m], NULL, &w, &e)) return die(&e);
      for (int s = 0; paper_seqs[s]; s++, n++)
        if (sim_eval_on(d, &w, paper_seqs[s], NULL, cyc, NULL, &r, &e)) return die(&e);
    }
    sim_design_free(d);
  }
  printf("%-34s %12d points %8.3f s\n", "paper attention study", n, at_now_s() - t0);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("peak resident memory %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
  return 0;
}
