/*
** fuzz_arch.c: the fuzz target for architecture files (hw_load, with the
** energy and area tables the file names, then hw_validate).  The input is
** written as hw/fuzz.yaml of the data-tree mirror, so "energy-45nm.yaml"
** and the other shipped tables resolve.  Invariants: a refusal is located
** and returns no architecture; a loaded one passes hw_validate, copies,
** and prices every operation, buffer row and its area as finite,
** non-negative numbers.
*/
#include "fuzz.h"


#define T "fuzz_arch"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_load_arch(T, fz_write("hw/fuzz.yaml", data, size));
  return 0;
}
