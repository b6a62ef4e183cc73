/*
** cmd_map.c: `attnsim map`, the mapper on the command line.  Searches the
** mappings of one cascade on one architecture for one point (mappings/
** mapper.h), prints what it considered, pruned by rule and evaluated, the
** rate and the best few, and writes the best as a mapping file that
** `attnsim run --mapping` reads.
*/
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "mapper.h"
#include "sim_bound.h"
#include "util.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char map_help[] =
  "usage: attnsim map --cascade FILE --arch FILE (--model MODEL --seq LEN | --set R=N,...)\n"
  "                   [--objective latency|energy|edp] [--budget N] [--seed S] [--jobs N]\n"
  "                   --out MAPPING.yaml\n\n"
  "Searches the mappings of a cascade on an architecture for one point and writes the best.\n"
  "  --cascade FILE   the cascade (.einsum), fused into one phase\n"
  "  --arch FILE      the architecture (hw/*.yaml)\n"
  "  --model MODEL    bert, trxl, t5, xlm, an LLM of experiments/workloads, or\n"
  "                   a workload YAML: batch B x H, ranks E and F\n"
  "  --seq LEN        sequence length, ranks M and P: a positive size (1024, 1K, 64K, 1M)\n"
  "  --set R=N,...    rank sizes over the model's (needed for ranks other than E F M P)\n"
  "  --objective O    latency (default), energy, or edp (energy x latency)\n"
  "  --budget N       most mappings to consider (default 200000, at most 10^9); a mapspace\n"
  "                   no larger is searched exhaustively, a larger one sampled (an eighth\n"
  "                   of the budget) then improved by iterated coordinate descent\n"
  "                   (mappings/README.md, The mapper)\n"
  "  --seed S         the search's seed (default 1): the same seed, the same result\n"
  "  --jobs N         threads evaluating, 1 to 64 (default 1); the result does not depend on it\n"
  "  --out FILE       where to write the best mapping (written whole or not at all)\n"
  "Prints the mapspace size, the mappings considered, pruned by rule and evaluated, the\n"
  "rate, and the best five with latency, energy and what bounds them; progress on a\n"
  "terminal.  Exit status 2 when no mapping exists (an Einsum no array can run, nothing\n"
  "legal in the mapspace).\n\n"
  CLI_HELP_NUMBERS;


/* Progress on a terminal, at most five lines a second (the search calls
** this after every batch). */
static void progress(void *ctx, int64_t considered, int64_t evaluated, double best) {
  static double last;
  double now = at_now_s();
  (void)ctx;
  if (now - last < 0.2) return;
  last = now;
  fprintf(stderr, "\rmap: %lld considered, %lld evaluated, best %.6g   ", (long long)considered, (long long)evaluated,
          best);
}

int cli_mapper_option(int ch, const char *arg, map_search_opts *o, const char *help) {
  at_err e;
  int64_t v;
  switch (ch) {
  case 'o':
    if (!strcmp(arg, "latency")) o->objective = MAP_OBJ_LATENCY;
    else if (!strcmp(arg, "energy")) o->objective = MAP_OBJ_ENERGY;
    else if (!strcmp(arg, "edp")) o->objective = MAP_OBJ_EDP;
    else return cli_usage_error(help, "--objective: must be latency, energy or edp, got '%s'", arg), -1;
    return 0;
  case 'b': return cli_opt_int("--budget", arg, 1, 1000000000, &o->budget, &e) ? cli_fail(&e), -1 : 0;
  case 'r': return cli_opt_u64("--seed", arg, &o->seed, &e) ? cli_fail(&e), -1 : 0;
  default:
    if (cli_opt_int("--jobs", arg, 1, 64, &v, &e)) return cli_fail(&e), -1;
    o->jobs = (int)v;
    return 0;
  }
}

int cmd_map(int argc, char **argv) {
  static const struct option lo[] = {
    { "cascade", required_argument, 0, 'c' }, { "arch", required_argument, 0, 'a' },
    { "model", required_argument, 0, 'M' }, { "seq", required_argument, 0, 's' },
    { "set", required_argument, 0, 'S' }, { "objective", required_argument, 0, 'o' },
    { "budget", required_argument, 0, 'b' }, { "seed", required_argument, 0, 'r' },
    { "jobs", required_argument, 0, 'j' }, { "out", required_argument, 0, 'O' },
    { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
  const char *cascade = NULL, *arch = NULL, *model = NULL, *set = NULL, *out = NULL;
  map_search_opts o = { 0 };
  o.budget = 200000;
  o.seed = 1;
  o.jobs = 1;
  int ch;
  at_err e;
  optind = 1;
  opterr = 0;
  if ((ch = cli_abbreviated(argc, argv, lo))) return cli_usage_error(map_help, "bad option '%s'", argv[ch]);
  while ((ch = getopt_long(argc, argv, ":h", lo, NULL)) != -1) {
    switch (ch) {
    case 'c': cascade = optarg; break;
    case 'a': arch = optarg; break;
    case 'M': model = optarg; break;
    case 's': if (cli_opt_size("--seq", optarg, 1, INT64_MAX, &o.seq, &e)) return cli_fail(&e); break;
    case 'S': set = optarg; break;
    case 'O': out = optarg; break;
    case 'o': case 'b': case 'r': case 'j':
      if (cli_mapper_option(ch, optarg, &o, map_help)) return AT_EXIT_INPUT;
      break;
    case 'h': fputs(map_help, stdout); return AT_EXIT_OK;
    default: return cli_bad_option(ch, NULL, argv, map_help);
    }
  }
  const char *why = optind != argc ? "unexpected argument '%s'"
                  : !cascade ? "map needs --cascade" : !arch ? "map needs --arch" : !out ? "map needs --out"
                  : !model != !o.seq ? "map: --model and --seq go together"
                  : !model && !set ? "map needs --model and --seq, or --set" : NULL;
  if (why) return cli_usage_error(map_help, why, argv[optind < argc ? optind : 0]);
  wl_workload w;
  hw_arch *a = NULL;
  if (model) {
    if (cli_load_model(model, &w, &e)) return cli_fail(&e);
    o.w = &w;
  }
  if (set && es_binding_parse(set, &o.sizes, &e)) return cli_fail(&e);
  if (hw_load(arch, &a, &e)) return cli_fail(&e);
  char *dup = strdup(out), design[64];
  snprintf(design, sizeof design, "%s", dup ? basename(dup) : "mapped");
  free(dup);
  char *dot = strrchr(design, '.');
  if (dot && dot != design) *dot = 0;
  o.cascade_path = cascade;
  o.arch_path = arch;
  o.arch = a;
  o.design = design;
  o.engine = &sim_map_engine;
  if (isatty(2)) o.progress = progress;
  map_search_result r;
  int rc = map_search(&o, &r, &e);
  if (o.progress) fputc('\n', stderr);
  if (rc) { hw_free(a); return cli_fail(&e); }
  static const char *const obj[] = { "latency", "energy", "edp" };
  printf("mapspace    %.4g mappings of %s on %s; %s (objective %s, budget %lld, seed %llu)\n", r.space, cascade, a->name,
         r.exhaustive ? "searched exhaustively" : "sampled, then coordinate descent", obj[o.objective],
         (long long)o.budget, (unsigned long long)o.seed);
  int64_t pruned = 0;
  for (int k = 0; k < MAP_RULE_COUNT; k++) pruned += r.pruned[k];
  printf("considered  %lld\npruned      %lld:", (long long)r.considered, (long long)pruned);
  for (int k = 0; k < MAP_RULE_COUNT; k++) printf("%s %s %lld", k ? "," : "", map_rule_name[k], (long long)r.pruned[k]);
  printf("\nevaluated   %lld\n", (long long)r.evaluated);
  if (r.failed) printf("failed      %lld (binding or engine errors; the first: %s)\n", (long long)r.failed, r.first_error);
  printf("time        %.3f s: %.0f evaluated/s, %.0f considered/s, %d thread%s\n", r.seconds,
         r.seconds > 0 ? (double)r.evaluated / r.seconds : 0, r.seconds > 0 ? (double)r.considered / r.seconds : 0,
         o.jobs, o.jobs > 1 ? "s" : "");
  printf("best:\n");
  for (int k = 0; k < r.ntop; k++)
    printf("  %d  latency %.9g s (%llu cycles)  energy %.6g pJ  bound %-6s  %s\n", k + 1, r.top[k].latency_s,
           (unsigned long long)r.top[k].cycles, r.top[k].energy_pJ, r.top[k].bound, r.top_desc[k]);
  rc = map_write(r.best, out, &e);
  map_free(r.best);
  hw_free(a);
  if (rc) return cli_fail(&e);
  printf("wrote       %s\n", out);
  return AT_EXIT_OK;
}
