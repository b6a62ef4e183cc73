/*
** cmd_sim.c: `attnsim run`, one design point through the analytical
** engine, printed for people, as CSV or as JSON.  The CSV/JSON writers are
** shared with `attnsim paper` and `attnsim pareto` (cmd_paper.c).
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include "cli.h"
#include "sim.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char run_help[] =
  "usage: attnsim run (--design NAME | --mapping FILE) [--arch FILE] [--energy FILE]\n"
  "                   [--cascade FILE] [--model MODEL] [--seq LEN] [--set NAME=N,...] [--mask NAME=FILE]\n"
  "                   [--rows N] [--cols N] [--width-1d N] [--buffer BYTES] [--bandwidth GiBps]\n"
  "                   [--regs-per-pe N]\n"
  "                   [--engine analytical|cycle|rtl] [--full | --fast-forward] [--window W]\n"
  "                   [--vcd FILE] [--trace FILE] [--trace-limit CYCLES] [--data [--seed S] [--no-emul]]\n"
  "                   [--no-shadow] [--fault-pe ARRAY:ROW,COL] [--csv | --json]\n\n"
  "Evaluates one design point with the analytical engine (default), the\n"
  "SystemC cycle-level engine, or that engine with the Verilated PEs (rtl).\n"
  "  --design NAME    shipped design: fusemax, arch (+Architecture), cascade (+Cascade),\n"
  "                   flat, unfused, linear-fusemax, linear-flat\n"
  "  --mapping FILE   a mapping file (it names its architecture and cascades)\n"
  "  --arch FILE      replace the design's or mapping's architecture\n"
  "  --energy FILE    replace the architecture's energy table (e.g.\n"
  "                   hw/energy-45nm-fixed.yaml, the reference's fixed buffer figure)\n"
  "  --cascade FILE   accepted for symmetry: the cascade must be the one the\n"
  "                   mapping names (a mapping is written for its cascade)\n"
  "  --model MODEL    bert, trxl, t5, xlm, an LLM (llama31-8b, llama31-70b, mistral-7b,\n"
  "                   deepseek-v3, falcon-7b; -decode twins), or a workload YAML file\n"
  "  --seq LEN        sequence length M = P, a positive size: 1024, 1K, 64K, 1M ...\n"
  "                   (a mapping sizing M: CTX, P: NEW runs a decode workload's NEW\n"
  "                   queries against a context of LEN; the paper's designs size\n"
  "                   M = P = LEN whatever the workload's phase)\n"
  "                   (--model and --seq are needed when the mapping uses them)\n"
  "  --set NAME=N,... bind sizes a mapping's expressions name (GEMM: M=..,N=..,K=..)\n"
  "                   and a block mask's density (DENSITY=0.1; 1 for every block)\n"  "  --mask NAME=FILE the pattern of a cascade's `mask NAME[..] file` (einsum/README.md);\n"
  "                   repeat for several masks\n"
  "  --rows/--cols/--width-1d N  override the 2D array's rows and columns and the\n"
  "                   1D array's width (PEs, positive sizes)\n"
  "  --buffer BYTES   override the global buffer (a positive size: 16M, 65536)\n"
  "  --bandwidth GiBps  override DRAM bandwidth, GiB/s: DIGITS or DIGITS.DIGITS (12.5)\n"
  "  --regs-per-pe N  override every array's register words per PE (a positive size)\n"
  "  --engine NAME    analytical (closed form), cycle (SystemC, tile by tile), or rtl:\n"
  "                   the cycle engine with --data whose PEs are the Verilated rtl/\n"
  "                   arrays, each shadowed by a C-twin array compared after every\n"
  "                   clock edge; the first divergence stops the run with the PE\n"
  "                   (array, row, column), the cycle, the operation and both values,\n"
  "                   exit 1 (needs a build with -DATTNSIM_RTL=ON, else exit 2)\n"
  "  --fast-forward   cycle: sleep through busy cycles and extrapolate periodic\n"
  "                   steady states (the default)\n"
  "  --full           cycle: step every cycle and every PE (same results, slower)\n"
  "  --window W       cycle: tiles in flight for pipelined/interleaved phases, 1 to 4096\n"
  "                   (default: the mapping's pipeline.window, else 2)\n"
  "  --vcd FILE       cycle: array-level signals (busy, Einsum, stall cause) for GTKWave\n"
  "  --trace FILE     cycle: Chrome/Perfetto JSON timeline, a track per array and DRAM\n"
  "  --trace-limit N  refuse --vcd/--trace on runs longer than N cycles (default 10M)\n"
  "  --data           cycle: carry fp16 values through the PEs (the C twin of rtl/),\n"
  "                   seeded inputs as `attnsim eval`; prints max_abs_err=, max_rel_err=\n"
  "                   and the output's magnitude against the double reference, and\n"
  "                   exits 1 if an element is off by more than its derived error\n"
  "                   bound, or where the mapping folds sums in the interpreter's\n"
  "                   order, if it differs from the fp16 emulation of that order\n"
  "                   (sim/README.md \"Data mode\"); same timing as without; the values\n"
  "                   move at the engine's cycles: an operand read before it arrived,\n"
  "                   or a PE not ready when its operation is due, exits 1 (timing)\n"
  "  --seed S         data: the inputs' seed (default 1, as `attnsim eval`)\n"
  "  --no-emul        data: skip the fp16 emulation of the interpreter's order (a quarter\n"
  "                   to a third of the time; reports emul_exact=0: nothing compared)\n"
  "  --no-shadow      rtl: run the Verilated PEs alone, no C-twin shadow and no\n"
  "                   comparison (to measure the RTL's own speed)\n"
  "  --fault-pe ARRAY:ROW,COL  rtl: build that PE of that array (e.g. 2d:3,5; a 1D\n"
  "                   array's row is 0) with the FAULT=1 rounder, which drops the\n"
  "                   sticky bit: a check of the check, the run must stop at it\n"
  "  --csv            one header line and one row\n"
  "  --json           one JSON object with every metric\n\n"
  CLI_HELP_NUMBERS;

void cli_csv_header(FILE *f, int with_study) {
  fprintf(f, "%sdesign,model,seq_len,latency_s,cycles,energy_pj,traffic_bytes,util_2d,util_1d,"
             "compute_cycles,memory_cycles,buffer_bytes,area_um2,bound,tiling",
          with_study ? "study," : "");
  for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, ",energy_%s_pj", sim_component_name[k]);
  fputc('\n', f);
}

void cli_csv_row(FILE *f, const char *study, const sim_result *r) {
  if (study) fprintf(f, "%s,", study);
  fprintf(f, "%s,%s,%lld,%.9g,%llu,%.9g,%llu,%.6f,%.6f,%llu,%llu,%llu,%.6g,%s,%s", r->design, r->model,
          (long long)r->seq_len, r->latency_s, (unsigned long long)r->cycles, r->energy_pJ,
          (unsigned long long)r->traffic_bytes, r->util_2d, r->util_1d, (unsigned long long)r->compute_cycles,
          (unsigned long long)r->memory_cycles, (unsigned long long)r->buffer_bytes, r->area_um2, r->bound,
          r->tiling);
  for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, ",%.9g", r->energy_by[k]);
  fputc('\n', f);
}

void cli_json_result(FILE *f, const sim_result *r) {
  fprintf(f, "{\"design\":");
  cli_json_str(f, r->design);
  fprintf(f, ",\"model\":");
  cli_json_str(f, r->model);
  fprintf(f, ",\"engine\":");
  cli_json_str(f, r->engine);
  fprintf(f, ",\"seq_len\":%lld,\"latency_s\":%.9g,\"cycles\":%llu,\"compute_cycles\":%llu,"
             "\"memory_cycles\":%llu,\"energy_pj\":%.9g,\"traffic_bytes\":%llu,\"buffer_bytes\":%llu,"
             "\"util_2d\":%.6f,\"util_1d\":%.6f,\"area_um2\":%.6g,\"bound\":",
          (long long)r->seq_len, r->latency_s, (unsigned long long)r->cycles,
          (unsigned long long)r->compute_cycles, (unsigned long long)r->memory_cycles, r->energy_pJ,
          (unsigned long long)r->traffic_bytes, (unsigned long long)r->buffer_bytes, r->util_2d, r->util_1d,
          r->area_um2);
  cli_json_str(f, r->bound);
  fprintf(f, ",\"tiling\":");
  cli_json_str(f, r->tiling);
  fprintf(f, ",\"energy_by\":{");
  for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, "%s\"%s\":%.9g", k ? "," : "", sim_component_name[k], r->energy_by[k]);
  fprintf(f, "},\"arrays\":[");
  for (int k = 0; k < r->n_arrays; k++) {
    fprintf(f, "%s{\"name\":", k ? "," : "");
    cli_json_str(f, r->array_name[k]);
    fprintf(f, ",\"busy_cycles\":%llu,\"util\":%.6f}", (unsigned long long)r->array_busy[k], r->array_util[k]);
  }
  fprintf(f, "],\"einsums\":[");
  for (int k = 0; k < r->n_einsums; k++) {
    const sim_einsum_result *x = &r->einsum[k];
    fprintf(f, "%s{\"name\":", k ? "," : "");
    cli_json_str(f, x->name);
    fprintf(f, ",\"array\":");
    cli_json_str(f, x->array);
    fprintf(f, ",\"busy_cycles\":%llu,\"util\":%.6f,\"energy_pj\":%.9g}", (unsigned long long)x->busy_cycles,
            x->util, x->energy_pJ);
  }
  /* exact action counts (both engines) and idle cycles by cause (cycle engine) */
  fprintf(f, "],\"actions\":{\"arrays\":[");
  for (int k = 0; k < r->n_arrays; k++) {
    const sim_array_actions *a = &r->act.array[k];
    fprintf(f, "%s{\"name\":", k ? "," : "");
    cli_json_str(f, r->array_name[k]);
    fprintf(f, ",\"ops\":{");
    for (int o = 0; o < HW_OP_COUNT; o++) fprintf(f, "%s\"%s\":%llu", o ? "," : "", hw_op_name((hw_op)o), (unsigned long long)a->ops[o]);
    fprintf(f, "},\"pe_cycles\":%llu,\"rf_reads\":%llu,\"edge_operands\":%llu,\"rf_writes\":%llu,\"forwarded\":%llu,"
               "\"stall_cycles\":{", (unsigned long long)a->pe_cycles, (unsigned long long)a->rf_reads,
            (unsigned long long)a->edge_operands, (unsigned long long)a->rf_writes, (unsigned long long)a->forwarded);
    for (int c = 0; c < SIM_S_COUNT; c++)
      fprintf(f, "%s\"%s\":%llu", c ? "," : "", sim_stall_name[c], (unsigned long long)r->stall[k][c]);
    fprintf(f, "}}");
  }
  fprintf(f, "],\"buffer_read_bytes\":%llu,\"buffer_write_bytes\":%llu,\"buffer_row_reads\":%llu,"
             "\"buffer_row_writes\":%llu,\"dram_read_bytes\":%llu,\"dram_write_bytes\":%llu}",
          (unsigned long long)r->act.buffer_read_bytes, (unsigned long long)r->act.buffer_write_bytes,
          (unsigned long long)r->act.buffer_row_reads, (unsigned long long)r->act.buffer_row_writes,
          (unsigned long long)r->act.dram_read_bytes, (unsigned long long)r->act.dram_write_bytes);
  if (r->data.on) {
    /* the data mode's comparison; a value that is not finite is null */
    const double v[6] = { r->data.max_abs_err, r->data.max_rel_err, r->data.max_ref, r->data.max_bound,
                          r->data.worst, r->data.emul_max_abs_err };
    static const char *const k[6] = { "max_abs_err", "max_rel_err", "max_ref", "max_bound", "err_over_bound",
                                       "emul_max_abs_err" };
    fprintf(f, ",\"data\":{");
    for (int i = 0; i < 6; i++) {
      if (isfinite(v[i])) fprintf(f, "\"%s\":%.9g,", k[i], v[i]);
      else fprintf(f, "\"%s\":null,", k[i]);
    }
    fprintf(f, "\"digest\":\"%016llx\",\"emul_mismatch\":%llu,\"emul_exact\":%d,\"pe_edges\":%llu,"
               "\"engine_pe_cycles\":%llu,\"last_cycle\":%llu,\"late_ops\":%llu,\"late_max\":%llu,"
               "\"elastic_fires\":%llu}",
            (unsigned long long)r->data.digest, (unsigned long long)r->data.emul_mismatch, r->data.emul_exact,
            (unsigned long long)r->data.pe_edges, (unsigned long long)r->data.engine_pe_cycles,
            (unsigned long long)r->data.last_cycle, (unsigned long long)r->data.late_ops,
            (unsigned long long)r->data.late_max, (unsigned long long)r->data.elastic_fires);
  }
  fprintf(f, "}\n");
}

void cli_print_result(FILE *f, const sim_result *r) {
  fprintf(f, "%s on %s, %lld tokens (%s engine)\n", r->design, r->model, (long long)r->seq_len, r->engine);
  fprintf(f, "  latency     %.6g s (%llu cycles; compute %llu, memory %llu; bound: %s)\n", r->latency_s,
          (unsigned long long)r->cycles, (unsigned long long)r->compute_cycles,
          (unsigned long long)r->memory_cycles, r->bound);
  fprintf(f, "  tiling      %s\n", r->tiling[0] ? r->tiling : "-");
  for (int k = 0; k < r->n_arrays; k++)
    fprintf(f, "  array %-5s util %.4f (busy %llu cycles)\n", r->array_name[k], r->array_util[k],
            (unsigned long long)r->array_busy[k]);
  fprintf(f, "  DRAM        %.6g bytes; buffer %.6g bytes\n", (double)r->traffic_bytes, (double)r->buffer_bytes);
  fprintf(f, "  energy      %.6g pJ:", r->energy_pJ);
  for (int k = 0; k < SIM_C_COUNT; k++) fprintf(f, " %s %.3g", sim_component_name[k], r->energy_by[k]);
  fprintf(f, "\n  area        %.6g mm^2\n  per Einsum:\n", r->area_um2 / 1e6);
  for (int k = 0; k < r->n_einsums; k++)
    fprintf(f, "    %-22s %-3s busy %14llu  util %.4f  energy %.4g pJ\n", r->einsum[k].name,
            r->einsum[k].array, (unsigned long long)r->einsum[k].busy_cycles, r->einsum[k].util,
            r->einsum[k].energy_pJ);
}

int cli_load_model(const char *name, wl_workload *w, at_err *e) {
  if (strchr(name, '/') || strstr(name, ".yaml")) return wl_load(name, w, e);
  return wl_find(name, NULL, w, e);
}

/* --set M=1000,N=64,K=8: names a mapping's size expressions may use. */
/* --mask NAME=FILE: a file mask's pattern for every evaluation of d. */
int cli_add_mask(sim_design *d, const char *arg, at_err *e) {
  const char *eq = strchr(arg, '=');
  char name[64];
  if (!eq || eq == arg || !eq[1] || (size_t)(eq - arg) >= sizeof name)
    return at_errf(e, "--mask: expected NAME=FILE, got '%s'", arg);
  memcpy(name, arg, (size_t)(eq - arg));
  name[eq - arg] = 0;
  return sim_design_set_mask(d, name, eq + 1, e);
}

int cli_parse_sets(const char *arg, wl_workload *w, at_err *e) {
  char buf[512];
  if (strlen(arg) >= sizeof buf) return at_errf(e, "--set: too long");
  memcpy(buf, arg, strlen(arg) + 1);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    size_t n = eq ? (size_t)(eq - tok) : 0;
    if (!eq || n == 0 || n >= sizeof w->set[0].name || strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789") != n)
      return at_errf(e, "--set: expected NAME=SIZE, got '%s'", tok);
    if (w->nset == WL_MAX_SET) return at_errf(e, "--set: at most %d sizes", WL_MAX_SET);
    wl_size *z = &w->set[w->nset];
    memcpy(z->name, tok, n);
    z->name[n] = 0;
    for (int i = 0; i < w->nset; i++)
      if (!strcmp(w->set[i].name, z->name)) return at_errf(e, "--set: %s given twice", z->name);
    z->density = 0;
    if (wl_parse_seq(eq + 1, &z->value, e)) {
      /* 0.DIGITS: a mask's density, which only a cascade's mask takes */
      const char *v = eq + 1;
      if (v[0] != '0' || v[1] != '.' || !v[2] || strspn(v + 2, "0123456789") != strlen(v + 2) || !(strtod(v, NULL) > 0))
        return at_errf(e, "--set %s: expected a positive size or a density 0.DIGITS, got '%s'", z->name, v);
      z->value = 0;
      z->density = strtod(v, NULL);
    }
    w->nset++;
  }
  return 0;
}

int cmd_run(int argc, char **argv) {
  static const struct option lo[] = {
    { "design", required_argument, 0, 'd' }, { "mapping", required_argument, 0, 'm' },
    { "arch", required_argument, 0, 'a' }, { "cascade", required_argument, 0, 'c' },
    { "model", required_argument, 0, 'M' }, { "seq", required_argument, 0, 's' },
    { "rows", required_argument, 0, 'r' }, { "cols", required_argument, 0, 'C' },
    { "width-1d", required_argument, 0, 'w' }, { "buffer", required_argument, 0, 'b' },
    { "bandwidth", required_argument, 0, 'B' }, { "csv", no_argument, 0, 'v' },
    { "regs-per-pe", required_argument, 0, 'R' },
    { "json", no_argument, 0, 'j' }, { "energy", required_argument, 0, 'e' },
    { "engine", required_argument, 0, 'E' }, { "full", no_argument, 0, 'F' },
    { "fast-forward", no_argument, 0, 'f' }, { "window", required_argument, 0, 'W' },
    { "set", required_argument, 0, 'S' }, { "vcd", required_argument, 0, 'V' },
    { "trace", required_argument, 0, 'T' }, { "trace-limit", required_argument, 0, 'L' },
    { "mask", required_argument, 0, 'K' },
    { "data", no_argument, 0, 'D' }, { "seed", required_argument, 0, 'Z' },
    { "no-shadow", no_argument, 0, 'N' }, { "no-emul", no_argument, 0, 'U' }, { "fault-pe", required_argument, 0, 'P' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *design = NULL, *mapping = NULL, *arch = NULL, *cascade = NULL, *model = NULL;
  const char *energy = NULL, *sets = NULL, *masks[SIM_MAX_MASKS + 1];
  int csv = 0, json = 0, ch, full = 0, ff = 0, nmask = 0, seeded = 0;
  char fault_array[16];
  int64_t len = 0, win = 0;
  const sim_engine *eng = sim_engine_find(NULL);
  sim_engine_opts eo = { 0 };
  sim_overrides ov = { 0 };
  at_err e;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(run_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'd': design = optarg; break;
    case 'm': mapping = optarg; break;
    case 'a': arch = optarg; break;
    case 'c': cascade = optarg; break;
    case 'e': energy = optarg; break;
    case 'M': model = optarg; break;
    case 'v': csv = 1; break;
    case 'j': json = 1; break;
    case 's': if (cli_opt_size("--seq", optarg, 1, INT64_MAX, &len, &e)) return cli_fail(&e); break;
    case 'r': if (cli_opt_size("--rows", optarg, 1, INT64_MAX, &ov.rows_2d, &e)) return cli_fail(&e); break;
    case 'C': if (cli_opt_size("--cols", optarg, 1, INT64_MAX, &ov.cols_2d, &e)) return cli_fail(&e); break;
    case 'w': if (cli_opt_size("--width-1d", optarg, 1, INT64_MAX, &ov.width_1d, &e)) return cli_fail(&e); break;
    case 'b': if (cli_opt_size("--buffer", optarg, 1, INT64_MAX, &ov.buffer_bytes, &e)) return cli_fail(&e); break;
    case 'R': if (cli_opt_size("--regs-per-pe", optarg, 1, HW_DIM_MAX, &ov.regs_per_pe, &e)) return cli_fail(&e); break;
    case 'B': {
      double g;
      if (cli_opt_real("--bandwidth", optarg, "GiB/s", &g, &e)) return cli_fail(&e);
      ov.bandwidth_Bps = g * 1073741824.0;
      break;
    }
    case 'E':
      if (!(eng = sim_engine_find(optarg)))
        return cli_usage_error(run_help, "--engine: unknown engine '%s' (analytical, cycle, rtl)", optarg);
      if (!strcmp(eng->name, "rtl") && !sim_rtl_available()) {
        fprintf(stderr, "attnsim: --engine rtl: this build has no RTL co-simulation (configure with "
                        "-DATTNSIM_RTL=ON)\n");
        return AT_EXIT_INPUT;
      }
      if (!strcmp(eng->name, "cycle-data"))
        return cli_usage_error(run_help, "--engine: say --engine cycle --data for '%s'", optarg);
      break;
    case 'S': sets = optarg; break;
    case 'K': if (nmask <= SIM_MAX_MASKS) masks[nmask++] = optarg; break;
    case 'V': eo.vcd = optarg; break;
    case 'T': eo.trace = optarg; break;
    case 'L': if (cli_opt_u64("--trace-limit", optarg, &eo.trace_limit, &e)) return cli_fail(&e); break;
    case 'F': full = 1; break;
    case 'D': eo.data = 1; break;
    case 'Z': if (cli_opt_u64("--seed", optarg, &eo.seed, &e)) return cli_fail(&e); seeded = 1; break;
    case 'N': eo.no_shadow = 1; break;
    case 'U': eo.no_emul = 1; break;
    case 'P': {
      /* ARRAY:ROW,COL */
      const char *colon = strchr(optarg, ':'), *comma = colon ? strchr(colon, ',') : NULL;
      char num[24];
      if (!colon || colon == optarg || (size_t)(colon - optarg) >= sizeof fault_array || !comma ||
          (size_t)(comma - colon - 1) >= sizeof num)
        return cli_usage_error(run_help, "--fault-pe: expected ARRAY:ROW,COL (e.g. 2d:3,5), got '%s'", optarg);
      memcpy(fault_array, optarg, (size_t)(colon - optarg));
      fault_array[colon - optarg] = 0;
      memcpy(num, colon + 1, (size_t)(comma - colon - 1));
      num[comma - colon - 1] = 0;
      uint64_t row, col;
      if (cli_opt_u64("--fault-pe row", num, &row, &e) || cli_opt_u64("--fault-pe column", comma + 1, &col, &e))
        return cli_fail(&e);
      if (row > INT32_MAX || col > INT32_MAX)
        return cli_usage_error(run_help, "--fault-pe: row or column out of range in '%s'", optarg);
      eo.fault_row = (int64_t)row;
      eo.fault_col = (int64_t)col;
      eo.fault_array = fault_array;
      break;
    }
    case 'f': ff = 1; break;
    case 'W': if (cli_opt_size("--window", optarg, 1, 4096, &win, &e)) return cli_fail(&e); break;
    case 'h': fputs(run_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, run_help);
    }
  }
  if (!strcmp(eng->name, "rtl")) eo.data = 1;   /* rtl is data mode with other PEs */
  const char *why = optind != argc ? "unexpected argument '%s'"
                  : !design == !mapping ? "run needs exactly one of --design and --mapping"
                  /* every shipped design needs both; a mapping file may need neither */
                  : design && !model ? "run needs --model" : design && !len ? "run needs --seq"
                  : csv && json ? "give at most one of --csv and --json"
                  : full && ff ? "give at most one of --full and --fast-forward"
                  : (full || ff || win || eo.vcd || eo.trace || eo.trace_limit) && strcmp(eng->name, "cycle")
                    ? "--full, --fast-forward, --window, --vcd, --trace and --trace-limit need --engine cycle"
                  : eo.data && strcmp(eng->name, "cycle") && strcmp(eng->name, "rtl")
                    ? "--data needs --engine cycle (--engine rtl implies it)"
                  : (eo.no_shadow || eo.fault_array) && strcmp(eng->name, "rtl")
                    ? "--no-shadow and --fault-pe need --engine rtl"
                  : eo.no_shadow && eo.fault_array ? "--fault-pe needs the shadow: drop --no-shadow"
                  : seeded && !eo.data ? "--seed needs --data"
                  : eo.no_emul && !eo.data && strcmp(eng->name, "rtl") ? "--no-emul needs --data"
                  : NULL;
  if (why) return cli_usage_error(run_help, why, argv[optind < argc ? optind : 0]);
  eo.full = full;
  if (!seeded) eo.seed = 1;
  eo.window = (int)win;
  wl_workload w;
  memset(&w, 0, sizeof w);
  snprintf(w.name, sizeof w.name, "none");
  if ((model && cli_load_model(model, &w, &e)) || (sets && cli_parse_sets(sets, &w, &e))) return cli_fail(&e);
  sim_design *d;
  if (design ? sim_design_find_on(design, arch, &d, &e) : sim_design_load(mapping, arch, &d, &e)) return cli_fail(&e);
  if (energy && sim_design_set_energy(d, energy, &e)) { sim_design_free(d); return cli_fail(&e); }
  for (int i = 0; i < nmask; i++)
    if (cli_add_mask(d, masks[i], &e)) { sim_design_free(d); return cli_fail(&e); }
  if (cascade) {
    int match = 0;
    for (int i = 0; i < sim_design_ncascades(d); i++) {
      char *a = realpath(cascade, NULL), *b = realpath(sim_design_cascade_path(d, i), NULL);
      match |= a && b && !strcmp(a, b);
      free(a);
      free(b);
    }
    if (!match) {
      fprintf(stderr, "attnsim: --cascade %s is not a cascade of mapping %s (it uses %s)\n", cascade,
              sim_design_mapping_path(d), sim_design_cascade_path(d, 0));
      sim_design_free(d);
      return AT_EXIT_INPUT;
    }
  }
  sim_result r;
  int rc = sim_eval_on(d, &w, len, &ov, eng, &eo, &r, &e);
  sim_design_free(d);
  if (rc && r.data.diverged) {
    /* the RTL disagreed with its C twin: a failed check, not bad input */
    fprintf(stderr, "%s\n", e.msg);
    return AT_EXIT_FAIL;
  }
  if (rc) return cli_fail(&e);
  if (eo.data && !strcmp(eng->name, "cycle")) snprintf(r.engine, sizeof r.engine, "cycle-data");
  if (csv && eo.data) {
    /* the row gains the data mode's errors */
    char *h = NULL, *row = NULL;
    size_t hn = 0, rn = 0;
    FILE *hf = open_memstream(&h, &hn), *rf = hf ? open_memstream(&row, &rn) : NULL;
    if (!hf || !rf) { if (hf) fclose(hf); fprintf(stderr, "attnsim: out of memory\n"); return AT_EXIT_INPUT; }
    cli_csv_header(hf, 0);
    cli_csv_row(rf, NULL, &r);
    fclose(hf);
    fclose(rf);
    printf("%.*s,max_abs_err,max_rel_err\n%.*s,%.9g,%.9g\n", (int)(hn ? hn - 1 : 0), h, (int)(rn ? rn - 1 : 0), row,
           r.data.max_abs_err, r.data.max_rel_err);
    free(h);
    free(row);
  } else if (csv) { cli_csv_header(stdout, 0); cli_csv_row(stdout, NULL, &r); }
  else if (json) cli_json_result(stdout, &r);
  else cli_print_result(stdout, &r);
  if (eo.data) {
    FILE *f = csv || json ? stderr : stdout;
    fprintf(f, "data: max_abs_err=%.6g max_rel_err=%.6g max_ref=%.6g max_bound=%.6g err_over_bound=%.6g pe_edges=%llu "
               "engine_pe_cycles=%llu last_cycle=%llu late_ops=%llu late_max=%llu elastic_fires=%llu "
               "emul_mismatch=%llu emul_exact=%d emul_max_abs_err=%.6g digest=%016llx\n",
            r.data.max_abs_err, r.data.max_rel_err, r.data.max_ref, r.data.max_bound, r.data.worst,
            (unsigned long long)r.data.pe_edges, (unsigned long long)r.data.engine_pe_cycles,
            (unsigned long long)r.data.last_cycle, (unsigned long long)r.data.late_ops,
            (unsigned long long)r.data.late_max, (unsigned long long)r.data.elastic_fires,
            (unsigned long long)r.data.emul_mismatch, r.data.emul_exact,
            r.data.emul_max_abs_err, (unsigned long long)r.data.digest);
    if (!(r.data.worst <= 1)) {
      fprintf(stderr, "attnsim: data: an output element is off by %.6g times its error bound: the PEs' values are wrong\n",
              r.data.worst);
      return AT_EXIT_FAIL;
    }
    if (r.data.emul_exact && r.data.emul_mismatch) {
      fprintf(stderr, "attnsim: data: %llu output elements differ from the fp16 emulation of the same order: "
                      "the PEs' values are wrong\n", (unsigned long long)r.data.emul_mismatch);
      return AT_EXIT_FAIL;
    }
  }
  return AT_EXIT_OK;
}
