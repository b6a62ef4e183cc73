#!/usr/bin/env bash
# Runs every case of bad-specs.txt: the command must exit 2 and print
# exactly the expected line on stderr and nothing on stdout.
set -u
attnsim=$1
cd "$(dirname "$0")"
pass=0 fail=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  args=${line%% | *}
  want=${line#* | }
  # shellcheck disable=SC2086
  out=$("$attnsim" $args 2>/tmp/bad-specs.$$ </dev/null); rc=$?
  got=$(cat /tmp/bad-specs.$$)
  if [ "$rc" = 2 ] && [ "$got" = "$want" ] && [ -z "$out" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL: attnsim %s\n  exit %s\n  want: %s\n  got:  %s\n' "$args" "$rc" "$want" "$got"
  fi
done < bad-specs.txt
rm -f /tmp/bad-specs.$$
echo "bad-specs: $pass passed, $fail failed"
[ "$fail" = 0 ]
