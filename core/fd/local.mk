# core/fd: build rules (included from the top Makefile.am).
