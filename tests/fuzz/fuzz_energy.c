/*
** fuzz_energy.c: the fuzz target for energy tables, read as `--energy`
** reads them: hw_set_energy on copies of two shipped architectures, one
** whose buffer is priced by an SRAM model (fusemax) and one with a
** different buffer row and array set (flat).  Invariants: a refusal is
** located and leaves the architecture's table as it was; an accepted table
** prices everything as finite, non-negative numbers.
*/
#include "fuzz.h"

#include <string.h>

#include "arch.h"

#define T "fuzz_energy"

static hw_arch *base[2];

static void load_bases(void) {
  static const char *const names[2] = { "hw/fusemax.yaml", "hw/flat.yaml" };
  at_err e;
  for (int i = 0; i < 2; i++)
    if (!base[i] && hw_load(fz_path(names[i]), &base[i], &e)) fz_fail(T, "shipped architecture", e.msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  load_bases();
  const char *path = fz_write("hw/fuzz-energy.yaml", data, size);
  for (int i = 0; i < 2; i++) {
    hw_arch *a;
    at_err e;
    if (hw_copy(base[i], &a, &e)) fz_fail(T, "hw_copy", e.msg);
    hw_energy before = a->energy;
    if (hw_set_energy(a, path, &e)) {
      fz_check_refusal(T, &e);
      if (memcmp(&before, &a->energy, sizeof before))
        fz_fail(T, "a refused table changed the architecture's", e.msg);
    } else {
      fz_check_arch(T, a);
    }
    hw_free(a);
  }
  return 0;
}
