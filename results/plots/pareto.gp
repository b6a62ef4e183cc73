# pareto.gp: latency against area, one panel per (model, sequence length),
# one point style per design; the line is the Pareto front over all of the
# panel's points (paux[]), titled auxtitle if the figure sets it.  Data blocks: one per design; columns:
# area_mm2, latency_s, then the architecture of the point.
set multiplot layout nrows, ncols
set logscale xy
set xlabel 'area (mm^2)'
set ylabel ylab
set key top right
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot paux[i] using 1:2 with lines lw 1.5 lc rgb '#444444' title (exists("auxtitle") ? auxtitle : 'Pareto front'), \
       for [k=1:pnser[i]] pfile[i] index (k-1) using 1:2 with points ps 1.1 lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
