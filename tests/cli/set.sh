# set.sh: --set gives each rank one size.  A name repeated in one --set or
# across several, and an empty entry, exit 2 naming --set; distinct names
# over several --set options still add up.
source "$(dirname "$0")/lib.sh" "$@"
g=einsum/cascades/gemm.einsum
for cmd in check eval; do
  refuse "--set: K is given twice (K=64, then K=32)" $cmd $g --set K=64,K=32,M=2,N=2
  refuse "--set: K is given twice (K=64, then K=64)" $cmd $g --set K=64,M=2,N=2,K=64
  refuse "--set: K is given twice (K=64, then K=32)" $cmd $g --set K=64 --set M=2,N=2 --set K=32
  refuse "--set: empty entry in 'K=4,'" $cmd $g --set K=4, --set M=2,N=2
  refuse "--set: empty entry in ',K=4'" $cmd $g --set ,K=4 --set M=2,N=2
  refuse "--set: empty entry in 'K=4,,M=2'" $cmd $g --set K=4,,M=2 --set N=2
  refuse "--set: empty entry in ''" $cmd $g --set '' --set K=4,M=2,N=2
  refuse "--set: K=+4 is not a positive size (examples: 64, 4K, 1M)" $cmd $g --set K=+4,M=2,N=2
  refuse "--set: K= 4 is not a positive size (examples: 64, 4K, 1M)" $cmd $g --set "K= 4,M=2,N=2"
  refuse "--set: K=0x4 is not a positive size (examples: 64, 4K, 1M)" $cmd $g --set K=0x4,M=2,N=2
  accept $cmd $g --set K=4 --set M=2 --set N=2
done
grep -q '"name":"K","index":"k","split_from":null,"iterative":false,"size":4096' <<< "$("$A" check $g --set K=4K --set M=2,N=2 --json)" \
  || fail "sizes given over several --set options were not all bound"
finish set
