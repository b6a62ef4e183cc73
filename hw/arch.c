/*
** arch.c: hw/NAME.yaml -> hw_arch, with the energy and area tables it names,
** plus validation, copying and the area model.
**
** Loading checks every value where it was written, so a bad file gets a
** FILE:LINE:COL message; hw_validate() re-checks the same invariants on the
** struct alone (no locations) for callers that change fields afterwards.
*/
#include "arch.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ytree.h"

static const char *const op_names[HW_OP_COUNT] = {
  "mac", "mul", "add", "sub", "max", "min", "exp", "div",
};
/* The unit an op activates once per element when the file gives no `uses`. */
static const hw_unit op_default_unit[HW_OP_COUNT] = {
  HW_UNIT_MAC, HW_UNIT_MAC, HW_UNIT_ADD, HW_UNIT_ADD,
  HW_UNIT_MAX, HW_UNIT_MAX, HW_UNIT_EXP, HW_UNIT_DIV,
};
static const char *const unit_names[HW_UNIT_COUNT] = {
  "mac", "add", "max", "div", "exp",
};

const char *hw_op_name(hw_op op) {
  return (unsigned)op < HW_OP_COUNT ? op_names[op] : "?";
}
const char *hw_unit_name(hw_unit u) {
  return (unsigned)u < HW_UNIT_COUNT ? unit_names[u] : "?";
}
hw_op hw_op_parse(const char *name) {
  for (int i = 0; i < HW_OP_COUNT; i++)
    if (!strcmp(op_names[i], name)) return (hw_op)i;
  return HW_OP_COUNT;
}
hw_unit hw_unit_parse(const char *name) {
  for (int i = 0; i < HW_UNIT_COUNT; i++)
    if (!strcmp(unit_names[i], name)) return (hw_unit)i;
  return HW_UNIT_COUNT;
}

/* ------------------------------------------------------------------ */
/* Located value checks                                                 */

/* An integer field in [lo, hi]; `what` completes "must be ...". */
static int get_range(const yt_node *map, const char *key, int64_t lo,
                     int64_t hi, int64_t *v, at_err *e) {
  const yt_node *n;
  if (yt_get(map, key, &n, e) || yt_int(n, v, e)) return -1;
  if (*v < lo) {
    if (lo == 1) return yt_badval(n, e, "must be positive");
    if (lo == 0) return yt_badval(n, e, "must not be negative");
    return yt_badval(n, e, "must be at least %lld", (long long)lo);
  }
  if (*v > hi) return yt_badval(n, e, "must be at most %lld", (long long)hi);
  return 0;
}

/* A real value already read from n must lie in [lo, hi]; lo_s and hi_s are
** the bounds as a reader writes them ("1 aJ"). */
static int real_range(const yt_node *n, double v, double lo, double hi,
                      const char *lo_s, const char *hi_s, at_err *e) {
  if (lo > 0 && !(v > 0)) return yt_badval(n, e, "must be positive");
  if (v < lo) return yt_badval(n, e, "must be at least %s", lo_s);
  if (!(v <= hi)) return yt_badval(n, e, "must be at most %s", hi_s);
  return 0;
}

/* A required energy per action: 1 aJ to 1 uJ. */
static int get_energy(const yt_node *map, const char *key, double *v,
                      at_err *e) {
  const yt_node *n;
  if (yt_get(map, key, &n, e) || yt_energy(n, v, e)) return -1;
  return real_range(n, *v, HW_ENERGY_MIN_PJ, HW_ENERGY_MAX_PJ, "1e-6 pJ (1 aJ)",
                    "1e6 pJ (1 uJ)", e);
}

/* An area, required or (opt) optional: 0 to 1000 mm^2. */
static int get_area(const yt_node *map, const char *key, bool opt, double *v,
                    at_err *e) {
  const yt_node *n = yt_find(map, key);
  if (!n && opt) return 0;
  if ((!n && yt_get(map, key, &n, e)) || yt_area(n, v, e)) return -1;
  return real_range(n, *v, 0, HW_AREA_MAX_UM2, "0", "1e9 um^2 (1000 mm^2)", e);
}

static int multiple_of_8(const yt_node *map, const char *key, int64_t v,
                         at_err *e) {
  if (v % 8 == 0) return 0;
  return yt_badval(yt_find(map, key), e, "must be a multiple of 8 bits");
}

/* ------------------------------------------------------------------ */
/* Energy and area tables                                               */

static const char *const unit_keys[] = {"mac", "add", "max", "div", "exp", NULL};

static int load_units(const yt_node *root, bool energy, double *out,
                      at_err *e) {
  const yt_node *u;
  if (yt_get(root, "units", &u, e) || yt_check_keys(u, unit_keys, e))
    return -1;
  for (int i = 0; i < HW_UNIT_COUNT; i++)
    if (energy ? get_energy(u, unit_names[i], &out[i], e)
               : get_area(u, unit_names[i], false, &out[i], e))
      return -1;
  return 0;
}

/* The SRAM form of the buffer entry: energy per access by capacity. */
static int load_sram(const yt_node *n, hw_energy *t, at_err *e) {
  static const char *const pt[] = {"size", "access", NULL};
  const yt_node *s;
  if (get_range(n, "access_bits", 8, HW_DIM_MAX, &t->sram_access_bits, e) ||
      multiple_of_8(n, "access_bits", t->sram_access_bits, e) ||
      yt_get(n, "by_capacity", &s, e) || yt_expect_seq(s, e))
    return -1;
  size_t k = yt_len(s);
  if (k < 2 || k > HW_SRAM_POINTS)
    return yt_errf(s, e, "needs 2 to %d (size, access) points, got %zu",
                   HW_SRAM_POINTS, k);
  for (size_t i = 0; i < k; i++) {
    const yt_node *p = yt_at(s, i);
    int64_t bytes;
    if (yt_expect_map(p, e) || yt_check_keys(p, pt, e) ||
        yt_get_bytes(p, "size", &bytes, e) ||
        get_energy(p, "access", &t->sram_access_pJ[i], e))
      return -1;
    if (bytes <= 0) return yt_badval(yt_find(p, "size"), e, "must be positive");
    if (i > 0 && (double)bytes <= t->sram_bytes[i - 1])
      return yt_badval(yt_find(p, "size"), e,
                       "must be larger than the previous point's size");
    t->sram_bytes[i] = (double)bytes;
  }
  t->n_sram = (int)k;
  return 0;
}

/* The buffer entry: fixed per-row figures or the SRAM form, not both. */
static int load_buffer(const yt_node *n, hw_energy *t, at_err *e) {
  t->n_sram = 0;
  if (yt_find(n, "by_capacity")) {
    static const char *const fixed[] = {"row_bits", "read", "write", NULL};
    for (int i = 0; fixed[i]; i++)
      if (yt_find(n, fixed[i]))
        return yt_errf(yt_find(n, fixed[i]), e,
                       "not allowed with by_capacity (give per-row figures "
                       "or an SRAM model, not both)");
    return load_sram(n, t, e);
  }
  if (yt_find(n, "access_bits"))
    return yt_errf(yt_find(n, "access_bits"), e,
                   "only with by_capacity (an SRAM model); per-row figures "
                   "take row_bits, read and write");
  if (get_range(n, "row_bits", 8, HW_DIM_MAX, &t->buffer_row_bits, e) ||
      multiple_of_8(n, "row_bits", t->buffer_row_bits, e) ||
      get_energy(n, "read", &t->buffer_row_read_pJ, e) ||
      get_energy(n, "write", &t->buffer_row_write_pJ, e))
    return -1;
  return 0;
}

static int load_energy(const char *path, hw_energy *t, at_err *e) {
  static const char *const top[] = {"name", "description", "word_bits",
                                    "units", "regfile", "buffer", "dram", NULL};
  static const char *const rf[] = {"read", "write", NULL};
  static const char *const buf[] = {"row_bits", "read", "write",
                                    "access_bits", "by_capacity", NULL};
  static const char *const dram[] = {"access_bits", "access", NULL};
  yt_doc *d;
  if (yt_load(path, &d, e)) return -1;
  const yt_node *r = yt_root(d), *n;
  int rc = -1;
  if (yt_check_keys(r, top, e)) goto out;
  if (get_range(r, "word_bits", 1, 128, &t->word_bits, e)) goto out;
  if (load_units(r, true, t->unit_pJ, e)) goto out;
  if (yt_get(r, "regfile", &n, e) || yt_check_keys(n, rf, e) ||
      get_energy(n, "read", &t->reg_read_pJ, e) ||
      get_energy(n, "write", &t->reg_write_pJ, e))
    goto out;
  if (yt_get(r, "buffer", &n, e) || yt_check_keys(n, buf, e) ||
      load_buffer(n, t, e))
    goto out;
  if (yt_get(r, "dram", &n, e) || yt_check_keys(n, dram, e) ||
      get_range(n, "access_bits", 8, HW_DIM_MAX, &t->dram_access_bits, e) ||
      multiple_of_8(n, "access_bits", t->dram_access_bits, e) ||
      get_energy(n, "access", &t->dram_access_pJ, e))
    goto out;
  rc = 0;
out:
  yt_free(d);
  return rc;
}

static int load_area(const char *path, hw_area_table *t, at_err *e) {
  static const char *const top[] = {"name", "description", "word_bits",
                                    "units", "register", "pe_other",
                                    "sram_per_KiB", NULL};
  yt_doc *d;
  if (yt_load(path, &d, e)) return -1;
  const yt_node *r = yt_root(d);
  int rc = -1;
  if (yt_check_keys(r, top, e) ||
      get_range(r, "word_bits", 1, 128, &t->word_bits, e) ||
      load_units(r, false, t->unit_um2, e) ||
      get_area(r, "register", false, &t->reg_word_um2, e) ||
      get_area(r, "sram_per_KiB", false, &t->sram_um2_per_KiB, e))
    goto out;
  t->pe_other_um2 = 0;
  if (get_area(r, "pe_other", true, &t->pe_other_um2, e)) goto out;
  rc = 0;
out:
  yt_free(d);
  return rc;
}

/* Path of a table: the arch's `key` field relative to the arch's directory,
** or the default file next to the arch, else in at_data_dir()/hw.  Fails at
** the field when the named file cannot be read. */
static int table_path(const yt_node *root, const char *key, const char *dflt,
                      const char *dir, char **out, at_err *e) {
  const yt_node *n = yt_find(root, key);
  const char *rel;
  *out = NULL;
  if (n) {
    if (yt_str(n, &rel, e)) return -1;
    if (!(*out = at_path_join(dir, rel))) return at_errf(e, "out of memory");
    if (access(*out, R_OK) == 0) return 0;
    yt_errf(n, e, "cannot read \"%s\": %s", *out, strerror(errno));
    free(*out);
    *out = NULL;
    return -1;
  }
  if (!(*out = at_path_join(dir, dflt))) return at_errf(e, "out of memory");
  if (access(*out, R_OK) == 0) return 0;
  free(*out);
  char *hwdir = at_path_join(at_data_dir(), "hw");
  *out = hwdir ? at_path_join(hwdir, dflt) : NULL;
  free(hwdir);
  if (!*out) return at_errf(e, "out of memory");
  return 0;   /* a missing default shows up as a read error when loaded */
}

/* A table named by `field` failed to load with e.  An error about the
** file as a whole ("PATH: is a FIFO ...", "PATH: N bytes, over the 16 MiB
** limit") is moved to the field that named it; one located inside the
** table ("PATH:LINE:COL: ...") is already precise and kept.  Returns -1. */
static int at_field(const yt_node *field, const char *path, at_err *e) {
  size_t pl = strlen(path);
  if (!field || strncmp(e->msg, path, pl) || strncmp(e->msg + pl, ": ", 2)) return -1;
  at_err whole = *e;
  return yt_errf(field, e, "cannot read \"%s\": %s", path, whole.msg + pl + 2);
}

/* ------------------------------------------------------------------ */
/* The architecture file                                                */

static int load_op(const yt_node *key, const yt_node *v, hw_op_cost *c,
                   at_err *e) {
  static const char *const op_keys[] = {"cycles", "uses", NULL};
  c->supported = true;
  memset(c->uses, 0, sizeof c->uses);
  const yt_node *cyc = v;
  if (yt_node_kind(v) == YT_MAP) {
    if (yt_check_keys(v, op_keys, e) || yt_get(v, "cycles", &cyc, e))
      return -1;
  } else if (yt_node_kind(v) != YT_SCALAR) {
    return yt_badval(v, e, "expected cycles per element or {cycles: N, uses: {...}}");
  }
  if (yt_int(cyc, &c->cycles, e)) return -1;
  if (c->cycles < 1) return yt_badval(cyc, e, "must be a positive number of cycles");
  if (c->cycles > HW_DIM_MAX)
    return yt_badval(cyc, e, "must be at most %lld cycles", HW_DIM_MAX);
  const yt_node *uses = yt_node_kind(v) == YT_MAP ? yt_find(v, "uses") : NULL;
  if (!uses) {
    c->uses[op_default_unit[hw_op_parse(yt_scalar(key))]] = 1;
    return 0;
  }
  if (yt_check_keys(uses, unit_keys, e)) return -1;
  int64_t total = 0;
  for (size_t i = 0; i < yt_len(uses); i++) {
    hw_unit u = hw_unit_parse(yt_key(uses, i));
    const yt_node *cnt = yt_at(uses, i);
    if (yt_int(cnt, &c->uses[u], e)) return -1;
    if (c->uses[u] < 0) return yt_badval(cnt, e, "must not be negative");
    if (c->uses[u] > HW_DIM_MAX)
      return yt_badval(cnt, e, "must be at most %lld", HW_DIM_MAX);
    total += c->uses[u];
  }
  if (total == 0) return yt_errf(uses, e, "an operation must use at least one unit");
  return 0;
}

/* The cycle engine's timing fields of an array; absent fields keep the
** defaults every shipped file relies on. */
static int load_array_timing(const yt_node *m, hw_array *ar, at_err *e) {
  ar->pipeline_depth = 1;
  ar->edge_registers = 0;
  ar->results = HW_RESULTS_SHIFT;
  if (yt_find(m, "pipeline_depth") && get_range(m, "pipeline_depth", 0, 64, &ar->pipeline_depth, e)) return -1;
  if (yt_find(m, "edge_registers") && get_range(m, "edge_registers", 0, 64, &ar->edge_registers, e)) return -1;
  ar->fifo_depth = 0;
  if (yt_find(m, "fifo_depth") && get_range(m, "fifo_depth", 1, 4096, &ar->fifo_depth, e)) return -1;
  const yt_node *r = yt_find(m, "results");
  if (r) {
    const char *v = yt_scalar(r);
    if (v && !strcmp(v, "parallel")) ar->results = HW_RESULTS_PARALLEL;
    else if (!v || strcmp(v, "shift")) return yt_badval(r, e, "expected shift or parallel");
  }
  return 0;
}

static int load_array(const yt_node *key, const yt_node *m, hw_array *ar,
                      at_err *e) {
  static const char *const keys[] = {"rows", "cols", "width", "regs_per_pe",
                                     "issue", "ops", "pipeline_depth",
                                     "edge_registers", "results", "fifo_depth", NULL};
  static const char *const ops[] = {"mac", "mul", "add", "sub", "max", "min",
                                    "exp", "div", NULL};
  const char *name = yt_scalar(key);
  if (strlen(name) == 0 || strlen(name) >= HW_NAME_MAX)
    return yt_errf(key, e, "an array name must have 1 to %d characters",
                   HW_NAME_MAX - 1);
  memcpy(ar->name, name, strlen(name) + 1);
  if (yt_check_keys(m, keys, e)) return -1;
  const yt_node *w = yt_find(m, "width");
  if (w) {
    const yt_node *rc = yt_find(m, "rows") ? yt_find(m, "rows") : yt_find(m, "cols");
    if (rc) return yt_errf(rc, e, "give either width (a 1D array) or rows and cols, not both");
    ar->rows = 1;
    if (get_range(m, "width", 1, HW_DIM_MAX, &ar->cols, e)) return -1;
  } else if (get_range(m, "rows", 1, HW_DIM_MAX, &ar->rows, e) ||
             get_range(m, "cols", 1, HW_DIM_MAX, &ar->cols, e)) {
    return -1;
  }
  if (get_range(m, "regs_per_pe", 0, HW_DIM_MAX, &ar->regs_per_pe, e)) return -1;
  if (load_array_timing(m, ar, e)) return -1;
  const yt_node *is = yt_find(m, "issue");
  ar->issue = HW_ISSUE_SERIAL;
  if (is) {
    const char *v = yt_scalar(is);
    if (v && !strcmp(v, "units")) ar->issue = HW_ISSUE_UNITS;
    else if (!v || strcmp(v, "serial"))
      return yt_badval(is, e, "expected serial or units");
  }
  const yt_node *o;
  if (yt_get(m, "ops", &o, e) || yt_check_keys(o, ops, e)) return -1;
  if (yt_len(o) == 0) return yt_errf(o, e, "an array must support at least one operation");
  for (size_t i = 0; i < yt_len(o); i++) {
    hw_op op = hw_op_parse(yt_key(o, i));
    if (load_op(yt_key_node(o, i), yt_at(o, i), &ar->ops[op], e)) return -1;
  }
  return 0;
}

/* Whether the buffer's row energy at its size is finite and in range (the
** SRAM model extends its end segments log-log, so a steep table and a
** large buffer can reach any value). */
static bool buffer_row_ok(const hw_arch *a) {
  double r = hw_buffer_row_pJ(a, false), w = hw_buffer_row_pJ(a, true);
  return r >= 0 && r <= HW_ROW_ENERGY_MAX_PJ && w >= 0 && w <= HW_ROW_ENERGY_MAX_PJ;
}

static int fill(hw_arch *a, const yt_node *r, const char *path, at_err *e) {
  static const char *const top[] = {"name", "description", "clock",
                                    "word_bytes", "energy", "area", "arrays",
                                    "buffer", "dram", NULL};
  static const char *const buf[] = {"size", "row_bits", "banks", "ports", NULL};
  static const char *const dram[] = {"bandwidth", "access_bits", "latency", NULL};
  const yt_node *n, *arrays, *bufn, *dramn;
  const char *s;

  if (yt_check_keys(r, top, e)) return -1;
  if (yt_get_str(r, "name", &s, e)) return -1;
  if (!(a->name = strdup(s))) return at_errf(e, "out of memory");
  if (yt_get(r, "clock", &n, e) || yt_frequency(n, &a->clock_hz, e) ||
      real_range(n, a->clock_hz, HW_CLOCK_MIN_HZ, HW_CLOCK_MAX_HZ, "1 Hz",
                 "1e12 Hz (1 THz)", e))
    return -1;
  if (get_range(r, "word_bytes", 1, 16, &a->word_bytes, e)) return -1;

  if (yt_get(r, "arrays", &arrays, e) || yt_expect_map(arrays, e)) return -1;
  if (yt_len(arrays) == 0) return yt_errf(arrays, e, "at least one array is needed");
  if (yt_len(arrays) > HW_MAX_ARRAYS)
    return yt_errf(yt_key_node(arrays, HW_MAX_ARRAYS), e,
                   "at most %d arrays are supported", HW_MAX_ARRAYS);
  for (size_t i = 0; i < yt_len(arrays); i++) {
    if (load_array(yt_key_node(arrays, i), yt_at(arrays, i), &a->arrays[i], e))
      return -1;
    a->n_arrays++;
  }

  if (yt_get(r, "buffer", &bufn, e) || yt_check_keys(bufn, buf, e)) return -1;
  if (yt_get(bufn, "size", &n, e) || yt_bytes(n, &a->buffer.bytes, e)) return -1;
  if (a->buffer.bytes <= 0) return yt_badval(n, e, "must be positive");
  if (get_range(bufn, "row_bits", 8, HW_DIM_MAX, &a->buffer.row_bits, e) ||
      multiple_of_8(bufn, "row_bits", a->buffer.row_bits, e))
    return -1;
  if (a->buffer.bytes % (a->buffer.row_bits / 8))
    return yt_badval(n, e, "must be a whole number of %lld-bit rows",
                     (long long)a->buffer.row_bits);
  int64_t rows = a->buffer.bytes / (a->buffer.row_bits / 8);
  if (get_range(bufn, "banks", 1, HW_DIM_MAX, &a->buffer.banks, e)) return -1;
  if (a->buffer.banks > rows)
    return yt_badval(yt_find(bufn, "banks"), e,
                     "more banks than buffer rows (%lld)", (long long)rows);
  a->buffer.ports = 1;
  if (yt_find(bufn, "ports") && get_range(bufn, "ports", 1, 64, &a->buffer.ports, e)) return -1;

  if (yt_get(r, "dram", &dramn, e) || yt_check_keys(dramn, dram, e)) return -1;
  if (yt_get(dramn, "bandwidth", &n, e) || yt_bandwidth(n, &a->dram.bandwidth_Bps, e))
    return -1;
  if (real_range(n, a->dram.bandwidth_Bps, HW_BANDWIDTH_MIN_BPS,
                 HW_BANDWIDTH_MAX_BPS, "1 B/s", "1e15 B/s (1 PB/s)", e))
    return -1;
  if (get_range(dramn, "access_bits", 8, HW_DIM_MAX, &a->dram.access_bits, e) ||
      multiple_of_8(dramn, "access_bits", a->dram.access_bits, e))
    return -1;
  if (yt_find(dramn, "latency") && get_range(dramn, "latency", 0, HW_DIM_MAX, &a->dram.latency_cycles, e))
    return -1;

  /* The tables: load, then check they price the widths this arch uses,
  ** reporting the mismatch at the arch's field. */
  char *dir = at_dirname(path);
  if (!dir) return at_errf(e, "out of memory");
  int rc = table_path(r, "energy", "energy-45nm.yaml", dir, &a->energy.path, e) ||
           table_path(r, "area", "area-45nm.yaml", dir, &a->area.path, e);
  free(dir);
  if (rc) return -1;
  if (load_energy(a->energy.path, &a->energy, e))
    return at_field(yt_find(r, "energy"), a->energy.path, e);
  if (load_area(a->area.path, &a->area, e))
    return at_field(yt_find(r, "area"), a->area.path, e);
  const yt_node *wb = yt_find(r, "word_bytes");
  if (a->energy.word_bits != a->word_bytes * 8)
    return yt_badval(wb, e, "the energy table %s is for %lld-bit words",
                     a->energy.path, (long long)a->energy.word_bits);
  if (a->area.word_bits != a->word_bytes * 8)
    return yt_badval(wb, e, "the area table %s is for %lld-bit words",
                     a->area.path, (long long)a->area.word_bits);
  if (a->energy.n_sram == 0 && a->energy.buffer_row_bits != a->buffer.row_bits)
    return yt_badval(yt_find(bufn, "row_bits"), e,
                     "the energy table %s prices %lld-bit rows",
                     a->energy.path, (long long)a->energy.buffer_row_bits);
  if (a->energy.dram_access_bits != a->dram.access_bits)
    return yt_badval(yt_find(dramn, "access_bits"), e,
                     "the energy table %s prices %lld-bit accesses",
                     a->energy.path, (long long)a->energy.dram_access_bits);
  if (!buffer_row_ok(a))
    return yt_badval(yt_find(bufn, "size"), e,
                     "the SRAM model of %s, extended to this size, prices a row "
                     "above 1e9 pJ", a->energy.path);
  return 0;
}

int hw_set_energy(hw_arch *a, const char *path, at_err *e) {
  hw_energy old = a->energy;
  memset(&a->energy, 0, sizeof a->energy);
  if (!(a->energy.path = strdup(path))) {
    a->energy = old;
    return at_errf(e, "out of memory");
  }
  if (load_energy(path, &a->energy, e) == 0) {
    at_err v;
    if (hw_validate(a, &v) == 0) {
      free(old.path);
      return 0;
    }
    at_errf(e, "%s: does not fit: %s", path, v.msg);
  }
  free(a->energy.path);
  a->energy = old;
  return -1;
}

int hw_load(const char *path, hw_arch **out, at_err *e) {
  *out = NULL;
  yt_doc *d;
  if (yt_load(path, &d, e)) return -1;
  hw_arch *a = calloc(1, sizeof *a);
  int rc = -1;
  if (!a) { at_errf(e, "out of memory"); goto out; }
  if (!(a->path = strdup(path))) { at_errf(e, "out of memory"); goto out; }
  if (fill(a, yt_root(d), path, e)) goto out;
  /* Everything was checked with locations above; this must agree. */
  if (hw_validate(a, e)) goto out;
  rc = 0;
out:
  yt_free(d);
  if (rc) hw_free(a);
  else *out = a;
  return rc;
}

void hw_free(hw_arch *a) {
  if (!a) return;
  free(a->name);
  free(a->path);
  free(a->energy.path);
  free(a->area.path);
  free(a);
}

int hw_copy(const hw_arch *a, hw_arch **out, at_err *e) {
  hw_arch *c = malloc(sizeof *c);
  *out = NULL;
  if (!c) return at_errf(e, "out of memory");
  *c = *a;
  c->name = strdup(a->name);
  c->path = strdup(a->path);
  c->energy.path = strdup(a->energy.path);
  c->area.path = strdup(a->area.path);
  if (!c->name || !c->path || !c->energy.path || !c->area.path) {
    hw_free(c);
    return at_errf(e, "out of memory");
  }
  *out = c;
  return 0;
}

/* ------------------------------------------------------------------ */
/* Validation without locations                                         */

#define BAD(...) return at_errf(e, __VA_ARGS__)

/* v in [lo, hi] (false for nan). */
static bool within(double v, double lo, double hi) { return v >= lo && v <= hi; }

/* The energy and area tables' figures are in their ranges. */
static int tables_valid(const hw_arch *a, const char *nm, at_err *e) {
  const hw_energy *t = &a->energy;
  const char *ep = t->path ? t->path : "?", *ap = a->area.path ? a->area.path : "?";
  const double lo = HW_ENERGY_MIN_PJ, hi = HW_ENERGY_MAX_PJ;
  for (int u = 0; u < HW_UNIT_COUNT; u++) {
    if (!within(t->unit_pJ[u], lo, hi))
      BAD("arch %s: energy table %s: units.%s: must be 1e-6 to 1e6 pJ, got %g pJ", nm, ep,
          unit_names[u], t->unit_pJ[u]);
    if (!within(a->area.unit_um2[u], 0, HW_AREA_MAX_UM2))
      BAD("arch %s: area table %s: units.%s: must be 0 to 1e9 um^2, got %g um^2", nm, ap,
          unit_names[u], a->area.unit_um2[u]);
  }
  const struct { const char *name; double v; } ev[] = {
    {"regfile.read", t->reg_read_pJ}, {"regfile.write", t->reg_write_pJ},
    {"dram.access", t->dram_access_pJ},
    {"buffer.read", t->n_sram ? 1 : t->buffer_row_read_pJ},
    {"buffer.write", t->n_sram ? 1 : t->buffer_row_write_pJ},
  };
  for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
    if (!within(ev[i].v, lo, hi))
      BAD("arch %s: energy table %s: %s: must be 1e-6 to 1e6 pJ, got %g pJ", nm, ep,
          ev[i].name, ev[i].v);
  for (int i = 0; i < t->n_sram; i++)
    if (!within(t->sram_access_pJ[i], lo, hi))
      BAD("arch %s: energy table %s: buffer.by_capacity[%d].access: must be 1e-6 to 1e6 pJ, "
          "got %g pJ", nm, ep, i, t->sram_access_pJ[i]);
  const struct { const char *name; double v; } av[] = {
    {"register", a->area.reg_word_um2}, {"pe_other", a->area.pe_other_um2},
    {"sram_per_KiB", a->area.sram_um2_per_KiB},
  };
  for (size_t i = 0; i < sizeof av / sizeof av[0]; i++)
    if (!within(av[i].v, 0, HW_AREA_MAX_UM2))
      BAD("arch %s: area table %s: %s: must be 0 to 1e9 um^2, got %g um^2", nm, ap,
          av[i].name, av[i].v);
  return 0;
}

int hw_validate(const hw_arch *a, at_err *e) {
  const char *nm = a->name ? a->name : "?";
  if (!within(a->clock_hz, HW_CLOCK_MIN_HZ, HW_CLOCK_MAX_HZ))
    BAD("arch %s: clock: must be 1 Hz to 1e12 Hz, got %g Hz", nm, a->clock_hz);
  if (a->word_bytes < 1 || a->word_bytes > 16)
    BAD("arch %s: word_bytes: must be 1 to 16, got %lld", nm, (long long)a->word_bytes);
  if (a->n_arrays < 1 || a->n_arrays > HW_MAX_ARRAYS)
    BAD("arch %s: arrays: must have 1 to %d arrays, got %d", nm, HW_MAX_ARRAYS, a->n_arrays);
  for (int i = 0; i < a->n_arrays; i++) {
    const hw_array *ar = &a->arrays[i];
    const char *an = ar->name;
    if (!memchr(an, 0, HW_NAME_MAX) || !an[0]) BAD("arch %s: arrays[%d]: bad name", nm, i);
    for (int j = 0; j < i; j++)
      if (!strcmp(a->arrays[j].name, an)) BAD("arch %s: arrays.%s: duplicate array", nm, an);
    if (ar->rows < 1 || ar->rows > HW_DIM_MAX)
      BAD("arch %s: arrays.%s.rows: must be 1 to %lld, got %lld", nm, an, HW_DIM_MAX, (long long)ar->rows);
    if (ar->cols < 1 || ar->cols > HW_DIM_MAX)
      BAD("arch %s: arrays.%s.cols: must be 1 to %lld, got %lld", nm, an, HW_DIM_MAX, (long long)ar->cols);
    if (ar->regs_per_pe < 0 || ar->regs_per_pe > HW_DIM_MAX)
      BAD("arch %s: arrays.%s.regs_per_pe: must be 0 to %lld, got %lld", nm, an, HW_DIM_MAX, (long long)ar->regs_per_pe);
    if (ar->pipeline_depth < 0 || ar->pipeline_depth > 64 || ar->edge_registers < 0 || ar->edge_registers > 64)
      BAD("arch %s: arrays.%s: pipeline_depth and edge_registers must be 0 to 64, got %lld and %lld", nm, an,
          (long long)ar->pipeline_depth, (long long)ar->edge_registers);
    int nops = 0;
    for (int op = 0; op < HW_OP_COUNT; op++) {
      const hw_op_cost *c = &ar->ops[op];
      if (!c->supported) continue;
      nops++;
      if (c->cycles < 1 || c->cycles > HW_DIM_MAX)
        BAD("arch %s: arrays.%s.ops.%s.cycles: must be 1 to %lld, got %lld", nm, an,
            op_names[op], HW_DIM_MAX, (long long)c->cycles);
      int64_t total = 0;
      for (int u = 0; u < HW_UNIT_COUNT; u++) {
        if (c->uses[u] < 0 || c->uses[u] > HW_DIM_MAX)
          BAD("arch %s: arrays.%s.ops.%s.uses.%s: must be 0 to %lld, got %lld", nm, an,
              op_names[op], unit_names[u], HW_DIM_MAX, (long long)c->uses[u]);
        total += c->uses[u];
      }
      if (total == 0) BAD("arch %s: arrays.%s.ops.%s: uses no unit", nm, an, op_names[op]);
    }
    if (nops == 0) BAD("arch %s: arrays.%s.ops: no operation supported", nm, an);
  }
  const hw_buffer *b = &a->buffer;
  if (b->row_bits < 8 || b->row_bits % 8 || b->row_bits > HW_DIM_MAX)
    BAD("arch %s: buffer.row_bits: must be a positive multiple of 8 up to %lld, got %lld",
        nm, HW_DIM_MAX, (long long)b->row_bits);
  if (b->bytes < 1) BAD("arch %s: buffer.size: must be positive, got %lld bytes", nm, (long long)b->bytes);
  if (b->bytes % (b->row_bits / 8))
    BAD("arch %s: buffer.size: %lld bytes is not a whole number of %lld-bit rows", nm,
        (long long)b->bytes, (long long)b->row_bits);
  if (b->banks < 1 || b->banks > b->bytes / (b->row_bits / 8))
    BAD("arch %s: buffer.banks: must be 1 to the number of rows (%lld), got %lld", nm,
        (long long)(b->bytes / (b->row_bits / 8)), (long long)b->banks);
  if (b->ports < 1 || b->ports > 64)
    BAD("arch %s: buffer.ports: must be 1 to 64 row accesses per bank per cycle, got %lld", nm, (long long)b->ports);
  if (!within(a->dram.bandwidth_Bps, HW_BANDWIDTH_MIN_BPS, HW_BANDWIDTH_MAX_BPS))
    BAD("arch %s: dram.bandwidth: must be 1 B/s to 1e15 B/s, got %g B/s", nm,
        a->dram.bandwidth_Bps);
  if (a->dram.access_bits < 8 || a->dram.access_bits % 8 || a->dram.access_bits > HW_DIM_MAX)
    BAD("arch %s: dram.access_bits: must be a positive multiple of 8, got %lld", nm,
        (long long)a->dram.access_bits);
  if (a->energy.word_bits != a->word_bytes * 8 || a->area.word_bits != a->word_bytes * 8)
    BAD("arch %s: word_bytes: %lld-byte words, but the energy/area tables are for %lld/%lld-bit words",
        nm, (long long)a->word_bytes, (long long)a->energy.word_bits, (long long)a->area.word_bits);
  const hw_energy *t = &a->energy;
  if (t->n_sram != 0 && (t->n_sram < 2 || t->n_sram > HW_SRAM_POINTS))
    BAD("arch %s: energy table: an SRAM model needs 2 to %d points, got %d", nm,
        HW_SRAM_POINTS, t->n_sram);
  for (int i = 0; i < t->n_sram; i++)
    if (!(t->sram_bytes[i] > (i ? t->sram_bytes[i - 1] : 0)) || !(t->sram_access_pJ[i] > 0))
      BAD("arch %s: energy table: SRAM point %d: sizes must increase and energies be positive",
          nm, i + 1);
  if (t->n_sram == 0 && t->buffer_row_bits != b->row_bits)
    BAD("arch %s: buffer.row_bits: %lld, but the energy table prices %lld-bit rows", nm,
        (long long)b->row_bits, (long long)a->energy.buffer_row_bits);
  if (a->energy.dram_access_bits != a->dram.access_bits)
    BAD("arch %s: dram.access_bits: %lld, but the energy table prices %lld-bit accesses", nm,
        (long long)a->dram.access_bits, (long long)a->energy.dram_access_bits);
  if (tables_valid(a, nm, e)) return -1;
  if (t->n_sram && !buffer_row_ok(a))
    BAD("arch %s: buffer.size: %lld bytes: the energy table's SRAM model, extended to this "
        "size, prices a row above 1e9 pJ", nm, (long long)b->bytes);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Lookups, energy and area                                             */

int hw_array_index(const hw_arch *a, const char *name) {
  for (int i = 0; i < a->n_arrays; i++)
    if (!strcmp(a->arrays[i].name, name)) return i;
  return -1;
}

const hw_array *hw_array_find(const hw_arch *a, const char *name) {
  int i = hw_array_index(a, name);
  return i < 0 ? NULL : &a->arrays[i];
}

bool hw_array_has_unit(const hw_array *ar, hw_unit u) {
  for (int op = 0; op < HW_OP_COUNT; op++)
    if (ar->ops[op].supported && ar->ops[op].uses[u] > 0) return true;
  return false;
}

double hw_buffer_row_pJ(const hw_arch *a, bool write) {
  const hw_energy *t = &a->energy;
  if (t->n_sram == 0) return write ? t->buffer_row_write_pJ : t->buffer_row_read_pJ;
  /* Segment [i-1, i] holding the size, or the end segment beyond it. */
  double c = (double)(t->sram_priced_bytes > 0 ? t->sram_priced_bytes : a->buffer.bytes);
  int i = 1;
  while (i < t->n_sram - 1 && c > t->sram_bytes[i]) i++;
  double x0 = log(t->sram_bytes[i - 1]), x1 = log(t->sram_bytes[i]);
  double y0 = log(t->sram_access_pJ[i - 1]), y1 = log(t->sram_access_pJ[i]);
  double pj = exp(y0 + (log(c) - x0) * (y1 - y0) / (x1 - x0));
  return pj * (double)a->buffer.row_bits / (double)t->sram_access_bits;
}

double hw_op_energy_pJ(const hw_arch *a, const hw_array *ar, hw_op op) {
  const hw_op_cost *c = &ar->ops[op];
  double pj = 0;
  if (!c->supported) return 0;
  for (int u = 0; u < HW_UNIT_COUNT; u++)
    pj += (double)c->uses[u] * a->energy.unit_pJ[u];
  return pj;
}

/* A PE holds one of each unit its operations use (time-multiplexing a
** composite op such as 6-MAC exp over one MAC unit, as FuseMax does), its
** register file and a fixed overhead.  The buffer scales with capacity. */
double hw_area_um2(const hw_arch *a, hw_area_breakdown *bd) {
  hw_area_breakdown tmp;
  if (!bd) bd = &tmp;
  memset(bd, 0, sizeof *bd);
  bd->n_arrays = a->n_arrays;
  for (int i = 0; i < a->n_arrays; i++) {
    const hw_array *ar = &a->arrays[i];
    double pes = (double)hw_array_pes(ar);
    double units = 0;
    for (int u = 0; u < HW_UNIT_COUNT; u++)
      if (hw_array_has_unit(ar, (hw_unit)u)) {
        units += a->area.unit_um2[u];
        bd->unit_um2[u] += pes * a->area.unit_um2[u];
      }
    bd->array[i].units_um2 = pes * units;
    bd->array[i].regs_um2 = pes * (double)ar->regs_per_pe * a->area.reg_word_um2;
    bd->array[i].other_um2 = pes * a->area.pe_other_um2;
    bd->array[i].total_um2 = bd->array[i].units_um2 + bd->array[i].regs_um2 +
                             bd->array[i].other_um2;
    bd->total_um2 += bd->array[i].total_um2;
  }
  bd->buffer_um2 = (double)a->buffer.bytes / 1024.0 * a->area.sram_um2_per_KiB;
  bd->total_um2 += bd->buffer_um2;
  return bd->total_um2;
}
