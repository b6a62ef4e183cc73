/*
** bench_engine.c: how fast is the analytical engine?  Evaluates the
** paper's attention grid (5 designs x 4 models x 6 lengths) repeatedly and
** prints design points per second, overall and per design, and the time
** of one whole `attnsim paper` study.  Prints figures; never fails on time.
** usage: bench_engine [SECONDS_PER_DESIGN]   (default 0.5)
*/
#include <stdio.h>
#include <stdlib.h>

#include "paper.h"

int main(int argc, char **argv) {
  double budget = argc > 1 ? atof(argv[1]) : 0.5;
  at_err e;
  wl_workload w[4];
  for (int m = 0; paper_models[m]; m++)
    if (wl_find(paper_models[m], NULL, &w[m], &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
  double total_pts = 0, total_t = 0;
  printf("%-16s %12s %14s %12s\n", "design", "points", "points/s", "us/point");
  for (int di = 0; sim_shipped_designs[di]; di++) {
    sim_design *d;
    if (sim_design_find(sim_shipped_designs[di], &d, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    long n = 0;
    double t0 = at_now_s(), t;
    do {
      for (int m = 0; m < 4; m++)
        for (int s = 0; paper_seqs[s]; s++) {
          sim_result r;
          if (sim_eval(d, &w[m], paper_seqs[s], NULL, &r, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
          n++;
        }
      t = at_now_s() - t0;
    } while (t < budget);
    printf("%-16s %12ld %14.0f %12.2f\n", sim_shipped_designs[di], n, n / t, 1e6 * t / n);
    total_pts += n;
    total_t += t;
    sim_design_free(d);
  }
  printf("%-16s %12.0f %14.0f %12.2f\n", "all", total_pts, total_pts / total_t, 1e6 * total_t / total_pts);
  double t0 = at_now_s();
  paper_run *p;
  if (paper_compute(&p, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
  printf("whole paper study (%d results, designs loaded from YAML): %.1f ms\n", p->n, 1e3 * (at_now_s() - t0));
  paper_free(p);
  return 0;
}
