/*
** cli.h: the attnsim command line.  Each subcommand is a function taking
** (argc, argv) after the subcommand name and returning the process exit
** status (AT_EXIT_OK, AT_EXIT_FAIL for a failed check, AT_EXIT_INPUT for
** bad input).  Commands print results on stdout and errors on stderr.
*/
#ifndef ATTNSIM_CLI_H
#define ATTNSIM_CLI_H

#include <stdio.h>
#include "util.h"

typedef struct cli_command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;        /* one line for `attnsim --help` */
} cli_command;

int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_paper(int argc, char **argv);
int cmd_pareto(int argc, char **argv);
int cmd_area(int argc, char **argv);
int cmd_map(int argc, char **argv);      /* the mapper (cmd_map.c) */
/* The results store, sweeps and reports (cmd_results.c). */
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);

struct sim_result;
struct wl_workload;
/* Result writers shared by run, paper and pareto (cmd_sim.c). */
void cli_csv_header(FILE *f, int with_study);
void cli_csv_row(FILE *f, const char *study, const struct sim_result *r);
void cli_json_result(FILE *f, const struct sim_result *r);
void cli_print_result(FILE *f, const struct sim_result *r);
/* A workload by name (bert, trxl, t5, xlm) or YAML path. */
int cli_load_model(const char *name, struct wl_workload *w, at_err *e);

/* Prints "attnsim: message" on stderr and returns AT_EXIT_INPUT. */
int cli_fail(const at_err *e);
/* Writes s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s);

#endif
