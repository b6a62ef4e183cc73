#!/bin/sh
# MLA: under mappings/mla-decode-fusemax.yaml (heads on the 2D array's
# columns, sharing each latent row), DeepSeek-V3 decode reads its latent KV
# cache from DRAM once per request whatever the number of heads, in both
# engines.  usage: mla-traffic.sh ATTNSIM
#
# Derivation (fp16, 2 bytes).  DeepSeek-V3: C = 512 latent, R = 64 rope,
# H = 128 heads, NEW = 1 query token; context M = 32768.
#   cache: CKV M x C + KR M x R = 32768 x 576 x 2 = 37748736 bytes
#   queries: QC H x C + QR H x R = H x 576 x 2 (147456 at H = 128, 18432 at 16)
#   writes: AV, the latent output H x C x 2 (131072 at H = 128, 16384 at 16)
# A mapping walking the heads as a batch loop (as the paper's designs do)
# would read the cache H times: 128 x 37748736 bytes.
set -u
A=${1:?usage: mla-traffic.sh ATTNSIM}
M=${ATTNSIM_DATA_DIR:?}/mappings/mla-decode-fusemax.yaml
fail() { echo "mla-traffic.sh: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
for eng in analytical cycle; do
  for h in 128 16; do
    out=$("$A" run --mapping "$M" --engine "$eng" --model deepseek-v3-decode --seq 32K --set H=$h --json) ||
      fail "$eng: run at H = $h failed"
    r=$(printf '%s\n' "$out" | field dram_read_bytes)
    w=$(printf '%s\n' "$out" | field dram_write_bytes)
    test "$r" -eq $((37748736 + h * 576 * 2)) || fail "$eng: H = $h: DRAM reads $r, expected the cache 37748736 + queries $((h * 576 * 2))"
    test "$w" -eq $((h * 512 * 2)) || fail "$eng: H = $h: DRAM writes $w, expected $((h * 512 * 2))"
  done
done
echo "mla-traffic: ok"
