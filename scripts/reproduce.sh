#!/usr/bin/env bash
# The main job: install what attnsim needs, build it, reproduce the FuseMax
# paper (attention and end-to-end studies, Pareto sweep, array-size sweep)
# into the SQLite store results/attnsim.db, and render the report.
# Outputs: results/paper.txt, results/paper.csv, results/attnsim.db,
# results/report/index.html (plots as PNG and SVG).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DATTNSIM_RTL=OFF -DATTNSIM_WERROR=OFF
cmake --build build-release -j"$(nproc)" --target attnsim
A=./build-release/attnsim
DB=results/attnsim.db
echo "== attnsim paper (summary in results/paper.txt, every point in results/paper.csv)"
"$A" paper | tee results/paper.txt
"$A" paper --csv > results/paper.csv
echo "== sweeps into $DB (points already stored are skipped)"
for s in fusemax-paper pareto array-sizes; do
  "$A" sweep "experiments/$s.yaml" --db "$DB" --jobs "$(nproc)"
done
echo "== report"
"$A" report --db "$DB" --out results/report
echo "report: results/report/index.html"
