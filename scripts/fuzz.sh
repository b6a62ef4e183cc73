#!/usr/bin/env bash
# Builds the einsum/ fuzz target with clang + libFuzzer + ASan/UBSan in
# build-fuzz/ and runs it, seeded with the shipped cascades, the bad-input
# suite and tests/fuzz/regress/.  Usage: scripts/fuzz.sh [SECONDS] [JOBS]
# (default 60 seconds, 1 job).  New corpus entries go to build-fuzz/corpus/;
# a crash is written to build-fuzz/artifacts/ and the script fails: minimise
# it, copy it to tests/fuzz/regress/, fix the bug, and ctest replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
jobs=${2:-1}
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -DATTNSIM_FUZZ=ON -DATTNSIM_RTL=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j2 --target fuzz_einsum

mkdir -p "$build/corpus" "$build/artifacts"
log="$build/fuzz.log"
args=(-dict=tests/fuzz/einsum.dict -max_len=4096 -timeout=10 -rss_limit_mb=2048
      -max_total_time="$secs" -artifact_prefix="$build/artifacts/" -print_final_stats=1)
if [ "$jobs" -gt 1 ]; then args+=(-jobs="$jobs" -workers="$jobs"); fi
seeds=(einsum/cascades tests/fuzz/regress)
if [ -d tests/einsum/bad ]; then seeds+=(tests/einsum/bad); fi
echo "fuzz.sh: fuzzing for ${secs}s (log: $log)"
set +e
"$build/tests/fuzz/fuzz_einsum" "${args[@]}" "$build/corpus" "${seeds[@]}" >"$log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^==[0-9]+==|^SUMMARY|^stat::number_of_executed_units|^fuzz_einsum:' "$log" || true
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: the fuzzer found a problem (exit $status); see $log and $build/artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: no crash in ${secs}s"
