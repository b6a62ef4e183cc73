# energy.gp: energy by component, stacked bars, one panel per model: one
# group per sequence length (labelled on top), one bar per design (labelled
# below).  Columns: x, seq, design, one per component (normalised), total.
set multiplot layout nrows, ncols
set style fill solid 0.9 border -1
set boxwidth 0.85
set yrange [0:*]
set offsets 0, 0, graph 0.22, 0
set xtics rotate by 90 right font ',8' nomirror noenhanced
set ylabel ylab
set key inside top center horizontal reverse Left samplen 1 width 1 font ',9'
do for [i=1:npanels] {
  set title ptitle[i] noenhanced offset 0,1
  plot for [k=pnser[i]:1:-1] pfile[i] using 1:(sum [j=1:k] column(3+j)):xtic(3) with boxes lt slt[psoff[i]+k] title stitle[psoff[i]+k]
}
unset multiplot
