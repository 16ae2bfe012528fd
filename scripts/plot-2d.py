#!/usr/bin/env python3
"""Plot bench_2d: shadow gmaps against the two-dimensional walk, where each wins.

usage: scripts/plot-2d.py BENCH_2D.json OUT.png

Three panels from one `bench_2d` document:
  1. instructions per read against the working set (pages; the TLB holds 512),
     one line per method and guest-2 change rate (region-third ASCE, no reuse);
  2. the winner map: shadow instructions / 2D instructions over working set x
     change rate (below 1: the shadow wins);
  3. ns per read (median) for the same points as panel 1, on a log scale;
  4. the same map with each method's TLB-hit cost (the "hit" point) taken off
     first: what the misses and the changes cost each approach ("-": both
     within 40 instructions of a hit).
Instructions are the steady measure on a shared machine; the times are noisy.
Needs gnuplot (Debian: gnuplot-nox) with the pngcairo terminal.
"""
import json
import os
import subprocess
import sys
import tempfile


def change_label(c):
    return "no changes" if c == 0 else "1 change / %d reads" % c


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    doc = json.load(open(sys.argv[1]))
    pts = [p for p in doc["points"] if p["sweep"] == "ws_change"]
    changes = sorted({p["reads_per_change"] for p in pts}, key=lambda c: (c != 0, -c))
    sizes = sorted({p["working_set_pages"] for p in pts})
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for c in changes:
            name = os.path.join(tmp, "c%d.dat" % c)
            with open(name, "w") as f:
                for p in sorted((p for p in pts if p["reads_per_change"] == c),
                                key=lambda p: p["working_set_pages"]):
                    f.write("%d %f %f %f %f\n" % (
                        p["working_set_pages"], p["shadow_instructions"],
                        p["2d_instructions"], p["shadow_ns_median"], p["2d_ns_median"]))
            files.append((c, name))
        grid = os.path.join(tmp, "grid.dat")
        with open(grid, "w") as f:
            for yi, c in enumerate(changes):
                for xi, s in enumerate(sizes):
                    p = next(p for p in pts
                             if p["working_set_pages"] == s and p["reads_per_change"] == c)
                    ratio = p["shadow_instructions"] / max(p["2d_instructions"], 1e-9)
                    f.write("%d %d %f\n" % (xi, yi, ratio))
                f.write("\n")
        hit = next((p for p in doc["points"] if p["sweep"] == "hit"), None)
        hs = hit["shadow_instructions"] if hit else 0.0
        ht = hit["2d_instructions"] if hit else 0.0
        grid2 = os.path.join(tmp, "grid2.dat")
        labels2 = []
        with open(grid2, "w") as f:
            for yi, c in enumerate(changes):
                for xi, s in enumerate(sizes):
                    p = next(p for p in pts
                             if p["working_set_pages"] == s and p["reads_per_change"] == c)
                    es = max(p["shadow_instructions"] - hs, 0.0)
                    et = max(p["2d_instructions"] - ht, 0.0)
                    if es < 40 and et < 40:
                        ratio, text = 1.0, "-"
                    else:
                        ratio = max(es, 1.0) / max(et, 1.0)
                        text = "%.2f" % ratio
                    f.write("%d %d %f\n" % (xi, yi, min(max(ratio, 0.1), 10)))
                    labels2.append('set label "%s" at %d,%d center front font ",9"'
                                   % (text, xi, yi))
                f.write("\n")
        plot_lines = lambda col_s, col_t: ", ".join(
            "'%s' using 1:%d with linespoints lw 2 dt 1 lc %d title 'shadow, %s', "
            "'%s' using 1:%d with linespoints lw 2 dt 2 lc %d title '2D, %s'"
            % (n, col_s, i + 1, change_label(c), n, col_t, i + 1, change_label(c))
            for i, (c, n) in enumerate(files))
        xtics = ", ".join('"%d" %d' % (s, i) for i, s in enumerate(sizes))
        ytics = ", ".join('"%s" %d' % (change_label(c), i) for i, c in enumerate(changes))
        labels = "\n".join(
            'set label "%.2f" at %d,%d center front font ",9"' % (
                next(p for p in pts if p["working_set_pages"] == s
                     and p["reads_per_change"] == c)["shadow_instructions"]
                / max(next(p for p in pts if p["working_set_pages"] == s
                           and p["reads_per_change"] == c)["2d_instructions"], 1e-9), xi, yi)
            for yi, c in enumerate(changes) for xi, s in enumerate(sizes))
        m = doc["machine"]
        script = """
set terminal pngcairo size 1500,1300 font ",10" noenhanced
set output '%(out)s'
set multiplot layout 2,2 title "bench_2d: guest-3 reads, shadow gmaps vs two-dimensional walk (region-third ASCE; TLB 512 entries; %(cpu)s, load %(load)s)"
set logscale x 2
set logscale y 10
set grid
set key top left font ",8"
set xlabel "working set (pages)"
set ylabel "instructions per read (callgrind)"
set title "instructions per read"
plot %(lines_i)s
set title "ns per read (median of the repetitions; shared machine, noisy)"
set ylabel "ns per read"
plot %(lines_t)s
unset logscale
set title "shadow / 2D instructions per read: below 1 the shadow wins, above 1 the 2D walk"
set xlabel "working set (pages)"
set ylabel ""
set xtics (%(xtics)s)
set ytics (%(ytics)s)
set cbrange [0.1:10]
set logscale cb 10
set palette defined (0 "#2166ac", 0.5 "#f7f7f7", 1 "#b2182b")
set view map
unset key
unset grid
%(labels)s
plot '%(grid)s' using 1:2:3 with image
unset label
set title "the same, each method's TLB-hit cost (%(hs).0f and %(ht).0f instructions) taken off first"
%(labels2)s
plot '%(grid2)s' using 1:2:3 with image
unset multiplot
""" % {"out": sys.argv[2], "cpu": m.get("cpu_model", "?"), "load": m.get("loadavg_start", "?"),
       "lines_i": plot_lines(2, 3), "lines_t": plot_lines(4, 5), "xtics": xtics,
       "ytics": ytics, "labels": labels, "grid": grid, "grid2": grid2,
       "labels2": "\n".join(labels2), "hs": hs, "ht": ht}
        subprocess.run(["gnuplot"], input=script, text=True, check=True)


if __name__ == "__main__":
    main()
