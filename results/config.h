/*
** config.h: the identity of one design point, as the store keys it.  A
** point is what went in (the design and the content hashes of its files,
** the workload, the sequence length, the architecture overrides) and the
** engine that evaluates it; rs_config_hash() digests all of it into the
** configuration hash, which with the engine is the store's unique key and
** which shards divide (hash mod N).
*/
#ifndef ATTNSIM_RESULTS_CONFIG_H
#define ATTNSIM_RESULTS_CONFIG_H

#include <stdint.h>

#include "hash.h"
#include "sim.h"
#include "workload.h"

#define RS_DESIGN_MAX 256       /* a shipped name or a mapping file path */
#define RS_ENGINE_MAX 16

typedef struct rs_config {
  char design[RS_DESIGN_MAX];   /* as the sweep names it: "fusemax" or a path */
  /* Hex SHA-256 of the design's files (rs_config_hash_design). */
  char mapping_hash[RS_HASH_HEX];
  char arch_hash[RS_HASH_HEX];
  char cascade_hash[RS_HASH_HEX];   /* of the hashes when several phases */
  char energy_hash[RS_HASH_HEX];    /* the energy table the arch names */
  char area_hash[RS_HASH_HEX];      /* the area table the arch names */
  wl_workload wl;               /* the model, by value: its sizes are hashed */
  int64_t seq_len;              /* M = P, tokens */
  sim_overrides ov;             /* 0 keeps the design's own value */
  char engine[RS_ENGINE_MAX];   /* "analytical" */
  char hash[RS_HASH_HEX];       /* rs_config_hash(); the key with engine */
} rs_config;

/* Fills c->hash from every other field.  The digest covers a canonical
** text ("attnsim-config-v1\ndesign=...\n..."), so it is the same on every
** host and compiler; changing that text changes every key (bump the v1). */
void rs_config_hash(rs_config *c);

/* The shard a configuration belongs to: rs_hash_prefix64(hash) mod n. */
int rs_config_shard(const rs_config *c, int n);

/* Fills the five file hashes from the files d was loaded from.  A design
** with several phases (cascades) gets the SHA-256 of their hex digests, one
** per line, in phase order.  Returns 0, or -1 with e filled. */
int rs_config_hash_design(rs_config *c, const sim_design *d, at_err *e);

#endif
