# lib.sh: shared by the command-line scenario tests here.  Usage:
# source lib.sh ATTNSIM.  Gives $A (attnsim, absolute), $T (a scratch
# folder, removed on exit), $R (the source tree), and:
#   refuse 'MESSAGE' ARGS...  attnsim ARGS must exit 2, print exactly
#                             MESSAGE (one line) on stderr and nothing on stdout
#   accept ARGS...            attnsim ARGS must exit 0
set -euo pipefail
A=${1:?usage: $0 ATTNSIM}
A=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")
R=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d /tmp/attnsim-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
export ATTNSIM_DATA_DIR=$R LC_ALL=C
unset ATTNSIM_SWEEP_DELAY_US
cd "$R"
nfail=0
fail() { echo "FAIL: $*" >&2; nfail=$((nfail + 1)); }

refuse() {
  local want=$1 status=0
  shift
  "$A" "$@" > "$T/out" 2> "$T/err" < /dev/null || status=$?
  [ "$status" = 2 ] || { fail "attnsim $*: exit status $status, want 2 ($(head -c 300 "$T/err"))"; return; }
  [ ! -s "$T/out" ] || fail "attnsim $*: printed on stdout before failing: $(head -2 "$T/out")"
  [ "$(cat "$T/err")" = "$want" ] || fail "attnsim $*:
  want: $want
  got:  $(cat "$T/err")"
}

accept() {
  local status=0
  "$A" "$@" > "$T/out" 2> "$T/err" < /dev/null || status=$?
  [ "$status" = 0 ] || fail "attnsim $*: exit status $status, want 0 ($(head -c 300 "$T/err"))"
}

finish() {
  [ "$nfail" = 0 ] || { echo "$1: $nfail failed" >&2; exit 1; }
  echo "$1: ok"
}
