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

/* Prints "attnsim: message" on stderr and returns AT_EXIT_INPUT. */
int cli_fail(const at_err *e);
/* Writes s as a JSON string literal. */
void cli_json_str(FILE *f, const char *s);

#endif
