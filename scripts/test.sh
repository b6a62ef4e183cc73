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
#   4. valgrind  every module's C unit tests (einsum, hw, sim, mappings, results,
#                util's file reads, cli's options, the PE twin's step and
#                shadow tests), every fuzz target's regression inputs and
#                seeds (tests/fuzz/seeds.txt: every spec loader, the bad
#                fixtures included), and the attnsim command on every
#                shipped cascade, every shipped design (run), the GQA, MLA
#                and variant mappings, the cycle engine (crosscheck's
#                fast-forward on paper points, --full, the GEMM, traces), the
#                mapper, the paper study, a small sweep/export/report, every
#                bad spec in tests/sim/bad-specs.txt and the bad cascades
#                refused under their `# args:` plus one of each other kind:
#                no memory error, no definite or indirect leak.  Runs go two
#                at a time (valgrind serialises a process's threads onto one
#                core), the slowest first; the stage ends with the slowest
#                eight.  Left out: the RTL benches and the 1M-vector fp16
#                tests (Verilator/arith soaks, minutes under valgrind; ASan
#                covers the C twin's code in stage 3), util's 200,000-key
#                ytree test (hw's ytree test loads YAML here), and `attnsim
#                check` on the other bad cascades (each is replayed under
#                valgrind by fuzz_einsum_replay and run through the command
#                under ASan, einsum_bad_*).
# `bash scripts/test.sh STAGE...` runs only the stages named (deps, build,
# asan, valgrind; valgrind needs stage build's folder).  TEST_BUILD_DIR and
# TEST_ASAN_DIR override the two build folders.
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

# The valgrind runs go through a pool of $jobs slots: each run is one
# process, and valgrind serialises a process's threads onto one core, so
# one run at a time would leave the other core idle.  vg queues a run;
# vg_sync waits for every queued run (before one that needs an earlier
# run's output); vg_report waits, prints each failure with the end of its
# log, and the slowest runs.
vg_dir=
vg_runs=0
# vg STATUS DIR COMMAND...: runs COMMAND in DIR under valgrind and expects
# exit status STATUS (valgrind exits 1 on any error or leak, so STATUS is
# 0 or 2 here, never 1).
vg() {
  local want=$1 dir=$2 n
  shift 2
  vg_runs=$((vg_runs + 1))
  n=$vg_runs
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  (
    t0=${EPOCHREALTIME/./} got=0
    # --read-inline-info=no: ~0.2 s less start-up a run (a fifth of an
    # attnsim run's); an error's stack then names no inlined frames (rerun
    # the printed command under plain valgrind for them)
    (cd "$dir" && valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
                           --read-inline-info=no --error-exitcode=1 "$@") >"$vg_dir/$n.log" 2>&1 || got=$?
    printf '%s %s %s %s\n' "$got" "$want" $(((${EPOCHREALTIME/./} - t0) / 1000)) "$*" >"$vg_dir/$n.rc"
  ) &
}

vg_sync() { wait; }

# vg_report: 0 when every queued run exited as expected.
vg_report() {
  local n got want cmd bad=0
  wait
  for n in $(seq 1 "$vg_runs"); do
    read -r got want _ cmd <"$vg_dir/$n.rc" || { got=missing want=0 cmd="run $n"; }
    if [ "$got" != "$want" ]; then
      echo "FAIL (exit $got, expected $want): $cmd"
      tail -n 40 "$vg_dir/$n.log"
      bad=$((bad + 1))
    fi
  done
  echo "valgrind: $vg_runs runs on $jobs slots, $bad failed; the slowest (ms):"
  cat "$vg_dir"/*.rc | sort -k3,3nr | head -n 8 | cut -d' ' -f3- | sed 's/^/  /'
  [ "$bad" -eq 0 ]
}

# vg_unit T: unit test binary T under valgrind, from the folder ctest runs
# it in.  The sim tests take ATTNSIM_TEST_STRIDE=5: test_sim_cycle runs
# every 5th of its 50 --full points, test_sim_variants no --full run.
vg_unit() {
  case $1 in
    */tests/hw/*) vg 0 tests/hw "$1" ;;
    */tests/results/*) vg 0 tests/results "$1" ;;
    */tests/sim/*) ATTNSIM_TEST_STRIDE=5 vg 0 . "$1" ;;
    *) vg 0 . "$1" ;;
  esac
}

stage_valgrind() {
  command -v valgrind >/dev/null || { echo "valgrind not installed"; return 1; }
  [ -x "$build/attnsim" ] || { echo "$build/attnsim missing (stage build failed?)"; return 1; }
  local top=$PWD bdir bin t f name args line sargs out target globs
  case $build in /*) bdir=$build ;; *) bdir=$PWD/$build ;; esac
  bin=$bdir/attnsim
  vg_dir=$(mktemp -d)
  vg_runs=0
  out=$vg_dir/out
  mkdir "$out"
  export ATTNSIM_DATA_DIR=$top
  # Every module's unit tests (einsum, hw, sim, mappings, results, util,
  # cli, the PE twin's step and shadow tests), the slowest first so that
  # the two slots finish together.
  local slow=(sim/test_sim_cycle sim/test_sim_ledger sim/test_sim_variants mappings/test_mapping_search_exact
              sim/test_sim_data results/test_results_sweep)
  for t in "${slow[@]}"; do
    [ -x "$bdir/tests/$t" ] || { echo "$bdir/tests/$t missing"; return 1; }
    vg_unit "$bdir/tests/$t"
  done
  for t in "$bdir"/tests/{einsum/test_einsum,hw/test_hw,sim/test_sim,mappings/test_mapping,results/test_results}_* \
           "$bdir"/tests/util/test_util_read "$bdir"/tests/cli/test_cli_opt \
           "$bdir"/tests/rtl/test_pe_step "$bdir"/tests/rtl/test_pe_shadow; do
    [ -x "$t" ] || continue
    case " ${slow[*]} " in *" ${t#"$bdir"/tests/} "*) continue ;; esac
    vg_unit "$t"
  done
  # every fuzz target's regression inputs and seeds (tests/fuzz/seeds.txt,
  # as ctest replays them): every spec loader, bad fixtures included
  while read -r target globs; do
    case "$target" in ''|'#'*) continue ;; esac
    # the globs are expanded here, relative to the source tree
    # shellcheck disable=SC2086
    LC_ALL=C vg 0 . "$bdir/tests/fuzz/fuzz_${target}_replay" "tests/fuzz/regress/$target" $globs
  done < tests/fuzz/seeds.txt
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
  # the engine through the command line
  local d
  for d in fusemax arch cascade flat unfused linear-fusemax linear-flat; do
    vg 0 . "$bin" run --design "$d" --model xlm --seq 64K --json
  done
  # the GQA mappings on the LLM workloads (prefill; decode in the cycle engine)
  vg 0 . "$bin" run --mapping mappings/gqa-fusemax.yaml --model llama31-8b --seq 4K --json
  vg 0 . "$bin" run --mapping mappings/gqa-decode-fusemax.yaml --model llama31-70b-decode --seq 4K --engine cycle --json
  vg 0 . "$bin" run --mapping mappings/mla-decode-fusemax.yaml --model deepseek-v3-decode --seq 32K --json
  # the attention variants: a density and a pattern file in both engines, crosscheck on mapping files
  vg 0 . "$bin" run --mapping mappings/blocksparse-fusemax.yaml --model llama31-8b --seq 2K --set DENSITY=0.1 --engine cycle --json
  vg 0 . "$bin" run --mapping tests/sim/cycle/blocksparse-file.yaml --model llama31-8b --seq 1K \
    --mask BM=tests/einsum/patterns/causal4x4.txt --json
  vg 0 . "$bin" crosscheck --designs mappings/causal-fusemax.yaml,mappings/streaming-flat.yaml --models llama31-8b \
    --seqs 2K --set SINK=1,WIN=2
  # the cycle engine: fast-forward on the paper's points (crosscheck), --full on a small one, the GEMM, traces
  vg 0 . "$bin" crosscheck --designs fusemax,flat --models bert --seqs 1K,1M
  vg 0 . "$bin" run --design arch --model tests/sim/cycle/tiny.yaml --seq 256 --rows 8 --cols 8 --width-1d 8 --engine cycle --full
  vg 0 . "$bin" run --engine cycle --mapping mappings/gemm-os-scalesim.yaml --rows 4 --cols 8 --set M=9,N=17,K=3 --csv
  vg 0 . "$bin" run --engine cycle --mapping mappings/gemm-os.yaml --rows 4 --cols 4 --set M=9,N=5,K=3 \
    --trace "$out/t.json" --vcd "$out/w.vcd" --csv
  # the mapper: a small search on two threads, and a cascade it cannot map
  vg 0 . "$bin" map --cascade einsum/cascades/attention-1pass.einsum --arch hw/fusemax.yaml --model bert --seq 4K \
    --budget 3000 --jobs 2 --out "$out/m1.yaml"
  vg 2 . "$bin" map --cascade einsum/cascades/attention-1pass.einsum --arch tests/mappings/bad/arch-no-div.yaml \
    --model bert --seq 4K --out "$out/m2.yaml"
  vg 0 . "$bin" paper
  vg 0 . "$bin" pareto --model bert --seq 256K
  vg 0 . "$bin" area
  vg 0 . "$bin" sweep tests/results/sweeps/small.yaml --db "$out/v.db"
  vg 0 . "$bin" sweep tests/results/sweeps/llm-small.yaml --db "$out/l.db"
  # every bad spec and impossible mapping: refused with status 2, nothing leaked
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    sargs=${line%% | *}
    # shellcheck disable=SC2086
    vg 2 "$top/tests/sim" "$bin" $sargs
  done < tests/sim/bad-specs.txt
  # bad cascades through `attnsim check`: the ones refused under their
  # `# args:` (--set, --mask: binding and mask errors, which the replay
  # above, binding its own sizes, does not reach), and one of each other
  # kind (the bytes, the lexer, the parser, the checker, the nesting
  # limits).  Every bad cascade is also replayed under valgrind above
  # (fuzz_einsum_replay, tests/einsum/bad/ among its seeds) and run through
  # `attnsim check` under ASan (einsum_bad_*).
  local kinds=" empty-file nul-byte non-ascii-byte unterminated-paren missing-equals undefined-tensor cycle-indirect
                 too-deep-nesting output-never-produced "
  for name in $kinds; do
    [ -e "tests/einsum/bad/$name.einsum" ] || { echo "tests/einsum/bad/$name.einsum missing"; return 1; }
  done
  for f in tests/einsum/bad/*.einsum; do
    args=$(sed -n '2s/^# args: //p' "$f")
    name=$(basename "$f" .einsum)
    [ -n "$args" ] || case $kinds in *" $name "*) ;; *) continue ;; esac
    # $args is split into words on purpose
    # shellcheck disable=SC2086
    vg 2 "$top/tests/einsum/bad" "$bin" check "$name.einsum" $args
  done
  # what needs the sweeps' databases
  vg_sync
  vg 0 . "$bin" export --db "$out/v.db" --json
  vg 0 . "$bin" report --db "$out/l.db" --out "$out/rep"
  local rc=0
  vg_report || rc=1
  rm -rf "$vg_dir"
  return "$rc"
}

stage_deps() { bash scripts/install-deps.sh; }

stages=("$@")
[ ${#stages[@]} -ne 0 ] || stages=(deps build asan valgrind)
for s in "${stages[@]}"; do
  case $s in
    deps|build|asan|valgrind) run_stage "$s" "stage_$s" ;;
    *) echo "test.sh: unknown stage '$s' (deps, build, asan, valgrind)" >&2; exit 2 ;;
  esac
done

header "summary"
if [ ${#failed[@]} -ne 0 ]; then
  echo "test.sh: FAILED stages: ${failed[*]} ($((SECONDS - t_all))s)"
  exit 1
fi
echo "test.sh: all stages passed ($((SECONDS - t_all))s)"
