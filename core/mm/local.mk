# core/mm: the memory file and application address spaces.
core_libsentry_core_la_SOURCES += \
	core/mm/memfile.c \
	core/mm/memfile.h \
	core/mm/mm.c \
	core/mm/mm.h
core_libsentry_core_la_SOURCES += core/mm/shm.c core/mm/shm.h

check_PROGRAMS += tests/unit/mm/test_vma
tests_unit_mm_test_vma_SOURCES = tests/unit/mm/test_vma.c
tests_unit_mm_test_vma_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_mm_test_vma_CFLAGS = $(UNIT_CCOPTS)
tests_unit_mm_test_vma_LDFLAGS = $(CORE_LDOPTS)
tests_unit_mm_test_vma_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/mm/test_vma
