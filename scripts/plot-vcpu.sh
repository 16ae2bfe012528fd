#!/bin/sh
# Turn bench_vcpu's JSON into PNG plots:
#   OUTDIR/bench_vcpu_cost.png     ns and instructions per 8-byte access: the plain-load
#                                  floor, the inline fast path, vcpu_read/vcpu_write hits,
#                                  DAT-on hits, misses, DAT-on misses and faults
#   OUTDIR/bench_vcpu_scaling.png  million accesses per second on 1 and 2 threads, and the
#                                  speedup of 2 threads over 1 for the vCPU and memcpy()
#
#   scripts/plot-vcpu.sh BENCH_VCPU.json [OUTDIR]     (OUTDIR defaults to docs/)
#
# A JSON of `bench_vcpu --scaling` (no cases) gives the scaling plot only.
#
# gnuplot renders them (installed with apt-get if missing, as scripts/plot-bench.sh does);
# the JSON is read with python3's standard library only.
set -eu

# shellcheck source=scripts/plot-lib.sh
. "$(dirname "$0")/plot-lib.sh"
plot_start plot-vcpu "scripts/plot-vcpu.sh BENCH_VCPU.json [OUTDIR]" "$@"

# cost.dat: label, ns, instructions (read and write rows); scaling.dat: label, 1 and 2
# threads for the vCPU and for memcpy(); title.txt: what the run was.
python3 - "$json" "$data" <<'EOF'
import json, sys

doc = json.load(open(sys.argv[1]))
out = sys.argv[2]
cases = {c["name"]: c for c in doc["cases"]}

def val(c, key):
    v = c.get(key)
    return "NaN" if v is None else "%g" % v

rows = [("plain load/store", "hit_%s_8", "plain"),
        ("inline probe", "inline_%s_8", "vcpu"),
        ("vcpu_%s hit", "hit_%s_8", "vcpu"),
        ("DAT-on hit", "virt_hit_%s_8", "vcpu"),
        ("miss (gmap walk)", "miss_%s_8", "vcpu"),
        ("DAT-on miss", "virt_miss_%s_8", "vcpu"),
        ("fault", "fault_%s_8", "vcpu")]
with open(out + "/cost.dat", "w") as f:
    for label, pattern, loop in rows:
        r, w = cases.get(pattern % "read"), cases.get(pattern % "write")
        if not r or not w:
            continue
        f.write('"%s" %s %s %s %s\n' % (label % "read" if "%s" in label else label,
                                       val(r, loop + "_ns_median"), val(w, loop + "_ns_median"),
                                       val(r, loop + "_instructions"),
                                       val(w, loop + "_instructions")))
with open(out + "/scaling.dat", "w") as f:
    by = {}
    for s in doc["scaling"]:
        by.setdefault(s["name"], {})[s["threads"]] = s
    for name, t in by.items():
        if 1 in t and 2 in t:
            v1, v2 = t[1]["vcpu_maccess_per_s_median"], t[2]["vcpu_maccess_per_s_median"]
            m1, m2 = t[1]["memcpy_maccess_per_s_median"], t[2]["memcpy_maccess_per_s_median"]
            f.write('"%s" %g %g %g %g %g %g\n' % (name, v1, v2, m1, m2, v2 / v1, m2 / m1))
m = doc["machine"]
with open(out + "/title.txt", "w") as f:
    f.write("%s, %s CPUs, load %s; window: %s; instructions: %s%s"
            % (m["cpu_model"], m["cpus_online"], m["loadavg_start"].split()[0],
               doc.get("window_protocol", "?"), doc.get("instructions", "none"),
               {True: "; threads pinned", False: "; threads not pinned"}.get(
                   doc.get("scaling_threads_pinned"), "")))
EOF

title=$(cat "$data/title.txt")
if [ -s "$data/cost.dat" ]; then
	gnuplot <<EOF
set terminal pngcairo noenhanced size 1200,520 font ",10"
set output "$out/bench_vcpu_cost.png"
set multiplot layout 1,2 title "bench_vcpu: one 8-byte access\n($title)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30 nomirror
set grid ytics
set key top left
set logscale y
set ylabel "ns per access (median)"
plot "$data/cost.dat" using 2:xtic(1) title "read", "" using 3 title "write"
set ylabel "instructions per access"
plot "$data/cost.dat" using 4:xtic(1) title "read", "" using 5 title "write"
unset multiplot
EOF
	echo "plot-vcpu: wrote $out/bench_vcpu_cost.png"
fi

gnuplot <<EOF
set terminal pngcairo noenhanced size 1300,560 font ",10"
set output "$out/bench_vcpu_scaling.png"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30 nomirror
set grid ytics
set multiplot layout 1,2 title "bench_vcpu: 8-byte accesses on 1 and 2 threads, each its own vCPU\n($title)"
set key below horizontal
set ylabel "M accesses/s, all threads (median)"
set logscale y
plot "$data/scaling.dat" using 2:xtic(1) title "vCPU, 1 thread", \
     "" using 3 title "vCPU, 2 threads", \
     "" using 4 title "memcpy, 1 thread", \
     "" using 5 title "memcpy, 2 threads"
unset logscale y
set yrange [0:2.4]
set ylabel "2 threads / 1 thread (medians)"
set arrow from graph 0, first 1.9 to graph 1, first 1.9 nohead dashtype 2
set label "goal 1.9" at graph 0.01, first 1.84
plot "$data/scaling.dat" using 6:xtic(1) title "vCPU speedup", \
     "" using 7 title "memcpy speedup"
unset multiplot
EOF
echo "plot-vcpu: wrote $out/bench_vcpu_scaling.png"
