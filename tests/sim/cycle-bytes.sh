#!/bin/sh
# Per-tile DRAM bytes of the cycle engine, counted by hand (sim/README.md
# "Traffic"): tests/sim/cycle/kv-refetch.yaml on a 4x4 2D array, the tiny
# workload (B = H = 1, E = F = 8, 2-byte words), SEQ = 16.  Tiles
# k = 8 p2 + 2 m1 + p1 (P2 = 2, M1 = 4, P1 = 2):
#   K, V (keep_at m1, indexed by m): a tile of M0 x E = 4 x 8 words each,
#     moved when m1 changes, i.e. in every tile with p1 = 0 (8 tiles; p1 does
#     not index them, so the tile stays), re-read for the second p2;
#   Q (keep_at p2): P1 x P0 x E = 2 x 4 x 8 words when p2 changes (m1 = p1 = 0);
#   AV (streamed out): P0 x F = 4 x 8 words per (p2, p1) once m1 = 3.
# Usage: cycle-bytes.sh ATTNSIM SOURCE_DIR
set -eu
bin=$1 src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run="$bin run --mapping $src/tests/sim/cycle/kv-refetch.yaml --model $src/tests/sim/cycle/tiny.yaml --seq 16 --rows 4 --cols 4"
$run --engine cycle --trace "$tmp/t.json" > /dev/null
# expected: one line per tile that moves bytes, "tile read write"
k=0
while [ $k -lt 16 ]; do
  p1=$((k % 2)) m1=$((k / 2 % 4))
  rd=0 wr=0
  [ $p1 -eq 0 ] && rd=$((rd + 2 * 4 * 8 * 2))                 # K and V
  [ $p1 -eq 0 ] && [ $m1 -eq 0 ] && rd=$((rd + 2 * 4 * 8 * 2))  # Q
  [ $m1 -eq 3 ] && wr=$((4 * 8 * 2))                            # AV
  [ $rd -gt 0 ] || [ $wr -gt 0 ] && echo "$k $rd $wr"
  k=$((k + 1))
done > "$tmp/want"
sed -n 's/.*"tile":\([0-9]*\),"read_bytes":\([0-9.]*\),"write_bytes":\([0-9.]*\)}.*/\1 \2 \3/p' "$tmp/t.json" > "$tmp/got"
if ! cmp -s "$tmp/want" "$tmp/got"; then
  echo "per-tile DRAM bytes differ from the hand count (tile read write):"
  diff "$tmp/want" "$tmp/got" || true
  exit 1
fi
# 2 Q tiles + 8 K and V tiles + 4 AV tiles = 1536 bytes, in both engines and both modes
for mode in "--engine cycle" "--engine cycle --full" ""; do
  $run $mode --csv > "$tmp/r.csv"
  col=$(head -1 "$tmp/r.csv" | tr , '\n' | grep -nx traffic_bytes | cut -d: -f1)
  got=$(sed -n 2p "$tmp/r.csv" | cut -d, -f"$col")
  if [ "$got" != 1536 ]; then echo "run $mode: traffic_bytes $got, want 1536"; exit 1; fi
done
# pipeline.prefetch: FuseMax at BERT 16K fetches a 2 MB Q tile per batch
# item; one tile of prefetch (the default) exposes part of it, none exposes
# more, 64 tiles hide it (within 0.01% of the analytical engine).
sed "s#\.\./#$src/#" "$src/mappings/fusemax.yaml" > "$tmp/fm.yaml"
cyc() {
  sed "s/window: 12}/window: 12, prefetch: $1}/" "$tmp/fm.yaml" > "$tmp/fm-$1.yaml"
  $bin run --engine cycle --mapping "$tmp/fm-$1.yaml" --model bert --seq 16384 --csv | sed -n 2p | cut -d, -f5
}
ana=$($bin run --mapping "$tmp/fm.yaml" --model bert --seq 16384 --csv | sed -n 2p | cut -d, -f5)
c0=$(cyc 0) c1=$(cyc 1) c64=$(cyc 64)
echo "prefetch 0: $c0, 1: $c1, 64: $c64 cycles; analytical $ana"
[ "$c0" -gt "$c1" ] && [ "$c1" -gt "$c64" ] && [ "$c64" -ge "$ana" ] && [ $((c64 - ana)) -lt $((ana / 10000)) ] || exit 1
echo ok
