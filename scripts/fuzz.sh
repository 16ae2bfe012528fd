#!/bin/sh
# libFuzzer campaign over tests/fuzz (clang, ASan + UBSan + fuzzer).
#   scripts/fuzz.sh run SECONDS [TARGET...]   run each target for SECONDS
#   scripts/fuzz.sh coverage                  llvm-cov report of src/ over the corpora
# The growing corpora live in $FUZZ_BUILD/corpus/<target> (seeded from
# tests/fuzz/corpus/<target>); crashes are written to $FUZZ_BUILD/crashes/ and make
# the run fail. A crash becomes a regression test by copying its input into
# tests/fuzz/regress/<target>/, which `make check` replays.
set -eu
cd "$(dirname "$0")/.."

FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
COV_BUILD=${COV_BUILD:-build-fuzz-cov}
TARGETS="fuzz_dat fuzz_image fuzz_ops"

./scripts/ensure-deps.sh clang libclang-rt-14-dev llvm-14

cmd=${1:-run}
[ $# -gt 0 ] && shift

case "$cmd" in
run)
	seconds=${1:-60}
	[ $# -gt 0 ] && shift
	[ $# -gt 0 ] && TARGETS="$*"
	[ -f "$FUZZ_BUILD/build.ninja" ] ||
		CC=clang meson setup "$FUZZ_BUILD" -Dfuzzing=true -Db_sanitize=address,undefined \
			-Db_lundef=false >/dev/null
	# shellcheck disable=SC2046 # one ninja target per word
	ninja -C "$FUZZ_BUILD" $(for t in $TARGETS; do echo "tests/fuzz/$t"; done)
	mkdir -p "$FUZZ_BUILD/crashes"
	for t in $TARGETS; do
		mkdir -p "$FUZZ_BUILD/corpus/$t"
		echo "== $t: ${seconds}s"
		# -rss_limit_mb: the ops target's mm maps chunks of its own.
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
			"$FUZZ_BUILD/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
			-artifact_prefix="$FUZZ_BUILD/crashes/$t-" -rss_limit_mb=4096 \
			"$FUZZ_BUILD/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t" \
			2>"$FUZZ_BUILD/$t.log" || {
			tail -60 "$FUZZ_BUILD/$t.log"
			exit 1
		}
		grep -E '^stat::(number_of_executed_units|new_units_added)|cov: ' \
			"$FUZZ_BUILD/$t.log" | tail -3
	done
	;;
coverage)
	[ -f "$COV_BUILD/build.ninja" ] ||
		# meson's compiler checks run instrumented programs: keep their profiles out of the tree
		LLVM_PROFILE_FILE=/dev/null CC=clang meson setup "$COV_BUILD" \
			-Dc_args='-fprofile-instr-generate -fcoverage-mapping' \
			-Dc_link_args='-fprofile-instr-generate' >/dev/null
	# shellcheck disable=SC2046
	ninja -C "$COV_BUILD" $(for t in $TARGETS; do echo "tests/fuzz/${t}_replay"; done)
	for t in $TARGETS; do
		rm -f "$COV_BUILD/$t".profraw
		mkdir -p "$FUZZ_BUILD/corpus/$t"
		LLVM_PROFILE_FILE="$COV_BUILD/$t.profraw" "$COV_BUILD/tests/fuzz/${t}_replay" \
			"$FUZZ_BUILD/corpus/$t" "tests/fuzz/corpus/$t" "tests/fuzz/regress/$t"
		llvm-profdata-14 merge -o "$COV_BUILD/$t.profdata" "$COV_BUILD/$t.profraw"
		echo "== $t"
		# src/ (and the image reader the translate command uses), not the tests.
		llvm-cov-14 report "$COV_BUILD/tests/fuzz/${t}_replay" \
			-instr-profile="$COV_BUILD/$t.profdata" \
			-ignore-filename-regex='(tests|include)/|tools/(cmd|run|translate|gmap)' |
			sed 's/  */ /g'
	done
	;;
*)
	echo "usage: $0 run SECONDS [TARGET...] | coverage" >&2
	exit 2
	;;
esac
