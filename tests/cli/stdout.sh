# stdout.sh: a command that fails prints nothing on stdout, even when the
# error comes after work that would have printed: check's tables and JSON
# when a count overflows at the given sizes, area when a later file is bad,
# merge when a later input is the output database itself.
source "$(dirname "$0")/lib.sh" "$@"
g=einsum/cascades/gemm.einsum
ovf="$g: operation count overflows 64 bits at these sizes"
refuse "$ovf" check $g --set K=4G,M=4G,N=4G
refuse "$ovf" check $g --set K=4G,M=4G,N=4G --json
refuse "nonexistent.yaml: No such file or directory" area hw/fusemax.yaml nonexistent.yaml
"$A" sweep tests/results/sweeps/small.yaml --db "$T/a.db"
cp "$T/a.db" "$T/out.db"
refuse "attnsim: $T/out.db: is the output database itself (see attnsim merge --help)" \
  merge "$T/out.db" "$T/a.db" "$T/out.db"
[ "$(sqlite3 "$T/out.db" 'SELECT count(*) FROM runs')" = 1 ] || fail "the refused merge wrote to out.db"
# And what succeeds still prints.
grep -q '"ops":{"mul":64,' <<< "$("$A" check $g --set K=4,M=4,N=4 --json)" || fail "check --json"
[ "$("$A" area hw/fusemax.yaml hw/flat.yaml | grep -c '^[a-z-]* (hw/[a-z]*.yaml): [0-9.]* mm^2$')" = 2 ] || fail "area of two files"
finish stdout
