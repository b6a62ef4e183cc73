/*
** arch.h: an accelerator architecture as loaded from hw/NAME.yaml: the PE
** arrays (their shape, registers and the operations each PE supports with
** cycles and functional-unit activations per element), the global buffer,
** DRAM, the clock, and the per-action energy and per-component area tables
** (each from its own replaceable YAML file).  hw_area_um2() turns the
** struct into a chip area.  The struct knows nothing of mappings or engines.
**
** Units are in every field name or comment.  Callers (sweeps) may change
** the fields marked "sweepable" after loading, then must call hw_validate().
*/
#ifndef ATTNSIM_HW_ARCH_H
#define ATTNSIM_HW_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#define HW_MAX_ARRAYS 4     /* PE arrays per architecture */
#define HW_NAME_MAX   16    /* bytes in an array name, with the NUL */
#define HW_DIM_MAX    (1LL << 20)   /* bound on rows, cols, regs, cycles */

/* Physical ranges of the real-valued fields (hw/README.md), enforced where
** the files are read and again by hw_validate.  They are far outside any
** real design and keep every product the engines form finite: a count up
** to 2^64 (~1.8e19) times an energy or divided by a clock or bandwidth. */
#define HW_CLOCK_MIN_HZ       1.0     /* 1 Hz */
#define HW_CLOCK_MAX_HZ       1e12    /* 1 THz */
#define HW_BANDWIDTH_MIN_BPS  1.0     /* 1 B/s */
#define HW_BANDWIDTH_MAX_BPS  1e15    /* 1 PB/s */
#define HW_ENERGY_MIN_PJ      1e-6    /* 1 aJ, per action */
#define HW_ENERGY_MAX_PJ      1e6     /* 1 uJ, per action */
#define HW_AREA_MAX_UM2       1e9     /* 1000 mm^2, per component or KiB */
#define HW_ROW_ENERGY_MAX_PJ  1e9     /* a buffer row as the SRAM model extrapolates it */

/* What a PE can be asked to do, per element.  An Einsum's map/reduce
** operators land on these: sum-of-products -> MAC, "+" -> ADD, "-" -> SUB,
** "*" -> MUL, max/min -> MAX/MIN, exp -> EXP, "/" -> DIV. */
typedef enum hw_op {
  HW_OP_MAC,    /* a += b * c */
  HW_OP_MUL,    /* a = b * c */
  HW_OP_ADD,    /* a = b + c (also a sum reduction step) */
  HW_OP_SUB,    /* a = b - c */
  HW_OP_MAX,    /* a = max(b, c) (also a max reduction step) */
  HW_OP_MIN,    /* a = min(b, c) */
  HW_OP_EXP,    /* a = exp(b) */
  HW_OP_DIV,    /* a = b / c */
  HW_OP_COUNT
} hw_op;

/* Physical functional units inside a PE.  An operation activates one or
** more of them (FuseMax's exp = 6 MAC + 1 ADD activations); energy is
** charged per activation and area per unit present in a PE. */
typedef enum hw_unit {
  HW_UNIT_MAC,  /* fp16 multiply-accumulate (also serves MUL) */
  HW_UNIT_ADD,  /* fp16 adder (ADD, SUB) */
  HW_UNIT_MAX,  /* fp16 comparator + mux (MAX, MIN) */
  HW_UNIT_DIV,  /* fp16 divider */
  HW_UNIT_EXP,  /* dedicated exponential unit (FLAT's 1D PEs) */
  HW_UNIT_COUNT
} hw_unit;

/* Cost of one operation kind on one PE of an array. */
typedef struct hw_op_cost {
  bool supported;                 /* false: binding this op here is an error */
  int64_t cycles;                 /* cycles per element on one PE; >= 1 if supported */
  int64_t uses[HW_UNIT_COUNT];    /* unit activations per element (energy);
                                     at least one > 0 if supported */
} hw_op_cost;

/* How a PE issues the operations of one element.  SERIAL: one operation
** at a time, so an element costs the sum of its operations' cycles (a
** FuseMax PE runs exp as a microsequence on its MAC unit).  UNITS: each
** functional unit is its own pipeline stage, so a PE's throughput is set
** by its busiest unit (FLAT's 1D PE streams x - max through its adder into
** its exp unit at one element per cycle). */
typedef enum hw_issue { HW_ISSUE_SERIAL, HW_ISSUE_UNITS } hw_issue;

/* How an array's results leave it (the cycle engine's drain).  SHIFT:
** shifted out along the columns one row per cycle, so a result reaches the
** edge `rows` cycles after its last operand; PARALLEL: read out at once. */
typedef enum hw_results { HW_RESULTS_SHIFT, HW_RESULTS_PARALLEL } hw_results;

typedef struct hw_array {
  char name[HW_NAME_MAX];         /* "2d", "1d": the key in the arch file */
  hw_issue issue;                 /* default serial */
  int64_t rows;                   /* PEs; 1 for a 1D array (sweepable) */
  int64_t cols;                   /* PEs; the width of a 1D array (sweepable) */
  int64_t regs_per_pe;            /* words of register file per PE */
  hw_op_cost ops[HW_OP_COUNT];    /* indexed by hw_op */
  /* timing the cycle engine uses (hw/README.md "Timing fields") */
  int64_t pipeline_depth;         /* cycles from an operand pair entering a PE to its
                                     accumulator update; default 1, 0 = combinational */
  int64_t edge_registers;         /* register stages an operand crosses at the array's
                                     edge before the first PE; default 0 */
  hw_results results;             /* default shift */
  int64_t fifo_depth;             /* results from other arrays its input FIFO holds,
                                     in tasks' outputs; 0 (default): unbounded */
} hw_array;

typedef struct hw_buffer {
  int64_t bytes;                  /* capacity (sweepable); a whole number of rows */
  int64_t row_bits;               /* bits per row, the unit of buffer energy */
  int64_t banks;                  /* independently addressed banks, <= rows */
  int64_t ports;                  /* row accesses per bank per cycle (cycle engine); default 1 */
} hw_buffer;

typedef struct hw_dram {
  double bandwidth_Bps;           /* bytes per second (sweepable) */
  int64_t access_bits;            /* bits per access, the unit of DRAM energy */
  int64_t latency_cycles;         /* request to first byte, clock cycles; default 0 */
} hw_dram;

#define HW_SRAM_POINTS 16         /* most (size, energy) points of an SRAM model */

/* Energy per action, pJ.  Loaded from the file the arch names (default
** hw/energy-45nm.yaml). */
typedef struct hw_energy {
  char *path;                     /* file it came from */
  int64_t word_bits;              /* datapath width the figures are for */
  double unit_pJ[HW_UNIT_COUNT];  /* per activation of one unit */
  double reg_read_pJ;             /* per word read from a PE register file */
  double reg_write_pJ;            /* per word written */
  /* Global buffer, one of two forms (hw/README.md):
  ** fixed:  per-row figures for one row width (n_sram == 0);
  ** sram:   energy per access_bits-wide access as a function of the SRAM's
  **         capacity, from n_sram (size, energy) points interpolated
  **         log-log and extended beyond the ends along the end segments.
  ** Use hw_buffer_row_pJ(), which evaluates either at the arch's size. */
  int64_t buffer_row_bits;        /* fixed: row width the figures are for */
  double buffer_row_read_pJ;      /* fixed: per row read */
  double buffer_row_write_pJ;     /* fixed: per row written */
  int n_sram;                     /* sram: points used (>= 2), else 0 */
  int64_t sram_access_bits;       /* sram: bits per access the points price */
  double sram_bytes[HW_SRAM_POINTS];     /* sram: capacities, increasing */
  double sram_access_pJ[HW_SRAM_POINTS]; /* sram: per access, read or write */
  int64_t sram_priced_bytes;      /* sram: the capacity the model prices, bytes; 0 (the
                                     default) = the arch's buffer.  Set only by an
                                     accounting variant that tiles for one size and
                                     prices another (sim/README.md "Accountings") */
  int64_t dram_access_bits;       /* access width the DRAM figure is for */
  double dram_access_pJ;          /* per DRAM access (read or write) */
} hw_energy;

/* Area per component, um^2.  Loaded from the file the arch names (default
** hw/area-45nm.yaml). */
typedef struct hw_area_table {
  char *path;                     /* file it came from */
  int64_t word_bits;              /* datapath width the figures are for */
  double unit_um2[HW_UNIT_COUNT]; /* one functional unit */
  double reg_word_um2;            /* one register of word_bits */
  double pe_other_um2;            /* per PE: control, pipeline, links */
  double sram_um2_per_KiB;        /* global buffer, periphery included */
} hw_area_table;

typedef struct hw_arch {
  char *name;                     /* "fusemax" */
  char *path;                     /* the arch file it came from */
  double clock_hz;                /* PE and buffer clock */
  int64_t word_bytes;             /* bytes per value moved (2 for fp16) */
  int n_arrays;                   /* used entries of arrays[] */
  hw_array arrays[HW_MAX_ARRAYS]; /* in file order */
  hw_buffer buffer;
  hw_dram dram;
  hw_energy energy;
  hw_area_table area;
} hw_arch;

/* Area of a design by component, um^2 (DRAM is off chip: not counted). */
typedef struct hw_area_breakdown {
  int n_arrays;                   /* = arch->n_arrays */
  struct {
    double units_um2;             /* functional units of all PEs */
    double regs_um2;              /* register files of all PEs */
    double other_um2;             /* per-PE overhead of all PEs */
    double total_um2;             /* the three above */
  } array[HW_MAX_ARRAYS];         /* same order as arch->arrays */
  double unit_um2[HW_UNIT_COUNT]; /* functional units summed over arrays */
  double buffer_um2;              /* global buffer */
  double total_um2;               /* arrays + buffer */
} hw_area_breakdown;

/* Loads an architecture file and the energy and area files it names
** (paths relative to its directory; when the `energy`/`area` field is absent,
** energy-45nm.yaml / area-45nm.yaml next to it, else in at_data_dir()/hw).
** Returns 0, or -1 with "FILE:LINE:COL: field: message" in e. */
int  hw_load(const char *path, hw_arch **out, at_err *e);
void hw_free(hw_arch *a);                              /* NULL is fine */
/* A deep copy, so a sweep can vary one loaded architecture per thread. */
int  hw_copy(const hw_arch *a, hw_arch **out, at_err *e);

/* Replaces a's energy table with the file at path (as `--energy` does),
** checking it prices a's word, buffer-row (fixed form) and DRAM-access
** widths; on error a is unchanged. */
int hw_set_energy(hw_arch *a, const char *path, at_err *e);

/* Checks the invariants stated on the fields above (and that the energy
** and area tables match word, row and access widths).  hw_load already
** did; call it again after changing fields.  Messages name the arch and
** the field ("arch fusemax: arrays.2d.rows: must be positive, got 0"). */
int hw_validate(const hw_arch *a, at_err *e);

/* Index of the array called name in a->arrays, or -1. */
int hw_array_index(const hw_arch *a, const char *name);
/* The array called name, or NULL. */
const hw_array *hw_array_find(const hw_arch *a, const char *name);

/* PEs in an array (rows * cols; validated not to overflow). */
static inline int64_t hw_array_pes(const hw_array *ar) {
  return ar->rows * ar->cols;
}
/* Whether a PE of the array contains the unit (some supported op uses it). */
bool hw_array_has_unit(const hw_array *ar, hw_unit u);
/* Energy of one element of op on one PE of ar, pJ (0 if unsupported). */
double hw_op_energy_pJ(const hw_arch *a, const hw_array *ar, hw_op op);
/* Energy of one global-buffer row of the arch's row width, read or written,
** pJ: the fixed figure, or the SRAM model at the arch's buffer size. */
double hw_buffer_row_pJ(const hw_arch *a, bool write);

/* Total area, um^2; fills *bd when bd is not NULL. */
double hw_area_um2(const hw_arch *a, hw_area_breakdown *bd);

/* Names as written in the YAML files ("mac", "exp", ...). */
const char *hw_op_name(hw_op op);
const char *hw_unit_name(hw_unit u);
/* HW_OP_COUNT / HW_UNIT_COUNT when the name is unknown. */
hw_op   hw_op_parse(const char *name);
hw_unit hw_unit_parse(const char *name);

#endif
