#!/bin/sh
# `make demo`: the main job. Until `gmap run` exists it walks the DAT tables of
# the built-in example image with `gmap translate`, printing every level.
set -eu
build=${1:-build}
exec "$build/gmap" translate --example --verbose
