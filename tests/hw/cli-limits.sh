#!/usr/bin/env bash
# The input limits and physical ranges through the real command line: a
# FIFO, a device and a file over 16 MiB given as any spec file, and hw
# values whose products would be infinite, must each exit 2 at once (10 s
# at most: a FIFO used to block forever, /dev/zero to fill memory) with
# exactly the expected message on stderr and nothing on stdout.
set -u
attnsim=$1
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkfifo "$tmp/fifo.yaml"
truncate -s $((16 * 1024 * 1024 + 1)) "$tmp/big.yaml"
fifo="$tmp/fifo.yaml: is a FIFO; spec files must be regular files"
big="$tmp/big.yaml: 16777217 bytes, over the 16 MiB limit for spec files"
zero="/dev/zero: is a character device; spec files must be regular files"
pass=0 fail=0
# expect MESSAGE ARGS...
expect() {
  local want=$1 rc out got
  shift
  out=$(timeout 10 "$attnsim" "$@" 2>"$tmp/err" </dev/null); rc=$?
  got=$(cat "$tmp/err")
  if [ "$rc" = 2 ] && [ "$got" = "$want" ] && [ -z "$out" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL: attnsim %s\n  exit %s\n  want: %s\n  got:  %s\n' "$*" "$rc" "$want" "$got"
  fi
}
run=(--model bert --seq 1K --json)
expect "$fifo" area "$tmp/fifo.yaml"
expect "$fifo" run --design fusemax --arch "$tmp/fifo.yaml" "${run[@]}"
expect "$fifo" run --design fusemax --energy "$tmp/fifo.yaml" "${run[@]}"
expect "$fifo" run --design fusemax --model "$tmp/fifo.yaml" --seq 1K
expect "$fifo" run --mapping "$tmp/fifo.yaml" "${run[@]}"
expect "$fifo" check "$tmp/fifo.yaml"
expect "$fifo" sweep "$tmp/fifo.yaml" --dry-run
expect "$zero" area /dev/zero
expect "$zero" run --design fusemax --energy /dev/zero "${run[@]}"
expect "$zero" check /dev/zero
expect "$big" area "$tmp/big.yaml"
expect "$big" run --design fusemax --model "$tmp/big.yaml" --seq 1K
expect 'bad/energy-device.yaml:4:9: energy: cannot read "/dev/zero": is a character device; spec files must be regular files' \
  area bad/energy-device.yaml
expect 'bad/clock-tiny.yaml:3:8: clock: must be at least 1 Hz, got "1e-300 Hz"' \
  run --design fusemax --arch bad/clock-tiny.yaml "${run[@]}"
expect 'bad/energy-huge-table.yaml:9:8: units.mac: must be at most 1e6 pJ (1 uJ), got "1e300 uJ"' \
  run --design fusemax --energy bad/energy-huge-table.yaml "${run[@]}"
expect 'bad/bandwidth-huge.yaml:19:14: dram.bandwidth: must be at most 1e15 B/s (1 PB/s), got "1e290 GB/s"' \
  run --design fusemax --arch bad/bandwidth-huge.yaml "${run[@]}"
echo "cli-limits: $pass passed, $fail failed"
[ "$fail" = 0 ]
