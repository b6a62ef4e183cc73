/*
** design.c: a loaded design (mapping spec + architecture) and sim_eval(),
** which applies sweep overrides to a private copy of the architecture,
** binds the mapping into a schedule and runs the analytical engine.
*/
#include "sim_int.h"
#include "mapping.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sim_design {
  map_spec *map;
  hw_arch *arch;
  int nelide;                                  /* sim_design_set_elision */
  char elide_tensor[SIM_MAX_ELIDE][SIM_NAME_MAX], elide_part[SIM_MAX_ELIDE][SIM_NAME_MAX];
  int nmask;                        /* sim_design_set_mask */
  char mask[SIM_MAX_MASKS][ES_MAX_NAME];
  char *mask_path[SIM_MAX_MASKS];
};

/* NAMES-BEGIN: the shipped designs' names, for lookup, --help and errors */
const char *const sim_shipped_designs[] = {
  "fusemax", "arch", "cascade", "flat", "unfused", "linear-fusemax", "linear-flat", NULL
};
/* NAMES-END */

int sim_design_load(const char *mapping_path, const char *arch_path, sim_design **out, at_err *e) {
  *out = NULL;
  sim_design *d = calloc(1, sizeof *d);
  if (!d) return at_errf(e, "out of memory");
  if (map_load(mapping_path, &d->map, e) || (!arch_path && map_check_arch(d->map, e)) ||
      hw_load(arch_path ? arch_path : map_arch_path(d->map), &d->arch, e)) {
    sim_design_free(d);
    return -1;
  }
  *out = d;
  return 0;
}

int sim_design_find(const char *name, sim_design **out, at_err *e) {
  return sim_design_find_on(name, NULL, out, e);
}

int sim_design_find_on(const char *name, const char *arch_path, sim_design **out, at_err *e) {
  int known = 0;
  for (int i = 0; sim_shipped_designs[i]; i++) known |= !strcmp(name, sim_shipped_designs[i]);
  if (!known) {
    char list[200] = "";
    for (int i = 0; sim_shipped_designs[i]; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", sim_shipped_designs[i]);
    return at_errf(e, "unknown design '%s' (shipped: %s; or a mapping file)", name, list);
  }
  char rel[96];
  snprintf(rel, sizeof rel, "mappings/%s.yaml", name);
  char *path = at_path_join(at_data_dir(), rel);
  if (!path) return at_errf(e, "out of memory");
  int rc = sim_design_load(path, arch_path, out, e);
  free(path);
  return rc;
}

int sim_design_set_energy(sim_design *d, const char *path, at_err *e) {
  return hw_set_energy(d->arch, path, e);
}

int sim_design_set_mask(sim_design *d, const char *name, const char *path, at_err *e) {
  if (d->nmask == SIM_MAX_MASKS) return at_errf(e, "--mask: at most %d masks", SIM_MAX_MASKS);
  if (strlen(name) == 0 || strlen(name) >= ES_MAX_NAME) return at_errf(e, "--mask: bad mask name '%s'", name);
  if (!(d->mask_path[d->nmask] = strdup(path))) return at_errf(e, "out of memory");
  snprintf(d->mask[d->nmask++], ES_MAX_NAME, "%s", name);
  return 0;
}

/* After binding: each phase's file masks get their patterns, read again at
** every point (a pattern's size follows the point's tiles); every mask
** given must belong to some phase (a file mask left without a pattern is
** the engines' error: es_points_in refuses it, located at the mask). */
static int load_masks(const sim_design *d, sc_schedule *s, at_err *e) {
  for (int k = 0; k < d->nmask; k++) {
    int used = 0;
    for (int i = 0; i < s->nphases; i++) {
      es_cascade *c = s->phase[i].c;
      int t = es_find_tensor(c, d->mask[k]);
      if (t < 0 || !c->tensors[t].is_mask) continue;
      if (es_mask_load(c, d->mask[k], d->mask_path[k], e)) return -1;
      used = 1;
    }
    if (!used) return at_errf(e, "--mask: no cascade of %s has a mask named '%s'", map_path(d->map), d->mask[k]);
  }
  return 0;
}

void sim_design_free(sim_design *d) {
  if (!d) return;
  for (int k = 0; k < d->nmask; k++) free(d->mask_path[k]);
  map_free(d->map);
  hw_free(d->arch);
  free(d);
}

const char *sim_design_name(const sim_design *d) { return map_design(d->map); }
const char *sim_design_mapping_path(const sim_design *d) { return map_path(d->map); }
const char *sim_design_arch_path(const sim_design *d) { return d->arch->path; }
const char *sim_design_energy_path(const sim_design *d) { return d->arch->energy.path; }
const hw_arch *sim_design_arch(const sim_design *d) { return d->arch; }
int sim_design_price_buffer_at(sim_design *d, int64_t bytes, at_err *e) {
  int64_t old = d->arch->energy.sram_priced_bytes;
  d->arch->energy.sram_priced_bytes = bytes;
  if (!hw_validate(d->arch, e)) return 0;
  d->arch->energy.sram_priced_bytes = old;
  return -1;
}
int sim_design_set_elision(sim_design *d, const char *tensor, const char *part, at_err *e) {
  if (d->nelide == SIM_MAX_ELIDE) return at_errf(e, "at most %d tensors with Timeloop's elision", SIM_MAX_ELIDE);
  if (!*tensor || strlen(tensor) >= SIM_NAME_MAX || !*part || strlen(part) >= SIM_NAME_MAX)
    return at_errf(e, "a tensor and a part name, each 1 to %d characters", SIM_NAME_MAX - 1);
  snprintf(d->elide_tensor[d->nelide], SIM_NAME_MAX, "%s", tensor);
  snprintf(d->elide_part[d->nelide], SIM_NAME_MAX, "%s", part);
  d->nelide++;
  return 0;
}

/* Marks the bound schedule's storage for sim_design_set_elision's tensors. */
static int apply_elision(const sim_design *d, sc_schedule *s, at_err *e) {
  for (int k = 0; k < d->nelide; k++) {
    int found = 0;
    for (int i = 0; i < s->nphases; i++) {
      sc_phase *ph = &s->phase[i];
      int t = -1, p = -1;
      for (int j = 0; j < ph->c->ntensors; j++) if (!strcmp(ph->c->tensors[j].name, d->elide_tensor[k])) t = j;
      for (int j = 0; j < ph->nparts; j++) if (!strcmp(ph->part[j].name, d->elide_part[k])) p = j;
      if (t < 0 || p < 0 || ph->st[t].home != SC_BUFFER) continue;
      ph->st[t].tl_elide = 1;
      ph->st[t].tl_elide_at = p;
      found = 1;
    }
    /* a configuration may home the tensor in DRAM at this point: only a
    ** name the mapping lacks altogether is an error */
    int named = 0;
    for (int i = 0; i < s->nphases && !found && !named; i++) {
      const sc_phase *ph = &s->phase[i];
      int t = 0, p = 0;
      for (int j = 0; j < ph->c->ntensors; j++) t |= !strcmp(ph->c->tensors[j].name, d->elide_tensor[k]);
      for (int j = 0; j < ph->nparts; j++) p |= !strcmp(ph->part[j].name, d->elide_part[k]);
      named = t && p;
    }
    if (!found && !named)
      return at_errf(e, "Timeloop's elision names tensor %s at part %s, which no phase of %s has", d->elide_tensor[k],
                     d->elide_part[k], map_path(d->map));
  }
  return 0;
}

int sim_design_ncascades(const sim_design *d) { return map_nphases(d->map); }
const char *sim_design_cascade_path(const sim_design *d, int i) { return map_cascade_path(d->map, i); }
const char *sim_design_config_path(const sim_design *d) { return map_config_path(d->map); }

static int overridden(const sim_overrides *ov) {
  return ov && (ov->rows_2d || ov->cols_2d || ov->width_1d || ov->buffer_bytes || ov->bandwidth_Bps > 0 ||
                ov->regs_per_pe);
}

int sim_arch_override(const hw_arch *base, const sim_overrides *ov, hw_arch **out, at_err *e) {
  *out = NULL;
  if (!overridden(ov)) return 0;
  /* checked on the original, before there is a copy to free */
  int i2 = hw_array_index(base, "2d"), i1 = hw_array_index(base, "1d");
  if ((ov->rows_2d || ov->cols_2d) && i2 < 0)
    return at_errf(e, "architecture %s (%s) has no 2d array for --rows/--cols (rows_2d/cols_2d in a sweep)",
                   base->name, base->path);
  if (ov->width_1d && i1 < 0)
    return at_errf(e, "architecture %s (%s) has no 1d array for --width-1d (width_1d in a sweep)", base->name,
                   base->path);
  hw_arch *copy;
  if (hw_copy(base, &copy, e)) return -1;
  if (ov->rows_2d) copy->arrays[i2].rows = ov->rows_2d;
  if (ov->cols_2d) copy->arrays[i2].cols = ov->cols_2d;
  if (ov->width_1d) copy->arrays[i1].cols = ov->width_1d;
  if (ov->buffer_bytes) copy->buffer.bytes = ov->buffer_bytes;
  if (ov->bandwidth_Bps > 0) copy->dram.bandwidth_Bps = ov->bandwidth_Bps;
  for (int i = 0; ov->regs_per_pe && i < copy->n_arrays; i++) copy->arrays[i].regs_per_pe = ov->regs_per_pe;
  if (hw_validate(copy, e)) { hw_free(copy); return -1; }
  *out = copy;
  return 0;
}

int sim_design_with(const sim_design *base, map_spec *m, sim_design **out, at_err *e) {
  *out = NULL;
  sim_design *d = calloc(1, sizeof *d);
  if (!d) { map_free(m); return at_errf(e, "out of memory"); }
  d->map = m;
  if (hw_copy(base->arch, &d->arch, e)) { sim_design_free(d); return -1; }
  *out = d;
  return 0;
}

const sim_engine *const sim_engines[] = { &sim_engine_analytical, &sim_engine_cycle, &sim_engine_cycle_data, &sim_engine_rtl, NULL };

const sim_engine *sim_engine_find(const char *name) {
  if (!name) return &sim_engine_analytical;
  for (int i = 0; sim_engines[i]; i++)
    if (!strcmp(sim_engines[i]->name, name)) return sim_engines[i];
  return NULL;
}

int sim_eval(const sim_design *d, const wl_workload *w, int64_t seq_len, const sim_overrides *ov,
             sim_result *r, at_err *e) {
  return sim_eval_on(d, w, seq_len, ov, NULL, NULL, r, e);
}

int sim_eval_on(const sim_design *d, const wl_workload *w, int64_t seq_len, const sim_overrides *ov,
                const sim_engine *eng, const sim_engine_opts *o, sim_result *r, at_err *e) {
  static const sim_engine_opts defaults = { 0 };
  if (!eng) eng = &sim_engine_analytical;
  if (!o) o = &defaults;
  memset(r, 0, sizeof *r);
  snprintf(r->design, sizeof r->design, "%s", map_design(d->map));
  snprintf(r->model, sizeof r->model, "%s", w->name);
  snprintf(r->engine, sizeof r->engine, "%s", eng->name);
  r->seq_len = seq_len;
  if (seq_len < 0) return at_errf(e, "sequence length must be positive");   /* 0: not given */
  hw_arch *copy = NULL;
  if (sim_arch_override(d->arch, ov, &copy, e)) return -1;
  const hw_arch *a = copy ? copy : d->arch;
  sc_schedule *s = malloc(sizeof *s);
  int rc = -1;
  if (!s) { at_errf(e, "out of memory"); goto done; }
  if (map_bind(d->map, a, w, seq_len, s, e) || apply_elision(d, s, e) || load_masks(d, s, e)) goto done;
  if (eng->run(s, o, r, e)) {
    /* the engine knows the schedule, not which file and point it came from */
    at_err inner = *e;
    char toks[40] = "";
    if (seq_len) snprintf(toks, sizeof toks, ", %lld tokens", (long long)seq_len);
    at_errf(e, "%s: %s on %s%s: %s", map_path(d->map), map_design(d->map), w->name, toks, inner.msg);
    goto done;
  }
  r->area_um2 = hw_area_um2(a, NULL);
  const hw_array *a2 = hw_array_find(a, "2d"), *a1 = hw_array_find(a, "1d");
  r->arch_rows_2d = a2 ? a2->rows : 0;
  r->arch_cols_2d = a2 ? a2->cols : 0;
  r->arch_width_1d = a1 ? a1->cols : 0;
  r->arch_buffer_bytes = a->buffer.bytes;
  r->arch_bandwidth_Bps = a->dram.bandwidth_Bps;
  r->arch_clock_hz = a->clock_hz;
  rc = 0;
done:
  free(s);
  hw_free(copy);
  return rc;
}
