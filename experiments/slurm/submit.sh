#!/bin/bash
# Runs a sweep as N Slurm array tasks, then merges the shards into DB.
#   experiments/slurm/submit.sh SWEEP.yaml N [OUTDIR] [DB]
# e.g. experiments/slurm/submit.sh experiments/array-sizes.yaml 16
set -euo pipefail
sweep=${1:?usage: submit.sh SWEEP.yaml N [OUTDIR] [DB]}
n=${2:?usage: submit.sh SWEEP.yaml N [OUTDIR] [DB]}
outdir=${3:-results/shards}
db=${4:-results/attnsim.db}
here=$(dirname "$0")
jid=$(sbatch --parsable --array=0-$((n - 1)) "$here/sweep.sbatch" "$sweep" "$outdir")
sbatch --dependency=afterok:"$jid" "$here/merge.sbatch" "$outdir" "$db"
