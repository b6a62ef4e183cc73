/*
** config.c: the configuration hash of a design point and the content
** hashes of a design's files.  The canonical text lists every input in a
** fixed order with exact integer and %.17g renderings, so two processes on
** two hosts computing the same point agree on its key (shards rely on it).
*/
#include "config.h"

#include <stdio.h>
#include "arch.h"
#include <stdlib.h>
#include <string.h>

static void add(rs_sha256 *s, const char *key, const char *val) {
  rs_sha256_update(s, key, strlen(key));
  rs_sha256_update(s, "=", 1);
  rs_sha256_update(s, val, strlen(val));
  rs_sha256_update(s, "\n", 1);
}

static void addi(rs_sha256 *s, const char *key, int64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%lld", (long long)v);
  add(s, key, b);
}

void rs_config_hash(rs_config *c) {
  rs_sha256 s;
  char b[64];
  rs_sha256_init(&s);
  rs_sha256_update(&s, "attnsim-config-v1\n", 18);
  add(&s, "design", c->design);
  add(&s, "mapping", c->mapping_hash);
  add(&s, "arch", c->arch_hash);
  add(&s, "cascade", c->cascade_hash);
  add(&s, "energy", c->energy_hash);
  add(&s, "area", c->area_hash);
  add(&s, "model", c->wl.name);
  addi(&s, "H", c->wl.H);
  addi(&s, "E", c->wl.E);
  addi(&s, "F", c->wl.F);
  addi(&s, "D", c->wl.D);
  addi(&s, "FFN", c->wl.FFN);
  addi(&s, "B", c->wl.B);
  /* The LLM fields only when they differ from the paper's workloads (MHA,
  ** full attention, prefill), so the keys of existing databases hold. */
  if (c->wl.G > 1) addi(&s, "KVH", c->wl.KVH);
  if (c->wl.W) addi(&s, "W", c->wl.W);
  if (c->wl.C) addi(&s, "C", c->wl.C);
  if (c->wl.R) addi(&s, "R", c->wl.R);
  if (c->wl.phase == WL_DECODE) addi(&s, "decode_NEW", c->wl.NEW);
  addi(&s, "seq_len", c->seq_len);
  addi(&s, "rows_2d", c->ov.rows_2d);
  addi(&s, "cols_2d", c->ov.cols_2d);
  addi(&s, "width_1d", c->ov.width_1d);
  addi(&s, "buffer_bytes", c->ov.buffer_bytes);
  snprintf(b, sizeof b, "%.17g", c->ov.bandwidth_Bps);
  add(&s, "bandwidth_Bps", b);
  /* Only when overridden, so that the keys of every point without it stay
  ** what they were before the override existed. */
  if (c->ov.regs_per_pe) addi(&s, "regs_per_pe", c->ov.regs_per_pe);
  add(&s, "engine", c->engine);
  rs_sha256_hex(&s, c->hash);
}

int rs_config_shard(const rs_config *c, int n) {
  return (int)(rs_hash_prefix64(c->hash) % (uint64_t)n);
}

int rs_config_hash_design(rs_config *c, const sim_design *d, at_err *e) {
  if (rs_hash_file(sim_design_mapping_path(d), c->mapping_hash, e) ||
      rs_hash_file(sim_design_arch_path(d), c->arch_hash, e))
    return -1;
  const char *cfg = sim_design_config_path(d);
  if (cfg) {
    /* a per-point configuration table is part of the mapping */
    char ch[RS_HASH_HEX];
    rs_sha256 both;
    if (rs_hash_file(cfg, ch, e)) return -1;
    rs_sha256_init(&both);
    rs_sha256_update(&both, c->mapping_hash, RS_HASH_HEX - 1);
    rs_sha256_update(&both, ch, RS_HASH_HEX - 1);
    rs_sha256_hex(&both, c->mapping_hash);
  }
  int n = sim_design_ncascades(d);
  rs_sha256 all;
  rs_sha256_init(&all);
  for (int i = 0; i < n; i++) {
    if (rs_hash_file(sim_design_cascade_path(d, i), c->cascade_hash, e)) return -1;
    rs_sha256_update(&all, c->cascade_hash, RS_HASH_HEX - 1);
    rs_sha256_update(&all, "\n", 1);
  }
  if (n != 1) rs_sha256_hex(&all, c->cascade_hash);
  /* The tables the architecture names: hw_load resolves them exactly as the
  ** engine did. */
  hw_arch *a;
  if (hw_load(sim_design_arch_path(d), &a, e)) return -1;
  int rc = rs_hash_file(a->energy.path, c->energy_hash, e) ||
           rs_hash_file(a->area.path, c->area_hash, e) ? -1 : 0;
  hw_free(a);
  return rc;
}
