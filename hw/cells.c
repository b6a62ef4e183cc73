/*
** cells.c: reads rtl/area/cells.txt (see cells.h).  Rows are
** "module cells nand nor not dff transistors"; '#' starts a comment.
*/
#include "cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hw_cells_load(const char *path, hw_cells *out, at_err *e) {
  char *buf;
  size_t len;
  memset(out, 0, sizeof *out);
  if (at_read_file(path, &buf, &len, e)) return -1;
  int line = 0, rc = 0;
  for (char *s = buf, *nl; s && *s && !rc; s = nl ? nl + 1 : NULL) {
    nl = strchr(s, '\n');
    if (nl) *nl = 0;
    line++;
    char *hash = strchr(s, '#');
    if (hash) *hash = 0;
    char mod[64];
    long long c[6];
    int k = sscanf(s, "%63s %lld %lld %lld %lld %lld %lld", mod, &c[0], &c[1], &c[2], &c[3], &c[4], &c[5]);
    if (k <= 0) continue;
    if (k != 7 || strlen(mod) >= sizeof out->m[0].module || c[0] < 0 || c[5] < 0)
      rc = at_errloc(e, path, line, 0, "expected: module cells nand nor not dff transistors");
    else if (out->n == HW_CELLS_MAX)
      rc = at_errloc(e, path, line, 0, "more than %d modules", HW_CELLS_MAX);
    else {
      snprintf(out->m[out->n].module, sizeof out->m[0].module, "%s", mod);
      out->m[out->n].cells = c[0];
      out->m[out->n].transistors = c[5];
      out->n++;
    }
  }
  free(buf);
  return rc;
}

int hw_cells_load_default(hw_cells *out, at_err *e) {
  char *p = at_path_join(at_data_dir(), "rtl/area/cells.txt");
  if (!p) return at_errf(e, "out of memory");
  int rc = hw_cells_load(p, out, e);
  free(p);
  return rc;
}
