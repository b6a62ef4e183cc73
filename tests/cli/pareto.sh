# pareto.sh: --dims is a comma-separated list of array sizes, each a whole
# number from 1 to 8192.  Every entry is checked (and every point
# evaluated) before anything is printed: a bad entry anywhere leaves stdout
# empty.
source "$(dirname "$0")/lib.sh" "$@"
msg="must be a comma-separated list of up to 64 values, each a whole number from 1 to 8192"
for v in 16, ,16 16,,32 16,abc 16,0 16,8193 16,-32 '16, 32' 16,+32 16,0x20 16,32x '' 16,99999999999999999999; do
  refuse "--dims: $msg, got '$v'" pareto --model bert --seq 1K --dims "$v"
  refuse "--dims: $msg, got '$v'" pareto --model bert --seq 1K --dims "$v" --csv
done
long=$(printf '16,%.0s' $(seq 64))16
refuse "--dims: $msg, got '${long:0:64}'" pareto --model bert --seq 1K --dims "$long"
# A bad model or energy table after good dims: still nothing on stdout.
refuse 'unknown model "bort" (known: bert, deepseek-v3, deepseek-v3-decode, deepseek-v3-mtp, falcon-7b, llama31-70b, llama31-70b-decode, llama31-70b-spec, llama31-8b, llama31-8b-decode, mistral-7b, t5, trxl, xlm)' pareto --model bort --seq 1K --dims 16,32
"$A" pareto --model bert --seq 1K --dims 16,32 --csv > "$T/ok.csv"
[ "$(wc -l < "$T/ok.csv")" = 3 ] && grep -q '^16,' "$T/ok.csv" && grep -q '^32,' "$T/ok.csv" \
  || fail "pareto --dims 16,32 --csv: $(cat "$T/ok.csv")"
finish pareto
