/*
** fuzz_mapping.c: the fuzz target for mapping files.  The input is written
** as mappings/fuzz.yaml of the data-tree mirror, so "../hw/fusemax.yaml",
** "../einsum/cascades/..." and "data/flat-configs.csv" resolve.  map_load
** reads it (and the cascades and configuration table it names); a loaded
** mapping is bound with map_bind on two shipped architectures (fusemax,
** flat) for BERT at a 1K sequence, then evaluated by the analytical engine
** on the same architectures (sim_design_load + sim_eval).
** Invariants: a refused file is located; a bound schedule's indices stay
** inside its arrays (parts, loops, arrays, tensors); an evaluated point has
** a positive latency, finite non-negative energy and utilisations in [0, 1].
*/
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>

#include "arch.h"
#include "mapping.h"
#include "sim.h"
#include "workload.h"

#define T "fuzz_mapping"
#define SEQ 1024

static const char *const arch_rel[2] = { "hw/fusemax.yaml", "hw/flat.yaml" };
static char arch_file[2][4096];
static hw_arch *arch[2];
static wl_workload bert;

static void setup(void) {
  at_err e;
  for (int i = 0; i < 2; i++) {
    snprintf(arch_file[i], sizeof arch_file[i], "%s", fz_path(arch_rel[i]));
    if (hw_load(arch_file[i], &arch[i], &e)) fz_fail(T, "shipped architecture", e.msg);
  }
  if (wl_load(fz_path("experiments/workloads/bert.yaml"), &bert, &e)) fz_fail(T, "shipped workload", e.msg);
}

static void bad_index(const char *what, const sc_phase *ph) {
  fz_fail(T, what, ph->name);
}

static void check_phase(const sc_phase *ph, const hw_arch *a) {
  if (!ph->c) bad_index("phase without a cascade", ph);
  int np = ph->nparts, nt = ph->c->ntensors;
  if (np < 1 || np > SC_MAX_PARTS) bad_index("part count out of range", ph);
  for (int p = 0; p < np; p++)
    if (ph->part[p].size < 1) bad_index("a part of size below 1", ph);
  if (ph->nshared < 0 || ph->nshared > SC_MAX_LOOPS) bad_index("shared loop count out of range", ph);
  for (int i = 0; i < ph->nshared; i++)
    if (ph->shared[i] < 1 || ph->shared[i] >= np) bad_index("shared loop outside the parts", ph);
  if (ph->ne < 1 || ph->ne > SC_MAX_EINSUMS || ph->ne > ph->c->neinsums) bad_index("Einsum count out of range", ph);
  for (int x = 0; x < ph->ne; x++) {
    const sc_einsum *se = &ph->e[x];
    if (se->einsum < 0 || se->einsum >= ph->c->neinsums) bad_index("Einsum index out of range", ph);
    if (se->array < 0 || se->array >= a->n_arrays) bad_index("array index out of range", ph);
    if (se->nloop < 1 || se->nloop > SC_MAX_LOOPS) bad_index("nest depth out of range", ph);
    for (int l = 0; l < se->nloop; l++)
      if (se->loop[l] < 0 || se->loop[l] >= np) bad_index("loop outside the parts", ph);
    for (int d = 0; d < 2; d++) {
      if (se->nsp[d] < 0 || se->nsp[d] > SC_MAX_SPATIAL) bad_index("spatial part count out of range", ph);
      for (int i = 0; i < se->nsp[d]; i++)
        if (se->spatial[d][i] < 1 || se->spatial[d][i] >= np) bad_index("spatial part out of range", ph);
    }
  }
  if (nt > SC_MAX_TENSORS) bad_index("tensor count out of range", ph);
  for (int t = 0; t < nt; t++) {
    const sc_storage *st = &ph->st[t];
    if (st->keep_at < -1 || st->keep_at >= np) bad_index("keep_at outside the parts", ph);
    if (st->alias < -1 || st->alias >= nt || st->alias == t) bad_index("alias out of range", ph);
    if (!(st->spill >= 0 && st->spill <= 1)) bad_index("spill outside [0, 1]", ph);
  }
  if (ph->buffer_bytes < 0) bad_index("negative buffer footprint", ph);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!arch[0]) setup();
  const char *path = fz_write("mappings/fuzz.yaml", data, size);
  char file[4096];
  snprintf(file, sizeof file, "%s", path);
  map_spec *m;
  at_err e;
  int rc = map_load(file, &m, &e);   /* before reading m */
  if (fz_refused(T, rc, m, &e)) return 0;
  if (map_nphases(m) < 1 || map_nphases(m) > SC_MAX_PHASES) fz_fail(T, "phase count out of range", file);
  sc_schedule *s = malloc(sizeof *s);
  if (!s) fz_fail(T, "harness", "out of memory");
  for (int i = 0; i < 2; i++) {
    if (map_bind(m, arch[i], &bert, SEQ, s, &e)) {
      if (!e.msg[0]) fz_fail(T, "map_bind failed without a message", arch_rel[i]);
      continue;
    }
    if (s->nphases != map_nphases(m)) fz_fail(T, "schedule phase count", arch_rel[i]);
    for (int p = 0; p < s->nphases; p++) check_phase(&s->phase[p], arch[i]);
  }
  free(s);
  map_free(m);
  for (int i = 0; i < 2; i++) {
    sim_design *d;
    if (sim_design_load(file, arch_file[i], &d, &e)) fz_fail(T, "sim_design_load refused what map_load took", e.msg);
    sim_result r;
    if (sim_eval(d, &bert, SEQ, NULL, &r, &e) == 0) fz_check_result(T, &r);
    else if (!e.msg[0]) fz_fail(T, "sim_eval failed without a message", arch_rel[i]);
    sim_design_free(d);
  }
  return 0;
}
