# bench: build rules (included from the top Makefile.am).
EXTRA_DIST += bench/run.sh
