# failure.sh: a sweep that fails part-way leaves nothing half-written: the
# points stored so far stay, each complete; the database passes its checks
# and is closed, with no -wal or -shm file beside it; rerunning resumes.
# Once for a point that crashes the engine (ATTNSIM_SWEEP_CRASH_AT, a test
# hook: that point calls abort()), once for SIGTERM, once for a terminal's
# ^C (SIGINT to the process group); each with --jobs 1 and --jobs 2.
source "$(dirname "$0")/lib.sh" "$@"
sweep=$S/small.yaml          # 18 points
clean() {
  [ ! -e "$1-wal" ] && [ ! -e "$1-shm" ] && [ ! -e "$1-journal" ] || fail "$1: $2: left $(ls "$1"-* | tr '\n' ' ')"
}
# (Checked before any sqlite3 -readonly query: a read-only connection
# cannot remove the -wal and -shm files it opens.)
resume() {
  "$A" sweep "$sweep" --db "$1" --jobs 2
  clean "$1" "resumed"
  check_db "$1" 18
}

for jobs in 1 2; do
  # Point 5 crashes: the sweep stops, exit 2, naming the point.
  db=$T/crash-$jobs.db
  status=0
  ATTNSIM_SWEEP_CRASH_AT=5 "$A" sweep "$sweep" --db "$db" --jobs $jobs 2> "$T/err" || status=$?
  [ $status = 2 ] || fail "crash, --jobs $jobs: exit status $status, want 2 ($(cat "$T/err"))"
  grep -Eq "^sweep: a worker killed by signal 6 while evaluating fusemax T5 seq_len=16384 \(point 5 of the sweep\); the points stored so far are kept, rerun to resume$" \
    "$T/err" || fail "crash, --jobs $jobs: $(cat "$T/err")"
  clean "$db" "crash, --jobs $jobs"
  n=$(npoints "$db")
  [ "$n" -ge 1 ] && [ "$n" -lt 18 ] || fail "crash, --jobs $jobs: $n points stored, want part of 18"
  [ "$(q "$db" "SELECT count(*) FROM points WHERE model = 'T5' AND seq_len = 16384 AND design = 'fusemax'")" = 0 ] \
    || fail "crash, --jobs $jobs: the crashed point was stored"
  check_db "$db" "$n"
  resume "$db"

  # SIGTERM part-way: the sweep stops after the point being stored, closes
  # the store, and dies of SIGTERM (exit status 143 from the shell).
  for sig in TERM INT; do
    db=$T/$sig-$jobs.db
    if [ $sig = TERM ]; then
      ATTNSIM_SWEEP_DELAY_US=50000 "$A" sweep "$sweep" --db "$db" --jobs $jobs 2> "$T/err" &
      pid=$!
      wait_points "$db" 3
      kill -TERM $pid
      want=143
    else
      # A terminal's ^C reaches every process of the foreground group.
      ATTNSIM_SWEEP_DELAY_US=50000 setsid "$A" sweep "$sweep" --db "$db" --jobs $jobs 2> "$T/err" &
      pid=$!
      wait_points "$db" 3
      kill -INT -- -$pid
      want=130
    fi
    status=0
    wait $pid || status=$?
    [ $status = $want ] || fail "SIG$sig, --jobs $jobs: exit status $status, want $want ($(cat "$T/err"))"
    grep -Eq "^sweep: stopped by signal [0-9]+ after [0-9]+ of 18 points; the points stored so far are kept, rerun to resume$" \
      "$T/err" || fail "SIG$sig, --jobs $jobs: $(cat "$T/err")"
    clean "$db" "SIG$sig, --jobs $jobs"
    n=$(npoints "$db")
    [ "$n" -ge 3 ] && [ "$n" -lt 18 ] || fail "SIG$sig, --jobs $jobs: $n points stored, want part of 18"
    check_db "$db" "$n"
    ! pgrep -f -- "--db $db" > /dev/null || fail "SIG$sig, --jobs $jobs: workers outlived the sweep"
    resume "$db"
  done
done

# Nothing to do: still closed cleanly, and a dry run never opens the store.
"$A" sweep "$sweep" --db "$T/crash-1.db"
clean "$T/crash-1.db" "a sweep with nothing to do"
echo "failure: ok"
