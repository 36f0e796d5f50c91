# core/kernel: build rules (included from the top Makefile.am).
