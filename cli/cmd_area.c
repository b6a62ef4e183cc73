/*
** cmd_area.c: `attnsim area`: an architecture's area by component from
** the area table (um^2), with the RTL area proxy (yosys cell counts of the
** synthesized PEs, rtl/area/cells.txt) beside it.
*/
#include "cli.h"
#include "arch.h"
#include "cells.h"

#include <stdlib.h>
#include <string.h>

static const char area_help[] =
  "usage: attnsim area [ARCH.yaml ...]\n\n"
  "Prints each architecture's area by component (um^2, from its area table)\n"
  "and, beside it, the yosys cell and transistor counts of the PE RTL\n"
  "(rtl/area/cells.txt).  Default: the shipped fusemax, flat and flat-edge.\n";

static void print_one(const hw_arch *a, const char *path) {
  hw_area_breakdown bd;
  double total = hw_area_um2(a, &bd);
  printf("%s (%s): %.3f mm^2\n", a->name, path, total / 1e6);
  for (int i = 0; i < bd.n_arrays; i++) {
    const hw_array *ar = &a->arrays[i];
    int64_t pes = hw_array_pes(ar);
    printf("  array %-4s %5lldx%-5lld %10.3f mm^2  (%.0f um^2/PE: units %.0f, regs %.0f)", ar->name,
           (long long)ar->rows, (long long)ar->cols, bd.array[i].total_um2 / 1e6, bd.array[i].total_um2 / pes,
           bd.array[i].units_um2 / pes, bd.array[i].regs_um2 / pes);
    putchar('\n');
  }
  printf("  buffer     %10lld B %10.3f mm^2\n", (long long)a->buffer.bytes, bd.buffer_um2 / 1e6);
}

int cmd_area(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(area_help, stdout); return AT_EXIT_OK; }
    else if (argv[i][0] == '-') { fprintf(stderr, "attnsim: bad option '%s'\n%s", argv[i], area_help); return AT_EXIT_INPUT; }
  static const char *const shipped[] = { "hw/fusemax.yaml", "hw/flat.yaml", "hw/flat-edge.yaml" };
  int n = argc > 1 ? argc - 1 : 3;
  char **path = calloc((size_t)n, sizeof *path);
  hw_arch **arch = calloc((size_t)n, sizeof *arch);
  int rc = path && arch ? AT_EXIT_OK : AT_EXIT_FAIL;
  if (rc) fprintf(stderr, "attnsim: out of memory\n");
  /* Every file is loaded before anything is printed: a bad one anywhere
  ** in the list leaves stdout empty. */
  for (int i = 0; i < n && !rc; i++) {
    at_err e;
    path[i] = argc > 1 ? strdup(argv[i + 1]) : at_path_join(at_data_dir(), shipped[i]);
    if (!path[i]) { fprintf(stderr, "attnsim: out of memory\n"); rc = AT_EXIT_FAIL; }
    else if (hw_load(path[i], &arch[i], &e)) rc = cli_fail(&e);
  }
  hw_cells cells;
  at_err e;
  const hw_cells *cp = &cells;
  if (!rc && hw_cells_load_default(&cells, &e)) {
    fprintf(stderr, "attnsim: no RTL area proxy (%s)\n", e.msg);
    cp = NULL;
  }
  for (int i = 0; i < n && !rc; i++) print_one(arch[i], path[i]);
  if (!rc && cp) {
    printf("RTL area proxy of the FuseMax PEs (rtl/, yosys generic cells):\n");
    for (int k = 0; k < cp->n; k++)
      printf("  %-10s %8lld cells %10lld transistors\n", cp->m[k].module, (long long)cp->m[k].cells,
             (long long)cp->m[k].transistors);
  }
  for (int i = 0; path && arch && i < n; i++) {
    free(path[i]);
    hw_free(arch[i]);
  }
  free(path);
  free(arch);
  return rc;
}
