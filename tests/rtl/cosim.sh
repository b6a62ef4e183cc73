#!/bin/bash
# cosim.sh: RTL co-simulation, `attnsim run --engine rtl` (sim/README.md
# "RTL co-simulation").  On 12 configurations (array shapes 16x16 + 16,
# 8x16 + 16, 4x4 + 4, 32x4 + 4, 8x8 + 8, 5x7; sizes, seeds, batch; fusemax and arch;
# flat output and weight stationary; the GEMM on hw/systolic-os.yaml) the
# rtl run's CSV row and data line (max errors, the output's digest, PE-edges)
# equal those of `--engine cycle --data`: bit-identical output, identical
# cycles.  --no-shadow gives the same.  Four groups, one ctest each
# (rtl_cosim_attention, _flat-os, _flat-ws, _gemm: 7 + 1 + 1 + 3
# configurations), so each takes seconds; a fifth (rtl_cosim_store)
# sweeps --engine rtl into a store: its point_data rows equal cycle-data's
# and the report's data table lists them.  usage: cosim.sh ATTNSIM attention|flat-os|flat-ws|gemm|store
A=$1
D=$ATTNSIM_DATA_DIR
fail() { echo "FAIL: $*"; exit 1; }
# a directory of its own: ctest runs the groups side by side in one directory
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
S="--rows 16 --cols 16 --width-1d 16"
same() {   # same SEED ARGS...: rtl equals cycle --data
  seed=$1
  shift
  c=$("$A" run "$@" --engine cycle --data --seed "$seed" --csv 2> c.err) || fail "$*: cycle --data failed: $(cat c.err)"
  r=$("$A" run "$@" --engine rtl --seed "$seed" --csv 2> r.err) || fail "$*: rtl failed: $(cat r.err)"
  grep -q '^data: max_abs_err=.* digest=[0-9a-f]\{16\}$' c.err || fail "$*: no digest in $(cat c.err)"
  [ "$c" = "$r" ] || fail "$*: the CSV rows differ:\n$c\n$r"
  [ "$(cat c.err)" = "$(cat r.err)" ] || fail "$*: the data lines differ:\n$(cat c.err)\n$(cat r.err)"
  n=$((n + 1))
}
n=0
case $2 in
attention)
  same 1 --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16
  same 7 --design fusemax --model bert --seq 256 $S --set B=1,H=1,E=16,F=16
  same 2 --design arch --model bert --seq 64 $S --set B=1,H=1,E=16,F=16
  same 3 --design fusemax --model bert --seq 128 $S --set B=2,H=1,E=16,F=8
  same 4 --design fusemax --model bert --seq 128 --rows 8 --cols 16 --width-1d 16 --set B=1,H=1,E=16,F=16
  same 5 --design fusemax --model bert --seq 64 --rows 4 --cols 4 --width-1d 4 --set B=1,H=1,E=8,F=8
  same 5 --design arch --model bert --seq 128 --rows 32 --cols 4 --width-1d 4 --set B=1,H=1,E=8,F=16
  ;;
flat-os)   # FLAT's configurations start at 512: output stationary
  same 2 --design flat --model bert --seq 512 $S --set B=1,H=1,E=16,F=16
  ;;
flat-ws)   # and weight stationary (sums over e and m across the PEs)
  same 3 --mapping "$D/tests/sim/data/flat-edge.yaml" --model xlm --seq 512 --rows 8 --cols 8 --width-1d 8 --set B=1,H=1,E=8,F=8
  ;;
gemm)
  same 6 --mapping "$D/mappings/gemm-os.yaml" --rows 5 --cols 7 --set M=45,N=30,K=7
  same 4 --mapping "$D/mappings/gemm-os.yaml" --rows 16 --cols 16 --set M=37,N=21,K=5
  same 9 --mapping "$D/mappings/gemm-os.yaml" --rows 16 --cols 16 --set M=64,N=64,K=16
  # the RTL alone: the same output and time, nothing compared
  a=$("$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --engine rtl --no-shadow --csv 2>&1) ||
    fail "--no-shadow: exit $?"
  b=$("$A" run --design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --engine cycle --data --csv 2>&1)
  [ "$a" = "$b" ] || fail "--no-shadow differs from cycle --data:\n$a\n$b"
  ;;
store)   # sweep --engine rtl: point_data rows equal cycle-data's; the report lists them
  T=$PWD
  rm -rf s.db rep
  for eng in cycle-data rtl; do
    (cd "$D" && "$A" sweep tests/sim/data/sweep.yaml --db "$T/s.db" --engine $eng > /dev/null) || fail "sweep --engine $eng"
  done
  q() { sqlite3 s.db "$1"; }
  [ "$(q "SELECT count(*) FROM point_data d JOIN points p USING (point_id) WHERE p.engine = 'rtl'")" = 4 ] ||
    fail "not 4 rtl point_data rows"
  [ "$(q "SELECT count(*) FROM points a JOIN point_data x ON x.point_id = a.point_id
          JOIN points b ON a.design = b.design AND a.seq_len = b.seq_len AND a.arch_rows_2d = b.arch_rows_2d
          JOIN point_data y ON y.point_id = b.point_id
          WHERE a.engine = 'rtl' AND b.engine = 'cycle-data' AND a.cycles = b.cycles
            AND x.max_abs_err = y.max_abs_err AND x.pe_edges = y.pe_edges AND x.emul_mismatch = y.emul_mismatch")" = 4 ] ||
    fail "rtl rows differ from cycle-data's: $(q 'SELECT * FROM point_data')"
  "$A" report --db s.db --out rep > /dev/null 2>&1 || true
  [ "$(grep -c '^<tr><td>tests/sim/data/fusemax-tiny.yaml</td><td>BERT</td><td>rtl</td>' rep/index.html)" = 4 ] ||
    fail "report: not 4 rtl rows in the data table"
  n=4
  ;;
*) fail "usage: cosim.sh ATTNSIM attention|flat-os|flat-ws|gemm|store" ;;
esac
[ $n -ge 1 ] || fail "only $n configurations"
echo "ok ($2: $n configurations)"
