#!/bin/sh
# A third-party plugin builds against the installed SDK alone and loads: make install into a
# DESTDIR, compile the skeleton filesystem plugin (tests/plugins/skel_fs.c, the SDK's example)
# with nothing but `pkg-config --cflags sentry-plugin` from that prefix, then list it with the
# installed runsc.
set -eu
builddir=${abs_top_builddir:?run through make check}
srcdir=${abs_top_srcdir:?}
tmp=$(mktemp -d /tmp/cvisor-oot-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

${MAKE:-make} -s -C "$builddir" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "FAIL: make install"; exit 1; }

pc=$(find "$tmp/root" -name sentry-plugin.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: sentry-plugin.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$tmp/root"
unset PKG_CONFIG_LIBDIR || true
cflags=$(pkg-config --cflags sentry-plugin)
case $cflags in
*"$tmp/root"*) ;;
*) echo "FAIL: pkg-config --cflags does not point into the install: $cflags"; exit 1 ;;
esac

# Copy the source away from the tree so no project include path can leak in.
mkdir "$tmp/plugins"
cp "$srcdir/tests/plugins/skel_fs.c" "$tmp/"
${CC:-cc} -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror -shared -fPIC -fvisibility=hidden $cflags \
	-Wl,-z,defs -o "$tmp/plugins/skel_fs.so" "$tmp/skel_fs.c"

runsc=$(find "$tmp/root" -path '*/bin/runsc' | head -n 1)
out=$("$runsc" plugins --plugin-dir "$tmp/plugins")
echo "$out"
minor=$(sed -n 's/^#define SENTRY_ABI_MINOR \([0-9][0-9]*\).*/\1/p' "$srcdir/include/sentry/plugin.h")
echo "$out" | grep -Eq "^skel-fs +fs +1\\.$minor +0\\.1\\.0 +.*/skel_fs\\.so\$" ||
	{ echo "FAIL: installed runsc does not list the out-of-tree plugin"; exit 1; }
echo "$out" | grep -q REFUSED && { echo "FAIL: something was refused"; exit 1; }
echo "out-of-tree plugin built from the installed SDK and loaded"
