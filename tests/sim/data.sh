#!/bin/bash
# data.sh: the cycle engine's data mode (sim/README.md "Data mode").
# Within the derived error bound (exit 0) for fusemax and arch on 16x16 + 16
# PEs at several sizes and seeds, for flat (output and weight stationary)
# and the GEMM; bit-identical to the
# fp16 emulation of the interpreter's order where the mapping's order is the
# interpreter's (fusemax, arch, the GEMM; not flat); the timing and the
# action counts of a --data run equal the same run's without (the CSV row
# before the two error columns); the value model keeps the engine's timing
# on FuseMax and the GEMM, FLAT's runs late; an oversized run is refused with its size
# and the limit (exit 2); --data needs --engine cycle.  usage: data.sh ATTNSIM
A=$1
fail() { echo "FAIL: $*"; exit 1; }
S="--rows 16 --cols 16 --width-1d 16 --engine cycle"
G="--rows 16 --cols 16 --engine cycle"
check() {   # check EXACT SEED ARGS...: within the bound, same row as without --data
  exact=$1 seed=$2
  shift 2
  out=$("$A" run "$@" --data --seed "$seed" --csv 2> err.txt) || { cat err.txt; fail "$* --data: exit $?"; }
  grep -q '^data: max_abs_err=[0-9.e-]* max_rel_err=.* max_ref=' err.txt || fail "$*: no data line"
  mis=$(sed -n 's/.* emul_mismatch=\([0-9]*\) .*/\1/p' err.txt)
  [ -n "$mis" ] || fail "$*: no emul_mismatch"
  grep -q " emul_exact=$exact " err.txt || fail "$*: not emul_exact=$exact"
  if [ "$exact" = 1 ]; then [ "$mis" = 0 ] || fail "$*: $mis elements differ from the fp16 emulation"; fi
  head -1 <<< "$out" | grep -q ',max_abs_err,max_rel_err$' || fail "$*: CSV header lacks the error columns"
  row=$(sed -n 2p <<< "$out" | cut -d, -f1-20)
  plain=$("$A" run "$@" --csv | sed -n 2p) || fail "$*: plain run"
  [ "$row" = "$plain" ] || fail "$*: --data changes the row:\n$row\n$plain"
  abs=$(sed -n 2p <<< "$out" | awk -F, '{ print $(NF-1) }')
  awk -v a="$abs" 'BEGIN { exit !(a > 0 && a < 0.05) }' || fail "$*: max_abs_err $abs not in (0, 0.05)"
}
for d in fusemax arch; do
  for seq in 64 256; do
    for seed in 1 7; do check 1 $seed --design $d --model bert --seq $seq $S --set B=1,H=1,E=16,F=16; done
  done
done
check 1 3 --design fusemax --model bert --seq 128 $S --set B=2,H=1,E=16,F=8
# non-square arrays: the bank's row-major layout
check 1 4 --design fusemax --model bert --seq 128 --rows 8 --cols 16 --width-1d 16 --engine cycle --set B=1,H=1,E=16,F=16
check 1 5 --design arch --model bert --seq 128 --rows 32 --cols 4 --width-1d 4 --engine cycle --set B=1,H=1,E=8,F=16
check 1 6 --mapping "$ATTNSIM_DATA_DIR/mappings/gemm-os.yaml" --rows 5 --cols 7 --engine cycle --set M=45,N=30,K=7
check 0 2 --design flat --model bert --seq 512 $S --set B=1,H=1,E=16,F=16
# weight stationary (QK's e and AV's m summed across the 2D array's PEs)
check 0 3 --mapping "$ATTNSIM_DATA_DIR/tests/sim/data/flat-edge.yaml" --model xlm --seq 512 $S --set B=1,H=1,E=16,F=16
check 1 5 --mapping "$ATTNSIM_DATA_DIR/mappings/gemm-os.yaml" $G --set M=256,N=256,K=16
check 1 4 --mapping "$ATTNSIM_DATA_DIR/mappings/gemm-os.yaml" $G --set M=37,N=21,K=5
# the value model steps at the engine's cycles (sim/README.md "Data mode"):
# on FuseMax's arrays and the GEMM no operation runs late and the banks step
# at most the engine's cycles x PEs (idle stretches skipped); FuseMax's last
# result is delivered width - 1 cycles after the engine's last write (the
# column skew continues into the 1D array), the GEMM's R cycles before it
# (the value model does not step the shift out of the columns); FLAT's 1D
# firings cannot keep the engine's timing and run late (the finding)
fig() { sed -n "s/.* $1=\([0-9]*\) .*/\1/p" err.txt; }
timing() {   # timing PES DELTA ARGS...: strict, last_cycle = cycles + DELTA
  pes=$1 delta=$2
  shift 2
  "$A" run "$@" --data --csv > /dev/null 2> err.txt || fail "$*: $(cat err.txt)"
  e=$(fig engine_pe_cycles) p=$(fig pe_edges) l=$(fig last_cycle)
  [ "$(fig late_ops)" = 0 ] && [ "$(fig elastic_fires)" = 0 ] || fail "$*: late operations: $(cat err.txt)"
  [ $((e % pes)) = 0 ] && [ "$p" -le "$e" ] && [ "$p" -gt $((e / 2)) ] || fail "$*: pe_edges $p, engine $e"
  [ "$l" = $((e / pes + delta)) ] || fail "$*: last_cycle $l, engine cycles $((e / pes)) + $delta"
}
timing 272 15 --design fusemax --model bert --seq 256 $S --set B=1,H=1,E=16,F=16
timing 272 15 --design arch --model bert --seq 64 $S --set B=1,H=1,E=16,F=16
timing 144 15 --design fusemax --model bert --seq 128 --rows 8 --cols 16 --width-1d 16 --engine cycle --set B=1,H=1,E=16,F=16
timing 256 -16 --mapping "$ATTNSIM_DATA_DIR/mappings/gemm-os.yaml" $G --set M=256,N=256,K=16
"$A" run --design flat --model bert --seq 512 $S --set B=1,H=1,E=16,F=16 --data --csv > /dev/null 2> err.txt ||
  fail "flat: $(cat err.txt)"
[ "$(fig elastic_fires)" -gt 0 ] && [ "$(fig late_max)" -gt 0 ] && [ "$(fig last_cycle)" -gt $(($(fig engine_pe_cycles) / 272)) ] ||
  fail "flat is not reported late: $(cat err.txt)"
# --no-emul: the same output and line, nothing compared with the emulation
"$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --data --csv > /dev/null 2> err.txt || fail "emul"
a=$(grep -o 'digest=[0-9a-f]*' err.txt)
"$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --data --no-emul --csv > /dev/null 2> err.txt ||
  fail "--no-emul: $(cat err.txt)"
[ -n "$a" ] && grep -q " emul_mismatch=0 emul_exact=0 .* $a\$" err.txt || fail "--no-emul: $(cat err.txt)"
"$A" run --design fusemax --model bert --seq 64 --engine cycle --no-emul > /dev/null 2> err.txt
[ $? -eq 2 ] && grep -q -- '--no-emul needs --data' err.txt || fail "--no-emul without --data"
# full stepping and fast-forward: the same values and the same time
a=$("$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --data --full --csv 2>/dev/null | sed -n 2p)
b=$("$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --data --csv 2>/dev/null | sed -n 2p)
[ -n "$a" ] && [ "$a" = "$b" ] || fail "--full --data differs from --data"
# --json gains a "data" object
"$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --data --json 2>/dev/null |
  grep -q '"data":{"max_abs_err":[0-9.e-]*,"max_rel_err":.*"emul_mismatch":0,"emul_exact":1,"pe_edges":[0-9]*,"engine_pe_cycles":[0-9]*,"last_cycle":[0-9]*,"late_ops":0,"late_max":0,"elastic_fires":0}}$' || fail "--json has no data object"
# too large: refused up front with the size and the limit
"$A" run --design fusemax --model bert --seq 64K $S --data > out.txt 2> err.txt
[ $? -eq 2 ] || fail "oversized run: not exit 2"
grep -q 'data mode: this run needs [0-9]* bytes .* more than the limit of [0-9]*' err.txt || fail "oversized: $(cat err.txt)"
"$A" run --design fusemax --model bert --seq 1K --rows 16 --cols 16 --width-1d 16 --engine cycle --set E=16,F=16 --data > out.txt 2> err.txt
[ $? -eq 2 ] || fail "long run: not exit 2"
grep -q 'more than the limit of' err.txt || fail "long run: $(cat err.txt)"
# a fold (P0 = 16 on a 1D array of 8) is refused, not run past the bank
"$A" run --design fusemax --model bert --seq 64 --rows 16 --cols 16 --width-1d 8 --engine cycle --set B=1,H=1,E=16,F=16 --data > out.txt 2> err.txt
[ $? -eq 2 ] && grep -q 'data mode does not run Einsum RM folded onto array 1d yet (1 x 16 PEs of work on 1 x 8)' err.txt ||
  fail "fold: $(cat err.txt)"
# the options' own errors
"$A" run --design fusemax --model bert --seq 64 --data > /dev/null 2> err.txt
[ $? -eq 2 ] && grep -q -- '--data needs --engine cycle' err.txt || fail "--data without --engine cycle"
"$A" run --design fusemax --model bert --seq 64 --engine cycle --seed 3 > /dev/null 2> err.txt
[ $? -eq 2 ] && grep -q -- '--seed needs --data' err.txt || fail "--seed without --data"
echo ok
