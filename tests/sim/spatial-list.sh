#!/bin/sh
# A dimension bound to a list of parts is the same hardware as one part of
# their product: tests/sim/cycle/cols-list.yaml (cols: [pb, p0], 2 x 4 on an
# 8 x 8 array) and its twin with one part (p: {p1: rest, p0: 2d.cols},
# cols: p0 = 8) give byte-identical `run --json` but for the design and
# tiling fields, in both engines: every action count (a K word multicast
# over both parts, a Q word distinct along both), the DRAM and buffer
# bytes, the cycles and the energy.  usage: spatial-list.sh ATTNSIM
set -u
A=${1:?usage: spatial-list.sh ATTNSIM}
S=${ATTNSIM_DATA_DIR:?}/tests/sim/cycle
fail() { echo "spatial-list.sh: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/attnsim-splist-XXXXXX)
trap 'rm -rf "$T"' EXIT
sed -e 's/p: {p1: rest, pb: 2, p0: 2d.cols \/ 2}/p: {p1: rest, p0: 2d.cols}/' -e 's/cols: \[pb, p0\]/cols: p0/' \
  -e "s#\.\./\.\./\.\./#$ATTNSIM_DATA_DIR/#" "$S/cols-list.yaml" > "$T/one.yaml"
grep -q 'cols: p0}' "$T/one.yaml" && ! grep -v '^#' "$T/one.yaml" | grep -q pb || fail "the one-part twin was not made"
for eng in analytical cycle; do
  for m in "$S/cols-list.yaml" "$T/one.yaml"; do
    "$A" run --engine $eng --mapping "$m" --model bert --seq 64 --rows 8 --cols 8 --width-1d 8 --json ||
      fail "$eng: $m failed"
  done | sed -e 's/"design":"[^"]*",//' -e 's/"tiling":"[^"]*",//' > "$T/$eng"
  test "$(wc -l < "$T/$eng")" -eq 2 || fail "$eng: not two results"
  test "$(sed -n 1p "$T/$eng")" = "$(sed -n 2p "$T/$eng")" || fail "$eng: cols: [pb, p0] differs from cols: p0: $(cat "$T/$eng")"
done
echo "spatial-list: ok"
