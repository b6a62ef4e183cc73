/*
** fuzz_flatcfg.c: the fuzz target for the FLAT configuration CSV
** (fc_load, the format of mappings/data/flat-configs.csv).  Invariants: a
** refusal is located and returns no table; in an accepted table every row
** is found again by fc_lookup under its own (platform, model, length), its
** sizes are positive and its two proportions lie in [0, 1] and sum to 1.
*/
#include "fuzz.h"

#include <math.h>
#include <stdio.h>

#include "flatcfg.h"

#define T "fuzz_flatcfg"

static void check_row(const fc_table *t, const fc_config *r) {
  char where[64];
  snprintf(where, sizeof where, "row at line %d", r->line);
  const int64_t sizes[] = { r->seq_len, r->B, r->D, r->E, r->F, r->H, r->M, r->P, r->S, r->P1 };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (sizes[i] < 1) fz_fail(T, "a size below 1", where);
  if (!(r->proportion_buffered >= 0 && r->proportion_buffered <= 1) ||
      !(r->proportion_spilled >= 0 && r->proportion_spilled <= 1) ||
      fabs(r->proportion_buffered + r->proportion_spilled - 1) > 1e-6)
    fz_fail(T, "proportions not in [0, 1] or not summing to 1", where);
  if ((unsigned)r->platform >= FC_PLATFORM_COUNT) fz_fail(T, "platform out of range", where);
  const fc_config *found;
  at_err e;
  if (fc_lookup(t, r->platform, r->model, r->seq_len, &found, &e)) fz_fail(T, "fc_lookup misses a row", e.msg);
  if (found != r) fz_fail(T, "fc_lookup finds another row", where);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fz_write("mappings/fuzz-configs.csv", data, size);
  fc_table *t;
  at_err e;
  int rc = fc_load(path, &t, &e);   /* before reading t */
  if (fz_refused(T, rc, t, &e)) return 0;
  for (size_t i = 0; i < fc_count(t); i++) check_row(t, fc_row(t, i));
  fc_free(t);
  return 0;
}
