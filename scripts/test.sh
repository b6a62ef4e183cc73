#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run) and as the README's second
# command.  Stages, each with a header; every stage runs, and the script
# exits non-zero if any failed:
#   1. deps      scripts/install-deps.sh (idempotent)
#   2. build     build/ with -Werror, then every ctest test (RTL included)
#   3. asan      build-asan/ with ASan+UBSan (plus float-cast-overflow,
#                float-divide-by-zero and, with gcc, bounds-strict: see the
#                top-level CMakeLists.txt), RTL off (Verilator is too slow
#                under ASan; its tests ran in stage 2), ctest minus the
#                rtl, bench, slurm and golden labels (golden: the variants'
#                pinned numbers, 44-95 s under ASan, whose code paths the
#                variant tests run there too): every fuzz target's regression
#                inputs and seeds included (label fuzz); slurm: the
#                real-cluster test, ~15 s, mostly Slurm scheduling and its
#                deliberately slow points; the sweep.sbatch/merge.sbatch
#                paths it drives, the SIGTERM save and resume included, run
#                under ASan in results_slurm and results_shards)
#   4. valgrind  every module's C unit tests (einsum, hw, sim, mappings, results, the
#                PE twin's step test), the fuzz regression replay, and the
#                attnsim command on every shipped cascade and bad input, every
#                shipped design (run), the paper study, the bad spec files and
#                a small sweep/export/report: no memory error, no definite or
#                indirect leak.  (The RTL benches and the 1M-vector fp16 tests
#                are left out: they are Verilator/arith soaks, minutes under
#                valgrind; ASan covers the C twin's code in stage 3.)
# TEST_BUILD_DIR and TEST_ASAN_DIR override the two build folders.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=2
build=${TEST_BUILD_DIR:-build}
asan=${TEST_ASAN_DIR:-build-asan}
failed=()
t_all=$SECONDS

header() { printf '\n======== %s ========\n' "$*"; }

# run_stage NAME FUNCTION: runs a stage, records its result and time.
run_stage() {
  local name=$1 t0=$SECONDS rc=0
  header "$name"
  "$2" || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf -- '-------- %s: passed (%ds)\n' "$name" $((SECONDS - t0))
  else
    printf -- '-------- %s: FAILED (%ds)\n' "$name" $((SECONDS - t0))
    failed+=("$name")
  fi
}

# Stage bodies: bash ignores `set -e` inside a function called from a
# condition, so every step ends in `|| return 1`.
stage_build() {
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTNSIM_WERROR=ON -DATTNSIM_SANITIZE=OFF -DATTNSIM_RTL=ON || return 1
  cmake --build "$build" -j"$jobs" || return 1
  (cd "$build" && ctest --output-on-failure -j"$jobs") || return 1
}

stage_asan() {
  cmake -S . -B "$asan" -DATTNSIM_SANITIZE=ON -DATTNSIM_RTL=OFF || return 1
  cmake --build "$asan" -j"$jobs" || return 1
  (cd "$asan" &&
   ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 \
   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure -j"$jobs" -LE 'rtl|bench|slurm|golden') || return 1
}

vg_failures=0
vg_runs=0
# vg STATUS DIR COMMAND...: runs COMMAND in DIR under valgrind and expects
# exit status STATUS (valgrind exits 1 on any error or leak, so STATUS is
# 0 or 2 here, never 1).
vg() {
  local want=$1 dir=$2 got=0 log
  shift 2
  log=$(mktemp)
  (cd "$dir" && valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
                         --error-exitcode=1 "$@") >"$log" 2>&1 || got=$?
  vg_runs=$((vg_runs + 1))
  if [ "$got" -ne "$want" ]; then
    echo "FAIL (exit $got, expected $want): $*"
    tail -n 40 "$log"
    vg_failures=$((vg_failures + 1))
  fi
  rm -f "$log"
}

stage_valgrind() {
  command -v valgrind >/dev/null || { echo "valgrind not installed"; return 1; }
  [ -x "$build/attnsim" ] || { echo "$build/attnsim missing (stage build failed?)"; return 1; }
  local top=$PWD bin t f name args
  local bdir
  case $build in /*) bdir=$build ;; *) bdir=$PWD/$build ;; esac
  bin=$bdir/attnsim
  vg_failures=0
  vg_runs=0
  for t in "$build"/tests/einsum/test_einsum_*; do
    [ -x "$t" ] && vg 0 . "$t"
  done
  vg 0 . "$build"/tests/fuzz/fuzz_einsum_replay tests/fuzz/regress/einsum einsum/cascades tests/einsum/bad
  # every shipped cascade: analyses with sizes, and evaluation
  local sizes=(
    attention-3pass:E=8,F=8,M=64,P=16
    attention-deferred-div:E=8,F=8,M=64,P=16
    attention-2pass:E=8,F=8,M=64,P=16,M0=16
    attention-2pass:E=8,F=8,M=64,P=16,M0=1
    attention-1pass:E=8,F=8,M=64,P=16,M0=16
    attention-1pass:E=8,F=8,M=64,P=16,M0=64
    attention-1pass:E=8,F=8,M=64,P=16,M0=1
    cascade1:K=16 cascade2:K=16 cascade3:K=16 gemm:K=8,M=8,N=8)
  for f in "${sizes[@]}"; do
    name=${f%%:*} args=${f#*:}
    vg 0 . "$bin" check "einsum/cascades/$name.einsum" --json --set "$args"
    vg 0 . "$bin" check "einsum/cascades/$name.einsum" --set "$args"
    vg 0 . "$bin" eval "einsum/cascades/$name.einsum" --set "$args" --seed 3
  done
  # the other modules' unit tests, where ctest runs them
  export ATTNSIM_DATA_DIR=$top
  for t in "$bdir"/tests/hw/test_hw_*; do [ -x "$t" ] && vg 0 tests/hw "$t"; done
  for t in "$bdir"/tests/results/test_results_*; do [ -x "$t" ] && vg 0 tests/results "$t"; done
  # test_sim_cycle runs 50 points with --full: every 5th under valgrind
  for t in "$build"/tests/sim/test_sim_*; do [ -x "$t" ] && ATTNSIM_TEST_STRIDE=5 vg 0 . "$t"; done
  for t in "$build"/tests/mappings/test_mapping_*; do [ -x "$t" ] && vg 0 . "$t"; done
  [ -x "$build/tests/rtl/test_pe_step" ] && vg 0 . "$build/tests/rtl/test_pe_step"
  # the engine through the command line
  local d
  for d in fusemax arch cascade flat unfused linear-fusemax linear-flat; do
    vg 0 . "$bin" run --design "$d" --model xlm --seq 64K --json
  done
  # the GQA mappings on the LLM workloads (prefill; decode in the cycle engine)
  vg 0 . "$bin" run --mapping mappings/gqa-fusemax.yaml --model llama31-8b --seq 4K --json
  vg 0 . "$bin" run --mapping mappings/gqa-decode-fusemax.yaml --model llama31-70b-decode --seq 32K --engine cycle --json
  vg 0 . "$bin" run --mapping mappings/mla-decode-fusemax.yaml --model deepseek-v3-decode --seq 32K --json
  # the attention variants: a density and a pattern file in both engines, crosscheck on mapping files
  vg 0 . "$bin" run --mapping mappings/blocksparse-fusemax.yaml --model llama31-8b --seq 4K --set DENSITY=0.1 --engine cycle --json
  vg 0 . "$bin" run --mapping tests/sim/cycle/blocksparse-file.yaml --model llama31-8b --seq 1K \
    --mask BM=tests/einsum/patterns/causal4x4.txt --json
  vg 0 . "$bin" crosscheck --designs mappings/causal-fusemax.yaml,mappings/streaming-flat.yaml --models llama31-8b \
    --seqs 2K --set SINK=1,WIN=2
  # the cycle engine: fast-forward on a paper point, --full on a small one, the GEMM, the cross-check
  vg 0 . "$bin" run --design fusemax --model xlm --seq 64K --engine cycle --json
  vg 0 . "$bin" run --design arch --model tests/sim/cycle/tiny.yaml --seq 512 --rows 8 --cols 8 --width-1d 8 --engine cycle --full
  vg 0 . "$bin" run --engine cycle --mapping mappings/gemm-os-scalesim.yaml --rows 4 --cols 8 --set M=9,N=17,K=3 --csv
  vg 0 . "$bin" crosscheck --designs fusemax,flat --models bert --seqs 1K,1M
  local tr
  tr=$(mktemp -d)
  vg 0 . "$bin" run --engine cycle --mapping mappings/gemm-os.yaml --rows 4 --cols 4 --set M=9,N=5,K=3 \
    --trace "$tr/t.json" --vcd "$tr/w.vcd" --csv
  rm -rf "$tr"
  # the mapper: a small search on two threads, and a cascade it cannot map
  local mo
  mo=$(mktemp -d)
  vg 0 . "$bin" map --cascade einsum/cascades/attention-1pass.einsum --arch hw/fusemax.yaml --model bert --seq 4K \
    --budget 3000 --jobs 2 --out "$mo/m.yaml"
  vg 2 . "$bin" map --cascade einsum/cascades/attention-1pass.einsum --arch tests/mappings/bad/arch-no-div.yaml \
    --model bert --seq 4K --out "$mo/m.yaml"
  rm -rf "$mo"
  vg 0 . "$bin" paper
  vg 0 . "$bin" pareto --model bert --seq 256K
  vg 0 . "$bin" area
  local line sargs
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    sargs=${line%% | *}
    # shellcheck disable=SC2086
    vg 2 "$top/tests/sim" "$bin" $sargs
  done < tests/sim/bad-specs.txt
  local db
  db=$(mktemp -d)
  vg 0 . "$bin" sweep tests/results/sweeps/small.yaml --db "$db/v.db"
  vg 0 . "$bin" export --db "$db/v.db" --json
  vg 0 . "$bin" sweep tests/results/sweeps/llm-small.yaml --db "$db/l.db"
  vg 0 . "$bin" report --db "$db/l.db" --out "$db/rep"
  rm -rf "$db"
  # every bad input: refused with status 2, nothing leaked
  for f in tests/einsum/bad/*.einsum; do
    args=$(sed -n '2s/^# args: //p' "$f")
    # $args is split into words on purpose
    # shellcheck disable=SC2086
    vg 2 "$top/tests/einsum/bad" "$bin" check "$(basename "$f")" $args
  done
  echo "valgrind: $vg_runs runs, $vg_failures failed"
  [ "$vg_failures" -eq 0 ]
}

header "deps"
bash scripts/install-deps.sh
run_stage build stage_build
run_stage asan stage_asan
run_stage valgrind stage_valgrind

header "summary"
if [ ${#failed[@]} -ne 0 ]; then
  echo "test.sh: FAILED stages: ${failed[*]} ($((SECONDS - t_all))s)"
  exit 1
fi
echo "test.sh: all stages passed ($((SECONDS - t_all))s)"
