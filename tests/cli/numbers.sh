# numbers.sh: every numeric option of every subcommand is parsed strictly
# (decimal digits, an optional K/M/G where sizes are meant, nothing else):
# leading spaces, signs, hex, exponents, trailing garbage and values out of
# range exit 2 with a message naming the option, and print nothing on stdout.
source "$(dirname "$0")/lib.sh" "$@"
run=(run --design fusemax --model bert)
pos='must be a positive whole number'

for v in ' 1K' +1K -1 0x400 1K5 1.5K 1e3 '' 0 '1K '; do
  refuse "--seq: $pos, got '$v'" "${run[@]}" --seq "$v"
  refuse "--seq: $pos, got '$v'" pareto --model bert --seq "$v"
done
refuse "--seq: $pos no larger than 9223372036854775807, got '9999999999G'" "${run[@]}" --seq 9999999999G
refuse "--seq: $pos no larger than 9223372036854775807, got '9223372036854775808'" "${run[@]}" --seq 9223372036854775808
for o in --rows --cols --width-1d --buffer; do
  for v in 0 ' 16' +16 0x10 16x 1e2 -4 16.0; do
    refuse "$o: $pos, got '$v'" "${run[@]}" --seq 1K "$o" "$v"
  done
done
refuse "--rows: $pos, got '0'" "${run[@]}" --seq 1K --rows=0
bw="must be a positive number of GiB/s such as 128 or 12.5"
for v in 0x10 ' 12' +12 -12 1e3 inf nan 0 0.0 12. .5 12.5x ''; do
  refuse "--bandwidth: $bw, got '$v'" "${run[@]}" --seq 1K --bandwidth "$v"
done

g=einsum/cascades/gemm.einsum
seed="must be a whole number from 0 to 18446744073709551615"
for v in 99999999999999999999 18446744073709551616 -1 ' 1' +1 0x10 1K ''; do
  refuse "--seed: $seed, got '$v'" eval $g --set K=4,M=2,N=2 --seed "$v"
done
for o in --max-elements --max-ops; do
  for v in ' -1' -1 0 0x10 1e9 4G5; do
    refuse "$o: $pos, got '$v'" eval $g --set K=4,M=2,N=2 "$o" "$v"
  done
done

S=tests/results/sweeps/small.yaml
for v in 0 257 ' 2' +2 2x 0x2 1e1; do
  refuse "--jobs: must be a whole number from 1 to 256, got '$v'" sweep $S --dry-run --jobs "$v"
done
for v in 3/3 ' 0/2' 0/+2 0/2x -1/2 /2 0/ 0x0/2 0/1048577 1 0/0; do
  refuse "--shard: must be I/N, whole numbers with 0 <= I < N <= 1048576, got '$v'" sweep $S --dry-run --shard "$v"
done
for v in abc ' 5' -5 1e3; do
  ATTNSIM_SWEEP_DELAY_US=$v refuse "ATTNSIM_SWEEP_DELAY_US: must be a whole number of microseconds up to 60000000, got '$v'" \
    sweep $S --db "$T/delay.db"
done
[ ! -e "$T/delay.db" ] || fail "a refused ATTNSIM_SWEEP_DELAY_US created the database"

# What is accepted still is.
accept "${run[@]}" --seq 1K --rows=256 --cols 256 --width-1d 256 --buffer 16M --bandwidth 12.5
accept "${run[@]}" --seq 1024 --bandwidth 128
accept eval $g --set K=4,M=2,N=2 --seed 18446744073709551615 --max-elements 64M --max-ops 4G
accept eval $g --set K=4,M=2,N=2 --seed 0
accept sweep $S --dry-run --jobs 256 --shard 1048575/1048576
finish numbers
