/*
** test_mutate.c: does any malformed mapping crash the loader, the binder
** or the engine?  Each shipped mapping is mutated (bytes flipped, lines
** dropped or duplicated, truncated) with a fixed seed and evaluated; every
** outcome must be a result or a located error ("FILE:LINE..."), never a
** crash (run under ASan/UBSan in CI) and never a silent success with a
** broken result.  The mutants live in a temporary tree whose hw/, einsum/
** and mappings/data/ link to the source tree, so relative paths resolve.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "sim.h"

#define MUTANTS 150

static char root[256];

static void link_dir(const char *name) {
  char from[512], to[512];
  snprintf(from, sizeof from, "%s/%s", at_data_dir(), name);
  snprintf(to, sizeof to, "%s/%s", root, name);
  if (symlink(from, to)) fail_msg("symlink %s: failed", to);
}

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof root, "/tmp/attnsim-mutate-XXXXXX");
  if (!mkdtemp(root)) return -1;
  char m[300];
  snprintf(m, sizeof m, "%s/mappings", root);
  if (mkdir(m, 0700)) return -1;
  link_dir("hw");
  link_dir("einsum");
  link_dir("mappings/data");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  return system(cmd) == 0 ? 0 : -1;
}

static void mutate(char *buf, size_t *len, at_rng *r) {
  int kind = (int)(at_rng_next(r) % 4);
  size_t n = *len;
  if (n < 2) return;
  size_t at = (size_t)(at_rng_next(r) % n);
  switch (kind) {
  case 0: {   /* flip bytes */
    static const char pool[] = " :-[]{},#0123456789abcxyzAVPQK.*/\n\t\"'&!|>";
    int k = 1 + (int)(at_rng_next(r) % 4);
    for (int i = 0; i < k; i++) buf[(at + (size_t)i * 7) % n] = pool[at_rng_next(r) % (sizeof pool - 1)];
    break;
  }
  case 1: {   /* drop a line */
    char *s = memchr(buf + at, '\n', n - at);
    if (!s) break;
    char *e = memchr(s + 1, '\n', n - (size_t)(s + 1 - buf));
    if (!e) break;
    memmove(s, e, n - (size_t)(e - buf));
    *len = n - (size_t)(e - s);
    break;
  }
  case 2:     /* truncate */
    *len = at;
    break;
  case 3: {   /* duplicate a line */
    char *s = memchr(buf + at, '\n', n - at);
    if (!s) break;
    char *e = memchr(s + 1, '\n', n - (size_t)(s + 1 - buf));
    if (!e) break;
    size_t l = (size_t)(e - s);
    memmove(e + l, e, n - (size_t)(e - buf));
    memcpy(e, s, l);
    *len = n + l;
    break;
  }
  }
}

static void mutants_of(const char *design) {
  char path[600], *orig;
  size_t olen;
  at_err e;
  snprintf(path, sizeof path, "%s/mappings/%s.yaml", at_data_dir(), design);
  if (at_read_file(path, &orig, &olen, &e)) fail_msg("%s", e.msg);
  wl_workload w;
  if (wl_find("bert", NULL, &w, &e)) fail_msg("%s", e.msg);
  at_rng r = { 0x5eed0000u + (uint64_t)strlen(design) };
  char mpath[600];
  snprintf(mpath, sizeof mpath, "%s/mappings/m.yaml", root);
  int ok = 0, errors = 0;
  char *buf = malloc(olen * 4 + 64);
  for (int i = 0; i < MUTANTS; i++) {
    memcpy(buf, orig, olen);
    size_t len = olen;
    int rounds = 1 + (int)(at_rng_next(&r) % 3);
    for (int k = 0; k < rounds && len < olen * 3; k++) mutate(buf, &len, &r);
    FILE *f = fopen(mpath, "wb");
    assert_non_null(f);
    fwrite(buf, 1, len, f);
    fclose(f);
    sim_design *d;
    if (sim_design_load(mpath, NULL, &d, &e)) {
      assert_true(strlen(e.msg) > 0);
      errors++;
      continue;
    }
    sim_result res;
    if (sim_eval(d, &w, 4096, NULL, &res, &e)) {
      assert_true(strlen(e.msg) > 0);
      errors++;
    } else {
      assert_true(res.cycles > 0 && isfinite(res.energy_pJ) && res.energy_pJ > 0);
      ok++;
    }
    sim_design_free(d);
  }
  free(buf);
  free(orig);
  print_message("%s: %d mutants evaluated, %d rejected with a message\n", design, ok, errors);
  assert_true(errors > 0);   /* the mutations do reach the checks */
}

static void all_designs(void **state) {
  (void)state;
  for (int i = 0; sim_shipped_designs[i]; i++) mutants_of(sim_shipped_designs[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = { cmocka_unit_test(all_designs) };
  return cmocka_run_group_tests(tests, setup, teardown);
}
