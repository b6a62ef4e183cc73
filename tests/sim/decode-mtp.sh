#!/bin/sh
# Multi-token decode fills the 2D array's columns with the queries that
# share a key row: DeepSeek-V3 with its MTP module (NEW = 2,
# deepseek-v3-mtp) under mappings/mla-mtp-fusemax.yaml (cols: [h, p0])
# and Llama-3.1-70B verifying 4 speculative tokens (llama31-70b-spec) under
# mappings/gqa-spec-fusemax.yaml (cols: [g, p0]), on hw/fusemax.yaml at a
# 32K context, batch 1.  usage: decode-mtp.sh ATTNSIM
#
# Derivation (fp16, 2 bytes; 256 x 256 2D array, 940 MHz, 400 GiB/s DRAM =
# 429496729600 B/s; a 2D PE takes 1 cycle a MAC, add, max or sub and 6 an
# exp; M = 32768 keys, M0 = 256 rows, M1 = 128 key steps).
# MLA: C = 512, R = 64, H = 128.  Query p of NEW sees keys m <= p + M - NEW.
#   Per kept (m, h, p) point the 2D array spends BQC C + BQR R + BQK 1 +
#   LM 1 + SLN 7 + SLD 1 + SLNV C = 2C + R + 10 = 1098 PE-cycles.
#   NEW = 1 (deepseek-v3-decode), mla-decode-fusemax, heads on 128 of 256
#   columns: each PE does 1098 cycles a step, 128 steps = 140544, plus one
#   fill/drain of 256 rows: 140800 cycles; util_2d = 1098 x 128 x 32768 /
#   (65536 x 140800) = 0.4991.
#   NEW = 2 (deepseek-v3-mtp), mla-mtp-fusemax, heads x tokens on all 256
#   columns: H (2M - 1) = 128 x 65535 kept points; busy BQC = SLNV = 128 x
#   512 x 65535 / 65536 = 65535, BQR ceil(8191.875) = 8192, BQK = LM = SLD
#   = ceil(127.998) = 128, SLN ceil(895.99) = 896: 140542, + 256 = 140798
#   cycles for two tokens (70399 a token: 0.49999 of NEW = 1's 140800);
#   util_2d = 1098 x 128 x 65535 / (65536 x 140798) = 0.9982.  The one-token
#   mapping at NEW = 2 walks the two tokens in time on 128 columns:
#   2 x 140544 - 4 (the masked key) + 256 = 281340 cycles, util 0.4995.
#   2D MACs: H (2C + R)(2M - 1) = 128 x 1088 x 65535 = 9126666240.
#   DRAM: the latent cache CKV + KR, M (C + R) 2 = 37748736 bytes, whatever
#   NEW; queries QC + QR 128 x 576 x 2 x NEW, writes AV 128 x 512 x 2 x NEW.
#   Memory time at NEW = 2: 38305792 / 429496729600 x 9.4e8 = 83837 cycles
#   < 140798: bound by the 2D array.
# GQA: KVH = 8, G = 8, E = F = 128, NEW = 4 (queries see M - 3 + p keys).
#   K and V: 2 x 8 x 32768 x 128 x 2 = 134217728 bytes whatever NEW; Q
#   and AV 64 x 128 x 2 x NEW each.  At NEW = 4: 134348800 bytes, 294037
#   cycles (ceil of 294036.6) of DRAM; the arrays: 2D 265 cycles (E + F +
#   9) a key step per KV head, 8 x 128 x 265 = 271360 at most, the 1D
#   273408: memory-bound, 294037 cycles for 4 tokens (NEW = 1: 134250496
#   bytes, 293822 cycles).  util_2d is bounded by the operand feed, G x
#   NEW / 256 = 0.125 at NEW = 4 (0.03125 at NEW = 1).  The one-token
#   mapping at NEW = 4 walks the tokens in time: 4 x 273408 + 256 =
#   1093888 cycles on the 1D array, 3.7x the memory time.
# Both engines, the four mappings (and mla-mtp-flat, gqa-spec-flat): the
# same action counts, the cycle engine within -0.5% .. +6% (measured
# +3.17%, +4.11%, +1.17%, +0.07%).
set -u
A=${1:?usage: decode-mtp.sh ATTNSIM}
D=${ATTNSIM_DATA_DIR:?}/mappings
fail() { echo "decode-mtp.sh: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p"; }
run() { "$A" run --mapping "$D/$1.yaml" --model "$2" --seq 32K --engine "$3" --json || fail "run $1 $2 $3 failed"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; exit !(d <= t && -d <= t) }'; }

for eng in analytical cycle; do
  # MLA: the latent cache crosses DRAM once whatever NEW, both mappings
  for pt in "mla-decode-fusemax deepseek-v3-decode 1" "mla-mtp-fusemax deepseek-v3-decode 1" \
            "mla-decode-fusemax deepseek-v3-mtp 2" "mla-mtp-fusemax deepseek-v3-mtp 2"; do
    set -- $pt
    out=$(run "$1" "$2" "$eng")
    r=$(printf '%s\n' "$out" | field dram_read_bytes)
    w=$(printf '%s\n' "$out" | field dram_write_bytes)
    test "$r" -eq $((37748736 + 128 * 576 * 2 * $3)) || fail "$eng $1 $2: DRAM reads $r, expected 37748736 + $((128 * 576 * 2 * $3))"
    test "$w" -eq $((128 * 512 * 2 * $3)) || fail "$eng $1 $2: DRAM writes $w"
  done
  # GQA: K and V cross DRAM once per KV head whatever NEW
  for pt in "gqa-decode-fusemax llama31-70b-decode 1" "gqa-spec-fusemax llama31-70b-spec 4"; do
    set -- $pt
    out=$(run "$1" "$2" "$eng")
    r=$(printf '%s\n' "$out" | field dram_read_bytes)
    test "$r" -eq $((134217728 + 64 * 128 * 2 * $3)) || fail "$eng $1 $2: DRAM reads $r"
  done
done

# MLA, analytical: cycles, 2D utilization, MACs as derived
one=$(run mla-decode-fusemax deepseek-v3-decode analytical)
mtp=$(run mla-mtp-fusemax deepseek-v3-mtp analytical)
old=$(run mla-decode-fusemax deepseek-v3-mtp analytical)
c1=$(printf '%s\n' "$one" | field cycles); c2=$(printf '%s\n' "$mtp" | field cycles); c3=$(printf '%s\n' "$old" | field cycles)
test "$c1" -eq 140800 || fail "MLA NEW = 1: $c1 cycles, expected 140800"
test "$c2" -eq 140798 || fail "MLA NEW = 2 on [h, p0]: $c2 cycles, expected 140798"
test "$c3" -eq 281340 || fail "MLA NEW = 2 on h alone: $c3 cycles, expected 281340"
test "$(printf '%s\n' "$mtp" | field bound)" = 2d || fail "MLA NEW = 2: not bound by the 2D array"
test "$(printf '%s\n' "$mtp" | field memory_cycles)" -eq 83837 || fail "MLA NEW = 2: memory cycles"
u1=$(printf '%s\n' "$one" | field util_2d); u2=$(printf '%s\n' "$mtp" | field util_2d); u3=$(printf '%s\n' "$old" | field util_2d)
near "$u1" "$(awk 'BEGIN { print 1098 * 128 * 32768 / (65536 * 140800) }')" 1e-6 || fail "MLA NEW = 1: util_2d $u1"
near "$u2" "$(awk 'BEGIN { print 1098 * 128 * 65535 / (65536 * 140798) }')" 1e-6 || fail "MLA NEW = 2: util_2d $u2"
near "$u3" "$(awk 'BEGIN { print 1098 * 128 * 65535 / (65536 * 281340) }')" 1e-6 || fail "MLA NEW = 2 on h: util_2d $u3"
mac=$(printf '%s\n' "$mtp" | tr '{' '\n' | grep -m1 '"mac"' | sed 's/.*"mac":\([0-9]*\).*/\1/')
test "$mac" -eq 9126666240 || fail "MLA NEW = 2: 2D MACs $mac, expected 9126666240"

# GQA, analytical: 4 tokens in the memory time of about one; util_2d 4x
one=$(run gqa-decode-fusemax llama31-70b-decode analytical)
spec=$(run gqa-spec-fusemax llama31-70b-spec analytical)
old=$(run gqa-decode-fusemax llama31-70b-spec analytical)
c1=$(printf '%s\n' "$one" | field cycles); c2=$(printf '%s\n' "$spec" | field cycles); c3=$(printf '%s\n' "$old" | field cycles)
test "$c3" -eq 1093888 || fail "GQA NEW = 4 on g alone: $c3 cycles, expected 1093888"
test "$c1" -eq 293822 || fail "GQA NEW = 1: $c1 cycles, expected 293822"
test "$c2" -eq 294037 || fail "GQA NEW = 4 on [g, p0]: $c2 cycles, expected 294037"
test "$(printf '%s\n' "$spec" | field bound)" = memory || fail "GQA NEW = 4: not memory-bound"
u1=$(printf '%s\n' "$one" | field util_2d); u2=$(printf '%s\n' "$spec" | field util_2d)
awk -v a="$u1" -v b="$u2" 'BEGIN { exit !(b > 3.9 * a && b <= 0.125 && a <= 0.03125) }' ||
  fail "GQA: util_2d $u1 at NEW = 1, $u2 at NEW = 4: expected 4x, under G x NEW / 256"

# both engines: identical counts, latency within the variants' band
# (and their FLAT-hardware twins: 1D-bound there, the same rule)
out=$("$A" crosscheck --csv --designs "$D/mla-mtp-fusemax.yaml,$D/mla-mtp-flat.yaml" --models deepseek-v3-mtp --seqs 32K) ||
  fail "crosscheck MLA"
out2=$("$A" crosscheck --csv --designs "$D/gqa-spec-fusemax.yaml,$D/gqa-spec-flat.yaml" --models llama31-70b-spec --seqs 32K) ||
  fail "crosscheck GQA"
n=$(printf '%s\n%s\n' "$out" "$out2" | grep -c ',identical$')
test "$n" -eq 4 || fail "action counts differ: $out $out2"
bad=$(printf '%s\n%s\n' "$out" "$out2" | awk -F, '$1 != "design" && ($7 < -0.5 || $7 > 6) { print $1, $7 "%" }')
test -z "$bad" || fail "latency outside -0.5% .. +6%: $bad"
echo "decode-mtp: ok"
