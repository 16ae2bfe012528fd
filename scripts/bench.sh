#!/bin/sh
# Run every benchmark of a build directory; each prints one JSON document.
set -eu
build=${1:-build}
found=0
for b in "$build"/bench/bench_*; do
	# meson puts each target's objects in a bench_*.p directory next to it.
	[ -f "$b" ] && [ -x "$b" ] || continue
	found=1
	echo "# $b" >&2
	"$b"
done
[ "$found" = 1 ] || { echo "no benchmarks built in $build/bench" >&2; exit 1; }
