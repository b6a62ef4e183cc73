# db_path.sh: a results database is a regular file, or a new file in an
# existing directory.  A device, a FIFO, a socket, an empty path or a
# missing directory is refused with exit status 2 and a message naming the
# path, and nothing is created beside it (SQLite would otherwise open
# /dev/null and write /dev/null-journal next to it).  A device node made
# in $T stands in for /dev/null, so that a failing run litters only $T (a
# symbolic link would not do: SQLite follows it and writes beside its
# target); without the right to mknod, the FIFO and the socket remain.
source "$(dirname "$0")/lib.sh" "$@"
kinds="fifo:a FIFO|sock:a socket"
if mknod "$T/null.db" c 1 3 2> /dev/null; then kinds="null:a character device|$kinds"; fi
mkfifo "$T/fifo.db"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock.db"
"$A" sweep "$S/small.yaml" --db "$T/good.db"

# expect MESSAGE COMMAND...: exit status 2, exactly MESSAGE on stderr,
# nothing on stdout, and no file appeared in $T.
before=$(ls -A "$T")
expect() {
  local want=$1 status=0
  shift
  timeout 10 "$@" > "$T/out" 2> "$T/err" < /dev/null || status=$?
  [ "$status" = 2 ] || fail "$*: exit status $status, want 2 ($(cat "$T/err"))"
  [ "$(cat "$T/err")" = "$want" ] || fail "$*: message '$(cat "$T/err")', want '$want'"
  [ ! -s "$T/out" ] || fail "$*: printed on stdout"
  rm -f "$T/out" "$T/err"
  [ "$(ls -A "$T")" = "$before" ] || fail "$*: left files: $(ls -A "$T" | tr '\n' ' ')"
}
left='not a results database (a store is a regular file); left untouched'
IFS='|' read -r -a kind_list <<< "$kinds"
for f in "${kind_list[@]}"; do
  db=$T/${f%%:*}.db kind=${f#*:}
  expect "$db: is $kind, $left" "$A" sweep "$S/small.yaml" --db "$db"
  expect "$db: is $kind, $left" "$A" export --db "$db" --csv
  expect "$db: is $kind, $left" "$A" report --db "$db" --out "$T/rep"
  expect "$db: is $kind, $left" "$A" merge "$db" "$T/good.db"
  expect "$db: is $kind, $left" "$A" merge "$T/good.db" "$db"
done
expect "$T/nodir/x.db: cannot create results database: $T/nodir: No such file or directory" \
  "$A" sweep "$S/small.yaml" --db "$T/nodir/x.db"
expect "$T/nodir/x.db: cannot create results database: $T/nodir: No such file or directory" \
  "$A" merge "$T/nodir/x.db" "$T/good.db"
expect "results database: empty path" "$A" sweep "$S/small.yaml" --db ""
expect "results database: empty path" "$A" export --db "" --json
# A link to a store is a store.
ln -s "$T/good.db" "$T/link.db"
"$A" export --db "$T/link.db" --csv > "$T/link.csv"
[ "$(wc -l < "$T/link.csv")" = 19 ] || fail "a link to a store: $(wc -l < "$T/link.csv") lines, want 19"
# Readers clean up too: a WAL store grows -wal and -shm files while open,
# and export, report and merge (of an input) remove them when they close.
"$A" export --db "$T/good.db" --json > /dev/null
"$A" report --db "$T/good.db" --out "$T/rep" > /dev/null
"$A" merge "$T/union.db" "$T/good.db" > /dev/null
for f in good union; do
  [ ! -e "$T/$f.db-wal" ] && [ ! -e "$T/$f.db-shm" ] || fail "$f.db: -wal or -shm left beside it"
done
echo "db_path: ok"
