#!/bin/sh
# The attention variants' analytical results, pinned: every variant mapping
# (mappings/VARIANT-fusemax.yaml and VARIANT-flat.yaml) with the workloads
# and --set values the variant tests use (sim_variants,
# crosscheck-variants.sh), at sizes up to 64K, where the per-position
# refinements for predicates (skip.c: masked buffer reads, the shift chain's
# kept firings) were all active when the golden was written.  Each line is
# the point, its `run --csv` row, and the exact numbers of its `run --json`
# from the per-Einsum figures on (busy cycles, utilisation, energy, every
# action count), keys stripped.  A change that moves any of them fails.
# usage: variants-golden.sh ATTNSIM GOLDEN     compare with GOLDEN
#        variants-golden.sh ATTNSIM --write    print the golden
set -u
A=${1:?usage: variants-golden.sh ATTNSIM (GOLDEN | --write)}
G=${2:?usage: variants-golden.sh ATTNSIM (GOLDEN | --write)}
D=${ATTNSIM_DATA_DIR:?}/mappings
fail() { echo "variants-golden.sh: $*" >&2; exit 1; }
T=$(mktemp -d /tmp/attnsim-vgold-XXXXXX)
trap 'rm -rf "$T"' EXIT

# point VARIANT MODEL SEQ [SETS]: both hardwares' lines
point() {
  for h in fusemax flat; do
    set -- "$1" "$2" "$3" "${4:-}"
    o=""
    test -n "$4" && o="--set $4"
    # shellcheck disable=SC2086
    csv=$("$A" run --mapping "$D/$1-$h.yaml" --model "$2" --seq "$3" $o --csv) || fail "run $1-$h $2 $3 $4 failed"
    # shellcheck disable=SC2086
    json=$("$A" run --mapping "$D/$1-$h.yaml" --model "$2" --seq "$3" $o --json) || fail "run --json $1-$h $2 $3 $4 failed"
    nums=$(printf '%s\n' "$json" | sed 's/.*"einsums"://; s/"[^"]*"://g; s/"[^"]*",//g; s/[][{}]//g')
    printf '%s %s %s %s | %s | %s\n' "$1-$h" "$2" "$3" "${4:--}" "$(printf '%s\n' "$csv" | tail -1)" "$nums"
  done
}

all() {
  for s in 1K 4K 12K 16K 64K; do
    point causal llama31-8b $s
    point blocksparse llama31-8b $s DENSITY=0.1
    point blocksparse llama31-8b $s DENSITY=0.5
    point streaming llama31-8b $s SINK=1,WIN=4
    point strided llama31-8b $s STRIDE=4
    point window mistral-7b $s
    point window llama31-8b $s W=1K
    point window llama31-8b $s W=1000
    point gqa llama31-8b $s
    point linear-causal llama31-8b $s
    point decode llama31-8b-decode $s
    point gqa-decode llama31-8b-decode $s
    point mla-decode deepseek-v3-decode $s
  done
}

if [ "$G" = --write ]; then
  all
  exit 0
fi
all > "$T/now.txt" || exit 1
diff -u "$G" "$T/now.txt" > "$T/diff.txt" || fail "results moved from the golden:
$(head -40 "$T/diff.txt")"
echo "variants-golden: $(wc -l < "$T/now.txt") points identical"
