# slurm_cluster.sh: the Slurm scripts on a real, single-node Slurm cluster
# (Debian's slurmctld, slurmd, slurm-client and munge) started here in a
# scratch folder: submit.sh sends the job array and the merge job through
# real sbatch, one array task is cancelled while it runs (scancel) and
# requeued (scontrol requeue), and the merged database must equal a
# single-process sweep point for point; the requeued task must have resumed
# from what its cancelled attempt stored.
#
# Needs root (slurmd starts jobs as their owner; the daemons run as root
# here): not root, it exits 77, which ctest reports as skipped.  Run as root
# without the Slurm or munge binaries, it fails and names the install script.
# The cluster lives in $T: munged with its own key and socket, slurmctld and
# slurmd on 127.0.0.1 only, on two free ports, with their state, spool,
# pid and log files; all three are stopped by their pids on exit, pass or
# fail, and none may be left running.
source "$(dirname "$0")/lib.sh" "$@"
slurm=$here/../../experiments/slurm
sweep=$S/small.yaml
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm_cluster: skipped: needs root to run slurmd (CI runs as root)"
  exit 77
fi
PATH=$PATH:/usr/sbin
for b in munged mungekey slurmctld slurmd sbatch scontrol sinfo squeue scancel; do
  command -v "$b" > /dev/null \
    || fail "$b not found: scripts/install-deps.sh installs munge, slurmctld, slurmd and slurm-client"
done
t_start=$SECONDS
deadline=$((SECONDS + 120))  # every wait below shares this bound

chmod 755 "$T"  # munged wants its socket's folder searchable by all
mkdir -p "$T/munge" "$T/key" "$T/state" "$T/spool" "$T/log" "$T/scratch" "$T/work"
chmod 700 "$T/key"
conf=$T/slurm.conf
export SLURM_CONF=$conf

# alive PID: running (a zombie is not: PID 1 here may reap late).
alive() {
  local s
  s=$(awk '{print $3}' "/proc/$1/stat" 2> /dev/null) || return 1
  [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}
# ours PID: $T on its command line or in its environment.
ours() {
  local c e
  c=$(tr '\0' '\n' 2> /dev/null < "/proc/$1/cmdline") || return 1
  e=$(tr '\0' '\n' 2> /dev/null < "/proc/$1/environ") || e=
  case "$c $e" in *"$T"*) return 0 ;; esac
  return 1
}
logs() {
  local f
  for f in "$T"/log/* "$T"/munge/munged.log "$T"/work/slurm-*.out; do
    if [ -f "$f" ]; then echo "---- $f"; tail -n 30 "$f"; fi
  done >&2
}
# Stops the daemons by their pid files (TERM, then KILL after 10 s), then
# checks nothing of this cluster still runs (and kills what does).
pids=()
stop_cluster() {
  local rc=$? f p k left
  trap - EXIT
  set +e  # best effort from here: a failing step must not skip the rest
  [ "$rc" -eq 0 ] || logs
  # jobs first, so no slurmstepd or job outlives slurmd
  if [ -f "$T/slurmctld.pid" ] && alive "$(cat "$T/slurmctld.pid")"; then
    scancel --quiet --full --user=root 2> /dev/null || true
    for k in $(seq 1 100); do
      [ -z "$(squeue -h 2> /dev/null)" ] && break
      sleep 0.1
    done
  fi
  for f in slurmd.pid slurmctld.pid munge/munged.pid; do
    [ -f "$T/$f" ] || continue
    p=$(cat "$T/$f")
    pids+=("$p")
    alive "$p" && kill -TERM "$p" 2> /dev/null
  done
  for p in "${pids[@]}"; do
    for k in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then
      echo "FAIL: pid $p ignored SIGTERM for 10 s; killing it" >&2
      kill -KILL "$p" 2> /dev/null
      rc=1
    fi
  done
  # Anything else of this cluster still running: a process with this
  # folder on its command line (munged, slurmctld) or in its environment
  # (slurmd, slurmstepd and the jobs, through SLURM_CONF and TMPDIR).
  unset SLURM_CONF
  left=""
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" != $$ ] && alive "$p" && ours "$p" && left="$left $p"
  done
  for p in "${pids[@]}"; do alive "$p" && left="$left $p"; done
  if [ -n "$left" ]; then
    echo "FAIL: still running after the test (now killed):" >&2
    ps -o pid,stat,cmd -p "${left# }" >&2 || true
    # shellcheck disable=SC2086  # a list of pids
    kill -KILL $left 2> /dev/null
    rc=1
  fi
  rm -rf "$T"
  exit "$rc"
}
trap stop_cluster EXIT
# A signal (ctest's or a user's interrupt, a runner's TERM) exits through
# the EXIT trap too, so the daemons are stopped; only SIGKILL escapes.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# free_port: a TCP port nothing listens on (checked in /proc/net/tcp*).
free_port() {
  local p hex k
  for k in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    hex=$(printf ':%04X ' "$p")
    if ! grep -q -- "$hex" /proc/net/tcp /proc/net/tcp6 2> /dev/null && [ "$p" != "${1:-}" ]; then
      echo "$p"
      return 0
    fi
  done
  fail "no free port found"
}
ctld_port=$(free_port)
slurmd_port=$(free_port "$ctld_port")

# munge: its own key, socket, pid, log and seed files
mungekey --create --keyfile="$T/key/munge.key" || fail "mungekey failed"
chmod 400 "$T/key/munge.key"
munged --socket="$T/munge/sock" --key-file="$T/key/munge.key" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
  --seed-file="$T/munge/seed" || fail "munged did not start"

# The node: named as slurmd names itself (the short host name), on
# 127.0.0.1, with 2 CPUs (1 socket, 2 cores) whatever the machine has, so
# that the 2-CPU array tasks run one at a time everywhere; its memory as
# slurmd -C finds it.
node=$(slurmd -C | head -n 1) || fail "slurmd -C failed"
case $node in NodeName=*' '*RealMemory=*) ;; *) fail "slurmd -C printed '$node'" ;; esac
host=${node%% *}
host=${host#NodeName=}
mem=${node##*RealMemory=}
mem=${mem%% *}
case $(nproc) in 1) fail "needs 2 CPUs, this machine has 1" ;; esac
node="NodeName=$host NodeAddr=127.0.0.1 CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=$mem"
# proctrack/linuxproc and task/none: no cgroups or systemd needed, so it
# runs in a container.  cred_expire=5: a requeued job waits that long
# (default 120 s) before it may start again.  NoCtldInAddrAny and
# NoInAddrAny: the daemons listen on 127.0.0.1 only.
cat > "$conf" <<EOF
ClusterName=attnsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/sock,cred_expire=5
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$node
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$conf" || fail "slurmctld did not start"
slurmd -f "$conf" || fail "slurmd did not start"

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds, within
# the test's deadline.
wait_until() {
  local what=$1
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for $what"
    sleep 0.2
  done
}
node_idle() { [ "$(sinfo -h -n "$host" -o %t 2> /dev/null)" = idle ]; }
wait_until "the node to come up idle" node_idle
t_up=$((SECONDS - t_start))

# small.yaml's 18 points in 4 shards (2, 6, 7 and 3 points today: shards
# follow the files' content hashes, so the sizes are asked for and the
# largest shard's task, k, is the one cancelled), each point 0.5 s longer:
# task k runs a few seconds, long enough to be cancelled part-way while the
# other tasks wait for the node's 2 CPUs (so the merge cannot start before
# the requeue).
k=0 nk=0
for i in 0 1 2 3; do
  n=$("$A" sweep "$sweep" --dry-run --shard $i/4) || fail "sweep --dry-run --shard $i/4 failed"
  [ "$n" -gt "$nk" ] && k=$i nk=$n
done
[ "$nk" -ge 3 ] || fail "no shard of small.yaml has 3 points to cancel part-way (largest $nk)"
cd "$T/work"
out=$(ATTNSIM=$A TMPDIR=$T/scratch ATTNSIM_SWEEP_DELAY_US=500000 \
      bash "$slurm/submit.sh" "$sweep" 4 "$T/shards" "$T/merged.db") || fail "submit.sh failed: $out"
jid=$(echo "$out" | sed -n 's/^sweep: job array \([0-9]*\) .*/\1/p')
mid=$(echo "$out" | sed -n 's/^merge: job \([0-9]*\) .*/\1/p')
[ -n "$jid" ] && [ -n "$mid" ] || fail "submit.sh printed no job ids: $out"
cd "$here"
state() { squeue -h -j "$1" -o %T 2> /dev/null || true; }
dep=$(scontrol show job "$mid" | grep -o 'Dependency=[^ ]*')
case $dep in "Dependency=afterany:${jid}_*"*) ;; *) fail "merge job $mid: $dep, want afterany:${jid}_*" ;; esac

# Task k stores points into its scratch database; cancel it when 2 are in.
scratch0=$T/scratch/attnsim-$jid-$k.db
stored() { [ -s "$scratch0" ] && [ "$(q "$scratch0" 'SELECT count(*) FROM points' 2> /dev/null || echo 0)" -ge "$1" ]; }
running() { [ "$(state "${jid}_$k")" = RUNNING ]; }
wait_until "task ${jid}_$k to run" running
wait_until "task ${jid}_$k to store 2 points" stored 2
[ -n "$(squeue -h -j "$jid" -t PENDING -o %i)" ] || fail "no task of $jid waits while task $k runs"
scancel "${jid}_$k" || fail "scancel ${jid}_$k failed"
ended() { [ -z "$(state "${jid}_$k")" ] || [ "$(state "${jid}_$k")" = CANCELLED ]; }
wait_until "task ${jid}_$k to end" ended
[ "$(scontrol show job "${jid}_$k" | grep -o 'JobState=[A-Z]*')" = JobState=CANCELLED ] \
  || fail "task ${jid}_$k: $(scontrol show job "${jid}_$k" | grep -o 'JobState=[A-Z]*'), want CANCELLED"
[ -f "$T/shards/shard-$k.db.partial" ] || fail "the cancelled task saved no partial shard"
[ -f "$T/shards/shard-$k.db" ] && fail "the cancelled task left a finished shard"
kept=$(q "$T/shards/shard-$k.db.partial" 'SELECT count(*) FROM points')
[ "$kept" -ge 2 ] && [ "$kept" -lt "$nk" ] || fail "the cancelled task saved $kept points, want 2..$((nk - 1))"
scontrol requeue "${jid}_$k" || fail "scontrol requeue ${jid}_$k failed"

# Everything ends: the array, then the merge job.
gone() { [ -z "$(squeue -h 2> /dev/null)" ]; }
wait_until "the jobs to finish" gone
t_jobs=$((SECONDS - t_start))
for j in "${jid}_0" "${jid}_1" "${jid}_2" "${jid}_3" "$mid"; do
  s=$(scontrol show job "$j" | grep -o 'JobState=[A-Z]*')
  [ "$s" = JobState=COMPLETED ] || fail "job $j: $s, want COMPLETED"
done
scontrol show job "${jid}_$k" | grep -q 'Restarts=1' || fail "task ${jid}_$k was not restarted once"
[ -f "$T/merged.db" ] || fail "the merge job wrote no database"
[ -z "$(ls "$T/scratch")" ] || fail "scratch files left behind: $(ls "$T/scratch")"
[ -f "$T/shards/shard-$k.db.partial" ] && fail "the partial shard outlived the finished task"

"$A" sweep "$sweep" --db "$T/single.db"
check_db "$T/merged.db" 18
cmp <("$A" export --db "$T/merged.db" --csv) <("$A" export --db "$T/single.db" --csv) \
  || fail "the Slurm cluster's merged sweep differs from the single-process sweep"
# 4 tasks and the cancelled attempt: 5 runs stored points, so task k's
# second attempt resumed instead of starting over.
runs=$(q "$T/merged.db" 'SELECT count(DISTINCT run_id) FROM points')
[ "$runs" = 5 ] || fail "points from $runs runs, want 5 (the requeued task did not resume)"
echo "slurm_cluster: ok (node up after ${t_up}s, jobs done after ${t_jobs}s)"
