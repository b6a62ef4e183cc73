# shards.sh: a sweep run as three shard processes under GNU parallel, then
# merged, equals a single-process sweep point for point (every metric, every
# breakdown); shards partition the sweep; merging again changes nothing.
source "$(dirname "$0")/lib.sh" "$@"
sweep=$S/big.yaml
total=$("$A" sweep "$sweep" --dry-run)
sum=0
for i in 0 1 2; do sum=$((sum + $("$A" sweep "$sweep" --dry-run --shard $i/3))); done
[ "$sum" = "$total" ] || fail "shards hold $sum points, the sweep $total"
parallel --will-cite --halt now,fail=1 -j3 \
  "$A" sweep "$sweep" --db "$T/shard-{}.db" --shard {}/3 ::: 0 1 2
for i in 0 1 2; do
  [ "$(npoints "$T/shard-$i.db")" = "$("$A" sweep "$sweep" --dry-run --shard $i/3)" ] \
    || fail "shard $i holds the wrong points"
done
"$A" merge "$T/merged.db" "$T"/shard-*.db > "$T/merge.out"
"$A" sweep "$sweep" --db "$T/single.db"
check_db "$T/merged.db" "$total"
"$A" export --db "$T/merged.db" --csv > "$T/merged.csv"
"$A" export --db "$T/single.db" --csv > "$T/single.csv"
cmp "$T/merged.csv" "$T/single.csv" || fail "merged shards differ from the single sweep (CSV)"
# JSON adds the per-array and per-Einsum breakdowns; only the run differs.
strip_run() { sed 's/,"run":{[^}]*}}/}/' "$1"; }
"$A" export --db "$T/merged.db" --json > "$T/merged.json"
"$A" export --db "$T/single.db" --json > "$T/single.json"
cmp <(strip_run "$T/merged.json") <(strip_run "$T/single.json") \
  || fail "merged shards differ from the single sweep (JSON)"
[ "$(wc -l < "$T/merged.csv")" = $((total + 1)) ] || fail "export row count"
# Merging the same shards again adds nothing.
"$A" merge "$T/merged.db" "$T"/shard-*.db > "$T/merge2.out"
grep -q ": 0 points added" "$T/merge2.out" || fail "second merge added points"
! grep -v ": 0 points added" "$T/merge2.out" || fail "second merge added points"
"$A" export --db "$T/merged.db" --csv | cmp - "$T/single.csv" || fail "second merge changed data"
[ "$(q "$T/merged.db" 'SELECT count(*) FROM runs')" = 3 ] || fail "runs not carried over once each"
echo "shards: ok"
