# resume.sh: a sweep killed with SIGKILL part-way, then resumed, holds every
# point exactly once and passes PRAGMA integrity_check; its workers do not
# outlive it.  Once with worker processes (--jobs 2: the parent writes while
# workers compute, so the kill can land inside a transaction), once with one;
# then a killed worker instead of a killed sweep.
source "$(dirname "$0")/lib.sh" "$@"
total=$("$A" sweep "$S/big.yaml" --dry-run)
[ "$total" = 200 ] || fail "big.yaml: $total points, want 200"
for jobs in 2 1; do
  db=$T/kill-$jobs.db
  ATTNSIM_SWEEP_DELAY_US=3000 "$A" sweep "$S/big.yaml" --db "$db" --jobs $jobs &
  pid=$!
  wait_points "$db" 30
  kill -KILL $pid
  status=0
  wait $pid || status=$?
  [ $status = 137 ] || fail "sweep was not killed (status $status)"
  n=$(npoints "$db")
  [ "$n" -ge 30 ] && [ "$n" -lt "$total" ] || fail "killed at $n of $total points: not part-way"
  [ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the kill"
  sleep 0.2
  ! pgrep -f -- "--db $db" >/dev/null || fail "workers outlived the killed sweep"
  "$A" sweep "$S/big.yaml" --db "$db" --jobs $jobs
  check_db "$db" "$total"
  runs=$(q "$db" 'SELECT count(*) FROM runs')
  [ "$runs" = 2 ] || fail "$runs runs, want 2 (killed + resumed)"
  # A third run finds nothing to do and leaves no run row behind.
  "$A" sweep "$S/big.yaml" --db "$db"
  check_db "$db" "$total"
  [ "$(q "$db" 'SELECT count(*) FROM runs')" = 2 ] || fail "a sweep that stored nothing left a run"
done

# A worker killed mid-sweep: the sweep stops with the point named and exit
# status 2, keeping what it stored; rerunning completes it.
db=$T/worker.db
ATTNSIM_SWEEP_DELAY_US=3000 "$A" sweep "$S/big.yaml" --db "$db" --jobs 2 2> "$T/worker.err" &
pid=$!
wait_points "$db" 20
kill -KILL "$(pgrep -P $pid | head -1)"
status=0
wait $pid || status=$?
[ $status = 2 ] || fail "a dead worker: exit status $status, want 2"
grep -Eq "^sweep: a worker killed by signal 9 while evaluating [a-z]+ [A-Za-z0-9]+ seq_len=[0-9]+ \(point [0-9]+ of the sweep\); the points stored so far are kept, rerun to resume$" \
  "$T/worker.err" || fail "a dead worker: $(cat "$T/worker.err")"
"$A" sweep "$S/big.yaml" --db "$db" --jobs 2
check_db "$db" 200
echo "resume: ok"
