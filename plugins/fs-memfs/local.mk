# plugins/fs-memfs: build rules (included from the top Makefile.am).
