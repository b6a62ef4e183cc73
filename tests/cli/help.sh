# help.sh: every subcommand's --help tells the truth about its options.
# For each command, the options it accepts (found by probing the binary
# with every option any help or source file names) must be exactly those
# its --help names, each in the usage lines and on a description line of
# its own ("  --opt ..." or "  --a/--b ...").  Also: `attnsim --help` lists
# every command, and each command's -h and --help print its usage, exit 0.
source "$(dirname "$0")/lib.sh" "$@"
cmds=$("$A" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
[ "$(echo $cmds)" = "check eval run paper map explore pareto compare area crosscheck sweep merge export report" ] \
  || fail "attnsim --help lists: $(echo $cmds)"
grep -q -- "--version" <<< "$("$A" --help)" || fail "attnsim --help does not mention --version"
"$A" --version | grep -Eq '^attnsim [0-9]+\.[0-9]+\.[0-9]+$' || fail "attnsim --version: $("$A" --version)"

# Candidates: every --option named in a help text or in the option tables
# and comparisons of cli/*.c.
cand=$( { for c in $cmds; do "$A" $c --help; done
          grep -ohE '\{ "[a-z0-9-]+", (no|required)_argument' cli/*.c | sed 's/{ "\([^"]*\)".*/--\1/'
          grep -ohE 'strcmp\(argv\[i\], "--[a-z0-9-]+"\)' cli/*.c | grep -oE -- '--[a-z0-9-]+'
        } | grep -oE -- '--[a-z0-9][a-z0-9-]*' | grep -vx -- '--help' | sort -u)
[ "$(echo "$cand" | wc -l)" -ge 25 ] || fail "found only $(echo "$cand" | wc -l) candidate options"

# Probes run where nothing can be written: no data directory (so no default
# database), and values under a regular file.
mkdir "$T/nodata"
: > "$T/file"
probe_val=$T/file/probe
for c in $cmds; do
  "$A" $c --help > "$T/help" || fail "$c --help: exit status $?"
  "$A" $c -h | cmp -s - "$T/help" || fail "$c -h differs from $c --help"
  head -1 "$T/help" | grep -q "^usage: attnsim $c\( \|$\)" || fail "$c --help: first line $(head -1 "$T/help")"
  usage=$(sed '/^$/q' "$T/help")
  described=$(grep -E '^ +--' "$T/help" || true)
  named=$(grep -oE -- '--[a-z0-9][a-z0-9-]*' "$T/help" | grep -vx -- '--help' | sort -u || true)
  accepted=
  for o in $cand; do
    ATTNSIM_DATA_DIR=$T/nodata timeout 20 "$A" $c "$o" "$probe_val" > /dev/null 2> "$T/err" < /dev/null || true
    grep -q "bad option '$o'" "$T/err" || accepted="$accepted $o"
  done
  accepted=$(echo $accepted | tr ' ' '\n' | sort -u)
  [ "$accepted" = "$named" ] || fail "$c: accepts [$(echo $accepted)] but --help names [$(echo $named)]"
  for o in $accepted; do
    # here-strings, not `echo | grep -q`: under pipefail, grep -q exiting at
    # its first match can kill echo with SIGPIPE and fail the pipeline
    # (seen under parallel load)
    grep -qE -- "$o([^a-z0-9-]|$)" <<< "$usage" || fail "$c: $o is not in the usage lines"
    grep -qE -- "$o([^a-z0-9-]|$)" <<< "$described" || fail "$c: $o has no description line"
  done
done
# An option the command does not take is named, not the value after it;
# a missing value says so.
first() { "$A" "$@" 2>&1 >/dev/null < /dev/null | head -1; }
g=einsum/cascades/gemm.einsum
[ "$(first check $g --seed 5)" = "attnsim: bad option '--seed'" ] || fail "check --seed 5: $(first check $g --seed 5)"
[ "$(first merge --db x a.db b.db)" = "attnsim: bad option '--db' (see attnsim merge --help)" ] \
  || fail "merge --db x: $(first merge --db x a.db b.db)"
[ "$(first run --design fusemax --model bert --seq 1K --rows)" = "attnsim: option '--rows' needs a value" ] \
  || fail "run --rows: $(first run --design fusemax --model bert --seq 1K --rows)"
[ "$(first paper --energy)" = "attnsim: option '--energy' needs a value" ] || fail "paper --energy: $(first paper --energy)"
[ "$(first sweep --jobs)" = "attnsim: option '--jobs' needs a value (see attnsim sweep --help)" ] \
  || fail "sweep --jobs: $(first sweep --jobs)"
# A long option is taken by its full name only (getopt_long would read
# "--design" as crosscheck's "--designs", "--desi" as run's "--design").
[ "$(first run --desi fusemax --model bert --seq 1K)" = "attnsim: bad option '--desi'" ] \
  || fail "run --desi: $(first run --desi fusemax --model bert --seq 1K)"
[ "$(first crosscheck --design fusemax)" = "attnsim: bad option '--design'" ] \
  || fail "crosscheck --design: $(first crosscheck --design fusemax)"
[ "$(first export --cs)" = "attnsim: bad option '--cs' (see attnsim export --help)" ] \
  || fail "export --cs: $(first export --cs)"
# What is missing or extra is said precisely.
for c in "run --design fusemax --model bert --seq 1K x|attnsim: unexpected argument 'x'" \
         "run --model bert --seq 1K|attnsim: run needs exactly one of --design and --mapping" \
         "run --design fusemax --mapping m.yaml --model bert --seq 1K|attnsim: run needs exactly one of --design and --mapping" \
         "run --design fusemax --seq 1K|attnsim: run needs --model" \
         "run --design fusemax --model bert|attnsim: run needs --seq" \
         "run --design fusemax --model bert --seq 1K --csv --json|attnsim: give at most one of --csv and --json" \
         "pareto --seq 1K|attnsim: pareto needs --model" \
         "pareto --model bert|attnsim: pareto needs --seq" \
         "paper z|attnsim: unexpected argument 'z'"; do
  args=${c%%|*} want=${c#*|}
  # shellcheck disable=SC2086
  [ "$(first $args)" = "$want" ] || fail "$args: '$(first $args)', want '$want'"
done
finish help
