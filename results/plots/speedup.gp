# speedup.gp: speedup over FLAT, one panel per model, clustered bars: one
# cluster per sequence length, one bar per design.  Columns: seq, then one
# per design (FLAT latency / design latency).
set multiplot layout nrows, ncols
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set xlabel 'sequence length (tokens)'
set ylabel ylab
set key top left
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot for [k=1:pnser[i]] pfile[i] using (column(k+1)):xtic(1) lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
