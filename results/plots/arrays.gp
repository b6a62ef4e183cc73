# arrays.gp: the array-size sweep: latency against the number of 2D PEs,
# one panel per (design, model, sequence length), one line per 1D width and
# buffer size.  Data blocks: one per line; columns: pes_2d, latency_s, then
# the architecture of the point.
set multiplot layout nrows, ncols
set logscale x 2
set logscale y
set xlabel '2D array PEs (rows x cols)'
set ylabel ylab
set key top right
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot for [k=1:pnser[i]] pfile[i] index (k-1) using 1:2 with linespoints ps 0.8 lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
