#!/bin/bash
# Runs a sweep as N Slurm array tasks, then merges the shards into DB.
#   experiments/slurm/submit.sh SWEEP.yaml N [OUTDIR] [DB]
# e.g. experiments/slurm/submit.sh experiments/array-sizes.yaml 16
# Prints the two job ids.  The merge waits for every task to end
# (afterany, not afterok: under afterok a task that was cancelled and then
# requeued leaves the merge pending forever, DependencyNeverSatisfied, even
# once the task succeeds), and refuses to merge unless all N shards exist.
set -euo pipefail
sweep=${1:?usage: submit.sh SWEEP.yaml N [OUTDIR] [DB]}
n=${2:?usage: submit.sh SWEEP.yaml N [OUTDIR] [DB]}
outdir=${3:-results/shards}
db=${4:-results/attnsim.db}
here=$(dirname "$0")
case $n in ''|*[!0-9]*|0*) echo "submit.sh: N must be a positive whole number, got '$n'" >&2; exit 2 ;; esac
# --parsable prints JOBID or JOBID;CLUSTER
jid=$(sbatch --parsable --array=0-$((n - 1)) "$here/sweep.sbatch" "$sweep" "$outdir")
jid=${jid%%;*}
mid=$(sbatch --parsable --dependency=afterany:"$jid" "$here/merge.sbatch" "$outdir" "$db" "$n")
mid=${mid%%;*}
echo "sweep: job array $jid (tasks 0-$((n - 1)))"
echo "merge: job $mid (after $jid)"
