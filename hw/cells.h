/*
** cells.h: the RTL area proxy, read beside the area model's um^2: yosys
** cell and transistor counts per synthesized module, as written to
** rtl/area/cells.txt by rtl/area/area.sh.
*/
#ifndef ATTNSIM_HW_CELLS_H
#define ATTNSIM_HW_CELLS_H

#include <stdint.h>
#include "util.h"

#define HW_CELLS_MAX 16

typedef struct hw_cells {
  int n;
  struct {
    char module[24];
    int64_t cells;            /* generic gates + flip-flops after abc */
    int64_t transistors;      /* yosys' CMOS estimate */
  } m[HW_CELLS_MAX];
} hw_cells;

/* Loads a cells file; "FILE:LINE: message" on a malformed row. */
int hw_cells_load(const char *path, hw_cells *out, at_err *e);
/* The default file under at_data_dir(): rtl/area/cells.txt. */
int hw_cells_load_default(hw_cells *out, at_err *e);

#endif
