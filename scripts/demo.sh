#!/bin/sh
# `make demo`: the main job. `gmap run --nested` with its default scenario: a 1 GiB
# guest-2, one vCPU per CPU (every other one running a guest-3 through shadow gmaps
# while it changes guest-3's tables) and the host thread's events for 12 seconds,
# then every page verified (about 13 s in all on two cores). Exit status 0 means
# integrity OK.
set -eu
build=${1:-build}
exec "$build/gmap" run --nested
