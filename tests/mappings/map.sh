# map.sh: `attnsim map` through the real command line.
#   map.sh ATTNSIM rediscover-1pass  the 1-pass cascade on hw/fusemax.yaml: within 1% of
#                                    the shipped fusemax mapping's latency (or better)
#   map.sh ATTNSIM rediscover-3pass  the 3-pass cascade on hw/flat.yaml: at least as good
#                                    as the shipped flat mapping (FLAT's own per-point choices)
#   map.sh ATTNSIM cli               round trip, determinism, --jobs, exhaustive search, bad input,
#                                    and attnsim explore (a small grid, a budget below every design)
#   map.sh ATTNSIM fold              a 1D array narrower than the 2D array's columns: the
#                                    hand-written fusemax mapping folds on both engines (equal
#                                    counts, cycles within 1.5%), and the mapper's mapping on a
#                                    64-wide 1D array folds, round-trips and runs on the cycle engine
# Rediscovery runs at BERT and XLM, 1K, 64K and 1M tokens; every written
# mapping must evaluate, through `attnsim run --mapping`, to the latency
# the mapper printed, and run on the cycle engine with the analytical
# engine's action counts; both latencies are printed, and at the points of
# $holds the mapped one must be no slower than the shipped there either.
source "$(dirname "$0")/../cli/lib.sh" "$1"
mode=${2:?mode}

# map_point CASCADE ARCH MODEL SEQ OUT [ARGS]: runs the mapper, prints its best latency.
map_point() {
  local c=$1 a=$2 m=$3 s=$4 out=$5
  shift 5
  "$A" map --cascade "$c" --arch "$a" --model "$m" --seq "$s" --out "$out" "$@" > "$T/map.txt" 2> "$T/map.err" \
    || { fail "map $c $m $s: exit $? ($(cat "$T/map.err"))"; echo 0; return; }
  sed -n 's/^  1  latency \([^ ]*\) s .*/\1/p' "$T/map.txt"
}

run_latency() {   # run_latency ARGS...: latency_s of attnsim run --csv
  "$A" run "$@" --csv | tail -1 | cut -d, -f4
}

rediscover() {
  local c=$1 a=$2 design=$3 tol=$4
  for m in bert xlm; do
    for s in 1K 64K 1M; do
      ref=$(run_latency --design "$design" --model $m --seq $s)
      got=$(map_point "$c" "$a" $m $s "$T/$m-$s.yaml")
      back=$(run_latency --mapping "$T/$m-$s.yaml" --model $m --seq $s)
      [ "$back" = "$got" ] || fail "$design $m $s: the written mapping runs at $back s, the mapper printed $got s"
      awk -v g="$got" -v r="$ref" -v t="$tol" 'BEGIN { exit !(g > 0 && g <= r * (1 + t)) }' \
        || fail "$design $m $s: mapper found $got s, shipped $design $ref s (tolerance $tol)"
      # the same two on the cycle engine: equal action counts (crosscheck's exit
      # status), and both latencies reported (mappings/README.md, "The mapper on
      # the cycle engine"); where the gain is known to hold there, it must
      "$A" crosscheck --designs "$design,$T/$m-$s.yaml" --models $m --seqs $s --csv > "$T/cc.csv" 2> "$T/cc.err" \
        || fail "$design $m $s: crosscheck of the shipped and the mapped mapping: $(cat "$T/cc.err")"
      read -r cs cm <<< "$(awk -F, 'NR > 1 { printf "%s ", $5 }' "$T/cc.csv")"
      echo "$design $m $s: shipped $ref s, mapped $got s; cycle engine: shipped $cs, mapped $cm cycles" \
           "($(awk -v a="$cm" -v b="$cs" 'BEGIN { printf "%+.2f%%", 100 * (a / b - 1) }'))"
      case " $holds " in *" $m-$s "*)
        awk -v a="$cm" -v b="$cs" 'BEGIN { exit !(a <= b * 1.01) }' \
          || fail "$design $m $s: on the cycle engine the mapped mapping takes $cm cycles, the shipped $cs" ;;
      esac
    done
  done
}

case $mode in
rediscover-1pass) holds="bert-1K bert-64K bert-1M xlm-1K"
                  rediscover einsum/cascades/attention-1pass.einsum hw/fusemax.yaml fusemax 0.01 ;;
rediscover-3pass) holds="bert-1K bert-64K bert-1M xlm-1M"
                  rediscover einsum/cascades/attention-3pass.einsum hw/flat.yaml flat 0 ;;
cli)
  c1=einsum/cascades/attention-1pass.einsum
  b="--budget 20000"
  # determinism: the same seed, the same output (but the time line) and the same file
  map_point $c1 hw/fusemax.yaml bert 4K "$T/a.yaml" $b --seed 7 > /dev/null
  grep -v '^time ' "$T/map.txt" | grep -v '^wrote ' > "$T/a.txt"
  map_point $c1 hw/fusemax.yaml bert 4K "$T/b.yaml" $b --seed 7 > /dev/null
  grep -v '^time ' "$T/map.txt" | grep -v '^wrote ' > "$T/b.txt"
  cmp -s "$T/a.txt" "$T/b.txt" || fail "seed 7 twice: outputs differ: $(diff "$T/a.txt" "$T/b.txt" | head -5)"
  sed 1,3d "$T/a.yaml" | cmp -s - <(sed 1,3d "$T/b.yaml") || fail "seed 7 twice: different mappings"
  grep -q '^pruned .*duplicates [1-9]' "$T/a.txt" || fail "no duplicates pruned: $(grep pruned "$T/a.txt")"
  grep -Eq '^considered +2[0-9]{4}$' "$T/a.txt" || fail "considered: $(grep considered "$T/a.txt")"
  # --jobs 2: the same counts and the same best mapping
  map_point $c1 hw/fusemax.yaml bert 4K "$T/j.yaml" $b --seed 7 --jobs 2 > /dev/null
  grep -v '^time ' "$T/map.txt" | grep -v '^wrote ' > "$T/j.txt"
  cmp -s "$T/a.txt" "$T/j.txt" || fail "--jobs 2 differs from --jobs 1: $(diff "$T/a.txt" "$T/j.txt" | head -5)"
  sed 1,3d "$T/a.yaml" | cmp -s - <(sed 1,3d "$T/j.yaml") || fail "--jobs 2: a different mapping"
  grep -q '^time .* 2 threads$' "$T/map.txt" || fail "--jobs 2: $(grep '^time' "$T/map.txt")"
  # the cycle engine runs the written mapping too, to the same action counts (energy)
  ea=$("$A" run --mapping "$T/a.yaml" --model bert --seq 4K --csv | tail -1 | cut -d, -f6)
  ec=$("$A" run --engine cycle --mapping "$T/a.yaml" --model bert --seq 4K --csv | tail -1 | cut -d, -f6) \
    || fail "run --engine cycle on the mapper's mapping: exit $?"
  [ -n "$ea" ] && [ "$ea" = "$ec" ] || fail "cycle engine energy $ec pJ, analytical $ea pJ"
  # another seed searches differently (the counts at least)
  map_point $c1 hw/fusemax.yaml bert 4K "$T/c.yaml" $b --seed 8 > /dev/null
  grep -v '^time ' "$T/map.txt" | grep -v '^wrote ' | cmp -s - "$T/a.txt" && fail "seeds 7 and 8 print the same"
  # round trip of a --set mapping; a small space is searched exhaustively
  "$A" map --cascade tests/mappings/square.einsum --arch hw/fusemax.yaml --set M=4 --out "$T/sq.yaml" > "$T/sq.txt"
  grep -q 'searched exhaustively' "$T/sq.txt" || fail "square: $(head -1 "$T/sq.txt")"
  n=$(sed -n 's/^considered *//p' "$T/sq.txt")
  space=$(sed -n 's/^mapspace *\([0-9.e+]*\) .*/\1/p' "$T/sq.txt")
  awk -v n="$n" -v s="$space" 'BEGIN { exit !(n == s + 0) }' || fail "square: considered $n of $space"
  got=$(sed -n 's/^  1  latency \([^ ]*\) s .*/\1/p' "$T/sq.txt")
  back=$(run_latency --mapping "$T/sq.yaml" --model bert --seq 1K)
  [ "$got" = "$back" ] || fail "square: written mapping runs at $back s, printed $got s"
  # energy as the objective: no more energy than the latency search's best
  e_lat=$(sed -n 's/^  1  .* energy \([^ ]*\) pJ .*/\1/p' "$T/a.txt")
  "$A" map --cascade $c1 --arch hw/fusemax.yaml --model bert --seq 4K --out "$T/e.yaml" $b --seed 7 --objective energy > "$T/e.txt"
  e_en=$(sed -n 's/^  1  .* energy \([^ ]*\) pJ .*/\1/p' "$T/e.txt")
  awk -v a="$e_en" -v b="$e_lat" 'BEGIN { exit !(a <= b) }' || fail "energy objective: $e_en pJ > latency objective's $e_lat pJ"
  # bad input: exit 2 with the reason, nothing written
  refuse "no array of fusemax-no-div can run Einsum AV of $c1: it needs div, which no PE there has, so no mapping exists" \
    map --cascade $c1 --arch tests/mappings/bad/arch-no-div.yaml --model bert --seq 1K --out "$T/x.yaml"
  refuse "no legal mapping of einsum/cascades/attention-3pass.einsum on flat among the 1 considered (--budget 1): pruned by operations 0, spatial fan-out 0, buffer capacity 0, registers 0, dependences 1, duplicates 0" \
    map --cascade einsum/cascades/attention-3pass.einsum --arch hw/flat.yaml --model bert --seq 1K --out "$T/x.yaml" --budget 1
  refuse "rank K of einsum/cascades/gemm.einsum has no size: give it with --set K=N (ranks E and F come from --model, M and P from --seq)" \
    map --cascade einsum/cascades/gemm.einsum --arch hw/fusemax.yaml --model bert --seq 1K --out "$T/x.yaml"
  [ ! -e "$T/x.yaml" ] || fail "a failed search wrote its --out file"
  # explore: a small grid under FLAT's area; an area budget below every design
  "$A" explore --cascade $c1 --arch hw/fusemax.yaml --area-budget 504.69 --model bert --seq 4K --dims 128,256 \
    --capacities 16M --budget 3000 > "$T/ex.txt" || fail "explore: exit $?"
  grep -q '^\* ' "$T/ex.txt" || fail "explore: no Pareto front: $(head -3 "$T/ex.txt")"
  grep -q '^best: 256x256 2D' "$T/ex.txt" || fail "explore: $(tail -1 "$T/ex.txt")"
  # with --db every design is stored, keyed by its mapping file, at the latency printed
  "$A" explore --cascade $c1 --arch hw/fusemax.yaml --area-budget 504.69 --model bert --seq 4K --dims 128,256 \
    --capacities 16M --budget 3000 --db "$T/ex.db" > "$T/exd.txt" || fail "explore --db: exit $?"
  nd=$(sed -n 's/^\([0-9]*\) designs within.*/\1/p' "$T/exd.txt")
  "$A" export --db "$T/ex.db" --csv > "$T/ex.csv"
  [ "$(($(wc -l < "$T/ex.csv") - 1))" = "$nd" ] || fail "explore --db: $nd designs, $(($(wc -l < "$T/ex.csv") - 1)) stored"
  [ "$(ls "$T/ex.db.mappings" | wc -l)" = "$nd" ] || fail "explore --db: not one mapping file per design"
  # the best design: "best: RxC 2D, W-wide 1D, B-byte buffer, G registers per PE: A mm^2, L s, E pJ"
  read -r r c w b g l <<< "$(sed -n 's/^best: \([0-9]*\)x\([0-9]*\) 2D, \([0-9]*\)-wide 1D, \([0-9]*\)-byte buffer, \([0-9]*\) registers per PE: [^,]*, \([^ ]*\) s,.*/\1 \2 \3 \4 \5 \6/p' "$T/exd.txt")"
  s=$(grep "explore-${r}x$c-$w-$b-r$g.yaml" "$T/ex.csv" | cut -d, -f4 || true)
  awk -v a="$l" -v b="$s" 'BEGIN { exit !(a > 0 && (a - b) / a < 1e-5 && (b - a) / a < 1e-5) }' \
    || fail "explore --db: the best printed $l s, stored $s s"
  # --regs: registers per PE varied (area), each design mapped under the register rule;
  # a design that ties in latency and energy with more registers is off the front
  "$A" explore --cascade $c1 --arch hw/fusemax.yaml --area-budget 504.69 --model bert --seq 4K --dims 256 \
    --capacities 16M --budget 3000 --regs 1,16 --db "$T/rg.db" > "$T/rg.txt" || fail "explore --regs: exit $?"
  grep -q '^6 designs within' "$T/rg.txt" || fail "explore --regs 1,16: $(head -1 "$T/rg.txt")"
  awk '$1 == "*" && $2 == 256 && $4 == 64 && $6 == 1 { one = 1 } $1 == 256 && $3 == 64 && $5 == 16 { off = 1 }
       END { exit !(one && off) }' "$T/rg.txt" || fail "explore --regs: want 1 register on the front, 16 off it: $(cat "$T/rg.txt")"
  [ "$(sqlite3 "$T/rg.db" 'SELECT group_concat(DISTINCT ov_regs_per_pe) FROM (SELECT ov_regs_per_pe FROM points ORDER BY 1)')" = "1,16" ] \
    || fail "explore --regs: the stored points lack their registers"
  # a stored point runs as stored with --regs-per-pe
  read -r f cyc <<< "$(sqlite3 -separator ' ' "$T/rg.db" "SELECT design, cycles FROM points WHERE ov_regs_per_pe = 1 AND ov_width_1d = 256")"
  [ "$("$A" run --mapping "$f" --model bert --seq 4K --rows 256 --cols 256 --width-1d 256 --buffer 16M --regs-per-pe 1 --csv |
       awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "cycles") k = i } NR == 2 { print $k }')" = "$cyc" ] \
    || fail "run --regs-per-pe 1: not the stored $cyc cycles"
  # fewer registers, more mappings the register rule prunes (same seed and grid)
  for g in 1 100000; do
    "$A" explore --cascade $c1 --arch hw/fusemax.yaml --area-budget 5000000 --model bert --seq 4K --dims 256 \
      --capacities 16M --budget 3000 --regs $g > "$T/rg$g.txt" || fail "explore --regs $g: exit $?"
  done
  p1=$(sed -n 's/.*; \([0-9]*\) mappings pruned by the register rule$/\1/p' "$T/rg1.txt")
  p2=$(sed -n 's/.*; \([0-9]*\) mappings pruned by the register rule$/\1/p' "$T/rg100000.txt")
  [ -n "$p1" ] && [ -n "$p2" ] && [ "$p2" -lt "$p1" ] || fail "register rule: $p1 pruned with 1 register, $p2 with 100000"
  # attnsim report draws explore's designs: the filled series is the printed front
  "$A" report --db "$T/ex.db" --out "$T/rep" > "$T/rep.txt" || fail "report of explore points: exit $?"
  grep -q "1 figures drawn" "$T/rep.txt" || fail "report: $(cat "$T/rep.txt")"
  file -b "$T/rep/explore.png" | grep -q '^PNG image data' || fail "explore.png is not a PNG"
  grep -q '>latency-energy-area front<' "$T/rep/explore.svg" || fail "explore.svg lacks the front"
  grep -q '>latency-area front<' "$T/rep/explore.svg" || fail "explore.svg lacks the line"
  awk -F'\t' 'NF > 1 && $10 == "yes" { n++ } END { print n + 0 }' "$T/rep/data/explore-1.tsv" > "$T/nfront"
  [ "$(cat "$T/nfront")" = "$(grep -c '^\* ' "$T/exd.txt")" ] \
    || fail "report: $(cat "$T/nfront") designs on the front, explore printed $(grep -c '^\* ' "$T/exd.txt")"
  [ "$(grep -c '^[0-9]' "$T/rep/data/explore-1.tsv")" = "$nd" ] || fail "report: not every explored design in the table"
  status=0
  "$A" explore --cascade $c1 --arch hw/fusemax.yaml --area-budget 1 --model bert --seq 4K --dims 128 --capacities 16M \
    > "$T/out" 2> "$T/err" || status=$?
  [ "$status" = 2 ] && grep -q '^attnsim: explore: the area budget 1 mm^2 is below every design of the grid (the smallest is ' "$T/err" \
    || fail "explore under 1 mm^2: status $status, $(cat "$T/err")"
  status=0
  "$A" map --cascade $c1 --arch hw/fusemax.yaml --model bert --seq 1K > "$T/out" 2> "$T/err" || status=$?
  [ "$status" = 2 ] && [ "$(head -1 "$T/err")" = "attnsim: map needs --out" ] && [ ! -s "$T/out" ] \
    || fail "map without --out: status $status, $(head -1 "$T/err")"
  ;;
fold)
  c1=einsum/cascades/attention-1pass.einsum
  # hand-written: fusemax.yaml's `1d: {cols: p0, fold: true}` at widths 64 (4 passes)
  # and 96 (3, the last with 32 of 96 PEs idle)
  for w in 64 96; do
    "$A" crosscheck --designs mappings/fusemax.yaml --models bert,xlm --seqs 1K,64K --width-1d $w --csv > "$T/cc$w.csv" \
      || fail "crosscheck --width-1d $w: exit $?"
    awk -F, 'NR > 1 { n++; if ($NF != "identical" || $7 < 0 || $7 > 1.5 || $8 != "1d") bad = bad " " $0 }
             END { if (n != 4 || bad != "") { print n, bad; exit 1 } }' "$T/cc$w.csv" \
      || fail "crosscheck --width-1d $w: $(cat "$T/cc$w.csv")"
  done
  # 1D-bound, so 4 passes take 4/3 of 3 passes' time (analytical, exactly, but
  # the one 256-cycle drain of the 256-row 2D array that interleaving exposes)
  a64=$(awk -F, 'NR == 2 { print $4 - 256 }' "$T/cc64.csv"); a96=$(awk -F, 'NR == 2 { print $4 - 256 }' "$T/cc96.csv")
  [ $((a64 * 3)) = $((a96 * 4)) ] || fail "fold: width 64 takes $a64 cycles, width 96 $a96: want 4:3"
  # mapped on a 64-wide 1D array: the best mapping folds, round-trips, runs on the cycle engine
  for s in 4K 64K; do
    got=$(map_point $c1 tests/mappings/fusemax-1d64.yaml bert $s "$T/n$s.yaml" --budget 20000)
    grep -q 'fold: true' "$T/n$s.yaml" || fail "map on a 64-wide 1D array, $s: no fold in $(cat "$T/n$s.yaml")"
    back=$(run_latency --mapping "$T/n$s.yaml" --model bert --seq $s)
    [ "$back" = "$got" ] || fail "narrow 1D $s: the written mapping runs at $back s, the mapper printed $got s"
    "$A" crosscheck --designs "$T/n$s.yaml" --models bert --seqs $s --csv > "$T/ncc$s.csv" \
      || fail "crosscheck of the mapper's mapping, $s: exit $? $(cat "$T/ncc$s.csv")"
    echo "narrow 1D, BERT $s: mapped $got s; $(tail -1 "$T/ncc$s.csv" | cut -d, -f4-7)"
  done
  ;;
*) fail "unknown mode $mode" ;;
esac
finish "map $mode"
