#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make install` as a packager and a user meet it: install the build into a
# temporary DESTDIR, then build a small program against the installed library
# with pkg-config and run it; the installed command must report the version the
# pkg-config file does, and the man page must be there. The same program is
# then built from the build tree with the uninstalled pkg-config file and an
# rpath, as the README says.
#
# usage: test_install.sh BUILD_ROOT SANITIZE VERSION
#   SANITIZE is meson's b_sanitize ("none", "address,undefined", "thread"): the
#   library was built with it, so the program is too.
set -eu

build=$1
sanitize=$2
version=$3
# meson test points LD_LIBRARY_PATH at the build: the rpath must do without it.
unset LD_LIBRARY_PATH
dest=$(mktemp -d /tmp/gmap-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT

fail() {
	echo "test_install: $*" >&2
	exit 1
}

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null

pc=$(find "$dest" -name gmap.pc)
[ -n "$pc" ] || fail "no gmap.pc installed"
libdir=$(dirname "$(dirname "$pc")")
bindir=$(dirname "$(find "$dest" -path '*/bin/gmap')")
[ -x "$bindir/gmap" ] || fail "no gmap command installed"
[ -n "$(find "$dest" -path '*/man1/gmap.1')" ] || fail "no gmap(1) installed"
grep -q "libgmap $version" "$(find "$dest" -path '*/man1/gmap.1')" ||
	fail "the man page does not carry version $version"
for h in dat.h mm.h gmap.h gmap_locked.h vcpu.h alloc.h types.h; do
	[ -n "$(find "$dest" -path "*/include/gmap/$h")" ] || fail "header gmap/$h not installed"
done

# pkg-config as after `make install` with DESTDIR: the sysroot maps the paths.
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
[ "$(pkg-config --modversion gmap)" = "$version" ] || fail "pkg-config says $(pkg-config --modversion gmap)"
[ "$("$bindir/gmap" --version)" = "gmap (libgmap) $version" ] ||
	fail "installed gmap --version says '$("$bindir/gmap" --version)'"

san=
[ "$sanitize" = none ] || san="-fsanitize=$sanitize"

cat >"$dest/prog.c" <<'PROG'
/* The README's tour: a guest page written through a vCPU survives a page-out. */
#include <stdio.h>

#include <gmap/gmap.h>
#include <gmap/vcpu.h>

int main(void)
{
	struct mm_struct *mm = mm_create();
	unsigned long host = mm_mmap(mm, 0, 16UL << 20, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS);
	struct gmap *gmap = gmap_create(mm, (16UL << 20) - 1);
	struct vcpu *cpu = vcpu_create();
	unsigned long v = 42, back = 0;
	int rc;

	if (!gmap || gmap_map_segment(gmap, host, 0, 16UL << 20))
		return 1;
	gmap_enable(gmap);
	rc = vcpu_write(cpu, 0x123456, &v, sizeof(v));
	rc = rc ? rc : mm_page_out(mm, host + 0x123000);
	rc = rc ? rc : vcpu_read(cpu, 0x123456, &back, sizeof(back));
	gmap_disable(gmap);
	vcpu_destroy(cpu);
	gmap_remove(gmap);
	mm_destroy(mm);
	printf("rc %d, read back %lu\n", rc, back);
	return rc || back != 42;
}
PROG

# Installed: compile with pkg-config, run with the library found by its path.
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror $san "$dest/prog.c" $(pkg-config --cflags --libs gmap) \
	-o "$dest/prog" || fail "cannot build a program against the installed library"
out=$(LD_LIBRARY_PATH="$libdir" "$dest/prog") || fail "installed: $out"

# The build tree: the uninstalled pkg-config file and an rpath, no install.
unset PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_PATH="$build/meson-uninstalled"
# shellcheck disable=SC2046
cc -Wall -Wextra -Werror $san "$dest/prog.c" $(pkg-config --cflags --libs gmap) \
	-Wl,-rpath,"$build" -o "$dest/prog-uninstalled" ||
	fail "cannot build a program against the build tree"
out=$("$dest/prog-uninstalled") || fail "build tree: $out"
echo "test_install: OK ($out)"
