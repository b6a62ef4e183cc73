# concurrent.sh: two sweep processes on one database at once (one with
# workers): no point lost or duplicated.  The second walks the same 200
# points in reverse, so the two meet in the middle: both write, and near
# the meeting point each finds points the other stored meanwhile.
source "$(dirname "$0")/lib.sh" "$@"
db=$T/both.db
ATTNSIM_SWEEP_DELAY_US=1000 "$A" sweep "$S/big.yaml" --db "$db" & p1=$!
ATTNSIM_SWEEP_DELAY_US=2000 "$A" sweep "$S/big-reversed.yaml" --db "$db" --jobs 2 & p2=$!
wait $p1 || fail "first sweep failed"
wait $p2 || fail "second sweep failed"
check_db "$db" 200
[ "$(q "$db" 'SELECT count(DISTINCT run_id) FROM points')" = 2 ] \
  || fail "the two sweeps did not overlap (one stored every point)"
[ "$("$A" sweep "$S/big-reversed.yaml" --dry-run)" = 200 ] || fail "big-reversed.yaml size"
# Two sweeps that share only part of their points.
db=$T/overlap.db
ATTNSIM_SWEEP_DELAY_US=500 "$A" sweep "$S/big.yaml" --db "$db" & p1=$!
"$A" sweep "$S/small.yaml" --db "$db" --jobs 2 & p2=$!
wait $p1 && wait $p2 || fail "a sweep failed"
# big.yaml always overrides the bandwidth, so all 18 points of small.yaml
# (each design on its own architecture) are new.
check_db "$db" 218
echo "concurrent: ok"
