# common.gp: terminal, output and style shared by every report figure.
# attnsim report runs, in its output directory:
#   gnuplot -e "fmt='png'" data/NAME.params.gp common.gp FIGURE.gp
# (and again with fmt='svg').  The params file, written by the report,
# defines: name (output stem), npanels, ptitle[], pfile[] (one data file per
# panel), paux[] (a second file per panel, e.g. the Pareto front), pnser[]
# and psoff[] (each panel's series count and offset into stitle[]),
# stitle[] and slt[] (each series' title and linetype), ylab, and
# data-dependent `set` commands (xtics, ranges).
ncols = (npanels > 1) ? 2 : 1
nrows = (npanels + ncols - 1) / ncols
W = 600 * ncols
H = 420 * nrows
if (fmt eq 'svg') {
  set terminal svg size W,H dynamic enhanced font 'Helvetica,12' background '#ffffff'
} else {
  set terminal pngcairo size W,H enhanced font 'DejaVu Sans,10'
}
set output name.'.'.fmt
set datafile separator "\t"
set datafile missing '?'
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set key noenhanced
set linetype 1 lc rgb '#1b9e77' lw 2 pt 7
set linetype 2 lc rgb '#d95f02' lw 2 pt 5
set linetype 3 lc rgb '#7570b3' lw 2 pt 9
set linetype 4 lc rgb '#e7298a' lw 2 pt 11
set linetype 5 lc rgb '#66a61e' lw 2 pt 13
set linetype 6 lc rgb '#e6ab02' lw 2 pt 3
set linetype 7 lc rgb '#a6761d' lw 2 pt 6
set linetype 8 lc rgb '#666666' lw 2 pt 4
set linetype cycle 8
