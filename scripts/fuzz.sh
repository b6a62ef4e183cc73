#!/usr/bin/env bash
# Builds the fuzz targets (tests/fuzz/: one per spec loader) with clang +
# libFuzzer + ASan/UBSan in build-fuzz/ and runs each in turn for SECONDS.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 600 s, every target
# Targets: einsum arch energy area workload flatcfg mapping sweep.
# Each target's corpus is build-fuzz/corpus/TARGET/ (kept between runs),
# seeded every run with its seeds (tests/fuzz/seeds.txt) and its regression
# inputs (tests/fuzz/regress/TARGET/).  The fuzzer runs in fork mode and
# keeps going after a finding; every finding is written to
# build-fuzz/findings/TARGET/ and summarised by kind (its first diagnostic
# line) at the end.  tests/fuzz/README.md says how to minimise a finding
# and add it to tests/fuzz/regress/.  Exit status: 0 nothing found, 1
# something found, 2 bad usage or a failed build.  The machine is shared: run it under nice.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(einsum arch energy area workload flatcfg mapping sweep)
usage() { sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

secs=${1:-600}
case $secs in ''|*[!0-9]*|0) usage ;; esac
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  case " ${all[*]} " in *" $t "*) ;; *) echo "fuzz.sh: unknown target '$t' (targets: ${all[*]})" >&2; exit 2 ;; esac
done

# Longest input per format: a few times its longest shipped file, so the
# fuzzer can grow a file without wasting time on megabytes of one key.
max_len() {
  case $1 in
    flatcfg) echo 32768 ;;
    arch|energy|mapping) echo 8192 ;;
    workload) echo 2048 ;;
    *) echo 4096 ;;
  esac
}

# classify TARGET FILE: the kind of a finding, from replaying it once: the
# target's own check ("fuzz_mapping: WHAT: detail" -> WHAT), else the
# sanitizer's report (runtime error, or SUMMARY line), source paths cut to
# their file names.
classify() {
  local out kind
  out=$(timeout 60 "$build/tests/fuzz/fuzz_$1" -timeout=10 -rss_limit_mb=2048 "$2" 2>&1 || true)
  kind=$(echo "$out" | grep -m1 "^fuzz_$1: " | sed "s/^fuzz_$1: //; s/: .*//" || true)
  [ -n "$kind" ] || kind=$(echo "$out" | grep -m1 'runtime error' || true)
  [ -n "$kind" ] || kind=$(echo "$out" | grep -m1 '^SUMMARY: ' || true)
  [ -n "$kind" ] || kind="no report on replay (a timeout or out of memory?)"
  echo "$kind" | sed -E 's#/[^ :]*/##g'
}

top=$PWD
build=$top/build-fuzz
mkdir -p "$build"
if ! { CC=clang CXX=clang++ cmake -S . -B "$build" -DATTNSIM_FUZZ=ON -DATTNSIM_RTL=OFF \
         -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"; } >"$build/build.log" 2>&1; then
  tail -n 30 "$build/build.log" >&2
  echo "fuzz.sh: building the fuzz targets failed (log: $build/build.log)" >&2
  exit 2
fi

# The targets make their temporary data-tree mirrors (and libFuzzer its
# fork-mode work folder) under build-fuzz/tmp/TARGET, so whatever a killed
# process leaves behind is removed with the run, and two runs of fuzz.sh on
# different targets (one per core) do not remove each other's.
found_any=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t seeds=$build/seeds/$t findings=$build/findings/$t log=$build/fuzz-$t.log
  export TMPDIR=$build/tmp/$t
  rm -rf "$seeds" "$TMPDIR"
  mkdir -p "$corpus" "$seeds" "$findings" "$TMPDIR"
  # seeds.txt: "TARGET GLOB..."; the globs are expanded here on purpose
  globs=$(sed -n "s/^$t //p" tests/fuzz/seeds.txt)
  # shellcheck disable=SC2086
  for f in $globs tests/fuzz/regress/"$t"/*; do
    [ -f "$f" ] && cp "$f" "$seeds/$(echo "$f" | tr / _)"
  done
  before=$(find "$findings" -type f | wc -l)
  echo "fuzz.sh: $t for ${secs}s, -max_len=$(max_len "$t") (log: $log)"
  set +e
  "$build/tests/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -dict="tests/fuzz/$t.dict" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$secs" -artifact_prefix="$findings/" \
    "$corpus" "$seeds" >"$log" 2>&1
  set -e
  # the last status line: "#EXECS: cov: ... corp: ... exec/s ... oom/timeout/crash: A/B/C ..."
  last=$(grep -E '^#[0-9]+:? ' "$log" | tail -n 1 || true)
  execs=$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')
  new=$(($(find "$findings" -type f | wc -l) - before))
  echo "  executions: ${execs:-?}; corpus: $(find "$corpus" -type f | wc -l) inputs; new findings: $new (in $findings)"
  if [ "$new" -gt 0 ]; then
    found_any=1
    # one line per kind of finding, with a count and one example
    for f in $(find "$findings" -type f | sort); do
      printf '%s\t%s\n' "$(classify "$t" "$f")" "$f"
    done | awk -F'\t' '{n[$1]++; ex[$1]=$2} END {for (k in n) printf "  %4d x %s\n         e.g. %s\n", n[k], k, ex[k]}'
  fi
  rm -rf "$TMPDIR"
done
if [ "$found_any" -ne 0 ]; then
  echo "fuzz.sh: findings in $build/findings/ (tests/fuzz/README.md: minimise, then add to tests/fuzz/regress/)"
  exit 1
fi
echo "fuzz.sh: nothing found"
