/*
** util.c: error formatting, whole-file reads and size parsing shared by
** every module.  See util.h for the contracts.
*/
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int at_errf(at_err *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}

int at_errloc(at_err *e, const char *file, int line, int col,
              const char *fmt, ...) {
  int n;
  if (col > 0)
    n = snprintf(e->msg, sizeof e->msg, "%s:%d:%d: ", file, line, col);
  else
    n = snprintf(e->msg, sizeof e->msg, "%s:%d: ", file, line);
  if (n < 0 || (size_t)n >= sizeof e->msg) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

int at_read_file(const char *path, char **buf, size_t *len, at_err *e) {
  FILE *f = fopen(path, "rb");
  if (!f) return at_errf(e, "%s: %s", path, strerror(errno));
  size_t cap = 4096, n = 0;
  char *b = malloc(cap);
  if (!b) { fclose(f); return at_errf(e, "%s: out of memory", path); }
  for (;;) {
    size_t got = fread(b + n, 1, cap - n - 1, f);
    n += got;
    if (n + 1 < cap) break;
    char *nb = realloc(b, cap * 2);
    if (!nb) { free(b); fclose(f); return at_errf(e, "%s: out of memory", path); }
    b = nb;
    cap *= 2;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) { free(b); return at_errf(e, "%s: read error", path); }
  b[n] = 0;
  *buf = b;
  *len = n;
  return 0;
}

int at_parse_u64(const char *s, int flags, uint64_t *v) {
  if (!s || !(*s >= '0' && *s <= '9')) return AT_NUM_BAD;
  uint64_t x = 0;
  bool over = false;
  for (; *s >= '0' && *s <= '9'; s++)
    over |= at_mul64(x, 10, &x) || at_add64(x, (uint64_t)(*s - '0'), &x);
  uint64_t mult = 1;
  if (flags & AT_NUM_SUFFIX) {
    if (*s == 'K' || *s == 'k') mult = 1ull << 10;
    else if (*s == 'M') mult = 1ull << 20;
    else if (*s == 'G') mult = 1ull << 30;
    if (mult > 1) s++;
  }
  if (*s) return AT_NUM_BAD;   /* checked before overflow: "99999999999x" is malformed */
  if (over || at_mul64(x, mult, &x)) return AT_NUM_RANGE;
  *v = x;
  return 0;
}

int at_parse_size(const char *s, int64_t *v) {
  uint64_t x;
  int rc = at_parse_u64(s, AT_NUM_SUFFIX, &x);
  if (rc) return rc;
  if (x > (uint64_t)INT64_MAX) return AT_NUM_RANGE;
  *v = (int64_t)x;
  return 0;
}

#ifndef ATTNSIM_SOURCE_DIR
#define ATTNSIM_SOURCE_DIR "."
#endif

const char *at_data_dir(void) {
  const char *d = getenv("ATTNSIM_DATA_DIR");
  return (d && *d) ? d : ATTNSIM_SOURCE_DIR;
}

char *at_path_join(const char *dir, const char *rel) {
  if (!dir || !*dir || rel[0] == '/') return strdup(rel);
  size_t dl = strlen(dir), rl = strlen(rel);
  bool slash = dir[dl - 1] == '/';
  char *p = malloc(dl + rl + 2);
  if (!p) return NULL;
  memcpy(p, dir, dl);
  if (!slash) p[dl++] = '/';
  memcpy(p + dl, rel, rl + 1);
  return p;
}

char *at_dirname(const char *path) {
  const char *s = strrchr(path, '/');
  if (!s) return strdup(".");
  if (s == path) return strdup("/");
  size_t n = (size_t)(s - path);
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, path, n);
  p[n] = 0;
  return p;
}

void at_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}
