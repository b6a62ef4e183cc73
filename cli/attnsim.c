/*
** attnsim.c: entry point.  Dispatches `attnsim COMMAND ...` to the
** command functions declared in cli.h; `attnsim --help` lists them.
*/
#include "cli.h"
#include "sim.h"
#ifdef ATTNSIM_HAVE_RTL
#include "rtl_bank.h"
#endif

#include <stdio.h>
#include <string.h>

static const cli_command commands[] = {
  { "check", cmd_check, "check a cascade (.einsum) and print its analyses" },
  { "eval",  cmd_eval,  "evaluate a cascade on seeded random inputs" },
  { "run",   cmd_run,   "evaluate one design point (design, model, sequence length)" },
  { "paper", cmd_paper, "reproduce the FuseMax paper's attention and end-to-end studies" },
  { "map",   cmd_map,   "search the mappings of a cascade on an architecture; write the best" },
  { "explore", cmd_explore, "search architectures under an area budget, the mapper inside" },
  { "pareto", cmd_pareto, "FuseMax latency, area and energy over square array sizes" },
  { "compare", cmd_compare, "compare a per-point CSV with the paper studies' results" },
  { "area",  cmd_area,  "area by component, with the RTL PEs' yosys cell counts" },
  { "crosscheck", cmd_crosscheck, "both engines on the same points: cycles, gaps by cause, identical action counts" },
  { "sweep",  cmd_sweep,  "run a sweep file into the results database (resumable, sharded)" },
  { "merge",  cmd_merge,  "merge results databases (shards) into one" },
  { "export", cmd_export, "write every stored point as CSV or JSON" },
  { "report", cmd_report, "render the gnuplot figures and index.html from the database" },
};
#define NCOMMANDS (int)(sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
  fprintf(f, "usage: attnsim COMMAND [options]\n"
             "       attnsim --help | --version\n\n"
             "attnsim %s: simulator and design-space explorer for attention accelerators.\n\n"
             "commands:\n", ATTNSIM_VERSION);
  for (int i = 0; i < NCOMMANDS; i++)
    fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n'attnsim COMMAND --help' describes a command's options.\n"
             "Exit status: 0 success, 1 a check failed, 2 bad input.\n");
}

int cli_fail(const at_err *e) {
  fprintf(stderr, "%s\n", e->msg);
  return AT_EXIT_INPUT;
}

void cli_json_str(FILE *f, const char *s) { at_json_str(f, s); }

int main(int argc, char **argv) {
#ifdef ATTNSIM_HAVE_RTL
  /* engine rtl's Verilated PEs: sim/ never links them itself */
  sim_rtl_register(rtl_bank_open);
#endif
  if (argc < 2) { usage(stderr); return AT_EXIT_INPUT; }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return AT_EXIT_OK;
  }
  if (!strcmp(argv[1], "--version")) { printf("attnsim %s\n", ATTNSIM_VERSION); return AT_EXIT_OK; }
  for (int i = 0; i < NCOMMANDS; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "attnsim: unknown command '%s' (see attnsim --help)\n", argv[1]);
  return AT_EXIT_INPUT;
}
