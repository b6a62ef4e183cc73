#!/bin/sh
# sim/accounting/fit-buffer.sh recovers known per-row buffer energies: the
# reference is attnsim's own artifact run with its buffer repriced at
# 20000 pJ (16 MiB designs) and 30000 pJ (32 MiB) per row.
# usage: fit-buffer.sh ATTNSIM SOURCE_DIR
A=${1:?usage: fit-buffer.sh ATTNSIM SOURCE_DIR}
src=${2:?usage: fit-buffer.sh ATTNSIM SOURCE_DIR}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
"$A" paper --csv --accounting artifact | awk -F, 'NR == 1 { print "study,design,model,seq_len,energy_pj"; next }
  { k = ($2 == "fusemax" || $2 == "arch") ? 20000 : 30000
    printf "%s,%s,%s,%s,%.17g\n", $1, $2, $3, $4, $7 - $20 + $13 / 512 * k }' > "$T/ref.csv"
out=$(sh "$src/sim/accounting/fit-buffer.sh" "$T/ref.csv" "$A") || exit 1
echo "$out" | grep -q '^16mib 20000.0 pJ per row (72 points)$' || { echo "16mib: $out" >&2; exit 1; }
echo "$out" | grep -q '^32mib 30000.0 pJ per row (120 points)$' || { echo "32mib: $out" >&2; exit 1; }
printf 'study,design,model\n' > "$T/bad.csv"
sh "$src/sim/accounting/fit-buffer.sh" "$T/bad.csv" "$A" > /dev/null 2>&1 && { echo "a reference without energy_pj was accepted" >&2; exit 1; }
exit 0
