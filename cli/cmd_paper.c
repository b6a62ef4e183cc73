/*
** cmd_paper.c: `attnsim paper` (the FuseMax paper's attention and
** end-to-end studies and their summary) and `attnsim pareto` (FuseMax over
** square array sizes).  Every number comes from sim_eval on the shipped
** mapping files; this file only chooses points and averages ratios.
*/
#include "cli.h"
#include "paper.h"
#include "sim.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char paper_help[] =
  "usage: attnsim paper [--csv] [--energy FILE] [--accounting NAME|FILE] [--ledger]\n\n"
  "Reproduces the FuseMax paper (MICRO 2024): the attention study (designs\n"
  "unfused, flat, cascade (+Cascade), arch (+Architecture), fusemax (+Binding)\n"
  "x models bert, trxl, t5, xlm x lengths 1K 4K 16K 64K 256K 1M), the\n"
  "end-to-end study (one encoder layer: attention plus the Q, K, V, output\n"
  "and FFN linear layers, for unfused, flat and fusemax), and a summary:\n"
  "mean per-point speedup and energy ratio of FuseMax over FLAT and over\n"
  "unfused, overall and per model.\n\n"
  "  --csv          one row per (study, design, model, seq_len); no summary\n"
  "  --energy FILE  price every design with this energy table instead of the\n"
  "                 one its architecture names (e.g. hw/energy-45nm-fixed.yaml);\n"
  "                 a variant that sets a design's table wins for that design\n"
  "  --accounting NAME|FILE  run the studies under an accounting: named variants\n"
  "                 that replace mappings, architectures, energy tables, the\n"
  "                 buffer size, register pricing or how buffer reads are\n"
  "                 counted per design (sim/accounting/, sim/README.md\n"
  "                 \"Accountings\"); `artifact` is the FuseMax\n"
  "                 artifact's own accounting\n"
  "  --ledger       instead of the studies, print per study and design what each\n"
  "                 variant of the accounting (default: artifact) changes, in %\n"
  "                 of the default model: applied alone on the default, removed\n"
  "                 alone from the accounting, and the residual (interactions)\n";

static const char pareto_help[] =
  "usage: attnsim pareto --model MODEL --seq LEN [--dims D,D,...] [--csv] [--energy FILE]\n\n"
  "FuseMax (+Binding) with square 2D arrays of each size D x D and a 1D array\n"
  "of width D.  The global buffer is resized with the array: it keeps the\n"
  "published 16 MiB per 256x256 PEs, i.e. 16 MiB x (D/256)^2, so each PE\n"
  "keeps the same share of buffer (and, with the default energy table, its\n"
  "energy per access follows its capacity).  Prints latency, area, energy and\n"
  "utilization, once every size has been evaluated.\n\n"
  "  --model MODEL  bert, trxl, t5, xlm, an LLM of experiments/workloads,\n"
  "                 or a workload YAML file\n"
  "  --seq LEN      sequence length M = P, a positive size: 1024, 1K, 64K ...\n"
  "  --dims LIST    array sizes D, comma-separated whole numbers from 1 to 8192,\n"
  "                 at most 64 (default 16,32,64,128,256,512)\n"
  "  --csv          one header line and one row per size\n"
  "  --energy FILE  price with this energy table instead of the default\n\n"
  CLI_HELP_NUMBERS;

int cmd_paper(int argc, char **argv) {
  static const struct option lo[] = {
    { "csv", no_argument, 0, 'c' }, { "energy", required_argument, 0, 'e' },
    { "accounting", required_argument, 0, 'a' }, { "ledger", no_argument, 0, 'l' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  int csv = 0, ledger = 0, ch;
  const char *energy = NULL, *accounting = NULL;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(paper_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'c': csv = 1; break;
    case 'e': energy = optarg; break;
    case 'a': accounting = optarg; break;
    case 'l': ledger = 1; break;
    case 'h': fputs(paper_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, paper_help);
    }
  }
  if (optind != argc) return cli_usage_error(paper_help, "unexpected argument '%s'", argv[optind]);
  if (ledger && csv) return cli_usage_error(paper_help, "give at most one of --csv and --ledger", NULL);
  paper_accounting *acc = NULL;
  paper_run *p;
  at_err e;
  if ((accounting || ledger) && paper_accounting_load(accounting ? accounting : "artifact", &acc, &e))
    return cli_fail(&e);
  if (ledger) {
    /* computed whole before the first line, so an error prints nothing */
    paper_ledger *l = malloc(sizeof *l);
    int rc = !l ? cli_fail(&(const at_err){ "attnsim: out of memory" })
           : paper_ledger_compute(acc, energy, l, &e) ? cli_fail(&e) : AT_EXIT_OK;
    if (!rc) paper_ledger_print(stdout, acc, l);
    free(l);
    paper_accounting_free(acc);
    return rc;
  }
  paper_config cfg = { energy, acc, paper_all(acc), NULL };
  int failed = paper_compute_config(&p, &cfg, &e);
  paper_accounting_free(acc);
  if (failed) return cli_fail(&e);
  if (csv) {
    cli_csv_header(stdout, 1);
    for (int i = 0; i < p->n; i++) cli_csv_row(stdout, p->pt[i].study, &p->pt[i].r);
  } else {
    paper_print(stdout, p);
  }
  paper_free(p);
  return AT_EXIT_OK;
}

/* Most array sizes one --dims takes (a longer list is more likely a typo),
** and the largest, paper_pareto_overrides' bound. */
#define PARETO_MAX_DIMS 64
#define PARETO_MAX_DIM 8192

int cmd_pareto(int argc, char **argv) {
  static const struct option lo[] = {
    { "model", required_argument, 0, 'M' }, { "seq", required_argument, 0, 's' },
    { "dims", required_argument, 0, 'd' }, { "csv", no_argument, 0, 'c' },
    { "energy", required_argument, 0, 'e' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *model = NULL, *dims = "16,32,64,128,256,512", *energy = NULL;
  int csv = 0, ch, ndims = 0;
  int64_t len = 0, dim[PARETO_MAX_DIMS];
  at_err e;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(pareto_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'M': model = optarg; break;
    case 's': if (cli_opt_size("--seq", optarg, 1, INT64_MAX, &len, &e)) return cli_fail(&e); break;
    case 'd': dims = optarg; break;
    case 'e': energy = optarg; break;
    case 'c': csv = 1; break;
    case 'h': fputs(pareto_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, pareto_help);
    }
  }
  const char *why = optind != argc ? "unexpected argument '%s'" : !model ? "pareto needs --model"
                  : !len ? "pareto needs --seq" : NULL;
  if (why) return cli_usage_error(pareto_help, why, argv[optind < argc ? optind : 0]);
  if (cli_opt_list("--dims", dims, 1, PARETO_MAX_DIM, dim, PARETO_MAX_DIMS, &ndims, &e)) return cli_fail(&e);
  wl_workload w;
  if (cli_load_model(model, &w, &e)) return cli_fail(&e);
  sim_design *d;
  if (sim_design_find(paper_subject, &d, &e)) return cli_fail(&e);   /* the paper's design */
  if (energy && sim_design_set_energy(d, energy, &e)) { sim_design_free(d); return cli_fail(&e); }
  /* Every point is evaluated before the first line is printed: an error
  ** at any size leaves stdout empty. */
  sim_result *r = malloc(sizeof *r * (size_t)ndims);
  sim_overrides *ov = malloc(sizeof *ov * (size_t)ndims);
  int rc = AT_EXIT_OK;
  if (!r || !ov) rc = cli_fail(&(const at_err){ "attnsim: out of memory" });
  for (int i = 0; i < ndims && !rc; i++)
    if (paper_pareto_overrides(dim[i], &ov[i], &e) || sim_eval(d, &w, len, &ov[i], &r[i], &e))
      rc = cli_fail(&e);
  sim_design_free(d);
  if (!rc && csv) printf("dim,latency_s,cycles,area_um2,buffer_bytes,util_2d,util_1d,energy_pj,tiling\n");
  else if (!rc)
    printf("FuseMax on %s, %lld tokens: square arrays, buffer = 16 MiB x (D/256)^2\n"
           "%6s %14s %14s %12s %12s %8s %8s  %s\n", w.name, (long long)len, "D", "latency_s", "area_mm2",
           "buffer", "energy_J", "util_2d", "util_1d", "tiling");
  for (int i = 0; i < ndims && !rc; i++) {
    if (csv)
      printf("%lld,%.9g,%llu,%.6g,%lld,%.6f,%.6f,%.9g,%s\n", (long long)dim[i], r[i].latency_s,
             (unsigned long long)r[i].cycles, r[i].area_um2, (long long)ov[i].buffer_bytes, r[i].util_2d,
             r[i].util_1d, r[i].energy_pJ, r[i].tiling);
    else
      printf("%6lld %14.6g %14.6g %10lldKi %12.6g %8.4f %8.4f  %s\n", (long long)dim[i], r[i].latency_s,
             r[i].area_um2 / 1e6, (long long)(ov[i].buffer_bytes >> 10), r[i].energy_pJ * 1e-12, r[i].util_2d,
             r[i].util_1d, r[i].tiling);
  }
  free(r);
  free(ov);
  return rc;
}
