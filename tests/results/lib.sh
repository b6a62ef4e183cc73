# lib.sh: shared by the scenario tests here.  Usage: source lib.sh "$@"
# with the attnsim binary as $1.  Gives $A (attnsim), $T (a scratch folder,
# removed on exit), $S (this folder's sweeps/), and checks on a database;
# runs in this folder.
set -euo pipefail
A=${1:?usage: $0 ATTNSIM}
A=$(cd "$(dirname "$A")" && pwd)/$(basename "$A")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"     # fixture paths, and so expected messages, are "bad/NAME.yaml"
S=$here/sweeps
T=$(mktemp -d /tmp/attnsim-results-XXXXXX)
trap 'rm -rf "$T"' EXIT
unset ATTNSIM_SWEEP_DELAY_US ATTNSIM_GNUPLOT

fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 -readonly "$1" "$2"; }
npoints() { q "$1" 'SELECT count(*) FROM points'; }

# Every point exactly once, each stored point complete, the file sound.
check_db() {
  local db=$1 want=$2
  [ "$(npoints "$db")" = "$want" ] || fail "$db: $(npoints "$db") points, want $want"
  [ "$(q "$db" 'SELECT count(*) FROM (SELECT 1 FROM points GROUP BY config_hash, engine HAVING count(*) > 1)')" = 0 ] \
    || fail "$db: duplicated points"
  [ "$(q "$db" 'PRAGMA integrity_check')" = ok ] || fail "$db: integrity_check"
  [ "$(q "$db" 'PRAGMA foreign_key_check')" = "" ] || fail "$db: foreign_key_check"
  # Breakdowns: 5 energy components and 2 arrays per ok point, none for errors.
  [ "$(q "$db" "SELECT count(*) FROM points p WHERE status = 'ok' AND
        ((SELECT count(*) FROM point_energy e WHERE e.point_id = p.point_id) != 5 OR
         (SELECT count(*) FROM point_arrays a WHERE a.point_id = p.point_id) != 2 OR
         (SELECT count(*) FROM point_einsums x WHERE x.point_id = p.point_id) = 0)")" = 0 ] \
    || fail "$db: a stored point lacks its breakdowns"
  [ "$(q "$db" "SELECT count(*) FROM point_energy WHERE point_id NOT IN (SELECT point_id FROM points WHERE status = 'ok')")" = 0 ] \
    || fail "$db: breakdown rows without their point"
}

# Waits (at most ~10 s) until db holds at least n points.
wait_points() {
  local db=$1 n=$2 k
  for k in $(seq 1 1000); do
    if [ -s "$db" ] && [ "$(q "$db" 'SELECT count(*) FROM points' 2>/dev/null || echo 0)" -ge "$n" ]; then
      return 0
    fi
    sleep 0.01
  done
  fail "$db: never reached $n points"
}
