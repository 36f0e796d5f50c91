#!/bin/sh
# mkbundle.sh [--config-only] DIR [ARG...]: writes an OCI bundle at DIR (config.json and
# rootfs/) from Debian's busybox-static, for the end-to-end tests and the benchmarks.
#
# rootfs holds /bin/busybox with a symlink per applet the tests use, /etc/passwd and /etc/group
# with root, /etc/hello.txt (a file to checksum), /root, an empty /tmp (1777) and the mount
# points of the default mounts. config.json is `runsc spec`'s default with the process's args
# set to ARG... (left at spec's `sh` when none is given), no terminal and a writable root, so
# the tests can create and remove files in the rootfs.
#
# Everything is rebuilt from the installed package on each call (no cache: it takes a few
# milliseconds). --config-only rewrites config.json and leaves an existing rootfs alone, so a
# sequence of commands can run on one rootfs. Environment: RUNSC (default: the runsc of the
# build tree this script sits in) writes the spec; BUSYBOX (default /bin/busybox) is the static
# busybox to install.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runsc=${RUNSC:-${abs_top_builddir:-$here/../..}/runtime/runsc}
busybox=${BUSYBOX:-/bin/busybox}
applets="echo cat ls uname wc sha256sum mkdir touch rm sh true false sleep"

die() {
	echo "mkbundle.sh: $*" >&2
	exit 1
}

config_only=0
if [ "${1:-}" = --config-only ]; then
	config_only=1
	shift
fi
[ $# -ge 1 ] || die "usage: mkbundle.sh [--config-only] DIR [ARG...]"
bundle=$1
shift
[ -d "$bundle" ] || die "$bundle: not a directory"
[ -x "$runsc" ] || die "$runsc: no runsc to write config.json (build first, or set RUNSC)"

make_rootfs() {
	[ -x "$busybox" ] || die "$busybox: missing (apt-get install busybox-static)"
	# A dynamic busybox would need a loader and libc inside the rootfs.
	if readelf -l "$busybox" 2>/dev/null | grep -q INTERP; then
		die "$busybox is dynamically linked; install busybox-static"
	fi
	root=$bundle/rootfs
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/dev" \
		"$root/sys"
	chmod 1777 "$root/tmp"
	chmod 700 "$root/root"
	cp "$busybox" "$root/bin/busybox"
	for a in $applets; do
		ln -s busybox "$root/bin/$a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
	echo "root:x:0:" >"$root/etc/group"
	printf 'cvisor runs busybox\nline two\n' >"$root/etc/hello.txt"
}

# One JSON string: backslashes and quotes escaped; control characters refused.
json_string() {
	case $1 in *[[:cntrl:]]*) die "argument with a control character: not supported" ;; esac
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

make_config() {
	config=$bundle/config.json
	rm -f "$config"
	"$runsc" spec --bundle "$bundle" || die "runsc spec failed"
	args=
	for a in "$@"; do
		args="${args:+$args, }$(json_string "$a")"
	done
	# runsc spec writes these three on lines of their own; check each edit landed.
	sed -i -e 's/^\(    "terminal": \)true,$/\1false,/' \
		-e 's/^\(  "root": { "path": "rootfs", "readonly": \)true }/\1false }/' "$config"
	grep -q '^    "terminal": false,$' "$config" || die "config.json: cannot unset terminal"
	grep -q '"readonly": false }' "$config" || die "config.json: cannot make the root writable"
	if [ -n "$args" ]; then
		# sed replacement: escape & and the delimiter |, and backslashes once more.
		repl=$(printf '%s' "$args" | sed 's/[\\&|]/\\&/g')
		sed -i "s|^    \"args\": \[ \"sh\" \],\$|    \"args\": [ $repl ],|" "$config"
		grep -qF "\"args\": [ $args ]," "$config" || die "config.json: cannot set args"
	fi
}

[ $config_only -eq 1 ] && [ -d "$bundle/rootfs" ] || make_rootfs
make_config "$@"
