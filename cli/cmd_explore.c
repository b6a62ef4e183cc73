/*
** cmd_explore.c: `attnsim explore`, architecture search under an area
** budget with the mapper inside.  Varies a base architecture's 2D array
** (rows, columns), 1D width and buffer size over a grid, keeps those
** within the area budget (hw/'s area model), maps the cascade onto each
** (map_search) and prints every design and the Pareto front of latency,
** energy and area.
*/
#include "cli.h"
#include "config.h"
#include "mapper.h"
#include "sim_bound.h"
#include "store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char explore_help[] =
  "usage: attnsim explore --cascade FILE --arch FILE --area-budget MM2 --model MODEL --seq LEN\n"
  "                       [--dims N,...] [--capacities BYTES,...] [--regs N,...]\n"
  "                       [--objective latency|energy|edp]\n"
  "                       [--budget N] [--seed S] [--jobs N] [--db FILE]\n\n"
  "Searches architectures under an area budget, mapping the cascade onto each with the mapper.\n"
  "  --cascade FILE     the cascade (.einsum)\n"
  "  --arch FILE        the base architecture: its PEs, energy and area tables; it needs\n"
  "                     arrays named 2d and 1d\n"
  "  --area-budget MM2  keep designs of at most this area, mm^2: DIGITS or DIGITS.DIGITS\n"
  "  --model MODEL      bert, trxl, t5, xlm, an LLM of experiments/workloads,\n"
  "                     or a workload YAML file\n"
  "  --seq LEN          sequence length (a positive size: 1K, 64K, 1M)\n"
  "  --dims N,...       2D rows and columns to try, each pair (default 64,128,256,512);\n"
  "                     the 1D width is the columns, half or a quarter of them\n"
  "  --capacities B,... global buffer sizes to try, bytes (default 8M,16M,32M)\n"
  "  --regs N,...       register words per PE to try, in every array (default: the base's);\n"
  "                     the mapper prunes mappings whose held values do not fit them\n"
  "  --objective O      what the mapper minimises and the best design is chosen by:\n"
  "                     latency (default), energy or edp\n"
  "  --budget N         mappings the mapper considers per architecture (default 20000)\n"
  "  --seed S           the mapper's seed (default 1)\n"
  "  --jobs N           the mapper's threads, 1 to 64 (default 1)\n"
  "  --db FILE          also store every design (its best mapping, written to\n"
  "                     FILE.mappings/, evaluated with the design's array and\n"
  "                     buffer sizes as overrides) in this results database\n"
  "Prints each architecture within the budget with its best mapping's latency, energy and\n"
  "area, marks the Pareto front (no other design is as good in all three), and the best by\n"
  "the objective.  Exit status 2 when the area budget is\n"
  "below every design of the grid or no design can be mapped.\n\n"
  CLI_HELP_NUMBERS;

typedef struct design {
  int64_t rows, cols, width, buffer;   /* PEs, PEs, PEs, bytes */
  int64_t regs;                        /* register words per PE of the 2D array (words) */
  int64_t regs_ov;                     /* words per PE set in every array; 0: the base's */
  double area_mm2, latency_s, energy_pJ, score;
  char bound[16];
  int front;
} design;

/* Writes design x's best mapping into mdir, evaluates it as a user's
** `attnsim run --mapping FILE --arch BASE --rows .. --cols .. --width-1d ..
** --buffer ..` would, and stores the point (keyed by the mapping file's
** hash, among the others). */
static int store_design(rs_store *st, const char *mdir, const map_search_result *res, const char *arch,
                        const wl_workload *w, int64_t seq, const design *x, at_err *e) {
  char path[1200];
  snprintf(path, sizeof path, "%s/explore-%lldx%lld-%lld-%lld-r%lld.yaml", mdir, (long long)x->rows,
           (long long)x->cols, (long long)x->width, (long long)x->buffer, (long long)x->regs);
  if (strlen(path) >= sizeof ((rs_config *)0)->design) return at_errf(e, "%s: path too long for the results store", path);
  if (map_write(res->best, path, e)) return -1;
  sim_design *sd;
  if (sim_design_load(path, arch, &sd, e)) return -1;
  rs_config c;
  memset(&c, 0, sizeof c);
  memcpy(c.design, path, strlen(path) + 1);
  c.wl = *w;
  c.seq_len = seq;
  c.ov = (sim_overrides){ .rows_2d = x->rows, .cols_2d = x->cols, .width_1d = x->width, .buffer_bytes = x->buffer,
                          .regs_per_pe = x->regs_ov };
  snprintf(c.engine, sizeof c.engine, "analytical");
  sim_result r;
  int rc = rs_config_hash_design(&c, sd, e) || sim_eval(sd, w, seq, &c.ov, &r, e);
  sim_design_free(sd);
  if (rc) return -1;
  if (r.latency_s != x->latency_s)
    return at_errf(e, "%s: evaluates to %.9g s, the mapper found %.9g s", path, r.latency_s, x->latency_s);
  rs_config_hash(&c);
  return rs_store_put(st, &c, &r, NULL, NULL, e);
}

int cmd_explore(int argc, char **argv) {
  static const struct option lo[] = {
    { "cascade", required_argument, 0, 'c' }, { "arch", required_argument, 0, 'a' },
    { "area-budget", required_argument, 0, 'A' }, { "model", required_argument, 0, 'M' },
    { "seq", required_argument, 0, 's' }, { "dims", required_argument, 0, 'd' },
    { "capacities", required_argument, 0, 'B' }, { "objective", required_argument, 0, 'o' },
    { "regs", required_argument, 0, 'R' },
    { "budget", required_argument, 0, 'b' }, { "seed", required_argument, 0, 'r' },
    { "jobs", required_argument, 0, 'j' }, { "db", required_argument, 0, 'D' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *cascade = NULL, *arch = NULL, *model = NULL, *db = NULL;
  double budget_mm2 = 0;
  int64_t dims[16] = { 64, 128, 256, 512 }, bufs[16] = { 8 << 20, 16 << 20, 32 << 20 };
  int64_t regs[16] = { 0 };
  int ndims = 4, nbufs = 3, nregs = 0, ch;
  map_search_opts o = { 0 };
  o.budget = 20000;
  o.seed = 1;
  o.jobs = 1;
  at_err e;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(explore_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'c': cascade = optarg; break;
    case 'a': arch = optarg; break;
    case 'M': model = optarg; break;
    case 'D': db = optarg; break;
    case 'A': if (cli_opt_real("--area-budget", optarg, "mm^2", &budget_mm2, &e)) return cli_fail(&e); break;
    case 's': if (cli_opt_size("--seq", optarg, 1, INT64_MAX, &o.seq, &e)) return cli_fail(&e); break;
    case 'd': if (cli_opt_list("--dims", optarg, 1, 1 << 20, dims, 16, &ndims, &e)) return cli_fail(&e); break;
    case 'R': if (cli_opt_list("--regs", optarg, 1, HW_DIM_MAX, regs, 16, &nregs, &e)) return cli_fail(&e); break;
    case 'B': {
      /* sizes with suffixes, comma-separated */
      char buf[512];
      snprintf(buf, sizeof buf, "%s", optarg);
      nbufs = 0;
      for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (nbufs == 16) return cli_usage_error(explore_help, "--capacities: at most 16 sizes, got '%s'", optarg);
        if (cli_opt_size("--capacities", tok, 1, INT64_MAX, &bufs[nbufs++], &e)) return cli_fail(&e);
      }
      if (!nbufs) return cli_usage_error(explore_help, "--capacities: no size in '%s'", optarg);
      break;
    }
    case 'o': case 'b': case 'r': case 'j':
      if (cli_mapper_option(ch, optarg, &o, explore_help)) return AT_EXIT_INPUT;
      break;
    case 'h': fputs(explore_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, explore_help);
    }
  }
  const char *why = optind != argc ? "unexpected argument '%s'"
                  : !cascade ? "explore needs --cascade" : !arch ? "explore needs --arch"
                  : !(budget_mm2 > 0) ? "explore needs --area-budget" : !model ? "explore needs --model"
                  : !o.seq ? "explore needs --seq" : NULL;
  if (why) return cli_usage_error(explore_help, why, argv[optind < argc ? optind : 0]);
  wl_workload w;
  hw_arch *base;
  if (cli_load_model(model, &w, &e) || hw_load(arch, &base, &e)) return cli_fail(&e);
  int i2 = hw_array_index(base, "2d"), i1 = hw_array_index(base, "1d");
  if (i2 < 0 || i1 < 0) {
    fprintf(stderr, "attnsim: explore: architecture %s (%s) needs arrays named 2d and 1d\n", base->name, arch);
    hw_free(base);
    return AT_EXIT_INPUT;
  }
  rs_store *store = NULL;
  char mdir[1024] = "";
  if (db) {
    snprintf(mdir, sizeof mdir, "%s.mappings", db);
    if ((mkdir(mdir, 0777) && errno != EEXIST) || rs_store_open(db, RS_WRITE, &store, &e) ||
        rs_store_set_command(store, argc + 1, argv - 1, &e)) {
      if (!store && !e.msg[0]) at_errf(&e, "%s: cannot create: %s", mdir, strerror(errno));
      rs_store_close(store);
      hw_free(base);
      return cli_fail(&e);
    }
  }
  if (nregs == 0) nregs = 1;     /* regs[0] = 0: the base's own */
  design *d = calloc((size_t)ndims * (size_t)ndims * 3 * (size_t)nbufs * (size_t)nregs, sizeof *d);
  if (!d) { hw_free(base); at_errf(&e, "out of memory"); return cli_fail(&e); }
  int n = 0, over = 0, unmapped = 0, rc = AT_EXIT_OK;
  int64_t regs_pruned = 0;      /* mappings the register rule pruned, over the designs mapped */
  double smallest = 0;
  char first_error[512] = "";
  o.cascade_path = cascade;
  o.arch_path = arch;
  o.w = &w;
  o.design = "explore";
  o.engine = &sim_map_engine;
  for (int r = 0; r < ndims; r++)
    for (int c = 0; c < ndims; c++)
      for (int k = 0; k < 3; k++)
        for (int b = 0; b < nbufs; b++)
          for (int g = 0; g < nregs; g++) {
            int64_t width = dims[c] >> (k == 0 ? 0 : k == 1 ? 1 : 2);
            if (width < 1) continue;
            hw_arch *a;
            if (hw_copy(base, &a, &e)) { rc = cli_fail(&e); goto done; }
            a->arrays[i2].rows = dims[r];
            a->arrays[i2].cols = dims[c];
            a->arrays[i1].cols = width;
            a->buffer.bytes = bufs[b];
            for (int i = 0; regs[g] && i < a->n_arrays; i++) a->arrays[i].regs_per_pe = regs[g];
            if (hw_validate(a, &e)) { hw_free(a); rc = cli_fail(&e); goto done; }
            double mm2 = hw_area_um2(a, NULL) / 1e6;
            if (smallest == 0 || mm2 < smallest) smallest = mm2;
            if (mm2 > budget_mm2) { over++; hw_free(a); continue; }
            o.arch = a;
            map_search_result res;
            at_err me;
            if (map_search(&o, &res, &me)) {
              unmapped++;
              if (!first_error[0]) snprintf(first_error, sizeof first_error, "%s", me.msg);
              hw_free(a);
              continue;
            }
            regs_pruned += res.pruned[MAP_RULE_REGS];
            design *x = &d[n++];
            *x = (design){ dims[r], dims[c], width, bufs[b], a->arrays[i2].regs_per_pe, regs[g], mm2, res.top[0].latency_s,
                           res.top[0].energy_pJ, res.top_score[0], "", 0 };
            snprintf(x->bound, sizeof x->bound, "%s", res.top[0].bound);
            if (store && store_design(store, mdir, &res, arch, &w, o.seq, x, &e)) {
              map_free(res.best);
              hw_free(a);
              rc = cli_fail(&e);
              goto done;
            }
            map_free(res.best);
            hw_free(a);
          }
  if (n == 0) {
    if (over && !unmapped)
      fprintf(stderr, "attnsim: explore: the area budget %.6g mm^2 is below every design of the grid (the smallest is %.6g mm^2)\n",
              budget_mm2, smallest);
    else
      fprintf(stderr, "attnsim: explore: no design within %.6g mm^2 can be mapped (%d over the budget, %d unmapped: %s)\n",
              budget_mm2, over, unmapped, first_error);
    rc = AT_EXIT_INPUT;
    goto done;
  }
  /* the Pareto front: no other design at most as slow, as costly and as large, and better in one */
  for (int i = 0; i < n; i++) {
    d[i].front = 1;
    for (int j = 0; j < n && d[i].front; j++) {
      if (j == i) continue;
      int le = d[j].latency_s <= d[i].latency_s && d[j].energy_pJ <= d[i].energy_pJ && d[j].area_mm2 <= d[i].area_mm2;
      int lt = d[j].latency_s < d[i].latency_s || d[j].energy_pJ < d[i].energy_pJ || d[j].area_mm2 < d[i].area_mm2;
      if (le && lt) d[i].front = 0;
    }
  }
  int best = 0;
  for (int i = 1; i < n; i++)
    if (d[i].score < d[best].score) best = i;
  printf("%d designs within %.6g mm^2 (%d over it, %d unmapped); mapper budget %lld per design; "
         "%lld mappings pruned by the register rule\n", n, budget_mm2, over, unmapped, (long long)o.budget,
         (long long)regs_pruned);
  printf("%-5s %5s %5s %6s %10s %5s %10s %14s %14s %-6s\n", "front", "rows", "cols", "1d", "buffer", "regs",
         "area_mm2", "latency_s", "energy_pJ", "bound");
  for (int i = 0; i < n; i++)
    printf("%-5s %5lld %5lld %6lld %10lld %5lld %10.4g %14.6g %14.6g %-6s\n", d[i].front ? "*" : "",
           (long long)d[i].rows, (long long)d[i].cols, (long long)d[i].width, (long long)d[i].buffer,
           (long long)d[i].regs, d[i].area_mm2, d[i].latency_s,
           d[i].energy_pJ, d[i].bound);
  printf("best: %lldx%lld 2D, %lld-wide 1D, %lld-byte buffer, %lld registers per PE: %.6g mm^2, %.9g s, %.6g pJ\n",
         (long long)d[best].rows, (long long)d[best].cols, (long long)d[best].width, (long long)d[best].buffer,
         (long long)d[best].regs, d[best].area_mm2,
         d[best].latency_s, d[best].energy_pJ);
  if (store) printf("stored %d designs in %s (mappings in %s/)\n", n, db, mdir);
done:
  free(d);
  rs_store_close(store);
  hw_free(base);
  return rc;
}
