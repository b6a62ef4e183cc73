# slurm.sh: the Slurm scripts, run with the variables a job array sets:
# three array tasks (ids 1..3, so the offset is exercised), a requeued task
# that resumes, then the merge job; equals a single-process sweep.
source "$(dirname "$0")/lib.sh" "$@"
slurm=$here/../../experiments/slurm
sweep=$S/small.yaml
mkdir -p "$T/scratch"
for id in 1 2 3 2; do
  ATTNSIM=$A TMPDIR=$T/scratch SLURM_ARRAY_JOB_ID=42 SLURM_ARRAY_TASK_ID=$id \
    SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_COUNT=3 SLURM_CPUS_PER_TASK=2 \
    bash "$slurm/sweep.sbatch" "$sweep" "$T/shards"
done
[ -z "$(ls "$T/scratch")" ] || fail "scratch files left behind"
ATTNSIM=$A bash "$slurm/merge.sbatch" "$T/shards" "$T/merged.db" > /dev/null
"$A" sweep "$sweep" --db "$T/single.db"
check_db "$T/merged.db" 18
cmp <("$A" export --db "$T/merged.db" --csv) <("$A" export --db "$T/single.db" --csv) \
  || fail "Slurm shards merged differ from the single sweep"
bash -n "$slurm/submit.sh" || fail "submit.sh does not parse"
echo "slurm: ok"
