/*
** mapping.h: mapping specs (mappings/NAME.yaml).  map_load() reads and
** checks a mapping file and the cascades it names into an in-memory
** mapping (no YAML behind it); map_bind() turns that into a schedule for
** one architecture, workload and sequence length, evaluating its rules
** (remaining quotients, "largest tile that fits the buffer", per-point
** configuration columns); map_write() serializes it back to a file that
** reads back identically.  The schema is in mappings/README.md.
*/
#ifndef ATTNSIM_MAPPING_H
#define ATTNSIM_MAPPING_H

#include "sched.h"
#include "workload.h"

typedef struct map_spec map_spec;

int map_load(const char *path, map_spec **out, at_err *e);
void map_free(map_spec *m);

const char *map_design(const map_spec *m);     /* the file's `design:` */
const char *map_path(const map_spec *m);
const char *map_arch_path(const map_spec *m);  /* resolved against the mapping's folder */
int map_nphases(const map_spec *m);
const char *map_cascade_path(const map_spec *m, int phase);
const char *map_config_path(const map_spec *m);  /* per-point table, or NULL */
/* 0 if the file `arch:` names is a readable regular file; otherwise -1 with
** e located at that field.  Not part of map_load: `--arch` may replace it. */
int map_check_arch(const map_spec *m, at_err *e);

/* Binds the mapping for one point.  Returns 0, or -1 with e naming the
** violated constraint ("FILE:LINE:COL: ..." where a spec node is at fault). */
int map_bind(map_spec *m, const hw_arch *a, const wl_workload *w,
             int64_t seq_len, sc_schedule *s, at_err *e);

/* Writes m as a mapping file at path (paths in it relative to path's
** folder); the file appears whole or not at all.  0, or -1 with e. */
int map_write(const map_spec *m, const char *path, at_err *e);

/* 1 if a and b are the same mapping (same fields, same files named, where
** each was written aside); 0 otherwise. */
int map_same(const map_spec *a, const map_spec *b);

#endif
