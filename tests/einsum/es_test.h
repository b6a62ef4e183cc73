/*
** es_test.h: helpers shared by the einsum/ unit tests: load a shipped
** cascade or one written inline, bind sizes, look up Einsums by the tensor
** they define.  Any library error ends the test with its message.
*/
#ifndef ATTNSIM_ES_TEST_H
#define ATTNSIM_ES_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "einsum.h"

#define CASCADES ATTNSIM_SOURCE_DIR "/einsum/cascades/"

#include "test_util.h"

/* einsum/cascades/NAME.einsum */
static inline es_cascade *load_cascade(const char *name) {
  char path[512];
  snprintf(path, sizeof path, CASCADES "%s.einsum", name);
  es_cascade *c;
  at_err e;
  if (es_load(path, &c, &e)) fail_msg("%s", e.msg);
  return c;
}

/* A cascade written in the test; messages name it "inline.einsum". */
static inline es_cascade *parse_text(const char *text) {
  es_cascade *c;
  at_err e;
  if (es_parse("inline.einsum", text, strlen(text), &c, &e)) fail_msg("%s", e.msg);
  return c;
}

/* The message es_parse gives for text, which must be refused. */
static inline const char *parse_error(const char *text, at_err *e) {
  es_cascade *c;
  if (es_parse("inline.einsum", text, strlen(text), &c, e) == 0) {
    es_free(c);
    fail_msg("accepted: %s", text);
  }
  assert_null(c);
  return e->msg;
}

/* Binds sizes written as on the command line ("E=2,F=3,M=8,P=5,M0=4"). */
static inline void bind_sizes(es_cascade *c, const char *spec) {
  es_binding b;
  at_err e;
  memset(&b, 0, sizeof b);
  if (es_binding_parse(spec, &b, &e) || es_bind(c, &b, &e)) fail_msg("%s: %s", spec, e.msg);
}

static inline int rank_of(const es_cascade *c, const char *size_name) {
  int r = es_find_rank(c, size_name);
  if (r < 0) fail_msg("no rank %s", size_name);
  return r;
}

static inline int tensor_of(const es_cascade *c, const char *name) {
  int t = es_find_tensor(c, name);
  if (t < 0) fail_msg("no tensor %s", name);
  return t;
}

/* The Einsum that defines tensor `name` (not its init). */
static inline int einsum_of(const es_cascade *c, const char *name) {
  int t = tensor_of(c, name);
  if (c->tensors[t].def < 0) fail_msg("%s has no defining Einsum", name);
  return c->tensors[t].def;
}

/* Operations of kind k of the Einsum defining `name`, at the bound sizes. */
static inline uint64_t ops_of(const es_cascade *c, const char *name, es_kind k) {
  uint64_t n[ES_K_COUNT];
  at_err e;
  if (es_op_counts(c, einsum_of(c, name), n, &e)) fail_msg("%s", e.msg);
  return n[k];
}

#endif
