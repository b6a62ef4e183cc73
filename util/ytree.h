/*
** ytree.h: a YAML file as a small tree of maps, sequences and scalars, each
** node remembering the file, line and column (1-based) it came from and its
** dotted path ("buffer.bytes", "arrays.2d.ops.exp"), plus typed getters that
** turn a wrong value into "FILE:LINE:COL: PATH: expected ..., got ...".
** Every spec loader (hw/, mappings/, experiments/) reads YAML through here.
**
** Invariants: a yt_doc owns every node and string reachable from it; the
** pointers the getters hand out stay valid until yt_free.  Anchors are
** ignored, aliases are rejected (no billion-laughs), a file holds exactly one
** document, duplicate keys and non-scalar keys are errors, and size, nesting
** and node count are bounded (below), so no malformed input can crash a
** loader or make it take more than time and memory linear in its size.
*/
#ifndef ATTNSIM_YTREE_H
#define ATTNSIM_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* Limits on one file (util/README.md), each an error naming the file and
** the limit: nesting of maps and sequences, and nodes (scalars, maps and
** sequences; a key is a node).  The file's size is bounded by
** AT_MAX_FILE_BYTES (util.h). */
#define YT_MAX_DEPTH 64
#define YT_MAX_NODES (1 << 20)

typedef enum yt_kind { YT_SCALAR, YT_MAP, YT_SEQ } yt_kind;

typedef struct yt_doc yt_doc;    /* one loaded file */
typedef struct yt_node yt_node;  /* a map, sequence or scalar in it */

/* Loading.  Both return 0, or -1 with e filled (a libyaml syntax error comes
** out as "FILE:LINE:COL: YAML syntax error: ...").  `name` is the file name
** used in messages.  An empty stream is an error.  Free with yt_free. */
int  yt_load(const char *path, yt_doc **out, at_err *e);
int  yt_load_string(const char *name, const char *text, size_t len,
                    yt_doc **out, at_err *e);
void yt_free(yt_doc *d);                       /* NULL is fine */

const yt_node *yt_root(const yt_doc *d);
const char    *yt_doc_file(const yt_doc *d);

/* What building a document cost, for tests and benchmarks: nodes made, key
** comparisons made by the duplicate-key check, and bytes the tree holds
** (nodes, their text, child and key-index arrays; paths built later by
** yt_path are not counted). */
typedef struct yt_stats {
  size_t nodes;           /* scalars, maps and sequences */
  size_t key_compares;    /* key-to-key comparisons while loading */
  size_t bytes;           /* heap bytes allocated for the tree */
} yt_stats;
void yt_doc_stats(const yt_doc *d, yt_stats *out);

/* Inspecting a node. */
yt_kind     yt_node_kind(const yt_node *n);
int         yt_line(const yt_node *n);          /* 1-based */
int         yt_col(const yt_node *n);           /* 1-based, in characters */
const char *yt_file(const yt_node *n);
/* "" for the root.  Built on first use and kept until yt_free (so a
** document is read from one thread at a time); "?" if out of memory. */
const char *yt_path(const yt_node *n);
const char *yt_scalar(const yt_node *n);        /* NULL unless a scalar */
size_t      yt_len(const yt_node *n);           /* entries of a map or sequence; 0 for a scalar */
const yt_node *yt_at(const yt_node *n, size_t i);   /* item i, or value of entry i */
const yt_node *yt_key_node(const yt_node *map, size_t i); /* key of entry i (a scalar) */
const char    *yt_key(const yt_node *map, size_t i);

/* Errors at a node: "FILE:LINE:COL: PATH: <message>" (the "PATH: " part is
** left out at the root).  yt_badval appends ', got "<value>"' (or "got a
** mapping" / "got a sequence").  Both return -1. */
int yt_errf(const yt_node *n, at_err *e, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
int yt_badval(const yt_node *n, at_err *e, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Shape checks: "expected a mapping, got a sequence". */
int yt_expect_map(const yt_node *n, at_err *e);
int yt_expect_seq(const yt_node *n, at_err *e);

/* Typo detection: every key of `map` must be in the NULL-terminated list
** `allowed`; otherwise "FILE:L:C: buffer.sise: unknown field (did you mean
** "size"?)" at the offending key.  Also fails if `map` is not a map. */
int yt_check_keys(const yt_node *map, const char *const *allowed, at_err *e);

/* Field lookup.  yt_get fails with "PATH.key: missing required field" at the
** map's own location; yt_find returns NULL when the key is absent or `map`
** is not a map. */
int            yt_get(const yt_node *map, const char *key,
                      const yt_node **out, at_err *e);
const yt_node *yt_find(const yt_node *map, const char *key);

/* Typed values of a node.  Each returns 0, or -1 with e filled.
**   yt_int        decimal int64, overflow-checked ("12", "-3")
**   yt_double     finite decimal ("0.25", "1e-3"); no inf/nan
**   yt_str        any scalar except an empty or null one (~, null); the
**                 pointer lives in the tree
**   yt_bool       true/false (also True, TRUE, False, FALSE)
**   yt_bytes      bytes >= 0: "32768", "512 B", "512 KiB", "16 MiB", "1 GiB",
**                 "4096 bit"; fractions allowed when the result is a whole
**                 number of bytes ("1.5 KiB").  KB/MB/GB/K/M are rejected as
**                 ambiguous: write KiB/MiB/GiB.
**   yt_bandwidth  bytes per second >= 0: "400 GiB/s" (binary: KiB/s MiB/s
**                 GiB/s TiB/s) or "1.2 TB/s" (decimal: kB/s MB/s GB/s TB/s),
**                 "B/s".  A unit is required.
**   yt_frequency  hertz >= 0: "940 MHz", "1.2 GHz", "100 kHz", "50 Hz".
**   yt_energy     picojoules >= 0: "17.16 pJ", "0.5 nJ", "28 fJ", "1 uJ".
**   yt_area       square micrometres >= 0: "1234 um^2" (also um2, µm^2),
**                 "1.5 mm^2" (mm2), "500 nm^2".
** Negative quantities are rejected ("must not be negative"). */
int yt_int(const yt_node *n, int64_t *v, at_err *e);
int yt_double(const yt_node *n, double *v, at_err *e);
int yt_str(const yt_node *n, const char **v, at_err *e);
int yt_bool(const yt_node *n, bool *v, at_err *e);
int yt_bytes(const yt_node *n, int64_t *bytes, at_err *e);
int yt_bandwidth(const yt_node *n, double *bytes_per_s, at_err *e);
int yt_frequency(const yt_node *n, double *hz, at_err *e);
int yt_energy(const yt_node *n, double *pj, at_err *e);
int yt_area(const yt_node *n, double *um2, at_err *e);

/* The same, by key on a map.  yt_get_*: the field is required (0 or -1).
** yt_opt_*: returns 1 and sets *v if present, 0 and leaves *v untouched if
** absent, -1 on a bad value. */
int yt_get_int(const yt_node *map, const char *key, int64_t *v, at_err *e);
int yt_get_double(const yt_node *map, const char *key, double *v, at_err *e);
int yt_get_str(const yt_node *map, const char *key, const char **v, at_err *e);
int yt_get_bool(const yt_node *map, const char *key, bool *v, at_err *e);
int yt_get_bytes(const yt_node *map, const char *key, int64_t *v, at_err *e);
int yt_get_bandwidth(const yt_node *map, const char *key, double *v, at_err *e);
int yt_get_frequency(const yt_node *map, const char *key, double *v, at_err *e);
int yt_get_energy(const yt_node *map, const char *key, double *v, at_err *e);
int yt_get_area(const yt_node *map, const char *key, double *v, at_err *e);

int yt_opt_int(const yt_node *map, const char *key, int64_t *v, at_err *e);
int yt_opt_double(const yt_node *map, const char *key, double *v, at_err *e);
int yt_opt_str(const yt_node *map, const char *key, const char **v, at_err *e);
int yt_opt_bool(const yt_node *map, const char *key, bool *v, at_err *e);
int yt_opt_bytes(const yt_node *map, const char *key, int64_t *v, at_err *e);
int yt_opt_bandwidth(const yt_node *map, const char *key, double *v, at_err *e);
int yt_opt_frequency(const yt_node *map, const char *key, double *v, at_err *e);
int yt_opt_energy(const yt_node *map, const char *key, double *v, at_err *e);
int yt_opt_area(const yt_node *map, const char *key, double *v, at_err *e);

#endif
