/*
** fuzz_workload.c: the fuzz target for workload files (wl_load) and, for
** short inputs, sequence lengths (wl_parse_seq, as `--seq` reads them).
** Invariants: a refused file is located; an accepted one has a name and
** every size in [1, 2^32] (what the engines' 64-bit products assume); an
** accepted length is positive.
*/
#include "fuzz.h"

#include <string.h>

#include "workload.h"

#define T "fuzz_workload"

static void check_size(const char *what, int64_t v) {
  if (v < 1 || v > (1LL << 32)) fz_fail(T, "workload size out of [1, 2^32]", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fz_write("experiments/fuzz-workload.yaml", data, size);
  wl_workload w;
  at_err e;
  if (wl_load(path, &w, &e)) {
    fz_check_refusal(T, &e);
  } else {
    if (!w.name[0] || memchr(w.name, 0, sizeof w.name) == NULL) fz_fail(T, "workload name", "empty or unterminated");
    if (memchr(w.description, 0, sizeof w.description) == NULL) fz_fail(T, "description", "unterminated");
    check_size("H", w.H);
    check_size("E", w.E);
    check_size("F", w.F);
    check_size("D", w.D);
    check_size("FFN", w.FFN);
    check_size("B", w.B);
    check_size("KVH", w.KVH);
    check_size("G", w.G);
    if (w.KVH * w.G != w.H) fz_fail(T, "heads", "KVH * G != H");
    if (w.W) check_size("W", w.W);
    if (w.C) check_size("C", w.C);
    if (w.R && !w.C) fz_fail(T, "R", "a rope part without C");
    if ((w.phase == WL_DECODE) != (w.NEW > 0)) fz_fail(T, "NEW", "given exactly in decode");
    if (w.NEW) check_size("NEW", w.NEW);
  }
  char seq[64];
  if (size < sizeof seq) {
    memcpy(seq, data, size);
    seq[size] = 0;
    int64_t len = 0;
    if (wl_parse_seq(seq, &len, &e) == 0 && len < 1) fz_fail(T, "wl_parse_seq accepted a length below 1", seq);
  }
  return 0;
}
