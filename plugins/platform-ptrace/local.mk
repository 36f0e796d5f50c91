# plugins/platform-ptrace: build rules (included from the top Makefile.am).
