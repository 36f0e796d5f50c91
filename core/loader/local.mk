# core/loader: ELF load plans and the initial stack.
core_libsentry_core_la_SOURCES += core/loader/elf.c core/loader/elf.h

check_PROGRAMS += tests/unit/loader/test_elf
tests_unit_loader_test_elf_SOURCES = tests/unit/loader/test_elf.c
tests_unit_loader_test_elf_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_loader_test_elf_CFLAGS = $(UNIT_CCOPTS)
tests_unit_loader_test_elf_LDFLAGS = $(CORE_LDOPTS)
tests_unit_loader_test_elf_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/loader/test_elf
