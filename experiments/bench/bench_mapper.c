/*
** bench_mapper.c: how fast is the mapper?  Runs map_search for FuseMax's
** point (the 1-pass cascade on hw/fusemax.yaml, BERT, 64K tokens) with
** the default budget, on one thread and on two, and prints mappings
** considered and evaluated per second and the wall time of the search
** (what `attnsim map` spends, less reading and writing two files).
** Prints figures; never fails on time.
** usage: bench_mapper [BUDGET]   (default 200000)
*/
#include <stdio.h>
#include <stdlib.h>

#include "mapper.h"
#include "sim_bound.h"


int main(int argc, char **argv) {
  at_err e;
  wl_workload w;
  hw_arch *a;
  char *cascade = at_path_join(at_data_dir(), "einsum/cascades/attention-1pass.einsum");
  char *arch = at_path_join(at_data_dir(), "hw/fusemax.yaml");
  if (!cascade || !arch || wl_find("bert", NULL, &w, &e) || hw_load(arch, &a, &e)) {
    fprintf(stderr, "%s\n", cascade && arch ? e.msg : "out of memory");
    return 1;
  }
  printf("%-8s %10s %10s %10s %14s %14s %10s\n", "threads", "budget", "considered", "evaluated", "considered/s",
         "evaluated/s", "seconds");
  for (int jobs = 1; jobs <= 2; jobs++) {
    map_search_opts o = { .cascade_path = cascade, .arch_path = arch, .arch = a, .w = &w, .seq = 65536,
                          .design = "bench", .objective = MAP_OBJ_LATENCY, .budget = argc > 1 ? atoll(argv[1]) : 200000,
                          .seed = 1, .jobs = jobs, .engine = &sim_map_engine };
    map_search_result r;
    if (map_search(&o, &r, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    printf("%-8d %10lld %10lld %10lld %14.0f %14.0f %10.3f\n", jobs, (long long)o.budget, (long long)r.considered,
           (long long)r.evaluated, r.considered / r.seconds, r.evaluated / r.seconds, r.seconds);
    if (jobs == 1) printf("best: %.9g s (%s)\n", r.top[0].latency_s, r.top_desc[0]);
    map_free(r.best);
  }
  hw_free(a);
  free(cascade);
  free(arch);
  return 0;
}
