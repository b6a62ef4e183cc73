/*
** bench_variants.c: how fast is the analytical engine on the attention
** variants (predicates and masks: sim/skip.c, einsum/pred.c)?  Evaluates
** each variant mapping on FuseMax's hardware at 4K to 1M tokens with the
** variant tests' workloads, repeatedly, and prints microseconds per design
** point (binding included, as bench_engine).  Prints figures; never fails
** on time.  usage: bench_variants [SECONDS_PER_POINT [MAX_SEQ]]   (default
** 0.2 s and 1M tokens; ctest stops at 128K: streaming and block-sparse at
** 1M take ~10 s a point, 22 s of the CI's 25)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

int main(int argc, char **argv) {
  double budget = argc > 1 ? atof(argv[1]) : 0.2;
  long long max_seq = argc > 2 ? atoll(argv[2]) : 1048576;
  static const struct { const char *mapping, *model, *set; double dens; int64_t v; } c[] = {
    { "causal-fusemax", "llama31-8b", NULL, 0, 0 },
    { "window-fusemax", "mistral-7b", NULL, 0, 0 },
    { "gqa-fusemax", "llama31-8b", NULL, 0, 0 },
    { "linear-causal-fusemax", "llama31-8b", NULL, 0, 0 },
    { "causal-flat", "llama31-8b", NULL, 0, 0 },
    { "decode-fusemax", "llama31-8b-decode", NULL, 0, 0 },
    { "streaming-fusemax", "llama31-8b", "WIN", 0, 4 },
    { "blocksparse-fusemax", "llama31-8b", "DENSITY", 0.1, 0 },
  };
  static const int64_t seqs[] = { 4096, 65536, 131072, 1048576 };
  const char *dir = getenv("ATTNSIM_DATA_DIR");
  printf("%-24s %10s %12s\n", "mapping", "seq", "us/point");
  for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/mappings/%s.yaml", dir ? dir : ".", c[k].mapping);
    sim_design *d;
    wl_workload w;
    at_err e;
    if (sim_design_load(path, NULL, &d, &e) || wl_find(c[k].model, NULL, &w, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    if (c[k].set) {
      wl_size *z = &w.set[w.nset++];
      snprintf(z->name, sizeof z->name, "%s", c[k].set);
      z->value = c[k].v;
      z->density = c[k].dens;
      if (!strcmp(c[k].set, "WIN")) {
        z = &w.set[w.nset++];
        snprintf(z->name, sizeof z->name, "SINK");
        z->value = 1;
        z->density = 0;
      }
    }
    for (size_t s = 0; s < sizeof seqs / sizeof *seqs && seqs[s] <= max_seq; s++) {
      long n = 0;
      double t0 = at_now_s(), t;
      do {
        sim_result r;
        if (sim_eval_on(d, &w, seqs[s], NULL, NULL, NULL, &r, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
        n++;
        t = at_now_s() - t0;
      } while (t < budget);
      printf("%-24s %10lld %12.1f\n", c[k].mapping, (long long)seqs[s], 1e6 * t / n);
      fflush(stdout);
    }
    sim_design_free(d);
  }
  return 0;
}
