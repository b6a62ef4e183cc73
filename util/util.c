/*
** util.c: error formatting, whole-file reads, size parsing and the monotonic
** clock shared by every module.  See util.h for the contracts.
*/
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* What a path that is not a regular file is, for the message. */
static const char *file_kind(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

/* O_NONBLOCK so that opening a FIFO returns at once (fstat then refuses it)
** instead of waiting for a writer; it changes nothing for a regular file.
** The size is checked twice: st_size first, then the bytes actually read
** (a file that grows, or a /proc file whose st_size is 0). */
int at_read_file(const char *path, char **buf, size_t *len, at_err *e) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return at_errf(e, "%s: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return at_errf(e, "%s: %s", path, strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return at_errf(e, "%s: is %s; spec files must be regular files", path,
                   file_kind(st.st_mode));
  }
  if (st.st_size > AT_MAX_FILE_BYTES) {
    close(fd);
    return at_errf(e, "%s: %lld bytes, over the %d MiB limit for spec files",
                   path, (long long)st.st_size, AT_MAX_FILE_BYTES >> 20);
  }
  /* One byte beyond the limit tells "too large" from "exactly the limit". */
  size_t cap = (size_t)st.st_size + 1, n = 0;
  if (cap < 4096) cap = 4096;
  char *b = malloc(cap + 1);
  if (!b) { close(fd); return at_errf(e, "%s: out of memory", path); }
  for (;;) {
    if (n == cap) {
      size_t ncap = cap * 2 > (size_t)AT_MAX_FILE_BYTES + 1
                  ? (size_t)AT_MAX_FILE_BYTES + 1 : cap * 2;
      if (ncap <= cap) break;   /* already holds limit + 1 bytes */
      char *nb = realloc(b, ncap + 1);
      if (!nb) { free(b); close(fd); return at_errf(e, "%s: out of memory", path); }
      b = nb;
      cap = ncap;
    }
    ssize_t got = read(fd, b + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      int err = errno;
      free(b);
      close(fd);
      return at_errf(e, "%s: read error: %s", path, strerror(err));
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  close(fd);
  if (n > (size_t)AT_MAX_FILE_BYTES) {
    free(b);
    return at_errf(e, "%s: over the %d MiB limit for spec files", path,
                   AT_MAX_FILE_BYTES >> 20);
  }
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

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
** forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s) {
  unsigned c = s[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xbf;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  return n;
}

void at_json_str(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', f);
  while (*p) {
    unsigned char ch = *p;
    size_t n = utf8_len(p);
    if (n == 0) {               /* JSON text must be UTF-8: U+FFFD instead */
      fputs("\\ufffd", f);
      p++;
    } else if (ch == '"' || ch == '\\') {
      fprintf(f, "\\%c", ch);
      p++;
    } else if (ch < 0x20) {
      fprintf(f, "\\u%04x", ch);
      p++;
    } else {
      fwrite(p, 1, n, f);
      p += n;
    }
  }
  fputc('"', f);
}

int at_json_num(FILE *f, double v, int digits) {
  if (!isfinite(v)) {
    fputs("null", f);
    return -1;
  }
  if (digits < 1) digits = 1;
  if (digits > 17) digits = 17;
  fprintf(f, "%.*g", digits, v == 0 ? 0.0 : v);   /* no "-0" */
  return 0;
}

double at_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
