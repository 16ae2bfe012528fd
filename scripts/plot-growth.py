#!/usr/bin/env python3
"""Plot bench_growth's costs against the guest size S, before and after (log-log).

usage: scripts/plot-growth.py [--min] BEFORE.json AFTER.json OUT.png

--min plots the minima over the repetitions instead of the medians (on a loaded
machine the minima are the less disturbed figures).

Each JSON is one `bench_growth` document. The plot has four panels: map and
remove (ms), heap taken by the mapping (MiB), translate (hot, spread and the
floor, ns) and gmap_fault on populated pages (ns). Needs gnuplot (Debian:
gnuplot-nox) with the pngcairo terminal.
"""
import json
import os
import subprocess
import sys
import tempfile

NODE_BYTES = 48  # sizeof(struct range_node)

PANELS = [
    ("gmap_map_segment / gmap_remove, untouched (ms)",
     [("map_ms", "map"), ("remove_ms", "remove"), ("unmap_ms", "unmap, 1024 segs linked")]),
    ("heap taken by the mapping (KiB)", [("heap_kib", "heap")]),
    ("gmap_translate (ns)",
     [("translate_hot_ns", "hot 1024 segs"), ("translate_spread_ns", "spread"),
      ("floor_ns", "floor: 1 dependent load")]),
    ("mm_destroy, untouched VMA (ms) / gmap_fault populated (us)",
     [("mm_destroy_ms", "mm_destroy"), ("fault_us", "fault")]),
]


STAT = ""  # "" for medians, "_min" for minima


def series(doc, key):
    pts = []
    for s in doc["sizes"]:
        if key == "fault_us":
            v = s.get("fault_ns" + STAT, s["fault_ns"]) / 1000
        elif key == "heap_kib" and "heap_blocks" in s:
            # glibc's counter misses recycled chunks: count the blocks, 48 B per range node.
            v = s["heap_blocks"] * NODE_BYTES / 1024
        elif key == "heap_kib":
            v = s["heap_mib"] * 1024
        else:
            v = s.get(key + STAT, s[key])
        if v > 0:
            pts.append((s["size_gib"], v))
    return pts


def main():
    global STAT
    if len(sys.argv) > 1 and sys.argv[1] == "--min":
        STAT = "_min"
        del sys.argv[1]
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    docs = {name: json.load(open(path)) for name, path in
            (("before", sys.argv[1]), ("after", sys.argv[2]))}
    tmp = tempfile.mkdtemp()
    script = [
        "set terminal pngcairo noenhanced size 1400,1000 font 'sans,10'",
        f"set output '{sys.argv[3]}'",
        "set multiplot layout 2,2 title 'libgmap: cost against guest size S "
        f"(bench_growth {'minima' if STAT else 'medians'}; dashed: before, solid: after)'",
        "set logscale xy", "set grid", "set key top left",
        "set xlabel 'S (GiB)'",
    ]
    n = 0
    for title, keys in PANELS:
        plots = []
        for i, (key, label) in enumerate(keys):
            for when, dash in (("before", 2), ("after", 1)):
                pts = series(docs[when], key)
                if not pts:
                    continue
                path = os.path.join(tmp, f"{n}.dat")
                n += 1
                with open(path, "w") as f:
                    f.writelines(f"{x} {y}\n" for x, y in pts)
                plots.append(f"'{path}' with linespoints dt {dash} lc {i + 1} pt 7 "
                             f"title '{label} ({when})'")
        script.append(f"set title '{title}'")
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


if __name__ == "__main__":
    main()
