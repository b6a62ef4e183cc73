# schema_doc.sh: the schema in results/README.md is the one the code
# creates, character for character (so the documentation cannot drift).
source "$(dirname "$0")/lib.sh" "$@"
"$A" sweep "$S/small.yaml" --db "$T/s.db"
sqlite3 "$T/s.db" .schema > "$T/actual.sql"
sed -n '/^```sql$/,/^```$/p' "$here/../../results/README.md" | sed '1d;$d' > "$T/doc.sql"
diff -u "$T/doc.sql" "$T/actual.sql" || fail "results/README.md's schema differs from the code's"
echo "schema_doc: ok"
