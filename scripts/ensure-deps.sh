#!/bin/sh
# Install the Debian packages that building and testing libgmap need, if any is
# missing. A fresh Debian 12 machine has only gcc and make; this is what lets
# `make demo` and `make check` work there. Extra package names given as arguments
# are ensured too (`make fuzz` asks for clang, its libFuzzer runtime and llvm-14).
set -eu

# g++ builds the test that the public headers compile as C++.
packages="meson ninja-build pkg-config g++ liburcu-dev libcmocka-dev libunicorn-dev $*"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "libgmap: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
