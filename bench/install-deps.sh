#!/bin/sh
# Installs what the benchmarks compare cvisor with on Debian 12: gVisor's runsc (the reference
# sandbox), crun (a container without a sandbox) and podman. tools/install-deps.sh installs them
# too, for make check's podman test; the benchmarks leave out a figure whose runtime is missing.
# Uses sudo when not root.
set -eu
pkgs="runsc crun podman"
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
