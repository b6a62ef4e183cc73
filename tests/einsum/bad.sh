#!/bin/sh
# bad.sh: the bad-input suite's runner.  Each file under tests/einsum/bad/
# starts with the exact line it must produce on stderr:
#   # expect: NAME.einsum:LINE:COL: message
# optionally followed by the options `attnsim check` needs to reach the
# error (sizes for a split that does not divide):
#   # args: --set M=10,M0=3
# The check runs in the file's folder, so FILE in the message is its name.
# Passes if the exit status is 2, stderr is exactly the expected line and
# stdout is empty.  Usage: bad.sh ATTNSIM FILE...
attnsim=$1
shift
fails=0
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT
for f in "$@"; do
  dir=$(dirname "$f") name=$(basename "$f")
  expect=$(sed -n '1s/^# expect: //p' "$f")
  args=$(sed -n '2s/^# args: //p' "$f")
  if [ -z "$expect" ]; then
    echo "FAIL $name: first line is not '# expect: ...'"
    fails=$((fails + 1))
    continue
  fi
  # $args is split into words on purpose
  out=$(cd "$dir" && "$attnsim" check "$name" $args 2>"$tmp")
  status=$?
  err=$(cat "$tmp")
  if [ "$status" -ne 2 ] || [ "$err" != "$expect" ] || [ -n "$out" ]; then
    echo "FAIL $name"
    echo "  status:   $status (expected 2)"
    echo "  expected: $expect"
    echo "  stderr:   $err"
    [ -n "$out" ] && echo "  stdout:   $out"
    fails=$((fails + 1))
  else
    echo "ok   $name: $err"
  fi
done
[ "$fails" -eq 0 ]
