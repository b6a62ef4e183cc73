#!/bin/sh
# No C code names a design: designs are data files (BRIEF, issue 13).  Greps
# sim/, mappings/ and hw/ C sources for a shipped design's name as a string
# literal, outside blocks marked NAMES-BEGIN ... NAMES-END (the tables of
# names that --help, error messages and the paper study's list read).  In
# mappings/*.c, "arch" and "cascade" are also field names of the mapping
# schema, so only the other names are checked there.
# usage: design-names.sh SOURCE_DIR
src=${1:?usage: design-names.sh SOURCE_DIR}
all='fusemax|flat|unfused|cascade|arch|linear-flat|linear-fusemax|flat-edge'
unambiguous='fusemax|flat|unfused|linear-flat|linear-fusemax|flat-edge'
found=0
check() {   # $1 = names regex, files...
  names=$1; shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    awk -v names="$names" -v file="$f" '
      /NAMES-BEGIN/ { skip = 1 } /NAMES-END/ { skip = 0; next }
      !skip && match($0, "\"(" names ")\"") { printf "%s:%d: %s\n", file, FNR, $0; bad = 1 }
      END { exit bad }' "$f" || found=1
  done
}
check "$all" "$src"/sim/*.c "$src"/sim/cycle/*.cpp "$src"/hw/*.c
check "$unambiguous" "$src"/mappings/*.c
if [ "$found" -ne 0 ]; then
  echo "design-names.sh: the lines above name a design in C; make it data (a mapping, arch or accounting file)" >&2
  exit 1
fi
# the check itself: a planted name is found
tmp=$(mktemp -d) && mkdir -p "$tmp/sim" "$tmp/hw" "$tmp/mappings" || exit 1
printf 'int f(const char *d) { return !strcmp(d, "fusemax"); }\n' > "$tmp/sim/x.c"
if sh "$0" "$tmp" > /dev/null 2>&1; then echo "design-names.sh: a planted name was not found" >&2; rm -rf "$tmp"; exit 1; fi
rm -rf "$tmp"
exit 0
