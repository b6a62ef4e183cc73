/*
** bert_dir.h: the fixture several tests/mappings suites share: a scratch
** folder under /tmp for the mapping files they write, and the BERT
** workload.  Each suite defines `dir` and `bert` and passes BERT_DIR_SETUP
** and BERT_DIR_TEARDOWN (which removes the folder) to its test group.
*/
#ifndef ATTNSIM_TESTS_BERT_DIR_H
#define ATTNSIM_TESTS_BERT_DIR_H

#include <stdio.h>
#include <stdlib.h>

/* Makes /tmp/attnsim-TAG-XXXXXX into dir (cap bytes) and loads BERT into *w. */
static int bert_dir_setup(char *dir, size_t cap, const char *tag, wl_workload *w) {
  at_err e;
  snprintf(dir, cap, "/tmp/attnsim-%s-XXXXXX", tag);
  if (!mkdtemp(dir)) return -1;
  if (wl_find("bert", NULL, w, &e)) { fprintf(stderr, "%s\n", e.msg); return -1; }
  return 0;
}

static int bert_dir_teardown(const char *dir) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

#endif
