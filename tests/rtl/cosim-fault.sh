#!/bin/bash
# cosim-fault.sh: the co-simulation check can fail.  The FAULT=1 PE
# (rtl/README.md: the rounder drops the sticky bit) placed with --fault-pe
# at PEs of both arrays is caught: exit 1, and the message names that array,
# row and column, the cycle, the operation and both banks' registers.
# Oversized RTL runs are refused (exit 2): an array above the compiled 256
# lanes, a fault PE outside the array, the data mode's size limit.
# usage: cosim-fault.sh ATTNSIM
A=$1
fail() { echo "FAIL: $*"; exit 1; }
# a directory of its own: ctest runs the groups side by side in one directory
W=$(mktemp -d) || exit 1
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
S="--rows 16 --cols 16 --width-1d 16"
F="--design fusemax --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --engine rtl"
caught() {   # caught ARRAY ROW COL ARGS...
  arr=$1 row=$2 col=$3
  shift 3
  "$A" run "$@" --fault-pe "$arr:$row,$col" > out.txt 2> err.txt
  rc=$?
  [ $rc -eq 1 ] || fail "fault at $arr:$row,$col: exit $rc, want 1: $(cat err.txt)"
  grep -q "co-simulation: rtl/twin diverged at array $arr, row $row, column $col, cycle [0-9]* + [0-9]* (the firing of [A-Za-z0-9_]*): operation [A-Z]*([0-9a-f,]*) offered [0-9]* edges* before: rtl {out=[0-9a-f]\{4\} .*}, twin {out=[0-9a-f]\{4\} .*}$" err.txt ||
    fail "fault at $arr:$row,$col: $(cat err.txt)"
  [ ! -s out.txt ] || fail "fault at $arr:$row,$col: a result was printed"
}
caught 2d 3 5 $F
caught 2d 0 0 $F
caught 2d 15 15 $F
caught 1d 0 7 $F
caught 1d 0 0 --design arch --model bert --seq 64 $S --set B=1,H=1,E=16,F=16 --engine rtl
caught 2d 2 1 --design flat --model bert --seq 512 $S --set B=1,H=1,E=16,F=16 --engine rtl
refused() {   # refused PATTERN ARGS...
  pat=$1
  shift
  "$A" run "$@" > out.txt 2> err.txt
  rc=$?
  [ $rc -eq 2 ] || fail "$*: exit $rc, want 2: $(cat err.txt)"
  grep -q -- "$pat" err.txt || fail "$*: $(cat err.txt)"
}
refused 'cannot open the PEs of array 2d: rtl bank: 512 pe2d PEs exceed the largest compiled array, 256 lanes' \
  --design fusemax --model bert --seq 64 --rows 32 --cols 16 --width-1d 16 --set B=1,H=1,E=16,F=16 --engine rtl
refused 'no PE at row 16, column 0 of array 2d (16 rows, 16 columns)' $F --fault-pe 2d:16,0
refused "no array named '3d'" $F --fault-pe 3d:0,0
refused 'data mode: this run needs [0-9]* bytes .* more than the limit of' --design fusemax --model bert --seq 64K $S --engine rtl
refused 'more than the limit of' --design fusemax --model bert --seq 1K $S --set E=16,F=16 --engine rtl
refused 'expected ARRAY:ROW,COL' $F --fault-pe 2d:3
refused -- '--no-shadow and --fault-pe need --engine rtl' --design fusemax --model bert --seq 64 --engine cycle --data --fault-pe 2d:0,0
refused -- '--fault-pe needs the shadow' $F --no-shadow --fault-pe 2d:0,0
echo ok
