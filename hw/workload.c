/*
** workload.c: experiments/workloads/NAME.yaml -> wl_workload, name lookup in
** the workloads folder, and sequence-length parsing.  A workload file is a
** flat map; every size must be positive.  The LLM fields (KVH, G, W, C, R,
** phase, NEW) are optional, so the paper's four files mean what they did.
*/
#include "workload.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ytree.h"

static int pos(const yt_node *r, const char *key, int64_t *v, at_err *e) {
  const yt_node *n;
  if (yt_get(r, key, &n, e) || yt_int(n, v, e)) return -1;
  if (*v < 1) return yt_badval(n, e, "must be positive");
  if (*v > (1LL << 32)) return yt_badval(n, e, "must be at most 2^32");
  return 0;
}

static int copy_str(const yt_node *r, const char *key, char *dst, size_t cap,
                    bool required, at_err *e) {
  const yt_node *n = yt_find(r, key);
  const char *s;
  if (!n) {
    if (!required) return 0;
    return yt_get(r, key, &n, e);
  }
  if (yt_str(n, &s, e)) return -1;
  if (strlen(s) >= cap)
    return yt_badval(n, e, "must be shorter than %zu characters", cap);
  memcpy(dst, s, strlen(s) + 1);
  return 0;
}

/* An optional positive size: 0 when absent; *at its node, or NULL. */
static int opt_pos(const yt_node *r, const char *key, int64_t *v,
                   const yt_node **at, at_err *e) {
  *at = yt_find(r, key);
  *v = 0;
  return *at ? pos(r, key, v, e) : 0;
}

/* The LLM fields: heads grouping, window, MLA ranks, phase.  Each is
** checked against the others where they constrain each other, at the
** node that breaks the constraint. */
static int llm_fields(const yt_node *r, wl_workload *w, at_err *e) {
  const yt_node *kvh, *g, *wn, *c, *rr, *nw, *ph = yt_find(r, "phase");
  if (opt_pos(r, "KVH", &w->KVH, &kvh, e) || opt_pos(r, "G", &w->G, &g, e) ||
      opt_pos(r, "W", &w->W, &wn, e) || opt_pos(r, "C", &w->C, &c, e) ||
      opt_pos(r, "R", &w->R, &rr, e) || opt_pos(r, "NEW", &w->NEW, &nw, e))
    return -1;
  if (kvh && w->H % w->KVH)
    return yt_badval(kvh, e, "KV heads must divide the H = %lld query heads",
                     (long long)w->H);
  if (g && w->H % w->G)
    return yt_badval(g, e, "query heads per KV head must divide H = %lld",
                     (long long)w->H);
  if (kvh && g && w->KVH * w->G != w->H)
    return yt_badval(g, e, "must be H / KVH = %lld / %lld = %lld",
                     (long long)w->H, (long long)w->KVH,
                     (long long)(w->H / w->KVH));
  if (!kvh) w->KVH = g ? w->H / w->G : w->H;
  w->G = w->H / w->KVH;
  if (rr && !c)
    return yt_errf(rr, e, "a rope part needs C, the latent KV rank (MLA)");
  w->phase = WL_PREFILL;
  if (ph) {
    const char *s;
    if (yt_str(ph, &s, e)) return -1;
    if (!strcmp(s, "decode")) w->phase = WL_DECODE;
    else if (strcmp(s, "prefill"))
      return yt_badval(ph, e, "expected prefill or decode");
  }
  if (w->phase == WL_DECODE && !nw)
    return yt_errf(ph, e, "decode needs NEW, the new tokens per request");
  if (w->phase == WL_PREFILL && nw)
    return yt_errf(nw, e, "only with phase: decode (prefill's queries are "
                   "the whole sequence)");
  return 0;
}

int64_t wl_queries(const wl_workload *w, int64_t seq) {
  return w->phase == WL_DECODE ? w->NEW : seq;
}

int wl_load(const char *path, wl_workload *out, at_err *e) {
  static const char *const keys[] = {"name", "description", "H", "E", "F",
                                     "D", "FFN", "B", "KVH", "G", "W", "C",
                                     "R", "phase", "NEW", NULL};
  yt_doc *d;
  wl_workload w;
  memset(&w, 0, sizeof w);
  if (yt_load(path, &d, e)) return -1;
  const yt_node *r = yt_root(d);
  int rc = -1;
  if (yt_check_keys(r, keys, e) ||
      copy_str(r, "name", w.name, sizeof w.name, true, e) ||
      copy_str(r, "description", w.description, sizeof w.description, false, e) ||
      pos(r, "H", &w.H, e) || pos(r, "E", &w.E, e) || pos(r, "F", &w.F, e) ||
      pos(r, "D", &w.D, e) || pos(r, "FFN", &w.FFN, e) || pos(r, "B", &w.B, e) ||
      llm_fields(r, &w, e))
    goto out;
  *out = w;
  rc = 0;
out:
  yt_free(d);
  return rc;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp((const char *)a, (const char *)b);
}

/* The .yaml files in dir as "a, b, c" (sorted), for an error message. */
static void list_workloads(const char *dir, char *buf, size_t cap) {
  char names[32][WL_NAME_MAX];
  int n = 0;
  buf[0] = 0;
  DIR *dp = opendir(dir);
  if (!dp) return;
  for (struct dirent *de; (de = readdir(dp)) && n < 32;) {
    size_t l = strlen(de->d_name);
    if (l > 5 && l - 5 < WL_NAME_MAX && !strcmp(de->d_name + l - 5, ".yaml")) {
      memcpy(names[n], de->d_name, l - 5);
      names[n++][l - 5] = 0;
    }
  }
  closedir(dp);
  qsort(names, (size_t)n, sizeof names[0], cmp_name);
  size_t o = 0;
  for (int i = 0; i < n && o + 1 < cap; i++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", names[i]);
}

int wl_find(const char *name, const char *search_dir, wl_workload *out,
            at_err *e) {
  char lower[WL_NAME_MAX + 6];
  size_t l = strlen(name);
  if (l == 0 || l >= WL_NAME_MAX)
    return at_errf(e, "bad model name \"%.40s\"", name);
  for (size_t i = 0; i < l; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!isalnum(c) && c != '-' && c != '_')   /* no paths, no dots */
      return at_errf(e, "bad model name \"%s\": use letters, digits, - and _", name);
    lower[i] = (char)tolower(c);
  }
  memcpy(lower + l, ".yaml", 6);
  char *dir = search_dir ? strdup(search_dir)
                         : at_path_join(at_data_dir(), "experiments/workloads");
  char *path = dir ? at_path_join(dir, lower) : NULL;
  int rc;
  if (!path) {
    rc = at_errf(e, "out of memory");
  } else if (access(path, R_OK) != 0) {
    char known[256];
    int err = errno;
    list_workloads(dir, known, sizeof known);
    if (known[0])
      rc = at_errf(e, "unknown model \"%s\" (known: %s)", name, known);
    else
      rc = at_errf(e, "unknown model \"%s\": %s: %s", name, path, strerror(err));
  } else {
    rc = wl_load(path, out, e);
  }
  free(path);
  free(dir);
  return rc;
}

int wl_parse_seq(const char *s, int64_t *len, at_err *e) {
  int64_t v;
  if (at_parse_size(s, &v) || v < 1)
    return at_errf(e, "bad sequence length \"%.40s\": expected a positive "
                   "integer such as 1024, 1K, 64K or 1M", s);
  *len = v;
  return 0;
}
