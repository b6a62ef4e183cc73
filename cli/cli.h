/*
** cli.h: the attnsim command line.  Each subcommand is a function taking
** (argc, argv) after the subcommand name and returning the process exit
** status (AT_EXIT_OK, AT_EXIT_FAIL for a failed check, AT_EXIT_INPUT for
** bad input).  Commands print results on stdout and errors on stderr.
*/
#ifndef ATTNSIM_CLI_H
#define ATTNSIM_CLI_H

#include <getopt.h>
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
int cmd_compare(int argc, char **argv);
int cmd_area(int argc, char **argv);
int cmd_crosscheck(int argc, char **argv);   /* cmd_cross.c */
int cmd_map(int argc, char **argv);      /* the mapper (cmd_map.c) */
int cmd_explore(int argc, char **argv);  /* architecture search (cmd_explore.c) */
struct map_search_opts;
/* The mapper's options map and explore share (cmd_map.c), as getopt
** values 'o' --objective, 'b' --budget, 'r' --seed, 'j' --jobs: sets the
** field; on a bad value prints why (and help) and returns -1. */
int cli_mapper_option(int ch, const char *arg, struct map_search_opts *o, const char *help);
/* The results store, sweeps and reports (cmd_results.c). */
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);

struct sim_result;
struct wl_workload;
struct sim_design;
/* Result writers shared by run, paper and pareto (cmd_sim.c). */
void cli_csv_header(FILE *f, int with_study);
void cli_csv_row(FILE *f, const char *study, const struct sim_result *r);
void cli_json_result(FILE *f, const struct sim_result *r);
void cli_print_result(FILE *f, const struct sim_result *r);
/* A workload by name (bert, trxl, t5, xlm) or YAML path. */
int cli_load_model(const char *name, struct wl_workload *w, at_err *e);
/* Adds --set NAME=SIZE,... (or NAME=0.DIGITS, a mask's density) to w's
** set[] (cmd_sim.c). */
int cli_parse_sets(const char *arg, struct wl_workload *w, at_err *e);
/* --mask NAME=FILE for every evaluation of d (cmd_sim.c). */
int cli_add_mask(struct sim_design *d, const char *arg, at_err *e);

/* What every --help says about numbers (opt.c enforces it). */
#define CLI_HELP_NUMBERS \
  "Numbers are decimal digits only: no sign, spaces, 0x or exponent.  Sizes\n" \
  "take an optional suffix K (or k), M or G: x1024, x1024^2, x1024^3.\n"

/* Strict option values (opt.c), shared by every subcommand.  Each parses
** arg, the value given to option opt ("--rows"), and returns 0 with *v set,
** or -1 with e holding "OPT: must be ..., got 'ARG'" (print it with
** cli_fail: exit status 2).  Whole numbers are decimal digits only (no
** sign, space, 0x or exponent; at_parse_u64 in util.h); range errors are
** caught, never wrapped. */
/* A whole number in [lo, hi], no suffix. */
int cli_opt_int(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, at_err *e);
/* A whole number in [lo, hi], optionally with a K, M or G suffix (2^10,
** 2^20, 2^30; k also means 2^10). */
int cli_opt_size(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, at_err *e);
/* Any 64-bit unsigned whole number (seeds), no suffix. */
int cli_opt_u64(const char *opt, const char *arg, uint64_t *v, at_err *e);
/* A positive decimal DIGITS or DIGITS.DIGITS; unit names it in the message. */
int cli_opt_real(const char *opt, const char *arg, const char *unit, double *v, at_err *e);
/* Comma-separated whole numbers in [lo, hi], no suffix, at most max of
** them, none empty; *n is their count. */
int cli_opt_list(const char *opt, const char *arg, int64_t lo, int64_t hi, int64_t *v, int max,
                 int *n, at_err *e);

/* For getopt_long's '?' or ':' (with an optstring starting ':'), or with
** known set to the long name of an option this command does not take:
** prints "attnsim: bad option 'X'" or "attnsim: option 'X' needs a value",
** then help, on stderr, and returns AT_EXIT_INPUT.  (argv[optind - 1] is
** the option itself only for '?' and ':'; after "--opt VALUE" it is VALUE.) */
int cli_bad_option(int ch, const char *known, char **argv, const char *help);
/* getopt_long also takes any unambiguous prefix of a long option
** ("--design" for crosscheck's "--designs"); attnsim takes options by their
** full names only, so a shortened or mistyped option is never read as
** another.  Call before getopt_long: returns the index in argv of the first
** argument that abbreviates one of lo's options (0 if none), skipping the
** values of options that take one; unknown options are left to getopt. */
int cli_abbreviated(int argc, char **argv, const struct option *lo);
/* Prints "attnsim: " fmt (with at most one %s, arg) and help on stderr;
** returns AT_EXIT_INPUT. */
int cli_usage_error(const char *help, const char *fmt, const char *arg)
  __attribute__((format(printf, 2, 0)));

/* Prints e's message on stderr and returns AT_EXIT_INPUT. */
int cli_fail(const at_err *e);
/* Writes s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s);

#endif
