#!/bin/bash
# bench_cosim.sh: PE-cycles per second of data mode and RTL co-simulation
# on FuseMax's 16x16 + 16 arrays (issue 10's targets: data mode >= 2e7,
# rtl >= 5e6).  One run each of `--engine cycle --data` (with and without
# the fp16 emulation, `--no-emul`), `--engine rtl`
# (shadowed by the C twin, compared every edge) and `--engine rtl
# --no-shadow`.  PE-cycles are the engine's: the data line's
# engine_pe_cycles (the run's cycles x every array's PEs), which the value
# model now steps at (sim/README.md "Data mode"); pe_edges, the PE-edges
# the banks actually stepped (idle stretches skipped), is printed beside.
# Both are divided by the whole run's wall and CPU seconds (bash's time:
# inputs, reference, emulation included).  Prints figures; fails only if a
# run fails, never on a time.
# usage: bench_cosim.sh ATTNSIM [SEQ]   (SEQ default 1K; ctest gives 128)
A=$1
SEQ=${2:-1K}
ARGS="--design fusemax --model bert --seq $SEQ --rows 16 --cols 16 --width-1d 16 --set B=1,H=1,E=16,F=16"
TIMEFORMAT='%R %U %S'
O=$(mktemp -d) || exit 1          # each run's output, never in the caller's directory
trap 'rm -rf "$O"' EXIT
printf '%-24s %12s %12s %7s %7s %13s %13s\n' mode pe_cycles pe_edges wall_s cpu_s pe_cyc/wall_s pe_cyc/cpu_s
for mode in "cycle --data" "cycle --data --no-emul" "rtl" "rtl --no-shadow"; do
  t=$( { time "$A" run $ARGS --engine $mode > "$O/run.out" 2> "$O/run.err"; } 2>&1 ) || { cat "$O/run.err"; echo "FAIL: $mode"; exit 1; }
  cyc=$(sed -n 's/.* engine_pe_cycles=\([0-9]*\) .*/\1/p' "$O/run.out")
  edges=$(sed -n 's/.* pe_edges=\([0-9]*\) .*/\1/p' "$O/run.out")
  [ -n "$cyc" ] && [ -n "$edges" ] || { cat "$O/run.out" "$O/run.err"; echo "FAIL: $mode: no engine_pe_cycles"; exit 1; }
  read -r wall user sys <<< "$t"
  awk -v m="$mode" -v n="$cyc" -v k="$edges" -v w="$wall" -v u="$user" -v s="$sys" 'BEGIN {
    c = u + s; printf "%-24s %12d %12d %7.2f %7.2f %13.3g %13.3g\n", m, n, k, w, c, n / (w > 0 ? w : 1e-9), n / (c > 0 ? c : 1e-9) }'
done
