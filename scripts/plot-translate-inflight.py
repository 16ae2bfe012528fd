#!/usr/bin/env python3
"""Plot bench_translate's addresses per second against the walks kept in flight (K).

usage: scripts/plot-translate-inflight.py BENCH_TRANSLATE.json OUT.png

The JSON is one `bench_translate` document (its "inflight" series). Two panels, each
with the raw image (solid) and the ELF core of 16 segments read through the granule
map (dashed):
  - walks in one process (log scale): millions of addresses per second of
    dat_lean_walk_batch() with K walks in flight (the exact walker for what it leaves),
    by the thread's CPU time and by wall time, beside the exact walker alone, the lean
    walker one address at a time, and the floor (the page-table entries loaded
    independently, no walk) by CPU time as horizontal lines;
  - the whole command with --threads 1 --inflight K: millions of addresses per
    second by wall time and by CPU time (user + system), beside the baseline binary
    (by CPU time) as a horizontal line.
Needs gnuplot (Debian: gnuplot-nox) with the pngcairo terminal; it is installed with
apt-get when missing, as scripts/ensure-deps.sh installs the build's packages.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def ensure_gnuplot():
    if shutil.which("gnuplot"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                           "gnuplot-nox"], check=True, env=env)


def write(tmp, name, pts):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.writelines(f"{x} {y}\n" for x, y in pts)
    return path


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    doc = json.load(open(sys.argv[1]))
    ensure_gnuplot()
    tmp = tempfile.mkdtemp()
    n = doc["addresses"]
    ks = [k["k"] for k in doc["cases"][0]["inflight"]]
    kmin, kmax = min(ks), max(ks)
    walk, cmd = [], []
    for i, c in enumerate(doc["cases"]):
        dash = 1 if c["image"] == "raw" else 2
        name = "raw" if c["image"] == "raw" else f"ELF {c['segments']} segs"
        inf = c["inflight"]
        p = write(tmp, f"w{i}.dat",
                  [(k["k"], 1e3 / k["walk_cpu_ns_per_address"]) for k in inf])
        walk.append(f"'{p}' with linespoints dt {dash} lc 1 pt 7 lw 2 "
                    f"title 'batched lean walk, by CPU time, {name}'")
        p = write(tmp, f"x{i}.dat", [(k["k"], 1e3 / k["walk_ns_per_address"]) for k in inf])
        walk.append(f"'{p}' with linespoints dt {dash} lc 5 pt 6 lw 1 "
                    f"title 'batched lean walk, by wall time, {name}'")
        for j, (key, label) in enumerate((("exact_walk_cpu_ns_per_address", "exact walker"),
                                          ("lean_walk_cpu_ns_per_address", "lean, one at a time"),
                                          ("floor_cpu_ns_per_address",
                                           "floor: PTE loads only"))):
            v = 1e3 / c[key]
            p = write(tmp, f"h{i}{j}.dat", [(kmin, v), (kmax, v)])
            walk.append(f"'{p}' with lines dt {dash} lc {j + 2} title '{label}, {name}'")
        p = write(tmp, f"c{i}.dat", [(k["k"], n / k["command_s_median"] / 1e6) for k in inf])
        cmd.append(f"'{p}' with linespoints dt {dash} lc 1 pt 7 lw 2 "
                   f"title 'command, wall, {name}'")
        p = write(tmp, f"u{i}.dat",
                  [(k["k"], 1e3 / k["command_cpu_ns_per_address"]) for k in inf])
        cmd.append(f"'{p}' with linespoints dt {dash} lc 2 pt 5 lw 2 "
                   f"title 'command, by CPU time, {name}'")
        if "baseline_cpu_ns_per_address" in c:
            v = 1e3 / c["baseline_cpu_ns_per_address"]
            p = write(tmp, f"b{i}.dat", [(kmin, v), (kmax, v)])
            cmd.append(f"'{p}' with lines dt {dash} lc 4 title 'baseline, by CPU time, {name}'")
    script = [
        "set terminal pngcairo noenhanced size 1400,600 font 'sans,10'",
        f"set output '{sys.argv[2]}'",
        "set multiplot layout 1,2 title 'gmap translate over a 1 GiB image: addresses/s "
        f"against walks in flight K ({doc.get('date', '')}, load average "
        f"{doc.get('loadavg_start', '?').split()[0]}-{doc.get('loadavg_end', '?').split()[0]}, "
        f"{doc['threads']} CPUs)'",
        "set logscale x 2", "set grid", "set key top left font ',8'",
        "set xlabel 'walks in flight K'", "set ylabel 'M addresses/s'",
        f"set xrange [{kmin * 0.8}:{kmax * 1.25}]", "set yrange [0:*]",
        "set title 'walks in this process (medians; references by CPU time)'",
        "set logscale y", "set yrange [0.3:300]", "set key bottom right font ',8'",
        "plot " + ", ".join(walk),
        "unset logscale y", "set yrange [0:*]", "set key top left font ',8'",
        "set title 'the command, --threads 1 --inflight K (medians)'",
        "plot " + ", ".join(cmd),
        "unset multiplot",
    ]
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


if __name__ == "__main__":
    main()
