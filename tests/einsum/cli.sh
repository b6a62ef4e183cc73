#!/bin/sh
# cli.sh: runs one attnsim command for a CTest scenario and checks both its
# exit status and its output (CTest's PASS_REGULAR_EXPRESSION alone would
# ignore the status).  Usage:
#   cli.sh STATUS REGEX COMMAND ARGS...
# passes if COMMAND exits with STATUS and its stdout+stderr matches the
# extended regular expression REGEX (use '' for no output check).
want=$1 regex=$2
shift 2
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
  echo "cli.sh: exit status $got, expected $want: $*" >&2
  exit 1
fi
if [ -n "$regex" ] && ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  echo "cli.sh: output does not match /$regex/: $*" >&2
  exit 1
fi
exit 0
