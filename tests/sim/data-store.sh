#!/bin/bash
# data-store.sh: the data mode in the results database.  A sweep with
# --engine cycle-data stores one point_data row per point (its errors within
# the tolerance) and the same cycles as --engine cycle; the report shows
# the table and export --json a data object per such point; merge copies
# the rows; a version 2 store (made here by dropping point_data) is read as it is and migrated to version 3 when a
# sweep writes to it.  usage: data-store.sh ATTNSIM (ATTNSIM_DATA_DIR: the
# source tree; the sweep names its design relative to it)
A=$1
T=$PWD
fail() { echo "FAIL: $*"; exit 1; }
sweep() { (cd "$ATTNSIM_DATA_DIR" && "$A" sweep tests/sim/data/sweep.yaml --db "$T/$1" --engine "$2" > /dev/null) || fail "sweep $2 into $1"; }
q() { sqlite3 "$T/$1" "$2"; }
rm -rf d.db e.db v2.db rep
sweep d.db cycle-data
sweep d.db cycle
[ "$(q d.db 'SELECT count(*) FROM point_data')" = 4 ] || fail "not 4 point_data rows"
[ "$(q d.db "SELECT count(*) FROM point_data d JOIN points p USING (point_id) WHERE p.engine = 'cycle-data' AND d.err_over_bound < 1 AND d.max_abs_err > 0 AND d.max_abs_err < 0.01 AND d.emul_exact = 1 AND d.emul_mismatch = 0")" = 4 ] ||
  fail "errors out of range: $(q d.db 'SELECT * FROM point_data')"
[ "$(q d.db "SELECT count(*) FROM points a JOIN points b ON a.design = b.design AND a.seq_len = b.seq_len AND a.arch_rows_2d = b.arch_rows_2d WHERE a.engine = 'cycle-data' AND b.engine = 'cycle' AND a.cycles = b.cycles")" = 4 ] ||
  fail "cycle-data cycles differ from cycle"
"$A" report --db d.db --out rep > /dev/null 2>&1 || true
grep -q 'Data mode: errors against the reference' rep/index.html || fail "report has no data table"
[ "$(grep -c '^<tr><td>tests/sim/data/fusemax-tiny.yaml</td><td>BERT</td>' rep/index.html)" = 4 ] || fail "report: not 4 data rows"
"$A" export --db d.db --json > d.json || fail "export --json"
[ "$(grep -c '"engine":"cycle-data"' d.json)" = 4 ] && [ "$(grep -o '"data":{"max_abs_err":[0-9.e-]*,' d.json | wc -l)" = 4 ] ||
  fail "export --json: not 4 data objects"
"$A" merge e.db d.db > /dev/null || fail "merge"
[ "$(q e.db 'SELECT count(*) FROM point_data')" = 4 ] || fail "merge did not copy point_data"
# a version 2 store: readable as it is, migrated when written
sweep v2.db cycle
q v2.db 'DROP TABLE point_data; PRAGMA user_version = 2' || fail "making a version 2 store"
"$A" export --db v2.db --csv > /dev/null || fail "export of a version 2 store"
[ "$(q v2.db 'PRAGMA user_version')" = 2 ] || fail "reading a version 2 store changed it"
sweep v2.db cycle-data
[ "$(q v2.db 'PRAGMA user_version')" = 3 ] || fail "not migrated to version 3"
[ "$(q v2.db 'SELECT count(*) FROM point_data')" = 4 ] || fail "migrated store: not 4 point_data rows"
"$A" export --db v2.db --csv > /dev/null || fail "export of the migrated store"
echo ok
