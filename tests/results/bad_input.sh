# bad_input.sh: through the real command line, corrupt and foreign
# databases, unwritable paths and malformed sweep files give a clear
# message and exit status 2, and leave every existing file byte-identical.
source "$(dirname "$0")/lib.sh" "$@"
good=$T/good.db
"$A" sweep "$S/small.yaml" --db "$good"
echo "somebody's notes, not a database" > "$T/notes.txt"
sqlite3 "$T/foreign.db" "CREATE TABLE users(name); INSERT INTO users VALUES ('ada');"
cp "$good" "$T/v9.db" && sqlite3 "$T/v9.db" "PRAGMA user_version = 9"
cp "$good" "$T/header.db" && printf 'garbage garbage!' | dd of="$T/header.db" conv=notrunc status=none
cp "$good" "$T/altered.db" && sqlite3 "$T/altered.db" "ALTER TABLE points ADD COLUMN mine TEXT"
# A store cut short: its pages are gone, but it is still ours by its header.
head -c 8192 "$good" > "$T/truncated.db"
sums() { (cd "$T" && sha256sum good.db notes.txt foreign.db v9.db header.db altered.db truncated.db); }
before=$(sums)

# expect STATUS MESSAGE-REGEX COMMAND...: runs it, checks status and stderr.
expect() {
  local want=$1 re=$2 status=0
  shift 2
  "$@" > "$T/out" 2> "$T/err" || status=$?
  [ "$status" = "$want" ] || fail "$*: exit status $status, want $want ($(cat "$T/err"))"
  grep -Eq -- "$re" "$T/err" || fail "$*: message '$(cat "$T/err")' does not match '$re'"
  [ "$(sums)" = "$before" ] || fail "$*: changed an existing file"
}

notdb='not an attnsim results database \(not an SQLite file\); left untouched$'
for db in notes.txt header.db; do
  expect 2 "^$T/$db: $notdb" "$A" sweep "$S/small.yaml" --db "$T/$db"
  expect 2 "^$T/$db: $notdb" "$A" export --db "$T/$db" --csv
  expect 2 "^$T/$db: $notdb" "$A" report --db "$T/$db" --out "$T/rep"
  expect 2 "^$T/$db: $notdb" "$A" merge "$T/$db" "$T/good.db"
  expect 2 "^$T/$db: $notdb" "$A" merge "$T/out.db" "$T/$db"
done
expect 2 "^$T/foreign.db: not an attnsim results database \(an SQLite file with tables users\); left untouched$" \
  "$A" sweep "$S/small.yaml" --db "$T/foreign.db"
expect 2 "^$T/foreign.db: not an attnsim results database" "$A" merge "$T/good.db" "$T/foreign.db"
expect 2 "^$T/v9.db: attnsim results database of schema version 9; this attnsim reads version 3 " \
  "$A" sweep "$S/small.yaml" --db "$T/v9.db"
expect 2 "^$T/v9.db: attnsim results database of schema version 9" "$A" export --db "$T/v9.db" --json
expect 2 "^$T/altered.db: attnsim results database with an altered schema \('points' differs" \
  "$A" sweep "$S/small.yaml" --db "$T/altered.db"
damaged="damaged database \(database disk image is malformed\); restore it from a copy, or salvage"
expect 2 "^$T/truncated.db: $damaged" "$A" export --db "$T/truncated.db" --csv
expect 2 "^$T/truncated.db: $damaged" "$A" sweep "$S/small.yaml" --db "$T/truncated.db"
expect 2 "^$T/truncated.db: $damaged" "$A" report --db "$T/truncated.db" --out "$T/rep"
# The failed merges above wrote nothing into the good store.
[ "$(npoints "$good")" = 18 ] || fail "good.db changed"

# Unwritable paths: under a regular file, a directory, an output folder
# that cannot be made; no half-written files anywhere.
expect 2 "^$T/notes.txt/x.db: cannot open results database: Not a directory$" \
  "$A" sweep "$S/small.yaml" --db "$T/notes.txt/x.db"
expect 2 "^$T: is a directory, not a results database$" "$A" sweep "$S/small.yaml" --db "$T"
expect 2 "^$T/nowhere/x.db: no such results database$" "$A" export --db "$T/nowhere/x.db" --csv
expect 2 "^$T/notes.txt: not a directory$" "$A" report --db "$good" --out "$T/notes.txt/rep"
[ ! -e "$T/rep" ] && [ ! -e "$T/out.db" ] || fail "a failed command left a file behind"

# Malformed sweep files: located messages, and the database untouched.
expect 2 "^bad/unknown-key.yaml:4:1: seq_len: unknown field \(did you mean \"seq_lens\"\?\)$" \
  "$A" sweep bad/unknown-key.yaml --db "$good"
expect 2 '^bad/zero-rows.yaml:6:13: arch.rows_2d\[0\]: expected a number of PEs from 1 to 1048576, got "0"$' \
  "$A" sweep bad/zero-rows.yaml --db "$good"
expect 2 "^bad/unknown-design.yaml:2:20: designs\[1\]: unknown design 'fusemux'" \
  "$A" sweep bad/unknown-design.yaml --db "$good"
expect 2 "^bad/absent.yaml: No such file or directory$" "$A" sweep bad/absent.yaml --db "$good"
# parts: and {design: FILE, set: ..} entries
expect 2 '^bad/parts-beside.yaml:2:10: designs: give the lists inside each of parts, not beside them$' \
  "$A" sweep bad/parts-beside.yaml --db "$good"
expect 2 '^bad/parts-key.yaml:3:42: parts\[0\].seq_len: unknown field \(did you mean "seq_lens"\?\)$' \
  "$A" sweep bad/parts-key.yaml --db "$good"
expect 2 '^bad/set-bad-value.yaml:3:73: designs\[0\].set.DENSITY: expected a positive size \(64, 4K\) or a density 0.DIGITS, got "1.5"$' \
  "$A" sweep bad/set-bad-value.yaml --db "$good"
expect 2 '^bad/set-no-file.yaml:3:5: designs\[0\]: bad/../../../mappings/nope.yaml: No such file or directory$' \
  "$A" sweep bad/set-no-file.yaml --db "$good"

# Bad options.
expect 2 "^--shard: must be I/N, whole numbers with 0 <= I < N <= 1048576, got '3/3'$" \
  "$A" sweep "$S/small.yaml" --shard 3/3
expect 2 "^--jobs: must be a whole number from 1 to 256, got '0'$" \
  "$A" sweep "$S/small.yaml" --jobs 0
expect 2 "^unknown engine 'systemc' \(engines: analytical, cycle, cycle-data, rtl\)$" \
  "$A" sweep "$S/small.yaml" --engine systemc --db "$good"
expect 2 "^attnsim: give exactly one of --csv and --json" "$A" export --db "$good"
expect 2 "^attnsim: --out DIR is required" "$A" report --db "$good"
expect 2 "^attnsim: expected OUT.db and at least one IN.db" "$A" merge "$good"
for c in sweep merge export report; do
  grep -q "^usage: attnsim $c " <<< "$("$A" $c --help | sed -n 1p)" || fail "$c --help"
done
echo "bad_input: ok"
