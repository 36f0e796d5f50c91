# core/vdso: the vDSO, built freestanding into vdso.so, embedded as a byte array, mapped by exec.
core_libsentry_core_la_SOURCES += \
	core/vdso/vdso.h \
	core/vdso/vdso_map.c \
	core/vdso/vdso_params.h
nodist_core_libsentry_core_la_SOURCES = core/vdso/vdso_image.c
EXTRA_DIST += core/vdso/vdso.c core/vdso/vdso.lds
CLEANFILES += core/vdso/vdso.so core/vdso/vdso_image.c

# No sanitizers, no stack protector, no libc: this code runs inside the application.
VDSO_CCOPTS = -std=gnu11 -O2 -Wall -Wextra -Werror -fPIC -fno-stack-protector -ffreestanding \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-builtin -nostdlib -shared \
	-Wl,--hash-style=both -Wl,-soname=linux-vdso.so.1 -Wl,-z,max-page-size=4096 \
	-Wl,--build-id=none

core/vdso/vdso.so: $(srcdir)/core/vdso/vdso.c $(srcdir)/core/vdso/vdso.lds \
		$(srcdir)/core/vdso/vdso_params.h
	@mkdir -p core/vdso
	$(AM_V_CC)$(CC) $(VDSO_CCOPTS) -Wl,-T,$(srcdir)/core/vdso/vdso.lds -o $@ \
		$(srcdir)/core/vdso/vdso.c

core/vdso/vdso_image.c: core/vdso/vdso.so
	$(AM_V_GEN){ echo '/* Generated from vdso.so by the build; do not edit. */'; \
	  echo 'const unsigned char g_vdso_image[] = {'; \
	  od -An -v -tx1 core/vdso/vdso.so | sed 's/  *\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '};'; \
	  echo 'const unsigned long g_vdso_image_size = sizeof(g_vdso_image);'; } > $@.tmp && \
	  mv $@.tmp $@

check_PROGRAMS += tests/unit/vdso/test_vdso
tests_unit_vdso_test_vdso_SOURCES = tests/unit/vdso/test_vdso.c
tests_unit_vdso_test_vdso_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_vdso_test_vdso_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vdso_test_vdso_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vdso_test_vdso_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/vdso/test_vdso
