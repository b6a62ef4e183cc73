/*
** cmd_cross.c: `attnsim crosscheck`, the two engines on the same points.
** Per point: both cycle counts, the difference, and where the cycle
** engine's busiest array lost time (fill, drain, window, dependency, DRAM,
** buffer ports, full FIFOs) against the
** analytical engine's exposed fill/drain.  Action counts must be
** identical: exit 1 if any differs.
*/
#include "cli.h"
#include "sim.h"
#include "paper.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char cross_help[] =
  "usage: attnsim crosscheck [--designs D,...] [--models M,...] [--seqs LEN,...] [--set NAME=N,...]\n"
  "                          [--mask NAME=FILE] [--window W] [--rows N] [--cols N] [--width-1d N]\n"
  "                          [--buffer BYTES] [--csv]\n\n"
  "Runs the analytical and the cycle engine (fast-forward) on every point and\n"
  "prints both cycle counts, the difference and the cycle engine's idle cycles\n"
  "on its busiest array by cause; exits 1 if any action count differs.\n"
  "  --designs D,...  shipped designs or mapping files (X.yaml; default: the paper's five)\n"
  "  --models M,...   workloads (default: bert,trxl,t5,xlm)\n"
  "  --seqs LEN,...   sequence lengths (default: the paper's six, 1K to 1M)\n"
  "  --set NAME=N,... sizes and densities the mappings name, as for attnsim run\n"
  "  --mask NAME=FILE a file mask's pattern, as for attnsim run\n"
  "  --window W       the cycle engine's window, 1 to 4096 tiles (default: the mapping's, else 2)\n"
  "  --rows/--cols/--width-1d N, --buffer BYTES\n"
  "                   the architecture overrides of `attnsim run`, at every point\n"
  "  --csv            one header line and one row per point\n\n"
  "Columns: analytical, cycle (cycles), diff (cycle - analytical), diff_pct,\n"
  "array (the cycle engine's busiest), busy (its busy cycles), its idle cycles\n"
  "fill, drain, window, dependency, dram, buffer_port, fifo_full, and\n"
  "exposed (analytical cycles - the same array's analytical busy cycles):\n"
  "diff = busy_cycle - busy_analytical + (sum of idle) - exposed.\n";

/* Splits a comma list into at most max items (pointers into buf). */
static int split(char *buf, const char **out, int max) {
  int n = 0;
  for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save)) out[n++] = t;
  return n;
}

int cmd_crosscheck(int argc, char **argv) {
  static const struct option lo[] = {
    { "designs", required_argument, 0, 'd' }, { "models", required_argument, 0, 'm' },
    { "seqs", required_argument, 0, 's' }, { "window", required_argument, 0, 'W' },
    { "rows", required_argument, 0, 'r' }, { "cols", required_argument, 0, 'C' },
    { "width-1d", required_argument, 0, 'w' }, { "buffer", required_argument, 0, 'b' },
    { "set", required_argument, 0, 'S' }, { "mask", required_argument, 0, 'K' },
    { "csv", no_argument, 0, 'v' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  sim_overrides ov = { 0 };
  char dbuf[512] = "", mbuf[256] = "", sbuf[256] = "";
  const char *sets = NULL, *mask = NULL;
  int csv = 0, ch;
  int64_t win = 0;
  at_err e;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(cross_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'd': snprintf(dbuf, sizeof dbuf, "%s", optarg); break;
    case 'm': snprintf(mbuf, sizeof mbuf, "%s", optarg); break;
    case 's': snprintf(sbuf, sizeof sbuf, "%s", optarg); break;
    case 'W': if (cli_opt_size("--window", optarg, 1, 4096, &win, &e)) return cli_fail(&e); break;
    case 'r': if (cli_opt_size("--rows", optarg, 1, INT64_MAX, &ov.rows_2d, &e)) return cli_fail(&e); break;
    case 'C': if (cli_opt_size("--cols", optarg, 1, INT64_MAX, &ov.cols_2d, &e)) return cli_fail(&e); break;
    case 'w': if (cli_opt_size("--width-1d", optarg, 1, INT64_MAX, &ov.width_1d, &e)) return cli_fail(&e); break;
    case 'b': if (cli_opt_size("--buffer", optarg, 1, INT64_MAX, &ov.buffer_bytes, &e)) return cli_fail(&e); break;
    case 'S': sets = optarg; break;
    case 'K': mask = optarg; break;
    case 'v': csv = 1; break;
    case 'h': fputs(cross_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, cross_help);
    }
  }
  if (optind != argc) return cli_usage_error(cross_help, "unexpected argument '%s'", argv[optind]);
  const char *designs[32], *models[32], *seqtxt[32];
  int nd = 0, nm = 0, ns = 0;
  int64_t seqs[32];
  if (dbuf[0]) nd = split(dbuf, designs, 32);
  else for (; paper_designs[nd]; nd++) designs[nd] = paper_designs[nd];
  if (mbuf[0]) nm = split(mbuf, models, 32);
  else for (; paper_models[nm]; nm++) models[nm] = paper_models[nm];
  if (sbuf[0]) {
    ns = split(sbuf, seqtxt, 32);
    for (int i = 0; i < ns; i++)
      if (cli_opt_size("--seqs", seqtxt[i], 1, INT64_MAX, &seqs[i], &e)) return cli_fail(&e);
  } else {
    for (; paper_seqs[ns]; ns++) seqs[ns] = paper_seqs[ns];
  }
  const sim_engine *cyc = sim_engine_find("cycle");
  sim_engine_opts o = { .window = (int)win };
  int differ = 0;
  if (csv) {
    printf("design,model,seq_len,analytical,cycle,diff,diff_pct,array,busy");
    for (int c = 0; c < SIM_S_COUNT; c++) printf(",%s", sim_stall_name[c]);
    printf(",exposed,actions\n");
  } else {
    printf("%-8s %-5s %8s %15s %15s %8s %-3s %6s %6s %6s %6s %6s  actions\n", "design", "model", "seq",
           "analytical", "cycle", "diff%", "arr", "fill%", "drain%", "wind%", "dep%", "dram%");
  }
  for (int i = 0; i < nd; i++) {
    sim_design *d;
    int file = strchr(designs[i], '/') || strstr(designs[i], ".yaml");
    if (file ? sim_design_load(designs[i], NULL, &d, &e) : sim_design_find(designs[i], &d, &e)) return cli_fail(&e);
    if (mask && cli_add_mask(d, mask, &e)) { sim_design_free(d); return cli_fail(&e); }
    for (int j = 0; j < nm; j++) {
      wl_workload w;
      if (cli_load_model(models[j], &w, &e) || (sets && cli_parse_sets(sets, &w, &e))) {
        sim_design_free(d);
        return cli_fail(&e);
      }
      for (int k = 0; k < ns; k++) {
        sim_result ra, rc;
        if (sim_eval_on(d, &w, seqs[k], &ov, NULL, NULL, &ra, &e) || sim_eval_on(d, &w, seqs[k], &ov, cyc, &o, &rc, &e)) {
          sim_design_free(d);
          return cli_fail(&e);
        }
        int same = !memcmp(&ra.act, &rc.act, sizeof ra.act);
        differ |= !same;
        int top = 0;
        for (int a = 1; a < rc.n_arrays; a++) if (rc.array_busy[a] > rc.array_busy[top]) top = a;
        double diff = (double)rc.cycles - (double)ra.cycles, pct = ra.cycles ? 100.0 * diff / (double)ra.cycles : 0;
        int64_t exposed = (int64_t)ra.cycles - (int64_t)ra.array_busy[top];
        if (csv) {
          printf("%s,%s,%lld,%llu,%llu,%.0f,%.4f,%s,%llu", rc.design, rc.model, (long long)seqs[k],
                 (unsigned long long)ra.cycles, (unsigned long long)rc.cycles, diff, pct, rc.array_name[top],
                 (unsigned long long)rc.array_busy[top]);
          for (int c = 0; c < SIM_S_COUNT; c++) printf(",%llu", (unsigned long long)rc.stall[top][c]);
          printf(",%lld,%s\n", (long long)exposed, same ? "identical" : "DIFFER");
        } else {
          double cy = rc.cycles ? (double)rc.cycles : 1;
          printf("%-8s %-5s %8lld %15llu %15llu %+7.2f%% %-3s %5.1f%% %5.1f%% %5.1f%% %5.1f%% %5.1f%%  %s\n", rc.design,
                 rc.model, (long long)seqs[k], (unsigned long long)ra.cycles, (unsigned long long)rc.cycles, pct,
                 rc.array_name[top], 100.0 * (double)rc.stall[top][SIM_S_FILL] / cy,
                 100.0 * (double)rc.stall[top][SIM_S_DRAIN] / cy, 100.0 * (double)rc.stall[top][SIM_S_WINDOW] / cy,
                 100.0 * (double)rc.stall[top][SIM_S_DEPENDENCY] / cy, 100.0 * (double)rc.stall[top][SIM_S_DRAM] / cy,
                 same ? "identical" : "DIFFER");
        }
        fflush(stdout);
      }
    }
    sim_design_free(d);
  }
  if (differ) fprintf(stderr, "attnsim: crosscheck: action counts differ between the engines\n");
  return differ ? AT_EXIT_FAIL : AT_EXIT_OK;
}
