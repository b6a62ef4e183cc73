/*
** opt.c: strict option values for every subcommand.  Numbers are parsed by
** at_parse_u64 (util.h): decimal digits only, so " 1K", "+1K", "0x10",
** "1e3" and "-1" are refused instead of being read as something else, and a
** value that does not fit is a range error, never a wrap or a saturation.
** Every message names the option: "--rows: must be a positive whole
** number, got '0'".
*/
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "a positive whole number", "a whole number from 1 to 256", ... */
static void describe(int64_t lo, int64_t hi, char *b, size_t n) {
  if (hi == INT64_MAX && lo == 1) snprintf(b, n, "a positive whole number");
  else if (hi == INT64_MAX && lo == 0) snprintf(b, n, "a whole number");
  else if (hi == INT64_MAX) snprintf(b, n, "a whole number of at least %lld", (long long)lo);
  else snprintf(b, n, "a whole number from %lld to %lld", (long long)lo, (long long)hi);
}

static int parse_int(const char *opt, const char *arg, int flags, int64_t lo, int64_t hi,
                     int64_t *v, at_err *e) {
  uint64_t x;
  int rc = at_parse_u64(arg, flags, &x);
  if (!rc && x <= (uint64_t)hi && (int64_t)x >= lo) { *v = (int64_t)x; return 0; }
  char what[96];
  describe(lo, hi, what, sizeof what);
  if ((rc == AT_NUM_RANGE || (!rc && x > (uint64_t)hi)) && hi == INT64_MAX)
    return at_errf(e, "%s: must be %s no larger than %lld, got '%.64s'", opt, what, (long long)hi, arg);
  return at_errf(e, "%s: must be %s, got '%.64s'", opt, what, arg);
}

int cli_opt_int(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, at_err *e) {
  return parse_int(opt, arg, 0, lo, hi, v, e);
}

int cli_opt_size(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, at_err *e) {
  return parse_int(opt, arg, AT_NUM_SUFFIX, lo, hi, v, e);
}

int cli_opt_u64(const char *opt, const char *arg, uint64_t *v, at_err *e) {
  if (at_parse_u64(arg, 0, v) == 0) return 0;
  return at_errf(e, "%s: must be a whole number from 0 to %llu, got '%.64s'", opt,
                 (unsigned long long)UINT64_MAX, arg);
}

int cli_opt_real(const char *opt, const char *arg, const char *unit, double *v, at_err *e) {
  /* DIGITS[.DIGITS]: checked before strtod, which would also take
  ** spaces, signs, hex, exponents, inf and nan. */
  const char *s = arg;
  size_t n = strspn(s, "0123456789");
  if (n > 0 && s[n] == '.') {
    size_t f = strspn(s + n + 1, "0123456789");
    n = f ? n + 1 + f : 0;
  }
  double x = n > 0 && !s[n] ? strtod(s, NULL) : 0;
  if (!(x > 0) || !isfinite(x))
    return at_errf(e, "%s: must be a positive number of %s such as 128 or 12.5, got '%.64s'", opt,
                   unit, arg);
  *v = x;
  return 0;
}

int cli_opt_list(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, int max,
                 int *n, at_err *e) {
  char what[96], item[32];
  describe(lo, hi, what, sizeof what);
  *n = 0;
  for (const char *s = arg;; s++) {
    size_t k = strcspn(s, ",");
    uint64_t x = 0;
    int bad = k == 0 || k >= sizeof item || *n == max;
    if (!bad) {
      memcpy(item, s, k);
      item[k] = 0;
      bad = at_parse_u64(item, 0, &x) || x > (uint64_t)hi || (int64_t)x < lo;
    }
    if (bad)
      return at_errf(e, "%s: must be a comma-separated list of up to %d values, each %s, got '%.64s'",
                     opt, max, what, arg);
    v[(*n)++] = (int64_t)x;
    s += k;
    if (!*s) return 0;
  }
}

int cli_bad_option(int ch, const char *known, char **argv, const char *help) {
  if (known) return cli_usage_error(help, "bad option '--%s'", known);
  return cli_usage_error(help, ch == ':' ? "option '%s' needs a value" : "bad option '%s'", argv[optind - 1]);
}

int cli_abbreviated(int argc, char **argv, const struct option *lo) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--")) break;
    if (strncmp(a, "--", 2) || !a[2]) continue;
    size_t n = strcspn(a + 2, "=");
    const struct option *exact = NULL;
    int prefix = 0;
    for (const struct option *o = lo; o->name; o++) {
      if (strncmp(o->name, a + 2, n)) continue;
      if (!o->name[n]) exact = o;
      else prefix = 1;
    }
    if (exact) {
      if (exact->has_arg == required_argument && !a[2 + n]) i++;   /* its value */
    } else if (prefix) {
      return i;
    }
  }
  return 0;
}

int cli_usage_error(const char *help, const char *fmt, const char *arg) {
  fputs("attnsim: ", stderr);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", help);
  return AT_EXIT_INPUT;
}
