#!/bin/bash
# plot.sh DIR: DIR/storm.png from the storm lab's DIR/storm.csv and
# DIR/phases.csv (gnuplot, runs on the host or in the guest).
set -euo pipefail
dir=${1:?usage: plot.sh DIR}
csv=$dir/storm.csv
phases=$dir/phases.csv
png=$dir/storm.png
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot missing (apt-get install gnuplot-nox)" >&2; exit 1; }
[ -s "$csv" ] && [ -s "$phases" ] || { echo "plot.sh: $csv or $phases missing" >&2; exit 1; }

gp=$(mktemp)
trap 'rm -f "$gp"' EXIT
{
	cat <<GP
set terminal pngcairo size 1500,720 font "DejaVu Sans,11"
set output "$png"
set datafile separator ","
set title "ackguard storm lab: a real TCP ACK loop through a faulty router (tc pedit), sampled every second" font ",13"
set xlabel "time since the lab started (s)"
set ylabel "per second (log scale; 0 drawn at 1)"
set logscale y
set yrange [0.8:3e7]
set format y "10^{%L}"
set ytics ("1" 1, "10" 10, "100" 100, "1,000" 1000, "10,000" 10000, "100,000" 100000)
set grid ytics
set key outside bottom center horizontal
set style fill solid 1.0 noborder
GP
	# One shaded band and a vertical label per phase.
	awk -F, 'NR > 1 {
		n++
		col = (n % 2) ? "#eef3fb" : "#fbf3e8"
		if ($1 ~ /enforce/) col = "#e3f4e3"
		if ($1 ~ /kernel/) col = "#f1e8f7"
		printf "set object %d rect from %s, graph 0 to %s, graph 1 behind fillcolor rgb \"%s\"\n", n, $2, $3, col
		printf "set label %d \"%s\" at %s, graph 0.97 rotate by 90 right font \",10.5\"\n", n, $1, ($2 + $3) / 2
	}' "$phases"
	xmax=$(awk -F, 'NR > 1 { e = $3 } END { print e + 1 }' "$phases")
	xmin=$(awk -F, 'NR == 2 { print $2 - 1 }' "$phases")
	echo "set xrange [$xmin:$xmax]"
	cat <<GP
plot "$csv" using 1:(\$4 < 1 ? 1 : \$4) every ::1 with linespoints lw 2 pt 7 ps 0.5 lc rgb "#c0392b" title "loop packets/s through the router", \\
     "$csv" using 1:(\$6 < 1 ? 1 : \$6) every ::1 with lines lw 1.5 dt 2 lc rgb "#2c3e50" title "server TcpExt PAWSEstab/s", \\
     "$csv" using 1:(\$10 < 1 ? 1 : \$10) every ::1 with lines lw 1.5 dt 3 lc rgb "#27ae60" title "ackguard drops/s (both ends)"
GP
} >"$gp"
gnuplot "$gp"
echo "$png"
