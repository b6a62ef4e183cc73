# llm.gp: a metric against the context length, one panel per LLM workload,
# one line per design (colours by position in the panel, dashed after the
# eighth); the report's extra commands set the y axis (a
# utilization's range, or a log scale for latency).  Columns: seq_len,
# then one per design.
dash(n) = n > 8 ? 2 : 1
set multiplot layout nrows, ncols
set logscale x 2
set xlabel 'context length (tokens)'
set ylabel ylab
set key below font ",8" maxrows 4
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot for [k=1:pnser[i]] pfile[i] using 1:(column(k+1)) with linespoints ps 0.8 lt slt[psoff[i]+k] dashtype dash(slt[psoff[i]+k]) title stitle[psoff[i]+k]
}
unset multiplot
