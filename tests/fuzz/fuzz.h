/*
** fuzz.h: helpers shared by the spec-loader fuzz targets (fuzz_*.c).  The
** loaders read paths, and the paths inside a spec (a mapping's `arch:`,
** an architecture's `energy:`) are relative to its folder, so every target
** writes its input into a private mirror of the data tree (fz_write) where
** those relative paths reach the shipped files.  The checks that every
** target asserts on a refusal are here too.
*/
#ifndef ATTNSIM_FUZZ_H
#define ATTNSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes the input to DIR/REL of the mirror (REL such as "hw/fuzz.yaml")
** and returns its path, valid until the next fz_write or fz_path.  The
** mirror is made on the first call: a temporary folder whose hw/, mappings/
** and experiments/ hold symbolic links to every shipped file (at_data_dir())
** and whose einsum/ links to the shipped one; it is removed at exit.
** Aborts when the file cannot be written (that is the harness's failure). */
const char *fz_write(const char *rel, const uint8_t *data, size_t size);

/* Path of REL in the mirror without writing anything (for a second file a
** target makes once, such as an architecture naming the fuzzed table). */
const char *fz_path(const char *rel);

/* Reports a broken invariant and aborts, so libFuzzer records the input. */
_Noreturn void fz_fail(const char *target, const char *what, const char *detail);

/* A refusal must say where the fault is: "FILE:LINE:COL: message" or
** "FILE:LINE: message" (LINE and COL positive; FILE the input or any file
** it names), or "INPUT: message" with INPUT the file fz_write wrote last
** (an error about the input as a whole).  A file the input names that
** cannot be read must be reported at the field that names it, so
** "other-file: No such file or directory" is refused.  The message must
** not be empty.  Aborts otherwise.  With FUZZ_UNLOCATED_OK set in the
** environment, an unlocated refusal passes (to explore past a pending
** defect of that kind; never in ctest). */
void fz_check_refusal(const char *target, const at_err *e);

/* After a loader returned rc with *out = out: a refusal (rc != 0) must
** return no object (out NULL) and be located (fz_check_refusal); then 1.
** Success (rc == 0) must return an object; then 0. */
int fz_refused(const char *target, int rc, const void *out, const at_err *e);

/* Aborts unless x is finite and >= 0 (an energy, area or latency). */
void fz_check_quantity(const char *target, const char *what, double x);

/* The invariants every consumer of a loaded architecture relies on: it
** passes hw_validate, copies, and prices every supported operation, buffer
** row, DRAM access and its area as finite, non-negative numbers. */
struct hw_arch;
void fz_check_arch(const char *target, const struct hw_arch *a);

/* Loads the architecture file at path: a refusal must be located
** (fz_refused), an architecture pass fz_check_arch.  Returns it (the
** caller frees it with hw_free), or NULL when refused. */
struct hw_arch *fz_load_arch(const char *target, const char *path);

/* An evaluated point (sim_eval succeeded): at least one cycle, a finite
** positive latency, finite non-negative energies whose components sum to
** the total, utilisations in [0, 1].  In fuzz_sim.c (needs attnsim_sim). */
struct sim_result;
void fz_check_result(const char *target, const struct sim_result *r);

#endif
