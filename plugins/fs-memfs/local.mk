# plugins/fs-memfs: build rules (included from the top Makefile.am).
plugins_LTLIBRARIES += plugins/fs-memfs/memfs.la
plugins_fs_memfs_memfs_la_SOURCES = \
	plugins/fs-memfs/memfs.h \
	plugins/fs-memfs/memfs_data.c \
	plugins/fs-memfs/memfs_dir.c \
	plugins/fs-memfs/memfs_namei.c \
	plugins/fs-memfs/memfs_namei.h \
	plugins/fs-memfs/memfs_ops.c \
	plugins/fs-memfs/memfs_plugin.c \
	plugins/fs-memfs/memfs_walk.c \
	plugins/fs-memfs/memfs_xattr.c
plugins_fs_memfs_memfs_la_CPPFLAGS = -DMEMFS_VERSION='"$(PACKAGE_VERSION)"'
plugins_fs_memfs_memfs_la_CFLAGS = $(PLUGIN_CCOPTS) -O2
plugins_fs_memfs_memfs_la_LDFLAGS = $(PLUGIN_LDOPTS)
plugins_fs_memfs_memfs_la_LIBADD = -lpthread

# Unit tests of memfs through the VFS (fixtures shared with tests/unit/vfs).
check_PROGRAMS += tests/unit/memfs/test_memfs
TESTS += tests/unit/memfs/test_memfs
tests_unit_memfs_test_memfs_SOURCES = tests/unit/memfs/test_memfs.c $(VFS_TEST_COMMON)
tests_unit_memfs_test_memfs_CPPFLAGS = $(VFS_TEST_CPPOPTS)
tests_unit_memfs_test_memfs_CFLAGS = $(UNIT_CCOPTS)
tests_unit_memfs_test_memfs_LDFLAGS = $(CORE_LDOPTS)
tests_unit_memfs_test_memfs_LDADD = $(UNIT_LIBS)
