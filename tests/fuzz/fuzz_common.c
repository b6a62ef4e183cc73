/*
** fuzz_common.c: the mirror of the data tree the spec-loader targets write
** their inputs into, and the checks on refusals (fuzz.h).  The mirror is a
** temporary folder of symbolic links to the shipped files, so a fuzzed
** mapping's "../hw/fusemax.yaml" or a fuzzed architecture's
** "energy-45nm.yaml" resolves as it would next to the real ones, and the
** source tree is never written.
*/
#define _XOPEN_SOURCE 700   /* nftw */
#include "fuzz.h"

#include "arch.h"

#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char mirror[4096];     /* the temporary folder; "" until made */
static char input[4096];      /* the file fz_write wrote last */

static void rm_mirror(void);

_Noreturn void fz_fail(const char *target, const char *what, const char *detail) {
  fprintf(stderr, "%s: %s: %s\n", target, what, detail);
  rm_mirror();
  abort();
}

static void die(const char *what, const char *path) {
  perror(path);
  fz_fail("fuzz harness", what, path);
}

/* dst = "a/b" (b may be NULL: dst = a); a path too long is the harness's
** failure. */
static void join(char dst[4096], const char *a, const char *b) {
  int n = b ? snprintf(dst, 4096, "%s/%s", a, b) : snprintf(dst, 4096, "%s", a);
  if (n < 0 || n >= 4096) fz_fail("fuzz harness", "path too long", a);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st; (void)ftw;
  return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void rm_mirror(void) {
  if (mirror[0]) nftw(mirror, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  mirror[0] = 0;
}

/* In sanitizer builds, a report ends the process without atexit handlers;
** the sanitizers' death callback removes the mirror then.  Weak, so the
** plain replay build links without the sanitizer runtime. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

/* Links every entry of SRC/SUB into MIRROR/SUB, a real folder, so files
** can be added to it without touching SRC. */
static void link_dir(const char *src, const char *sub) {
  char sdir[4096], mdir[4096], from[4096], to[4096];
  join(mdir, mirror, sub);
  if (mkdir(mdir, 0700)) die("mkdir", mdir);
  join(sdir, src, sub);
  DIR *d = opendir(sdir);
  if (!d) die("opendir", sdir);
  for (struct dirent *de; (de = readdir(d));) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    join(from, sdir, de->d_name);
    join(to, mdir, de->d_name);
    if (symlink(from, to)) die("symlink", to);
  }
  closedir(d);
}

static void make_mirror(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(mirror, sizeof mirror, "%s/attnsim-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(mirror)) { mirror[0] = 0; die("mkdtemp", "attnsim-fuzz-XXXXXX"); }
  atexit(rm_mirror);
  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(rm_mirror);
  char src[4096], cwd[4096];
  const char *data = at_data_dir();
  if (data[0] == '/') join(src, data, NULL);
  else if (!getcwd(cwd, sizeof cwd)) die("getcwd", data);
  else join(src, cwd, data);
  link_dir(src, "hw");
  link_dir(src, "mappings");
  link_dir(src, "experiments");
  char from[4096], to[4096];
  join(from, src, "einsum");
  join(to, mirror, "einsum");
  if (symlink(from, to)) die("symlink", to);
}

const char *fz_path(const char *rel) {
  static char path[4096];
  if (!mirror[0]) make_mirror();
  join(path, mirror, rel);
  return path;
}

const char *fz_write(const char *rel, const uint8_t *data, size_t size) {
  const char *path = fz_path(rel);
  /* unlink first: REL may be a link to a shipped file, never written through */
  unlink(path);
  FILE *f = fopen(path, "wb");
  if (!f) die("fopen", path);
  if ((size && fwrite(data, 1, size, f) != size) | fclose(f)) die("write", path);
  join(input, path, NULL);
  return path;
}

/* After s: ":LINE: " or ":LINE:COL: ", each positive?  Returns the text
** after it, or NULL. */
static const char *after_location(const char *s) {
  for (int part = 0; part < 2; part++) {
    if (*s++ != ':' || *s < '1' || *s > '9') return NULL;
    while (isdigit((unsigned char)*s)) s++;
    if (s[0] == ':' && s[1] == ' ') return s + 2;
  }
  return NULL;
}

void fz_check_refusal(const char *target, const at_err *e) {
  const char *m = e->msg, *text = NULL;
  size_t n = strlen(input);
  /* the input itself, a file-level error: "INPUT: message" */
  if (n && !strncmp(m, input, n) && m[n] == ':' && m[n + 1] == ' ') text = m + n + 2;
  /* any file (the input or one it names), located: the first ":LINE[:COL]: " */
  for (const char *s = m + 1; !text && (s = strchr(s, ':')); s++) text = after_location(s);
  if (!text && getenv("FUZZ_UNLOCATED_OK")) return;   /* exploring past a pending defect */
  if (!text) fz_fail(target, "refusal without FILE:LINE:COL", m);
  if (!*text) fz_fail(target, "refusal without a message", m);
}

int fz_refused(const char *target, int rc, const void *out, const at_err *e) {
  if (rc == 0) {
    if (!out) fz_fail(target, "the loader succeeded without returning anything", "");
    return 0;
  }
  if (out) fz_fail(target, "the loader failed but returned an object", e->msg);
  fz_check_refusal(target, e);
  return 1;
}

void fz_check_quantity(const char *target, const char *what, double x) {
  if (!isfinite(x) || x < 0) {
    char v[64];
    snprintf(v, sizeof v, "%g", x);
    fz_fail(target, what, v);
  }
}

/* fuzz.h states the invariants. */
void fz_check_arch(const char *target, const hw_arch *a) {
  at_err e;
  if (hw_validate(a, &e)) fz_fail(target, "a loaded architecture fails hw_validate", e.msg);
  hw_area_breakdown bd;
  double area = hw_area_um2(a, &bd);
  fz_check_quantity(target, "area", area);
  if (bd.n_arrays != a->n_arrays) fz_fail(target, "area breakdown", "wrong array count");
  for (int i = 0; i < a->n_arrays; i++) {
    const hw_array *ar = &a->arrays[i];
    if (hw_array_index(a, ar->name) != i) fz_fail(target, "two arrays with one name", ar->name);
    fz_check_quantity(target, "array area", bd.array[i].total_um2);
    for (int op = 0; op < HW_OP_COUNT; op++)
      if (ar->ops[op].supported) fz_check_quantity(target, "op energy", hw_op_energy_pJ(a, ar, (hw_op)op));
  }
  fz_check_quantity(target, "buffer area", bd.buffer_um2);
  fz_check_quantity(target, "buffer row read energy", hw_buffer_row_pJ(a, false));
  fz_check_quantity(target, "buffer row write energy", hw_buffer_row_pJ(a, true));
  fz_check_quantity(target, "DRAM access energy", a->energy.dram_access_pJ);
  hw_arch *c;
  if (hw_copy(a, &c, &e)) fz_fail(target, "hw_copy", e.msg);
  if (hw_validate(c, &e)) fz_fail(target, "a copy does not validate", e.msg);
  hw_free(c);
}

hw_arch *fz_load_arch(const char *target, const char *path) {
  hw_arch *a;
  at_err e;
  int rc = hw_load(path, &a, &e);   /* before reading a */
  if (fz_refused(target, rc, a, &e)) return NULL;
  fz_check_arch(target, a);
  return a;
}
