# llm.sh: the LLM study's machinery on a reduced sweep (sweeps/llm-small.yaml,
# three parts): the points land in the database under their design names
# with sets, the report's llm-util, llm-latency and llm-roofline figures
# have their data, and the data are sane: decode sits on the DRAM roof,
# prefill near the 2D array's roof, causal does half of full attention's
# work, a block mask's work scales with its density; experiments/llm.yaml
# itself loads (its point count); with both engines' points in the store,
# the engines figure draws only the series each model has.
source "$(dirname "$0")/lib.sh" "$@"
db=$T/llm.db
"$A" sweep "$S/llm-small.yaml" --db "$db" > /dev/null
check_db "$db" 6
[ "$(q "$db" "SELECT count(*) FROM points WHERE status = 'ok'")" = 6 ] || fail "a point was rejected: $(q "$db" 'SELECT error FROM points WHERE error IS NOT NULL')"
[ "$(q "$db" "SELECT count(*) FROM points WHERE design = 'gqa-decode-fusemax B=1'")" = 2 ] || fail "design names with sets"
"$A" sweep ../../experiments/llm.yaml --dry-run | grep -qx '201' || fail "experiments/llm.yaml: $("$A" sweep ../../experiments/llm.yaml --dry-run)"
out=$T/report
"$A" report --db "$db" --out "$out" > "$T/report.out"
for f in llm-util llm-latency llm-roofline; do
  test -s "$out/$f.png" && test -s "$out/$f.svg" || fail "$f not drawn: $(cat "$T/report.out")"
  grep -q "id=\"$f\"" "$out/index.html" || fail "index.html has no $f"
done
r=$out/data/llm-roofline-1.tsv
# Roofline rows: intensity, attained, design, seq_len, bound, ceiling; the
# roofs from the params file.
peak=$(sed -n 's/^peak = //p' "$out/data/llm-roofline.params.gp")
bw=$(sed -n 's/^bw = //p' "$out/data/llm-roofline.params.gp")
# FuseMax: 256 x 256 PEs at 940 MHz; 400 GiB/s
awk -v p="$peak" -v b="$bw" 'BEGIN { exit !(p == 256 * 256 * 940e6 && b == 400 * 2^30) }' || fail "roofs $peak, $bw"
[ "$(grep -c 'gqa-decode-fusemax B=1' "$r")" = 2 ] || fail "decode rows in $r"
# decode: memory-bound, on the DRAM roof (attained = bw x intensity within 1%), far below the compute roof
awk -F'\t' -v p="$peak" -v b="$bw" '$3 ~ /decode/ { n++; if ($5 != "memory" || ($2 - b * $1) / (b * $1) > 0.01 || (b * $1 - $2) / (b * $1) > 0.01 || $6 > p / 10) bad = 1 }
  END { exit bad || n != 2 }' "$r" || fail "decode is not on the DRAM roof: $(grep decode "$r")"
# prefill: compute-bound (not memory), attaining more than half the 2D roof, intensity past the ridge
awk -F'\t' -v p="$peak" -v b="$bw" '$3 == "fusemax" || $3 == "causal-fusemax" { n++; if ($5 == "memory" || $2 < p / 2 || $1 < p / b) bad = 1 }
  END { exit bad || n != 2 }' "$r" || fail "prefill is not compute-bound: $(grep fusemax "$r")"
# work = attained x latency: causal about half of full (M(M+1)/2 of M^2
# points; 0.5001 at 4K, plus the same per-point cost), densities 0.25 and
# 0.5 exactly a factor 2 (round(0.25 x 16) = 4 and 8 key tiles of 16 per
# query tile)
lat=$out/data/llm-latency-
work() { # DESIGN PANEL-FILE-NUMBER: attained x latency from the two files
  a=$(awk -F'\t' -v d="$1" '$3 == d { print $2 }' "$r")
  col=$(head -1 "$lat$2.tsv" | tr '\t' '\n' | grep -nx "$1" | cut -d: -f1)
  l=$(awk -F'\t' -v c="$col" 'NR == 2 { print $c }' "$lat$2.tsv")
  awk -v a="$a" -v l="$l" 'BEGIN { printf "%.9g\n", a * l }'
}
panel() { grep -l "$1" "$out"/data/llm-latency-*.tsv | head -1 | sed 's/.*llm-latency-\([0-9]*\)\.tsv/\1/'; }
pl=$(panel causal-fusemax); pm=$(panel blocksparse)
full=$(work fusemax "$pl"); causal=$(work causal-fusemax "$pl")
awk -v f="$full" -v c="$causal" 'BEGIN { x = c / f; exit !(x > 0.499 && x < 0.502) }' || fail "causal work $causal vs full $full"
d25=$(work "blocksparse-fusemax DENSITY=0.25" "$pm"); d50=$(work "blocksparse-fusemax DENSITY=0.5" "$pm")
awk -v a="$d25" -v b="$d50" 'BEGIN { x = b / a; exit !(x > 1.999 && x < 2.001) }' || fail "density work $d25 vs $d50"
# both engines in one store: the engines figure's panels hold only the
# designs and lengths a model has on both (before, each panel took the
# first 12 designs of the whole study, other models' among them, all `?`)
"$A" sweep "$S/llm-small.yaml" --db "$db" --engine cycle > /dev/null
"$A" report --db "$db" --out "$out" > "$T/report.out"
test -s "$out/engines.png" || fail "engines not drawn: $(cat "$T/report.out")"
[ "$(cat "$out"/data/engines-*.tsv | grep -v '^#' | wc -l)" = 4 ] || fail "engines rows: $(cat "$out"/data/engines-*.tsv)"
! grep -q '?' "$out"/data/engines-*.tsv || fail "an engines series without data: $(cat "$out"/data/engines-*.tsv)"
grep -qx "# seq	fusemax	causal-fusemax" "$out"/data/engines-*.tsv || fail "engines panel of Llama-3.1-8B: $(cat "$out"/data/engines-*.tsv)"
echo "llm: ok"
