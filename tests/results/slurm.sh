# slurm.sh: the Slurm scripts, run with the variables a job array sets:
# three array tasks (ids 1..3, so the offset is exercised), a requeued task
# that resumes, then the merge job; equals a single-process sweep.  Then a
# task terminated part-way as scancel does it (SIGTERM to all its
# processes) saves what it stored, and its next attempt resumes from that;
# and a merge told N refuses a missing shard.  The fast check; the same on
# a real Slurm cluster is slurm_cluster.sh.
source "$(dirname "$0")/lib.sh" "$@"
slurm=$here/../../experiments/slurm
sweep=$S/small.yaml
mkdir -p "$T/scratch"
# task JOB ID [VAR=VALUE...]: runs sweep.sbatch as task ID of job array JOB
# (ids 1..3) into $T/shards-JOB.
common=(ATTNSIM="$A" TMPDIR="$T/scratch" SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3)
task() {
  local job=$1 id=$2
  shift 2
  env "${common[@]}" SLURM_ARRAY_JOB_ID="$job" SLURM_ARRAY_TASK_ID="$id" SLURM_CPUS_PER_TASK=2 \
    "$@" bash "$slurm/sweep.sbatch" "$sweep" "$T/shards-$job"
}
for id in 1 2 3 2; do task 42 "$id"; done
[ -z "$(ls "$T/scratch")" ] || fail "scratch files left behind"
ATTNSIM=$A bash "$slurm/merge.sbatch" "$T/shards-42" "$T/merged.db" 3 > /dev/null
"$A" sweep "$sweep" --db "$T/single.db"
check_db "$T/merged.db" 18
cmp <("$A" export --db "$T/merged.db" --csv) <("$A" export --db "$T/single.db" --csv) \
  || fail "Slurm shards merged differ from the single sweep"

# Task 3 (shard 2: n2 points, 10 today; shards follow the files' content hashes) terminated after 2 of them: the points are
# saved beside the shards (not as shard-2.db, which a merge would take for
# a finished one).
# setsid (which execs, as env does) makes $! the sweep.sbatch shell and
# its process group the task's processes, as slurmstepd signals them.
n2=$("$A" sweep "$sweep" --dry-run --shard 2/3)
[ "$n2" -ge 4 ] || fail "shard 2 of 3 has $n2 points: too few to terminate part-way"
setsid env "${common[@]}" SLURM_ARRAY_JOB_ID=43 SLURM_ARRAY_TASK_ID=3 SLURM_CPUS_PER_TASK=1 \
  ATTNSIM_SWEEP_DELAY_US=200000 bash "$slurm/sweep.sbatch" "$sweep" "$T/shards-43" 2> "$T/term.err" &
pid=$!
wait_points "$T/scratch/attnsim-43-2.db" 2
kill -TERM -- -"$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 143 ] || fail "terminated task exited $rc, want 143"
grep -qF "sweep.sbatch: terminated; saved the points stored so far to $T/shards-43/shard-2.db.partial" "$T/term.err" \
  || fail "terminated task said: $(cat "$T/term.err")"
[ -f "$T/shards-43/shard-2.db.partial" ] || fail "the terminated task saved nothing"
[ -e "$T/shards-43/shard-2.db" ] && fail "the terminated task left a finished shard"
kept=$(npoints "$T/shards-43/shard-2.db.partial")
[ "$kept" -ge 2 ] && [ "$kept" -lt "$n2" ] || fail "the terminated task saved $kept points, want 2..$((n2 - 1))"
[ -z "$(ls "$T/scratch")" ] || fail "scratch files left behind by the terminated task"
task 43 3
[ -e "$T/shards-43/shard-2.db.partial" ] && fail "the partial shard outlived the finished task"
[ "$(npoints "$T/shards-43/shard-2.db")" = "$n2" ] || fail "resumed shard: $(npoints "$T/shards-43/shard-2.db") points, want $n2"
[ "$(q "$T/shards-43/shard-2.db" 'SELECT count(DISTINCT run_id) FROM points')" = 2 ] \
  || fail "the second attempt did not resume from the first"
cmp <("$A" export --db "$T/shards-43/shard-2.db" --csv) <("$A" export --db "$T/shards-42/shard-2.db" --csv) \
  || fail "the resumed shard differs from the uninterrupted one"

# A merge told N=3 with shard 2 only: refused, naming the missing ones.
rc=0
ATTNSIM=$A bash "$slurm/merge.sbatch" "$T/shards-43" "$T/few.db" 3 2> "$T/err" || rc=$?
[ "$rc" = 1 ] || fail "merge with missing shards exited $rc, want 1"
grep -qF "$T/shards-43: no shard-I.db for I = 0 1 (of 0..2)" "$T/err" || fail "merge message: $(cat "$T/err")"
[ -e "$T/few.db" ] && fail "merge with missing shards wrote its database"

# A task whose sweep fails: its status, and nothing left in scratch.
rc=0
env "${common[@]}" SLURM_ARRAY_JOB_ID=44 SLURM_ARRAY_TASK_ID=1 bash "$slurm/sweep.sbatch" \
  "$T/no-such.yaml" "$T/shards-44" 2> "$T/err" || rc=$?
[ "$rc" = 2 ] || fail "a task whose sweep file is missing exited $rc, want 2"
left=$(find "$T/scratch" "$T/shards-44" -mindepth 1)
[ -z "$left" ] || fail "a failed task left files: $left"

bash -n "$slurm/submit.sh" || fail "submit.sh does not parse"
echo "slurm: ok"
