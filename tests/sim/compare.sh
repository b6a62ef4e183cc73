#!/bin/sh
# attnsim compare: figures against a CSV whose differences are known by
# construction, and every bad input a located error with exit status 2 and
# nothing on stdout.  usage: compare.sh ATTNSIM
set -u
A=${1:?usage: compare.sh ATTNSIM}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "compare.sh: $*" >&2; exit 1; }

"$A" paper --csv > "$T/paper.csv" || fail "paper --csv failed"
# A reference whose latency is attnsim's / 1.02 (so d = +2%) and whose
# energy is attnsim's (d = 0), columns reordered, for the attention study's
# fusemax rows only; CRLF line ends.
awk -F, 'NR == 1 { print "energy_pj,model,seq_len,study,design,latency_s\r"; next }
         $1 == "attention" && $2 == "fusemax" { printf "%s,%s,%s,%s,%s,%.17g\r\n", $7, $3, $4, $1, $2, $5 / 1.02 }' \
  "$T/paper.csv" > "$T/ref.csv"
"$A" compare "$T/ref.csv" > "$T/out.txt" 2> "$T/err.txt" || fail "compare failed: $(cat "$T/err.txt")"
grep -Eq '^attention +fusemax +latency_s +24 +\+2\.000% +2\.000% +\+2\.000%' "$T/out.txt" || fail "latency line: $(cat "$T/out.txt")"
grep -Eq '^attention +fusemax +energy_pj +24 +[+-]0\.000% +0\.000% +[+-]0\.000%' "$T/out.txt" || fail "energy line: $(cat "$T/out.txt")"
grep -q ': 24 points against attnsim paper (the default model)' "$T/out.txt" || fail "summary line"

# Under an accounting, attnsim's own artifact figures compare at 0; the
# default model's do not.
"$A" paper --csv --accounting artifact | cut -d, -f1-7 > "$T/art.csv"
"$A" compare "$T/art.csv" --accounting artifact > "$T/out.txt" || fail "compare --accounting failed"
test "$(grep -Ec ' 24 +[+-]' "$T/out.txt")" -eq 24 || fail "expected 8 designs x 3 metrics of 24 points: $(cat "$T/out.txt")"
grep -E '^(attention|end2end) ' "$T/out.txt" | grep -Ev ' [+-]0\.000% +0\.000% +[+-]0\.000% ' && fail "artifact vs itself not 0"
"$A" compare "$T/art.csv" | grep -Eq '^attention +cascade +latency_s +24 +-2[0-9]\.' || fail "default vs artifact: cascade latency not about -21%"

# Bad input: FILE:LINE:COL, exit 2, stdout empty.
bad() {   # $1 = CSV text, $2 = expected message
  printf "$1" > "$T/bad.csv"
  "$A" compare "$T/bad.csv" > "$T/out.txt" 2> "$T/err.txt"
  rc=$?
  test $rc -eq 2 || fail "exit $rc for: $1"
  test -s "$T/out.txt" && fail "stdout not empty for: $1"
  grep -qF "$T/bad.csv:$2" "$T/err.txt" || fail "want '$2', got '$(cat "$T/err.txt")'"
}
bad 'study,design,model,seq_len,latency_s\nattention,fusemax,BERT,1024,0.002\nattention,flat,BERT,1024,abc\n' \
    "3:26: latency_s: expected a decimal number, got 'abc'"
bad 'study,design,model,seq_len,latency_s\nattention,fusemax,BERT,1024,inf\n' "2:29: latency_s: expected a decimal number, got 'inf'"
bad 'study,design,model,seq_len,latency\n' "1:28: unknown column 'latency'"
bad 'study,design,model,latency_s\n' "1:1: the header has no 'seq_len' column"
bad 'study,design,model,seq_len\nattention,fusemax,BERT,1K\n' "2:24: seq_len: expected a positive whole number of tokens, got '1K'"
bad 'study,design,model,seq_len\nattention,fusemax,BERT,1000\n' "2:1: no point (attention, fusemax, BERT, 1000)"
bad 'study,design,model,seq_len\nattention,fusemax,BERT,1024\nattention,fusemax,bert,1024\n' "3:1: point given twice"
bad 'study,design,model,seq_len\nattention,fusemax,BERT\n' "2:23: expected 4 cells as in the header, got 3"
bad 'study,design,model,seq_len\n\nattention,fusemax,BERT,1024\n' "2:1: empty line"
bad 'study,design,model,seq_len\n"attention",fusemax,BERT,1024\n' "2:1: quoted cells are not supported"
bad '' "1:1: empty file"
"$A" compare /nonexistent.csv > "$T/out.txt" 2>&1; test $? -eq 2 || fail "a missing file is not exit 2"
"$A" compare > /dev/null 2>&1; test $? -eq 2 || fail "no file is not exit 2"
exit 0
