#!/bin/sh
# Installs what building and testing cvisor needs on Debian 12. Uses sudo when not root.
# podman (with conmon), tmux for its terminal case, and the runtimes it is compared with
# (gVisor's runsc, crun) serve tests/e2e/podman.sh; busybox-static fills the e2e images;
# debootstrap builds the Debian rootfs of tests/e2e/debian.sh.
set -eu
pkgs="build-essential autoconf automake libtool pkg-config
	libseccomp-dev libjson-c-dev libbpf-dev libcriterion-dev
	clang libclang-rt-14-dev
	busybox-static debootstrap
	podman crun runsc tmux"
[ "$(id -u)" -eq 0 ] && sudo= || sudo=sudo
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi
