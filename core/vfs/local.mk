# core/vfs: build rules (included from the top Makefile.am).
VFS_CORE_SOURCES = \
	core/dev/dev.h \
	core/dev/mem.c \
	core/vfs/anon.c \
	core/vfs/attr.c \
	core/vfs/bind.c \
	core/vfs/dpath.c \
	core/vfs/file.c \
	core/vfs/lock.c \
	core/vfs/mount.c \
	core/vfs/ops.c \
	core/vfs/resolve.c \
	core/vfs/vfs.h \
	core/vfs/vfs_internal.h \
	core/vfs/walk.c \
	core/vfs/walk.h
core_libsentry_core_la_SOURCES += $(VFS_CORE_SOURCES)
EXTRA_DIST += core/vfs/README.md

# Unit tests: they load the real memfs plugin through the loader.
VFS_TEST_CPPOPTS = $(UNIT_CPPOPTS) -I$(top_srcdir)/tests/unit/vfs \
	-DMEMFS_SO='"$(abs_top_builddir)/plugins/fs-memfs/.libs/memfs.so"'
VFS_TEST_COMMON = tests/unit/vfs/vfs_test.c tests/unit/vfs/vfs_test.h
VFS_TESTS = tests/unit/vfs/test_path tests/unit/vfs/test_mount tests/unit/vfs/test_ops \
	tests/unit/vfs/test_file tests/unit/vfs/test_dpath \
	tests/unit/vfs/test_lock
check_PROGRAMS += $(VFS_TESTS)
TESTS += $(VFS_TESTS)

tests_unit_vfs_test_path_SOURCES = tests/unit/vfs/test_path.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_path_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_path_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_path_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_path_LDADD = $(UNIT_LIBS)

tests_unit_vfs_test_mount_SOURCES = tests/unit/vfs/test_mount.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_mount_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_mount_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_mount_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_mount_LDADD = $(UNIT_LIBS)

tests_unit_vfs_test_ops_SOURCES = tests/unit/vfs/test_ops.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_ops_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_ops_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_ops_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_ops_LDADD = $(UNIT_LIBS)

tests_unit_vfs_test_file_SOURCES = tests/unit/vfs/test_file.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_file_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_file_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_file_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_file_LDADD = $(UNIT_LIBS)

tests_unit_vfs_test_dpath_SOURCES = tests/unit/vfs/test_dpath.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_dpath_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_dpath_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_dpath_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_dpath_LDADD = $(UNIT_LIBS)

tests_unit_vfs_test_lock_SOURCES = tests/unit/vfs/test_lock.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_lock_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_vfs_test_lock_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_lock_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_lock_LDADD = $(UNIT_LIBS)
