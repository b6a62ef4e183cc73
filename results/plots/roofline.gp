# roofline.gp: operational intensity against attained throughput, one data
# block per workload, under the two ceilings the report sets: peak (the 2D
# array's PEs x clock, PE-cycles/s) and bw (DRAM bytes/s).  Columns:
# intensity (PE-cycles per DRAM byte), attained (PE-cycles/s), design,
# seq_len, bound, ceiling.
set logscale xy
set xlabel 'operational intensity (2D PE-cycles per DRAM byte)'
set ylabel ylab
set key outside right top font ",9"
set samples 400
roof(x) = (bw * x < peak) ? bw * x : peak
set title ptitle[1] noenhanced
set xrange [*:*]
plot roof(x) with lines lw 1.5 lc rgb '#444444' title 'ceilings (DRAM, 2D array)', \
     for [k=1:pnser[1]] pfile[1] index (k-1) using 1:2 with points ps 1.1 lt slt[k] title stitle[k]
