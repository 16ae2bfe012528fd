#!/bin/sh
# Turn bench_dat's JSON into PNG plots: walk ns against levels for each walker and
# the floor, hot and cold, native and big-endian tables, dependent and independent
# addresses, and instructions per translation when the JSON has them.
#
#   scripts/plot-bench.sh BENCH_DAT.json [OUTDIR]     (OUTDIR defaults to docs/)
#
# Writes OUTDIR/bench_dat_hot.png, bench_dat_cold.png, bench_dat_indep.png,
# bench_dat_ratio.png (hot walker / floor from the minimum times, against the goal of
# 1.1x) and, with instruction counts, bench_dat_instructions.png. gnuplot renders
# them (installed with apt-get if missing, as scripts/ensure-deps.sh installs the
# build's packages); the JSON is read with python3's standard library only.
set -eu

# shellcheck source=scripts/plot-lib.sh
. "$(dirname "$0")/plot-lib.sh"
plot_start plot-bench "scripts/plot-bench.sh BENCH_DAT.json [OUTDIR]" "$@"

# One file per (cache, tables, series): "levels ns" with the median of the cases that
# fetch that many entries (several frame sizes share a depth), and a title line.
python3 - "$json" "$data" <<'EOF'
import json, os, statistics, sys

doc = json.load(open(sys.argv[1]))
out = sys.argv[2]
series = ["lean", "inline", "exact", "chain", "lean_indep", "inline_indep", "exact_indep",
          "chain_indep"]
rows = {}
for c in doc["cases"]:
    for s in series:
        for what, key in (("ns", s + "_ns_median"), ("ins", s + "_instructions")):
            if key in c:
                k = (what, c["cache"], c["tables"], s)
                rows.setdefault(k, {}).setdefault(c["fetches"], []).append(c[key])
# Walker / floor from the minimum times: on a loaded machine the minimum is the run least
# disturbed, and walker and floor alternate within each repetition.
for c in doc["cases"]:
    for s in ("lean", "inline", "exact"):
        if c.get(s + "_ns_min") and c.get("chain_ns_min"):
            k = ("ratio", c["cache"], c["tables"], s)
            rows.setdefault(k, {}).setdefault(c["fetches"], []).append(
                c[s + "_ns_min"] / c["chain_ns_min"])
for (what, cache, tables, s), by_level in rows.items():
    name = "%s-%s-%s-%s.dat" % (what, cache, tables, s)
    with open(os.path.join(out, name), "w") as f:
        for lv in sorted(by_level):
            f.write("%d %g\n" % (lv, statistics.median(by_level[lv])))
m = doc["machine"]
with open(os.path.join(out, "title"), "w") as f:
    f.write("%s, %s CPUs, load %s -> %s, instructions: %s" % (
        m["cpu_model"], m["cpus_online"], m["loadavg_start"].split()[0],
        m["loadavg_end"].split()[0], doc["params"].get("instructions", "none")))
EOF

title=$(cat "$data/title")

# plot PNG CACHE WHAT SERIES... : one panel per table format.
plot() {
	png=$1 cache=$2 what=$3 ylabel=$4
	shift 4
	cmds=""
	for tables in native big-endian; do
		line=""
		for s in "$@"; do
			f="$data/$what-$cache-$tables-$s.dat"
			[ -s "$f" ] || continue
			case $s in chain*) style="lw 3 dt 2" ;; *) style="lw 2" ;; esac
			line="$line${line:+, }'$f' using 1:2 with linespoints $style pt 7 title '$s'"
		done
		[ -n "$line" ] || continue
		cmds="$cmds
set title '$cache, $tables tables'
plot $line"
	done
	[ -n "$cmds" ] || return 0
	gnuplot <<EOF
set terminal pngcairo size 1200,480 font ',10' noenhanced
set output '$png'
set multiplot layout 1,2 title "bench_dat: $title"
set xlabel 'levels (entries fetched)'
set ylabel '$ylabel'
set xtics 1
set grid
set key top left
set yrange [${yrange:-0:*}]
${extra:-}
$cmds
unset multiplot
EOF
	echo "plot-bench: wrote $png"
}

plot "$out/bench_dat_hot.png" hot ns "ns per translation (median), dependent" \
	lean inline exact chain
plot "$out/bench_dat_cold.png" cold ns "ns per translation (median), dependent" \
	lean inline exact chain
plot "$out/bench_dat_indep.png" hot ns "ns per translation (median), independent" \
	lean_indep inline_indep exact_indep chain_indep
plot "$out/bench_dat_instructions.png" hot ins "instructions per translation" \
	lean inline exact chain
yrange=0.8:2 extra="set arrow from graph 0, first 1.1 to graph 1, first 1.1 nohead dt 3 lc 'red'" \
	plot "$out/bench_dat_ratio.png" hot ratio "walker / floor (minimum times), dependent; 1.1 = goal" \
	lean inline exact
