#!/bin/sh
# The cycle engine's piecewise periodic extrapolation under predicates
# (sim/README.md "Fast-forward"): runs of identical tiles inside one loop
# iteration (all kept, or all skipped) and loop iterations that are
# translates of each other are extrapolated, exactly.  (1) On small variant
# points (tiny workload, 8 x 8 arrays, 512 tokens, a 16 KiB buffer so that
# causal's P2 = 2) fast-forward's CSV row equals `--full`'s field by field
# (cycles, energy, traffic, utilization), and the fast-forward run did
# extrapolate (ATTNSIM_CYCLE_DEBUG's tile counts: some tiles extrapolated
# or made in skip or quiet runs; else this would compare two full
# simulations).
# linear-causal's OB asks at each tile whether a later key block keeps a
# point (its completion); off the diagonal it keeps none, so the answer
# is no without asking, and its skipped tiles run in skip runs too.
# (2) A larger point runs in bounded work: causal-fusemax on Llama-3.1-8B
# at 64K (32 heads of 64 x 1K tiles, 2M tiles) evaluates fewer tiles than
# one head has (65536): 34672 now; before, only the batch loop was
# extrapolated and it evaluated 4 heads' worth, 262144 (2.5 s now, 18 s
# before, on this machine at load 5; the same cycles).
# (3) The per-position Var cache is bounded (sim/cycle/cycle.cpp kVarCache:
# emptied at 2^14 entries an Einsum; unbounded it grew to 1.3 GB at 70B GQA
# 128K): gqa-fusemax on Llama-3.1-8B at 16K empties it (ATTNSIM_CYCLE_DEBUG's
# "cache flushes") and its row is the one the unbounded cache gave, cycles
# and energy included.
# usage: cycle-extrapolate.sh ATTNSIM
set -u
A=${1:?usage: cycle-extrapolate.sh ATTNSIM}
D=${ATTNSIM_DATA_DIR:?}
fail() { echo "cycle-extrapolate.sh: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/attnsim-extrap-XXXXXX)
trap 'rm -rf "$T"' EXIT
small() {   # NAME SET: fast-forward equals --full, and extrapolated
  name=$1; set=$2
  args="run --mapping $D/mappings/$name.yaml --model $D/tests/sim/cycle/tiny.yaml --seq 512 --rows 8 --cols 8
        --width-1d 8 --buffer 16384 --engine cycle --csv"
  [ -n "$set" ] && args="$args --set $set"
  # shellcheck disable=SC2086
  ATTNSIM_CYCLE_DEBUG=1 "$A" $args > "$T/ff.csv" 2> "$T/ff.err" || fail "$name: $(cat "$T/ff.err")"
  # shellcheck disable=SC2086
  "$A" $args --full > "$T/full.csv" 2> "$T/full.err" || fail "$name --full: $(cat "$T/full.err")"
  cmp -s "$T/ff.csv" "$T/full.csv" || fail "$name: fast-forward differs from --full:
$(cat "$T/ff.csv" "$T/full.csv")"
  # "phase P: N tiles, X extrapolated, Y in skip runs, C cycles"
  saved=$(awk '/extrapolated/ { s += $7 + $9 } END { print s + 0 }' "$T/ff.err")
  test "$saved" -gt 0 || fail "$name: nothing extrapolated: $(cat "$T/ff.err")"
  echo "$name: equal to --full, $saved tiles not simulated"
}
small causal-fusemax ""
small causal-flat ""
small window-fusemax W=40
small blocksparse-fusemax DENSITY=0.25
small streaming-fusemax SINK=1,WIN=4
small strided-fusemax STRIDE=2
small linear-causal-fusemax ""
small gqa-fusemax ""
ATTNSIM_CYCLE_DEBUG=1 "$A" run --mapping "$D/mappings/causal-fusemax.yaml" --model llama31-8b --seq 64K \
  --engine cycle --csv > "$T/big.csv" 2> "$T/big.err" || fail "64K: $(cat "$T/big.err")"
run=$(awk '/extrapolated/ { print $5 - $7 - $9 }' "$T/big.err")
test -n "$run" && test "$run" -lt 65536 || fail "64K: $run tiles evaluated, not fewer than one head's 65536: $(cat "$T/big.err")"
echo "64K: $run of 2097152 tiles evaluated"
ATTNSIM_CYCLE_DEBUG=1 "$A" run --mapping "$D/mappings/gqa-fusemax.yaml" --model llama31-8b --seq 16K \
  --engine cycle --csv > "$T/gqa.csv" 2> "$T/gqa.err" || fail "gqa 16K: $(cat "$T/gqa.err")"
flushes=$(awk '/cache flushes/ { print $(NF-2) }' "$T/gqa.err")
test -n "$flushes" && test "$flushes" -gt 0 || fail "gqa 16K: the Var cache was never emptied: $(cat "$T/gqa.err")"
want='gqa-fusemax,Llama-3.1-8B,16384,0.0194771394,18308511,2.29986953e+13,436207616,0.948635,0.981353,18308511,954688,40037777408,4.94965e+08,1d,p2=4 p1=16 p0=256,1.93827726e+13,6.03806289e+10,1.72827195e+12,1.81366043e+12,1.36096776e+10'
got=$(tail -n 1 "$T/gqa.csv")
test "$got" = "$want" || fail "gqa 16K: the row moved with the bounded cache:
want $want
got  $got"
echo "gqa 16K: $flushes cache flushes, row unchanged"
