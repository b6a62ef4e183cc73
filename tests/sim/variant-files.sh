#!/bin/sh
# The accounting variants' data files are copies of shipped files with a
# few lines changed: each differs from its base only in the lines it says
# it changes (comments, name and description aside), so an edit to the
# base that the copy misses fails here.  usage: variant-files.sh SOURCE_DIR
src=${1:?usage: variant-files.sh SOURCE_DIR}
cd "$src" || exit 1
bad=0
strip() { grep -v '^ *#' "$1" | grep -Ev '^(name|description):' | sed 's/ *#.*//'; }
# check BASE VARIANT REGEX: every line only in one of them matches REGEX
check() {
  d=$(strip "$1" > /tmp/vf.$$.a; strip "$2" > /tmp/vf.$$.b; diff /tmp/vf.$$.a /tmp/vf.$$.b | grep '^[<>]')
  rm -f /tmp/vf.$$.a /tmp/vf.$$.b
  [ -n "$d" ] || { echo "$2: no change from $1" >&2; bad=1; return; }
  echo "$d" | grep -Ev "^[<>] *($3)" > /tmp/vf.$$.x && { echo "$2 differs from $1 beyond its stated change:" >&2; cat /tmp/vf.$$.x >&2; bad=1; }
  rm -f /tmp/vf.$$.x
}
check hw/fusemax.yaml hw/fusemax-no-drain.yaml 'results: parallel$'
check hw/flat.yaml hw/flat-no-drain.yaml 'results: parallel$'
check hw/flat.yaml hw/flat-artifact-cascade.yaml 'issue: (units|serial)$|exp: 1$|exp: \{cycles: 1, uses: \{max: 1\}\}$|ops:$'
check mappings/cascade.yaml mappings/cascade-artifact.yaml '(BQK|SLN): \{home: buffer, keep_at: (p1|m1)(, forward: \[(SLD|LM)\])?\}$'
check hw/energy-45nm-fixed.yaml hw/energy-45nm-cacti-16mib.yaml '(read|write): [0-9.]+ (pJ|nJ)$'
check hw/energy-45nm-fixed.yaml hw/energy-45nm-cacti-32mib.yaml '(read|write): [0-9.]+ (pJ|nJ)$'
# the multi-token decode mappings: their base with the new tokens (p0 = NEW)
# as the inner digit of the columns beside the heads
check mappings/mla-decode-fusemax.yaml mappings/mla-mtp-fusemax.yaml 'design: mla-(decode|mtp)-fusemax$|p: \{p2: rest, p1: fit(, p0: NEW)?\}$|(2d|1d): \{(rows: m0, )?cols: (h|\[h, p0\])\}$'
check mappings/gqa-decode-fusemax.yaml mappings/gqa-spec-fusemax.yaml 'design: gqa-(decode|spec)-fusemax$|p: \{p2: rest, p1: fit(, p0: NEW)?\}$|(2d|1d): \{(rows: m0, )?cols: (g|\[g, p0\])\}$'
check mappings/mla-decode-flat.yaml mappings/mla-mtp-flat.yaml 'design: mla-(decode|mtp)-flat$|p: \{p2: rest, p1: fit(, p0: NEW)?\}$|(2d|1d): \{(rows: m0, )?cols: (h|\[h, p0\])\}$'
check mappings/gqa-decode-flat.yaml mappings/gqa-spec-flat.yaml 'design: gqa-(decode|spec)-flat$|p: \{p2: rest, p1: fit(, p0: NEW)?\}$|(2d|1d): \{(rows: m0, )?cols: (g|\[g, p0\])\}$'
exit $bad
