/*
** replay.c: runs the fuzz target's function over files without libFuzzer,
** so the regression inputs in tests/fuzz/regress/ (every crash the fuzzer
** ever found) and the seeds are replayed by ctest in every build, including
** the ASan+UBSan one.  Arguments are files or directories (not recursive).
*/
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return -1; }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += k;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); buf = NULL; }
      else buf = nb;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) { fprintf(stderr, "%s: read failed\n", path); free(buf); return -1; }
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  return 0;
}

static int cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  int files = 0, bad = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st)) { perror(argv[i]); bad++; continue; }
    if (!S_ISDIR(st.st_mode)) { bad += run_file(argv[i]) != 0; files++; continue; }
    DIR *d = opendir(argv[i]);
    if (!d) { perror(argv[i]); bad++; continue; }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
      if (de->d_name[0] == '.') continue;
      if (n == cap) {
        char **nn = realloc(names, sizeof *nn * (cap = cap ? cap * 2 : 64));
        if (!nn) { perror("realloc"); exit(2); }
        names = nn;
      }
      size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
      if (!(names[n] = malloc(len))) { perror("malloc"); exit(2); }
      snprintf(names[n++], len, "%s/%s", argv[i], de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp);
    for (size_t k = 0; k < n; k++) {
      if (!stat(names[k], &st) && S_ISREG(st.st_mode)) {
        bad += run_file(names[k]) != 0;
        files++;
      }
      free(names[k]);
    }
    free(names);
  }
  printf("replayed %d input%s\n", files, files == 1 ? "" : "s");
  return bad ? 1 : 0;
}
