# report.sh: the report from a small sweep: each figure as a valid PNG and
# SVG of non-trivial size, index.html referencing every one; figures
# without data get a note (and no image) instead of a failure; a missing
# gnuplot is a clear error that still writes the rest.
source "$(dirname "$0")/lib.sh" "$@"
figs="util-2d util-1d speedup energy pareto arrays"
# A legend entry each figure must draw (proof of content, not just axes).
declare -A legend=([util-2d]=fusemax [util-1d]=unfused [speedup]=fusemax [energy]=compute_2d
                   [pareto]="Pareto front" [arrays]="1D 128, buffer 16 MiB")
db=$T/r.db
"$A" sweep "$S/small.yaml" --db "$db"
"$A" sweep "$S/small-arch.yaml" --db "$db" 2> "$T/arch.err"
grep -q "the engine rejected [0-9]* points" "$T/arch.err" || fail "small-arch.yaml should have rejected points"
out=$T/report
"$A" report --db "$db" --out "$out" > "$T/report.out"
grep -q "6 figures drawn, 4 without data" "$T/report.out" || fail "report: $(cat "$T/report.out")"
for f in $figs; do
  file -b "$out/$f.png" | grep -q '^PNG image data, [0-9]* x [0-9]*' || fail "$f.png is not a PNG"
  file -b "$out/$f.svg" | grep -q '^SVG Scalable Vector Graphics image' || fail "$f.svg is not an SVG"
  tail -c 20 "$out/$f.svg" | grep -q '</svg>' || fail "$f.svg is cut short"
  # An empty frame is about 7 KB (PNG) and 8.5 KB (SVG).
  [ "$(stat -c %s "$out/$f.png")" -gt 10000 ] || fail "$f.png is too small to hold a figure"
  [ "$(stat -c %s "$out/$f.svg")" -gt 10000 ] || fail "$f.svg is too small to hold a figure"
  grep -q ">${legend[$f]}<" "$out/$f.svg" || fail "$f.svg lacks its legend entry '${legend[$f]}'"
  grep -q "<img src=\"$f.svg\"" "$out/index.html" || fail "index.html does not show $f.svg"
  grep -q "<a href=\"$f.png\">PNG</a>" "$out/index.html" || fail "index.html does not link $f.png"
  grep -q "<a href=\"data/$f-1.tsv\">data</a>" "$out/index.html" || fail "index.html lacks $f's data"
  [ -s "$out/data/$f-1.tsv" ] || fail "data/$f-1.tsv missing"
done
[ "$(grep -c '<table>' "$out/index.html")" -ge 6 ] || fail "index.html lacks tables"
# What is drawn is what is shown: FuseMax's utilization at 16K for BERT.
u=$(q "$db" "SELECT util_2d FROM points WHERE design = 'fusemax' AND model = 'BERT' AND seq_len = 16384 AND ov_rows_2d IS NULL")
awk -v u="$u" -F'\t' '$1 == 16384 { d = $4 - u; if (d < 0) d = -d; exit !(d < 1e-5 * u) }' \
  "$out/data/util-2d-1.tsv" || fail "util-2d data disagree with the database"

# Only architecture sweeps: the paper's figures have no data, each says so.
db2=$T/arch-only.db
"$A" sweep "$S/small-arch.yaml" --db "$db2" 2> /dev/null
"$A" report --db "$db2" --out "$T/r2" > "$T/r2.out"
grep -q "2 figures drawn, 8 without data" "$T/r2.out" || fail "arch-only report: $(cat "$T/r2.out")"
for f in util-2d util-1d energy; do
  [ ! -e "$T/r2/$f.png" ] || fail "$f.png drawn without data"
  grep -A4 "id=\"$f\"" "$T/r2/index.html" | grep -q "No points on the designs' own architectures" \
    || fail "no note for $f"
done
grep -A4 'id="speedup"' "$T/r2/index.html" | grep -q "Needs points of the flat design" || fail "no note for speedup"
# No explore points: the architecture-search figure says how to get them.
[ ! -e "$out/explore.png" ] || fail "explore.png drawn without explore points"
grep -A4 'id="explore"' "$out/index.html" | grep -q "No architecture search in the database" || fail "no note for explore"
for f in pareto arrays; do file -b "$T/r2/$f.png" | grep -q PNG || fail "$f.png missing"; done

# No gnuplot: exit 1 with the reason, data and index.html still written.
status=0
ATTNSIM_GNUPLOT=/nonexistent/gnuplot "$A" report --db "$db" --out "$T/r3" 2> "$T/r3.err" || status=$?
[ $status = 1 ] || fail "missing gnuplot: exit status $status, want 1"
grep -q "^report: util-2d: cannot run /nonexistent/gnuplot (install gnuplot, or set ATTNSIM_GNUPLOT) (and 5 more figures)$" \
  "$T/r3.err" || fail "missing gnuplot: $(cat "$T/r3.err")"
grep -q 'class="error">Not drawn: cannot run /nonexistent/gnuplot' "$T/r3/index.html" || fail "no error note"
[ -s "$T/r3/data/energy-1.tsv" ] || fail "data not written without gnuplot"

# The same database gives the same data files and page.
"$A" report --db "$db" --out "$T/r4" > /dev/null
diff -r "$out/data" "$T/r4/data" > /dev/null || fail "report data not reproducible"
cmp "$out/index.html" "$T/r4/index.html" || fail "index.html not reproducible"
echo "report: ok"
