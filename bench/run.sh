#!/bin/sh
# bench/run.sh [NAME...]: runs the named benchmarks (all when none is named) after a build and
# prints one line per figure, as DESIGN.md says:
#   NAME.METRIC VALUE UNIT [native=VALUE] [gvisor=VALUE]
# Each benchmark is bench/NAME.sh; it finds built programs under $BUILDDIR (default: the top of
# the checkout, where the README builds).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${BUILDDIR:-$(dirname "$here")}
export BUILDDIR
# The build's plugins (Makefile.am's plugins.d), unless an installed set is asked for.
CVISOR_PLUGIN_DIR=${CVISOR_PLUGIN_DIR:-$BUILDDIR/plugins.d}
export CVISOR_PLUGIN_DIR
[ -d "$BUILDDIR/runtime" ] || { echo "bench/run.sh: no build in $BUILDDIR (set BUILDDIR)" >&2; exit 2; }

if [ $# -eq 0 ]; then
	set -- $(cd "$here" && ls *.sh | sed -n 's/\.sh$//p' | grep -v '^run$' | grep -v '^lib$' | grep -v '^sock$')
fi
status=0
for name in "$@"; do
	if [ ! -f "$here/$name.sh" ]; then
		echo "bench/run.sh: unknown benchmark \"$name\"" >&2
		status=2
		continue
	fi
	sh "$here/$name.sh" || status=1
done
exit $status
