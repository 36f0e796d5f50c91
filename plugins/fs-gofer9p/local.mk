# plugins/fs-gofer9p: build rules (included from the top Makefile.am).
