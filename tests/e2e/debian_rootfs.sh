#!/bin/sh
# debian_rootfs.sh: prints the path of a Debian 12 (bookworm) root filesystem for the
# end-to-end tests, building it with debootstrap the first time (minbase plus python3 and
# procps: about a minute from deb.debian.org and 225 MB, once per machine).
#
# The rootfs is a cache outside the source tree, shared by every build tree and every
# `make check`: ${CVISOR_DEBIAN_ROOTFS:-/var/cache/cvisor/debian-bookworm}. It is built in a
# temporary directory beside it and renamed into place only once debootstrap has succeeded,
# so the path exists only when it is complete: an interrupted build leaves a temporary
# directory, which the next build removes. A lock (flock on PATH.lock) makes a second caller
# wait for the first one's build instead of starting its own.
#
# The tests only read the rootfs (they run it read-only); nothing here updates it. To rebuild
# it, remove the directory.
#
# Environment:
#   CVISOR_DEBIAN_ROOTFS  where the rootfs lives (an absolute path)
#   CVISOR_DEBIAN_MIRROR  the Debian mirror to use; by default the first of the ones apt's
#                         sources name and http://deb.debian.org/debian that serves bookworm
# Exit status: 0 with the path on stdout; 1 when it cannot be built (not root, no
# debootstrap, no mirror reachable, debootstrap failed), the reason on stderr.
set -eu
rootfs=${CVISOR_DEBIAN_ROOTFS:-/var/cache/cvisor/debian-bookworm}
suite=bookworm
# How long a build may take, and how long a second caller waits for one.
build_timeout=1800
lock_timeout=2400

die() {
	echo "debian_rootfs.sh: $*" >&2
	exit 1
}

# rootfs_complete DIR: DIR holds what the tests run (a half-made tree would fail them obscurely).
rootfs_complete() {
	[ -x "$1/usr/bin/bash" ] && [ -x "$1/usr/bin/python3" ] && [ -x "$1/usr/bin/ps" ]
}

case $rootfs in
/*) ;;
*) die "CVISOR_DEBIAN_ROOTFS must be an absolute path: $rootfs" ;;
esac
rootfs=${rootfs%/}

# The usual case, without the lock: the rename makes the directory appear complete.
if [ -d "$rootfs" ]; then
	rootfs_complete "$rootfs" ||
		die "$rootfs exists but is not a debootstrap rootfs with python3 and procps;" \
			"remove it to rebuild"
	echo "$rootfs"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "building $rootfs needs root (debootstrap)"
command -v debootstrap >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
command -v debootstrap >/dev/null 2>&1 ||
	die "no debootstrap to build $rootfs (tools/install-deps.sh installs it)"
command -v flock >/dev/null 2>&1 || die "no flock (util-linux)"

parent=$(dirname "$rootfs")
mkdir -p "$parent" || die "cannot create $parent"
exec 9>"$rootfs.lock" || die "cannot open $rootfs.lock"
flock -w "$lock_timeout" 9 || die "another build of $rootfs holds $rootfs.lock"

# Built while this one waited for the lock.
if [ -d "$rootfs" ]; then
	rootfs_complete "$rootfs" || die "$rootfs exists but is incomplete; remove it to rebuild"
	echo "$rootfs"
	exit 0
fi

# scrap DIR: removes what an interrupted build left. debootstrap mounts /proc and /sys in its
# target and may not have unmounted them; never follow a removal into a mounted filesystem.
scrap() {
	findmnt -rn -o TARGET 2>/dev/null | grep -F "$1/" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || :
	done
	rm -rf --one-file-system "$1"
}

# Holding the lock, any temporary directory is a dead build's.
for old in "$rootfs".tmp.*; do
	[ -d "$old" ] || continue
	echo "debian_rootfs.sh: removing $old, left by an interrupted build" >&2
	scrap "$old"
done
rm -f "$rootfs".tmp.*.log

# The mirror: given, or the first that serves the suite among apt's own (this machine may reach
# only those) and Debian's redirector. Only http: debootstrap needs no certificates then.
mirrors=${CVISOR_DEBIAN_MIRROR:-}
if [ -z "$mirrors" ]; then
	mirrors=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}//' \
			-e 's/^\(http:[^[:space:]]*\).*/\1/p' \
			-e 's/^URIs:[[:space:]]*\(http:[^[:space:]]*\).*/\1/p' |
		tr ' ' '\n' | sed 's|/*$||' | grep '/debian$' || :)
	mirrors="$mirrors http://deb.debian.org/debian"
fi
mirror=
for m in $mirrors; do
	if wget -q -T 15 -t 1 -O /dev/null "$m/dists/$suite/Release" 2>/dev/null ||
		curl -fsS -m 15 -o /dev/null "$m/dists/$suite/Release" 2>/dev/null; then
		mirror=$m
		break
	fi
done
tried=$(printf '%s\n' "$mirrors" | tr -s ' \n' '  ')
[ -n "$mirror" ] || die "no Debian mirror serves $suite here (tried: $tried)"

tmp=$(mktemp -d "$rootfs.tmp.XXXXXX") || die "cannot create a directory beside $rootfs"
log=$tmp.log
trap 'scrap "$tmp"; rm -f "$log"' EXIT
trap 'exit 1' HUP INT PIPE TERM
echo "debian_rootfs.sh: building $rootfs from $mirror (once per machine)" >&2
start=$(date +%s)
if ! timeout -k 10 "$build_timeout" debootstrap --variant=minbase --include=python3,procps \
	"$suite" "$tmp" "$mirror" >"$log" 2>&1; then
	tail -n 15 "$log" >&2
	die "debootstrap failed (full log above, last lines)"
fi
rootfs_complete "$tmp" || die "debootstrap succeeded but $tmp lacks bash, python3 or ps"
# The tests run the rootfs as it is: no leftovers of the build in it.
rm -rf "$tmp/debootstrap" "$tmp/var/cache/apt/archives/"*.deb
chmod 755 "$tmp"
mv -T "$tmp" "$rootfs" || die "cannot rename $tmp to $rootfs"
trap - EXIT
rm -f "$log"
echo "debian_rootfs.sh: built $rootfs in $(($(date +%s) - start)) s" >&2
echo "$rootfs"
