/*
** bench_mapper.c: how fast is the mapper?  Runs map_search for FuseMax's
** point (the 1-pass cascade on hw/fusemax.yaml, BERT, 64K tokens) with
** the default budget, on one thread and on two, and prints mappings
** considered and evaluated per second and the wall time of the search
** (what `attnsim map` spends, less reading and writing two files), and
** the same rates per second of the process's CPU time, which a machine
** shared with other jobs does not inflate (two threads: both threads' CPU).
** Prints figures; never fails on time.
** usage: bench_mapper [BUDGET [THREADS]]   (default 200000; one thread, then two)
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
  printf("%-8s %10s %10s %10s %14s %14s %10s %10s %14s\n", "threads", "budget", "considered", "evaluated", "considered/s",
         "evaluated/s", "seconds", "cpu_s", "evaluated/cpu_s");
  int only = argc > 2 ? atoi(argv[2]) : 0;
  for (int jobs = only > 0 ? only : 1; jobs <= (only > 0 ? only : 2); jobs++) {
    map_search_opts o = { .cascade_path = cascade, .arch_path = arch, .arch = a, .w = &w, .seq = 65536,
                          .design = "bench", .objective = MAP_OBJ_LATENCY, .budget = argc > 1 ? atoll(argv[1]) : 200000,
                          .seed = 1, .jobs = jobs, .engine = &sim_map_engine };
    map_search_result r;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (map_search(&o, &r, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    printf("%-8d %10lld %10lld %10lld %14.0f %14.0f %10.3f %10.3f %14.0f\n", jobs, (long long)o.budget, (long long)r.considered,
           (long long)r.evaluated, r.considered / r.seconds, r.evaluated / r.seconds, r.seconds, cpu, r.evaluated / cpu);
    if (jobs == 1) printf("best: %.9g s (%s)\n", r.top[0].latency_s, r.top_desc[0]);
    map_free(r.best);
  }
  hw_free(a);
  free(cascade);
  free(arch);
  return 0;
}
