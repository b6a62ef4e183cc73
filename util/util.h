/*
** util.h: small helpers every attnsim module uses: checked 64-bit
** arithmetic on sizes and counts, and the error record that carries a
** "FILE:LINE:COL: message" back to the command line.
** Invariant: a function that fails fills an at_err and returns non-zero;
** it never prints and never exits.
*/
#ifndef ATTNSIM_UTIL_H
#define ATTNSIM_UTIL_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>

/* Exit statuses of the attnsim command. */
#define AT_EXIT_OK    0
#define AT_EXIT_FAIL  1   /* a check or comparison failed */
#define AT_EXIT_INPUT 2   /* bad input: spec file, option, size */

typedef struct at_err {
  char msg[512];          /* complete message, already prefixed with its location */
} at_err;

/* Formats into e->msg; always returns -1 so callers can `return at_errf(..)`. */
int at_errf(at_err *e, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Same, prefixed with "file:line:col: " (col 0 means "no column"). */
int at_errloc(at_err *e, const char *file, int line, int col,
              const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));

/* Checked arithmetic: return 0 and store the result, or -1 on overflow. */
static inline int at_mul64(uint64_t a, uint64_t b, uint64_t *r) {
  return __builtin_mul_overflow(a, b, r) ? -1 : 0;
}
static inline int at_add64(uint64_t a, uint64_t b, uint64_t *r) {
  return __builtin_add_overflow(a, b, r) ? -1 : 0;
}
static inline int at_smul64(int64_t a, int64_t b, int64_t *r) {
  return __builtin_mul_overflow(a, b, r) ? -1 : 0;
}

/* Largest spec file any loader reads, bytes (util/README.md). */
#define AT_MAX_FILE_BYTES (16 << 20)

/* Reads a whole file into a NUL-terminated heap buffer (*len excludes the
** NUL).  The path must name a regular file (a FIFO, device or directory is
** refused without blocking) of at most AT_MAX_FILE_BYTES.  Returns 0, or -1
** with e filled ("PATH: ..." naming the file and the limit). */
int at_read_file(const char *path, char **buf, size_t *len, at_err *e);

/* Writes s as a JSON string literal (quotes, escapes) to f.  Bytes that are
** not well-formed UTF-8 (a file name from the command line may hold any)
** come out as \ufffd, so the output is always valid JSON. */
void at_json_str(FILE *f, const char *s);

/* Writes v as a JSON number with `digits` significant digits (1..17).  JSON
** has no inf or nan: a non-finite v is written as null and -1 returned, so
** a caller can turn it into an error naming the quantity; else 0. */
int at_json_num(FILE *f, double v, int digits);

/* Strict whole numbers, for command lines and spec cells alike: one or
** more decimal digits and nothing else (no sign, no spaces, no 0x, no
** exponent), then with AT_NUM_SUFFIX optionally one binary multiplier
** K or k (2^10), M (2^20) or G (2^30).  Returns 0 with *v set, AT_NUM_BAD
** when s is malformed (or NULL or empty), AT_NUM_RANGE when the value does
** not fit (after the multiplier).  *v is untouched on failure. */
#define AT_NUM_SUFFIX 1
#define AT_NUM_BAD   (-1)
#define AT_NUM_RANGE (-2)
int at_parse_u64(const char *s, int flags, uint64_t *v);

/* A size such as "4096", "1K", "64K", "1M": at_parse_u64 with
** AT_NUM_SUFFIX, at most INT64_MAX.  Same returns. */
int at_parse_size(const char *s, int64_t *v);

/* Root of the shipped data files (hw/, experiments/workloads/, mappings/data/):
** $ATTNSIM_DATA_DIR when set and non-empty, else the source tree attnsim was
** built from.  Never NULL. */
const char *at_data_dir(void);

/* "dir/rel" in a new heap string, or a copy of rel when rel is absolute or
** dir is NULL or empty.  NULL only when out of memory. */
char *at_path_join(const char *dir, const char *rel);

/* The directory part of path in a new heap string ("." when path has no
** slash, "/" for "/x").  NULL only when out of memory. */
char *at_dirname(const char *path);

/* Wall-clock seconds on CLOCK_MONOTONIC, from an arbitrary origin: for
** intervals only (a progress rate, a benchmark's figure, a search's time),
** never for dates (results/store.c stamps rows with CLOCK_REALTIME). */
double at_now_s(void);

/* Seeded pseudo-random numbers (splitmix64): reproducible across hosts. */
typedef struct at_rng { uint64_t s; } at_rng;
static inline uint64_t at_rng_next(at_rng *r) {
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
/* Uniform double in [-1, 1). */
static inline double at_rng_sym(at_rng *r) {
  return (double)(at_rng_next(r) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

#endif
