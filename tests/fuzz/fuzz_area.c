/*
** fuzz_area.c: the fuzz target for area tables.  An area table is only
** read through the architecture that names it, so the input is written as
** hw/fuzz-area.yaml of the data-tree mirror next to a copy of the shipped
** hw/fusemax.yaml whose `area:` names it, and that architecture is loaded.
** Invariants: a refusal is located; an accepted table prices the design
** (and every array) as finite, non-negative areas.
*/
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#define T "fuzz_area"

static char arch_path[4096];

/* hw/fuzz-arch.yaml: hw/fusemax.yaml with its `area:` line replaced. */
static void write_arch(void) {
  char *text;
  size_t len;
  at_err e;
  if (at_read_file(fz_path("hw/fusemax.yaml"), &text, &len, &e)) fz_fail(T, "shipped architecture", e.msg);
  size_t cap = len + 64, n = 0;
  char *out = malloc(cap);
  int replaced = 0;
  if (!out) fz_fail(T, "harness", "out of memory");
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    size_t ll = nl ? (size_t)(nl - line) + 1 : strlen(line);
    if (!strncmp(line, "area:", 5)) {
      n += (size_t)snprintf(out + n, cap - n, "area: fuzz-area.yaml\n");
      replaced = 1;
    } else {
      memcpy(out + n, line, ll);
      n += ll;
    }
    line += ll;
  }
  if (!replaced) fz_fail(T, "hw/fusemax.yaml", "has no top-level area: line to replace");
  snprintf(arch_path, sizeof arch_path, "%s", fz_write("hw/fuzz-arch.yaml", (const uint8_t *)out, n));
  free(out);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!arch_path[0]) write_arch();
  fz_write("hw/fuzz-area.yaml", data, size);
  hw_free(fz_load_arch(T, arch_path));
  return 0;
}
