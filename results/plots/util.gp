# util.gp: an array's utilization against sequence length, one panel per
# model, one line per design.  Columns: seq_len, then one per design.
set multiplot layout nrows, ncols
set logscale x 2
set yrange [0:1.05]
set xlabel 'sequence length (tokens)'
set ylabel ylab
set key outside right top font ",9"   # outside: the lines fill the whole range
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot for [k=1:pnser[i]] pfile[i] using 1:(column(k+1)) with linespoints ps 0.8 lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
