#!/bin/sh
# Every SDK header compiles alone as strict ISO C11 (and as C++), with nothing but itself:
# third-party plugins may use any conforming compiler mode.
set -eu
srcdir=${abs_top_srcdir:?run through make check}
cc=${CC:-cc}
fail=0
for h in "$srcdir"/include/sentry/*.h; do
	name=sentry/$(basename "$h")
	if ! printf '#include "%s"\n#include "%s"\n' "$name" "$name" |
		$cc -std=c11 -pedantic-errors -Wall -Wextra -Werror -I"$srcdir/include" \
			-x c -fsyntax-only -; then
		echo "FAIL: $name does not compile alone as C11"
		fail=1
	fi
	if command -v g++ >/dev/null 2>&1 &&
		! printf '#include "%s"\n' "$name" |
			g++ -std=c++11 -Wall -Werror -I"$srcdir/include" -x c++ -fsyntax-only -; then
		echo "FAIL: $name does not compile as C++11"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "all SDK headers compile alone"
exit $fail
