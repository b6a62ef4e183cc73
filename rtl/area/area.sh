#!/bin/sh
# area.sh: the area proxy.  Synthesises each PE (and its arithmetic units)
# with yosys to a generic CMOS cell library (NAND/NOR/NOT from `abc -g cmos2`,
# flip-flops as plain $_DFF_P_ with reset and enable turned into gates) and
# writes one line per module: cell counts and yosys' transistor estimate.
#   area.sh --update       rewrite rtl/area/cells.txt (the recorded counts)
#   area.sh --check OUT    write to OUT and fail if it differs from cells.txt
set -eu

here=$(cd "$(dirname "$0")" && pwd)
rtl=$(dirname "$here")
srcs="$rtl/fp16_unpack.v $rtl/fp16_round.v $rtl/fp16_fma.v $rtl/fp16_max.v \
      $rtl/fp16_div.v $rtl/pe_core.v $rtl/pe2d.v $rtl/pe1d.v"
modules="pe2d pe1d fp16_fma fp16_div fp16_max"

case "${1:-}" in
  --update) out="$here/cells.txt" ;;
  --check)  out="${2:?--check needs an output file}" ;;
  *) echo "usage: $0 --update | --check OUT" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
  echo "# Area proxy of the PEs: yosys $(yosys -V | awk '{print $2}'), synth -flatten;"
  echo "# dfflegalize to \$_DFF_P_; abc -g cmos2; stat -tech cmos."
  echo "# Written by rtl/area/area.sh --update; read by the area model."
  echo "# transistors: yosys' CMOS estimate, NAND 4, NOR 4, NOT 2, DFF 16 each."
  echo "# module    cells   nand    nor    not    dff  transistors"
} > "$tmp/cells.txt"

for m in $modules; do
  yosys -q -l "$tmp/$m.log" -p "read_verilog $srcs; synth -flatten -top $m; \
    dfflegalize -cell \$_DFF_P_ 01; abc -g cmos2; opt_clean; \
    tee -o $tmp/$m.stat stat -tech cmos" >/dev/null
  awk -v m="$m" '
    /Number of cells:/ { cells = $4 }
    /\$_NAND_/ { nand = $2 } /\$_NOR_/ { nor = $2 } /\$_NOT_/ { not_ = $2 }
    /\$_DFF_P_/ { dff = $2 }
    /Estimated number of transistors:/ { tr = $5; sub(/\+$/, "", tr) }
    END { printf "%-9s %7d %6d %6d %6d %6d %12d\n", m, cells, nand, nor, not_, dff, tr }
  ' "$tmp/$m.stat" >> "$tmp/cells.txt"
done

cp "$tmp/cells.txt" "$out"
cat "$out"
if [ "$1" = "--check" ]; then
  if ! diff -u "$here/cells.txt" "$out"; then
    echo "area.sh: cell counts differ from rtl/area/cells.txt;" \
         "if the RTL change is intended, run rtl/area/area.sh --update" >&2
    exit 1
  fi
  # a proxy that measured nothing is a failure too
  awk '!/^#/ && ($2 <= 0 || $7 <= 0) { bad = 1 } END { exit bad }' "$out" || {
    echo "area.sh: a module synthesised to nothing" >&2; exit 1; }
fi
