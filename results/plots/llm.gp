# llm.gp: a metric against the context length, one panel per LLM workload,
# one line per design; the report's extra commands set the y axis (a
# utilization's range, or a log scale for latency).  Columns: seq_len,
# then one per design.
set multiplot layout nrows, ncols
set logscale x 2
set xlabel 'context length (tokens)'
set ylabel ylab
set key outside right top font ",8"
do for [i=1:npanels] {
  set title ptitle[i] noenhanced
  plot for [k=1:pnser[i]] pfile[i] using 1:(column(k+1)) with linespoints ps 0.8 lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
