/*
** hash.h: SHA-256, for the store's content hashes (a cascade, architecture
** or mapping file is identified by the hash of its bytes, like a git blob)
** and for configuration hashes (the key of a design point).  Hex digests
** are 64 lowercase characters plus the NUL.
*/
#ifndef ATTNSIM_RESULTS_HASH_H
#define ATTNSIM_RESULTS_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define RS_HASH_HEX 65          /* bytes of a hex digest with its NUL */

typedef struct rs_sha256 {
  uint32_t h[8];                /* chaining state */
  uint64_t nbytes;              /* message length so far */
  unsigned char buf[64];        /* pending partial block */
  size_t nbuf;                  /* bytes used in buf, < 64 */
} rs_sha256;

void rs_sha256_init(rs_sha256 *s);
void rs_sha256_update(rs_sha256 *s, const void *data, size_t len);
/* Finishes and writes the digest as hex; s must be re-initialised to reuse. */
void rs_sha256_hex(rs_sha256 *s, char hex[RS_HASH_HEX]);

/* Hex SHA-256 of a file's bytes.  Returns 0, or -1 with e filled. */
int rs_hash_file(const char *path, char hex[RS_HASH_HEX], at_err *e);

/* The first 16 hex digits of a digest as a number: what shards divide. */
uint64_t rs_hash_prefix64(const char *hex);

#endif
