# shellcheck shell=sh
# What the scripts/plot-*.sh share; they source it (". scripts/plot-lib.sh") after `set -eu`.
#
#   plot_start NAME USAGE "$@"
#
# takes the arguments JSON [OUTDIR] (OUTDIR defaults to docs/), checks that the JSON can be
# read, creates OUTDIR, installs gnuplot-nox with apt-get if gnuplot is missing (as
# scripts/ensure-deps.sh installs the build's packages) and sets $json, $out and $data, a
# temporary directory for the data files that is removed on exit. NAME prefixes the
# messages; USAGE is the usage line.

plot_start() {
	plot_name=$1
	plot_usage=$2
	shift 2
	if [ $# -lt 1 ] || [ $# -gt 2 ]; then
		echo "usage: $plot_usage" >&2
		exit 2
	fi
	json=$1
	out=${2:-docs}
	[ -r "$json" ] || { echo "$plot_name: cannot read $json" >&2; exit 1; }
	mkdir -p "$out"

	if ! command -v gnuplot >/dev/null 2>&1; then
		echo "$plot_name: installing gnuplot-nox"
		if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
		export DEBIAN_FRONTEND=noninteractive
		$sudo apt-get update -qq
		$sudo apt-get install -y -qq --no-install-recommends gnuplot-nox
	fi

	data=$(mktemp -d)
	trap 'rm -rf "$data"' EXIT
}
