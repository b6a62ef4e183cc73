#!/bin/sh
# Decode on the memory roof: the analytical latency of Llama-3.1-70B decode
# at a 32K context, batch 1, on hw/fusemax.yaml under
# mappings/gqa-decode-fusemax.yaml is within 5% of the roofline bound,
# the KV cache's bytes over the DRAM bandwidth (issue 12's acceptance).
# usage: decode-roofline.sh ATTNSIM
#
# Derivation.  Llama-3.1-70B: KVH = 8 KV heads, E = F = 128, fp16 (2
# bytes).  The cache at M = 32768 tokens holds K and V:
#   2 x KVH x M x E x 2 = 2 x 8 x 32768 x 128 x 2 = 134217728 bytes.
# hw/fusemax.yaml's DRAM gives 400 GiB/s = 400 x 2^30 = 429496729600 B/s:
#   bound = 134217728 / 429496729600 = 3.125e-4 s (312.5 us).
# The mapping reads each K and V tile once per KV head (the G = 8 query
# heads share it on the 2D array's columns); the one query token's Q and AV
# (64 heads x 128 x 2 bytes each way) add 32768 bytes, 0.02%.
set -u
A=${1:?usage: decode-roofline.sh ATTNSIM}
M=${ATTNSIM_DATA_DIR:?}/mappings/gqa-decode-fusemax.yaml
fail() { echo "decode-roofline.sh: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
out=$("$A" run --mapping "$M" --model llama31-70b-decode --seq 32K --json) || fail "run failed"
lat=$(printf '%s\n' "$out" | field latency_s)
bound=$(printf '%s\n' "$out" | field bound)
reads=$(printf '%s\n' "$out" | field dram_read_bytes)
test "$bound" = memory || fail "bound '$bound', expected memory"
# K + V once per KV head, plus Q (64 x 128 x 2 = 16384 bytes)
test "$reads" -eq $((134217728 + 16384)) || fail "DRAM reads $reads, expected 134217728 + 16384"
awk -v l="$lat" 'BEGIN { b = 134217728 / 429496729600; d = (l - b) / b; if (d < 0) d = -d; exit !(d < 0.05) }' ||
  fail "latency $lat s is not within 5% of the roofline bound 3.125e-4 s"
echo "decode-roofline: latency $lat s, bound 3.125e-4 s"
