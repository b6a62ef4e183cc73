# mapped.sh: a sweep's mapped design.  Every point of `{mapped: fusemax}`
# is mapped by the mapper on its own shape, and every point of the
# hand-written mapping runs too (a 1D array narrower than P0 folds); each
# mapped point stores the hash of the mapping it found, that file is kept in DB.mappings/ and evaluates (attnsim run --mapping)
# to the stored cycles; the same seed gives the same mappings; a resumed
# sweep maps nothing again; a point nothing legal was found for names the
# rules that pruned it; the report draws the mapped design beside the
# hand-written one; a design of several phases is refused.
source "$(dirname "$0")/lib.sh" "$@"
db=$T/m.db
"$A" sweep "$S/mapped.yaml" --db "$db" 2> "$T/err"
grep -q "rejected" "$T/err" && fail "want every point feasible: $(cat "$T/err")"
check_db "$db" 8
# The hand-written mapping folds P0 = 256 queries over a 64-wide 1D array
# (`fold: true`): 4 passes, and FuseMax's mapping is 1D-bound, so 4x the
# latency of the 256-wide array (within 1%), at both row counts.
q "$db" "SELECT n.latency_s, w.latency_s FROM points n JOIN points w ON n.ov_rows_2d = w.ov_rows_2d
         WHERE n.design = 'fusemax' AND w.design = 'fusemax' AND n.ov_width_1d = 64 AND w.ov_width_1d = 256
         AND n.status = 'ok' AND w.status = 'ok'" > "$T/fold"
[ "$(wc -l < "$T/fold")" = 2 ] || fail "hand-written: want both 64-wide points feasible: $(q "$db" "SELECT * FROM points")"
awk -F'|' '$1 < 3.96 * $2 || $1 > 4.04 * $2 { exit 1 }' "$T/fold" || fail "hand-written fold: want 4x, got $(cat "$T/fold")"
[ "$(q "$db" "SELECT count(*) FROM points WHERE design = 'mapped:fusemax' AND status = 'ok' AND latency_s > 0")" = 4 ] \
  || fail "mapped: want all 4 points feasible"
[ "$(q "$db" "SELECT count(*) FROM points WHERE design = 'fusemax' AND mapped_hash != ''")" = 0 ] \
  || fail "hand-written points have a mapped hash"
# Where both run, the mapper's mapping is at least as fast (within 1%).
q "$db" "SELECT h.latency_s, m.latency_s FROM points h JOIN points m ON h.ov_rows_2d = m.ov_rows_2d AND
         h.ov_width_1d = m.ov_width_1d WHERE h.design = 'fusemax' AND m.design = 'mapped:fusemax' AND
         h.status = 'ok'" > "$T/both"
[ "$(wc -l < "$T/both")" = 4 ] || fail "want 4 shapes both run"
awk -F'|' '$2 > 1.01 * $1 { exit 1 }' "$T/both" || fail "mapped slower than hand-written: $(cat "$T/both")"
# Each stored hash names its file, which runs to the stored latency.
q "$db" "SELECT mapped_hash, ov_rows_2d, ov_cols_2d, ov_width_1d, ov_buffer_bytes, cycles FROM points
         WHERE design = 'mapped:fusemax'" > "$T/mapped"
while IFS='|' read -r h r c w b cyc; do
  f=$db.mappings/$h.yaml
  [ -s "$f" ] || fail "no mapping file $f"
  [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$h" ] || fail "$f: its hash is not $h"
  got=$("$A" run --mapping "$f" --model bert --seq 64K --rows "$r" --cols "$c" --width-1d "$w" --buffer "$b" --csv |
        awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cycles") k = i } NR == 2 { print $k }')
  [ "$got" = "$cyc" ] || fail "$f: run gives $got cycles, the sweep stored $cyc"
done < "$T/mapped"
# Same seed, same mappings (with --jobs 2 too); and a resumed sweep runs nothing.
"$A" sweep "$S/mapped.yaml" --db "$T/again.db" --jobs 2 2> /dev/null
[ "$(q "$T/again.db" "SELECT mapped_hash FROM points WHERE design = 'mapped:fusemax' ORDER BY config_hash")" = \
  "$(q "$db" "SELECT mapped_hash FROM points WHERE design = 'mapped:fusemax' ORDER BY config_hash")" ] \
  || fail "the same seed gave other mappings"
"$A" sweep "$S/mapped.yaml" --db "$db" > "$T/resume.out" 2>&1
[ "$(npoints "$db")" = 8 ] || fail "resume added points"
# Another budget is another point.
sed 's/budget: 50000/budget: 50001/' "$S/mapped.yaml" > "$T/b3000.yaml"
"$A" sweep "$T/b3000.yaml" --db "$db" 2> /dev/null
[ "$(npoints "$db")" = 12 ] || fail "a new budget should add 4 points, have $(npoints "$db")"
# The report's array-size figure has a panel for each beside the other.
"$A" report --db "$T/again.db" --out "$T/rep" > /dev/null
grep -q '"fusemax, BERT, 64K tokens"' "$T/rep/data/arrays.params.gp" || fail "no hand-written panel"
grep -q '"mapped:fusemax, BERT, 64K tokens"' "$T/rep/data/arrays.params.gp" || fail "no mapped panel"
# A point with no legal mapping in what the budget reached is rejected with the
# pruning rules that refused it.
printf 'designs: [{mapped: fusemax, budget: 1}]\nmodels: [bert]\nseq_lens: [64K]\narch: {rows_2d: [256], buffer: [64 KiB]}\n' > "$T/b1.yaml"
"$A" sweep "$T/b1.yaml" --db "$T/b1.db" 2> /dev/null
q "$T/b1.db" "SELECT status, error FROM points" | grep -q "^error|no legal mapping of .* among the 1 considered (--budget 1): pruned by operations 0, spatial fan-out 0, buffer capacity 0, registers 1, dependences 0, duplicates 0$" \
  || fail "budget 1: $(q "$T/b1.db" "SELECT status, error FROM points")"
# A design of several phases cannot be mapped.
printf 'designs: [{mapped: unfused}]\nmodels: [bert]\nseq_lens: [1K]\n' > "$T/unfused.yaml"
status=0
"$A" sweep "$T/unfused.yaml" --db "$T/u.db" 2> "$T/u.err" || status=$?
[ $status = 2 ] || fail "mapped unfused: exit $status, want 2"
grep -q "designs\[0\]: mapped: design unfused has 3 phases; the mapper maps one cascade" "$T/u.err" \
  || fail "mapped unfused: $(cat "$T/u.err")"
echo "mapped: ok"
