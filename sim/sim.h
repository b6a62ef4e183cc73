/*
** sim.h: the engines' public face.  A sim_design is a loaded design (an
** architecture, a mapping with one or more phases, and their cascades);
** sim_eval() evaluates it for one workload and sequence length, with
** optional architecture overrides (sweeps), and fills one sim_result: the
** record every consumer (CLI, store, report) reads.
*/
#ifndef ATTNSIM_SIM_H
#define ATTNSIM_SIM_H

#include <stdint.h>
#include "util.h"
#include "workload.h"
#include "arch.h"

#define SIM_NAME_MAX     48
#define SIM_MAX_EINSUMS  48
#define SIM_MAX_ARRAYS   4

/* Energy components, in the order reports stack them. */
typedef enum sim_component {
  SIM_C_COMPUTE_2D,   /* arithmetic on the array named "2d" */
  SIM_C_COMPUTE_1D,   /* arithmetic on the array named "1d" */
  SIM_C_REGS,         /* PE register files, every array */
  SIM_C_BUFFER,       /* global buffer rows read and written */
  SIM_C_DRAM,         /* DRAM accesses */
  SIM_C_COUNT
} sim_component;
extern const char *const sim_component_name[SIM_C_COUNT];

typedef struct sim_einsum_result {
  char name[SIM_NAME_MAX];    /* "phase/TENSOR", e.g. "attention/BQK" */
  char array[16];             /* array it is bound to */
  uint64_t busy_cycles;       /* cycles its array spends on it */
  double util;                /* its busy PE-cycles / (array PEs x total cycles) */
  double energy_pJ;           /* its arithmetic and register energy */
} sim_einsum_result;

/* Exact action counts of one array (every engine fills them from the same
** rule, sim/README.md "Action counts"; two engines must agree on every one). */
typedef struct sim_array_actions {
  uint64_t ops[HW_OP_COUNT];  /* operations executed, by hw_op */
  uint64_t pe_cycles;         /* PE-cycles the operations occupy */
  uint64_t rf_reads;          /* operand words read from a PE's register file */
  uint64_t edge_operands;     /* operand words arriving from a neighbour PE or the array edge */
  uint64_t rf_writes;         /* result words written back to a PE's register file */
  uint64_t forwarded;         /* result words passed on (neighbour, edge, buffer, another array) */
} sim_array_actions;

/* Why an array sat idle (cycle engine; the analytical engine leaves 0). */
typedef enum sim_stall {
  SIM_S_FILL,         /* before its first task */
  SIM_S_DRAIN,        /* waiting for another array's results to drain across, or
                         after its last task until the run ends */
  SIM_S_WINDOW,       /* its next task's tile was not yet in the window */
  SIM_S_DEPENDENCY,   /* waiting for a result of its own array */
  SIM_S_DRAM,         /* its next task's tile had not arrived from DRAM */
  SIM_S_BUFFER_PORT,  /* its tile's entry waited for the buffer's banks x ports */
  SIM_S_FIFO_FULL,    /* its results' consumer array's input FIFO was full */
  SIM_S_COUNT
} sim_stall;
extern const char *const sim_stall_name[SIM_S_COUNT];

typedef struct sim_actions {
  sim_array_actions array[SIM_MAX_ARRAYS];  /* as sim_result.array_name */
  uint64_t buffer_read_bytes, buffer_write_bytes;   /* global buffer, bytes */
  uint64_t buffer_row_reads, buffer_row_writes;     /* rows: bytes / row bytes, rounded up per tensor */
  uint64_t dram_read_bytes, dram_write_bytes;       /* bytes */
} sim_actions;

typedef struct sim_result {
  char design[SIM_NAME_MAX];
  char model[32];
  char engine[16];            /* "analytical", later "systemc", "rtl" */
  int64_t seq_len;            /* M = P, tokens */
  uint64_t cycles;            /* total latency in clock cycles */
  double latency_s;           /* cycles / clock */
  uint64_t compute_cycles;    /* the same with memory time ignored */
  uint64_t memory_cycles;     /* DRAM traffic / bandwidth, in cycles */
  double energy_pJ;           /* sum of energy_by */
  double energy_by[SIM_C_COUNT];  /* pJ per component */
  uint64_t traffic_bytes;     /* DRAM bytes read + written */
  uint64_t buffer_bytes;      /* global buffer bytes read + written */
  double util_2d, util_1d;    /* busy PE-cycles / (PEs x cycles) of "2d", "1d" */
  double area_um2;            /* whole design, from the area table */
  char bound[16];             /* what limits latency: "2d", "1d", "memory", "mixed" */
  char tiling[96];            /* bound tile sizes, e.g. "M0=256 P0=256 P1=128 P2=32" */
  char mapped_hash[65];       /* hex SHA-256 of the mapping the mapper found for this point
                                 (a sweep's mapped design), else empty */
  /* the architecture actually evaluated (after sweep overrides) */
  int64_t arch_rows_2d, arch_cols_2d;   /* PEs; 0 if no "2d" array */
  int64_t arch_width_1d;      /* PEs; 0 if no "1d" array */
  int64_t arch_buffer_bytes;  /* global buffer capacity */
  double arch_bandwidth_Bps;  /* DRAM bytes per second */
  double arch_clock_hz;
  int n_arrays;
  char array_name[SIM_MAX_ARRAYS][16];
  uint64_t array_busy[SIM_MAX_ARRAYS];  /* cycles each array is busy */
  double array_util[SIM_MAX_ARRAYS];
  int n_einsums;
  sim_einsum_result einsum[SIM_MAX_EINSUMS];
  sim_actions act;            /* exact action counts */
  uint64_t stall[SIM_MAX_ARRAYS][SIM_S_COUNT];  /* idle cycles per array by cause (cycle engine) */
  /* the cycle engine's data mode (--data; sim/README.md "Data mode"), else all 0 */
  struct {
    int on;                   /* 1: values were carried and compared */
    double max_abs_err;       /* max |out - ref| over the output's elements */
    double max_rel_err;       /* max |out - ref| / max(|ref|, 2^-14) */
    double max_ref;           /* max |ref|, the output's magnitude */
    double max_bound;         /* max of the elements' error bounds */
    double worst;             /* max |out - ref| / bound: above 1 fails */
    uint64_t pe_edges;        /* PE-edges the banks stepped (PEs x edges, idle stretches skipped) */
    uint64_t engine_pe_cycles;   /* the engine's cycles x every array's PEs, to compare */
    uint64_t last_cycle;      /* the edge after the last result was delivered (the engine's `cycles` when
                                 the PEs keep its schedule and its last write is its last result) */
    uint64_t late_ops;        /* operations issued after the edge the engine's schedule gave them */
    uint64_t late_max;        /* ... the most cycles late */
    uint64_t elastic_fires;   /* firings the PEs cannot run at the engine's timing (run late) */
    uint64_t emul_mismatch;   /* output elements whose bits differ from the fp16
                                 emulation of the interpreter's order */
    double emul_max_abs_err;  /* that emulation's max |out - ref| */
    int emul_exact;           /* 1: every Einsum folds in the interpreter's order, so
                                 emul_mismatch must be 0 (a check that can fail) */
    uint64_t digest;          /* FNV-1a 64 of the output's fp16 bits (batch item by item,
                                 row-major): equal digests, bit-identical outputs */
    int diverged;             /* rtl: 1 if the run stopped at a divergence of the RTL from
                                 its C-twin shadow (the engine's error says where) */
  } data;
} sim_result;

/* Architecture overrides for sweeps; 0 keeps the file's value. */
typedef struct sim_overrides {
  int64_t rows_2d, cols_2d;   /* PEs */
  int64_t width_1d;           /* PEs */
  int64_t buffer_bytes;       /* bytes, whole rows */
  double bandwidth_Bps;       /* bytes per second */
  int64_t regs_per_pe;        /* words of register file per PE, every array */
} sim_overrides;

typedef struct sim_design sim_design;

/* Loads a mapping file; it names its architecture and cascades (paths
** relative to the mapping file).  `arch_path` (may be NULL) replaces the
** mapping's architecture.  Returns 0, or -1 with e = "FILE:LINE:COL: ...". */
int sim_design_load(const char *mapping_path, const char *arch_path,
                    sim_design **out, at_err *e);
/* Loads a shipped design by name ("fusemax", "flat", "unfused", "cascade",
** "arch", and "linear-flat"/"linear-fusemax" for the end-to-end layers). */
int sim_design_find(const char *name, sim_design **out, at_err *e);
/* The same on another architecture file (NULL: the mapping's own). */
int sim_design_find_on(const char *name, const char *arch_path, sim_design **out, at_err *e);
/* Replaces the design's energy table (the file at path, as `--energy`). */
int sim_design_set_energy(sim_design *d, const char *path, at_err *e);
/* The pattern of a block mask declared `mask NAME[..] file` in the design's
** cascades, read from path (einsum/README.md, "Masks") at every evaluation,
** once binding has given the mask its sizes.  At most SIM_MAX_MASKS; an
** evaluation fails if no cascade has such a mask, or if a file mask has no
** pattern.  Returns 0, or -1 with e filled. */
#define SIM_MAX_MASKS 8
int sim_design_set_mask(sim_design *d, const char *name, const char *path, at_err *e);
void sim_design_free(sim_design *d);
/* A design of mapping m (which it takes, also on failure) on a copy of
** base's architecture: how a mapping the mapper found is evaluated
** without a file.  0, or -1 with e. */
struct map_spec;
int sim_design_with(const sim_design *base, struct map_spec *m, sim_design **out, at_err *e);
/* The architecture base with the overrides ov applied, as sim_eval
** evaluates it: *out a new copy (the caller frees it), or NULL when ov
** overrides nothing.  0, or -1 with e (an override the architecture has
** no array for, or an architecture hw_validate refuses). */
int sim_arch_override(const hw_arch *base, const sim_overrides *ov, hw_arch **out, at_err *e);
const char *sim_design_name(const sim_design *d);
/* The files a design was loaded from (for provenance hashes). */
const char *sim_design_mapping_path(const sim_design *d);
const char *sim_design_arch_path(const sim_design *d);
const char *sim_design_energy_path(const sim_design *d);   /* its energy table */
/* Prices the buffer as an SRAM of `bytes` (the SRAM-capacity model only),
** whatever capacity tiles are sized for (an accounting variant's knob). */
int sim_design_price_buffer_at(sim_design *d, int64_t bytes, at_err *e);
/* Counts tensor `tensor`'s buffer reads as Timeloop 6e081fc's legacy
** read-modify-write rule does (an accounting variant's knob): the first
** read of each element is elided by subtracting a partition size computed
** as (elements x tile) mod 2^64 / tile, so where the product wraps the
** tensor gets up to one extra buffer read per element.  elements: the
** words its defining Einsum writes over the run (batch included, the
** iterative rank's M1 slices); tile: its elements inside the loop body of
** part `part` (sc_tile_elements).  Applies in every phase that has both
** the tensor, homed in the buffer, and the part; a name no phase has is
** an error at the next sim_eval.  At most SIM_MAX_ELIDE per design. */
#define SIM_MAX_ELIDE 8
int sim_design_set_elision(sim_design *d, const char *tensor, const char *part, at_err *e);
/* The loaded architecture (its energy table as replaced), for pricing counts. */
const hw_arch *sim_design_arch(const sim_design *d);
int sim_design_ncascades(const sim_design *d);
const char *sim_design_cascade_path(const sim_design *d, int i);
/* The mapping's per-point configuration table, or NULL. */
const char *sim_design_config_path(const sim_design *d);
/* Names of the shipped designs, NULL-terminated. */
extern const char *const sim_shipped_designs[];

/* Options of an engine run (the analytical engine ignores them). */
typedef struct sim_engine_opts {
  int full;                   /* cycle: step every cycle (else fast-forward) */
  int window;                 /* cycle: tiles in flight, 0 = the mapping's (default 2) */
  const char *vcd;            /* cycle: write array-level signals here (GTKWave), or NULL */
  const char *trace;          /* cycle: write a Chrome/Perfetto JSON timeline here, or NULL */
  uint64_t trace_limit;       /* cycle: refuse to trace a run longer than this, cycles (0: 10M) */
  int data;                   /* cycle: carry fp16 values through the PEs (sim/cycle/data.h) */
  uint64_t seed;              /* data: the inputs' seed, as `attnsim eval --seed` */
  /* data: opens a bank of n PEs of kind (hw/pe/pe_bank.h's pe_bank_open_fn);
  ** NULL: the C twin */
  struct pe_bank *(*bank_open)(int kind, int n, int fault_pe, char *err, int errlen);
  int no_shadow;              /* rtl: the Verilated PEs alone, no C-twin shadow (nothing compared) */
  int no_emul;                /* data: skip the fp16 emulation (emul_exact 0: nothing compared with it) */
  int data_inline;            /* data: compute the reference and the emulation on the calling thread, not beside the array (tests: both paths agree) */
  const char *fault_array;    /* data: the array whose PE (fault_row, fault_col) is the faulty
                                 build (rtl: FAULT=1, rtl/README.md), or NULL for none */
  int64_t fault_row, fault_col;  /* that PE's row and column, from 0 */
  /* data, tests only: the value model starts every firing of the Einsum
  ** writing this tensor `early_cycles` cycles before the engine does (a
  ** dependence cut short, which the timing check must catch), or NULL */
  const char *early_tensor;
  int64_t early_cycles;
} sim_engine_opts;

/* Engine `rtl` is the cycle engine in data mode with every array's PEs the
** Verilated RTL (rtl/array/rtl_bank.h), which sim/ does not link: a build
** with the RTL registers rtl_bank_open here before any run (the CLI does,
** cli/attnsim.c).  Without it, engine rtl refuses to run. */
void sim_rtl_register(struct pe_bank *(*open)(int kind, int n, int fault_pe, char *err, int errlen));
/* 1 once an opener is registered. */
int sim_rtl_available(void);

struct sc_schedule;
/* An engine: what it is called (stored with every point) and its entry. */
typedef struct sim_engine {
  const char *name;
  /* Fills every field of r but the identity ones (design, model, engine,
  ** seq_len, area, arch_*) from a bound schedule; 0, or -1 with e naming
  ** why (an impossible or unexecutable schedule, an overflow). */
  int (*run)(const struct sc_schedule *s, const sim_engine_opts *o, sim_result *r, at_err *e);
} sim_engine;
/* The registered engines, NULL-terminated; sim_engine_find(NULL) is the
** analytical engine, an unknown name gives NULL. */
extern const sim_engine *const sim_engines[];
const sim_engine *sim_engine_find(const char *name);

/* sim_eval on a chosen engine (NULL: analytical) with options (NULL: defaults). */
int sim_eval_on(const sim_design *d, const wl_workload *w, int64_t seq_len, const sim_overrides *ov,
                const sim_engine *eng, const sim_engine_opts *o, sim_result *r, at_err *e);

/* Evaluates one point with the analytical engine.  ov may be NULL.
** Returns 0, or -1 with e filled (an impossible mapping names the violated
** constraint: tile larger than the buffer, spatial factor larger than the
** array, an Einsum bound to an array that lacks one of its operations). */
int sim_eval(const sim_design *d, const wl_workload *w, int64_t seq_len,
             const sim_overrides *ov, sim_result *r, at_err *e);

#endif
