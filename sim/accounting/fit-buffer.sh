#!/bin/sh
# fit-buffer.sh REFERENCE.csv [ATTNSIM]: the per-row buffer energies of the
# buffer-artifact variant, recomputed.  REFERENCE.csv holds per-point
# energies (columns as attnsim paper --csv: study, design, model, seq_len,
# energy_pj; e.g. the FuseMax artifact's, converted as sim/README.md
# "Comparing with the artifact" shows).  For each buffer, the one figure k
# (pJ per 4096-bit row, read or written) minimising the squared relative
# error sum over its designs' points of ((B + k R) / A - 1)^2, where A is
# the reference energy, R attnsim's buffer rows (buffer_bytes / 512) and B
# attnsim's energy without its buffer, all under `--accounting artifact`:
#   k = sum((A - B) R / A^2) / sum(R^2 / A^2).
# Prints "16mib K" (fusemax, arch) and "32mib K" (flat, unfused, cascade),
# the designs the artifact prices on its 16 MiB and 32 MiB buffers.
ref=${1:?usage: fit-buffer.sh REFERENCE.csv [ATTNSIM]}
attnsim=${2:-attnsim}
"$attnsim" paper --csv --accounting artifact | awk -F, -v ref="$ref" '
  function col(name, h,   i) { for (i = 1; i <= NF; i++) if ($i == name) return i; return 0 }
  NR == FNR {   # the reference
    if (FNR == 1) { s = col("study"); d = col("design"); m = col("model"); q = col("seq_len"); e = col("energy_pj")
                    if (!s || !d || !m || !q || !e) { print ref ": needs study, design, model, seq_len, energy_pj" > "/dev/stderr"; bad = 1; exit 2 }
                    next }
    A[$s "," $d "," tolower($m) "," $q] = $e; next }
  FNR == 1 { s = col("study"); d = col("design"); m = col("model"); q = col("seq_len"); e = col("energy_pj")
             b = col("energy_buffer_pj"); y = col("buffer_bytes"); next }
  { key = $s "," $d "," tolower($m) "," $q
    if (!(key in A) || A[key] <= 0) next
    g = ($d == "fusemax" || $d == "arch") ? "16mib" : ($d == "flat" || $d == "unfused" || $d == "cascade") ? "32mib" : ""
    if (g == "") next
    a = A[key]; r = $y / 512; base = $e - $b
    num[g] += (a - base) * r / (a * a); den[g] += r * r / (a * a); n[g]++ }
  END { if (bad) exit 2
        if (!n["16mib"] && !n["32mib"]) { print "fit-buffer.sh: no reference point matches attnsim'"'"'s" > "/dev/stderr"; exit 2 }
        split("16mib 32mib", gs, " ")
        for (i = 1; i <= 2; i++) if (n[gs[i]]) printf "%s %.1f pJ per row (%d points)\n", gs[i], num[gs[i]] / den[gs[i]], n[gs[i]] }' "$ref" -
