#!/bin/sh
# GQA reuse: under mappings/gqa-fusemax.yaml (the GQA 1-pass cascade on the
# FuseMax arrays, the loop over a KV head's G query heads inside K's and
# V's residency level m1), K and V DRAM traffic with G query heads per KV
# head is 1/G of MHA's (the same model with KVH = H, G = 1, given with
# --set), in both engines.  usage: gqa-traffic.sh ATTNSIM
#
# Derivation (analytical engine, fp16: 2 bytes a word).  At these lengths
# the queries of one KV head fit the buffer (the tiling says p2=1), so each
# tile of Q, K and V is fetched once: DRAM reads are
#   Q: B x H x P x E x 2 bytes        (H query heads; the same for GQA and MHA)
#   K + V: 2 x B x KVH x M x E x 2    (E = F; one fetch per KV head)
# Llama-3.1-8B prefill at 4K (B = 1, H = 32, E = 128, M = P = 4096):
#   Q = 32 x 4096 x 128 x 2 = 33554432
#   K + V, KVH = 8:  2 x 8 x 4096 x 128 x 2 = 16777216   (G = 4)
#   K + V, KVH = 32: 2 x 32 x 4096 x 128 x 2 = 67108864  (MHA), 4 x GQA's
# Falcon-7B (MQA) prefill at 256 (H = 71, E = 64, M = P = 256):
#   Q = 71 x 256 x 64 x 2 = 2326528
#   K + V, KVH = 1:  2 x 1 x 256 x 64 x 2 = 65536        (G = 71)
#   K + V, KVH = 71: 71 x 65536 = 4653056                (MHA), 71 x MQA's
# The writes (AV, B x H x P x F x 2) do not depend on KVH.
set -u
A=${1:?usage: gqa-traffic.sh ATTNSIM}
M=${ATTNSIM_DATA_DIR:?}/mappings/gqa-fusemax.yaml
fail() { echo "gqa-traffic.sh: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }

# kv MODEL SEQ SETS Q WRITES: prints the K + V bytes read (DRAM reads
# less the hand-derived Q bytes), after checking the writes and p2=1.
kv() {
  out=$("$A" run --mapping "$M" --engine "$eng" --model "$1" --seq "$2" $3 --json) || fail "$eng: run $1 $2 $3 failed"
  r=$(printf '%s\n' "$out" | field dram_read_bytes)
  w=$(printf '%s\n' "$out" | field dram_write_bytes)
  t=$(printf '%s\n' "$out" | field tiling)
  test -n "$r" && test "$w" = "$5" || fail "$1 $2 $3: DRAM reads '$r', writes '$w', expected writes $5"
  case " $t " in *" p2=1 "*) ;; *) fail "$1 $2 $3: tiling '$t', expected p2=1" ;; esac
  echo $((r - $4))
}

for eng in analytical cycle; do
  g=$(kv llama31-8b 4K "" 33554432 33554432) || exit 1
  m=$(kv llama31-8b 4K "--set KVH=32,G=1" 33554432 33554432) || exit 1
  test "$g" -eq 16777216 || fail "$eng: Llama-3.1-8B GQA: K + V $g bytes, expected 16777216"
  test "$m" -eq 67108864 || fail "$eng: Llama-3.1-8B MHA: K + V $m bytes, expected 67108864"
  test $((g * 4)) -eq "$m" || fail "$eng: Llama-3.1-8B: GQA's K + V ($g) is not MHA's ($m) / G = 4"

  g=$(kv falcon-7b 256 "" 2326528 2326528) || exit 1
  m=$(kv falcon-7b 256 "--set KVH=71,G=1" 2326528 2326528) || exit 1
  test "$g" -eq 65536 || fail "$eng: Falcon-7B MQA: K + V $g bytes, expected 65536"
  test "$m" -eq 4653056 || fail "$eng: Falcon-7B MHA: K + V $m bytes, expected 4653056"
  test $((g * 71)) -eq "$m" || fail "$eng: Falcon-7B: MQA's K + V ($g) is not MHA's ($m) / G = 71"
done
echo "gqa-traffic: ok"
