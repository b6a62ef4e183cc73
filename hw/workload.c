/*
** workload.c: experiments/workloads/NAME.yaml -> wl_workload, name lookup in
** the workloads folder, and sequence-length parsing.  A workload file is a
** flat map; every size must be positive.
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

int wl_load(const char *path, wl_workload *out, at_err *e) {
  static const char *const keys[] = {"name", "description", "H", "E", "F",
                                     "D", "FFN", "B", NULL};
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
      pos(r, "D", &w.D, e) || pos(r, "FFN", &w.FFN, e) || pos(r, "B", &w.B, e))
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
