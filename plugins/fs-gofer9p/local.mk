# plugins/fs-gofer9p: build rules (included from the top Makefile.am).
#
# p9_wire.{h,c} is the 9P2000.L codec; it depends on libc only, so the plugin, runsc's Gofer
# and the tests each compile it in rather than link a library.
P9_WIRE_SOURCES = plugins/fs-gofer9p/p9_wire.c plugins/fs-gofer9p/p9_wire.h

# Codec unit tests.
check_PROGRAMS += tests/unit/p9/test_p9_wire
tests_unit_p9_test_p9_wire_SOURCES = tests/unit/p9/test_p9_wire.c $(P9_WIRE_SOURCES)
tests_unit_p9_test_p9_wire_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/plugins/fs-gofer9p
tests_unit_p9_test_p9_wire_CFLAGS = $(UNIT_CCOPTS)
tests_unit_p9_test_p9_wire_LDFLAGS = $(CORE_LDOPTS)
tests_unit_p9_test_p9_wire_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/p9/test_p9_wire

# Decoder fuzzer: tests/fuzz/run.sh builds it with clang outside automake; make check runs it
# for 20 s through fuzz.test (skipped, 77, without clang and libclang-rt-dev).
TESTS += tests/fuzz/fuzz.test
EXTRA_DIST += tests/fuzz/fuzz.test tests/fuzz/run.sh tests/fuzz/fuzz_p9_decode.c \
	tests/fuzz/p9_seeds.c

# The hostdir Gofer backend plugin.
plugins_LTLIBRARIES += plugins/fs-gofer9p/hostdir.la
plugins_fs_gofer9p_hostdir_la_SOURCES = plugins/fs-gofer9p/hostdir.c \
	plugins/fs-gofer9p/hostdir_mod.c plugins/fs-gofer9p/hostdir.h
plugins_fs_gofer9p_hostdir_la_LDFLAGS = $(PLUGIN_LDOPTS)

# hostdir tests: load the built plugin through the loader and call its ops on a temp tree.
check_PROGRAMS += tests/unit/hostdir/test_hostdir
tests_unit_hostdir_test_hostdir_SOURCES = tests/unit/hostdir/test_hostdir.c
tests_unit_hostdir_test_hostdir_CPPFLAGS = $(UNIT_CPPOPTS) \
	-DHOSTDIR_PLUGIN='"$(abs_top_builddir)/plugins/fs-gofer9p/.libs/hostdir.so"'
tests_unit_hostdir_test_hostdir_CFLAGS = $(UNIT_CCOPTS)
tests_unit_hostdir_test_hostdir_LDFLAGS = $(CORE_LDOPTS)
tests_unit_hostdir_test_hostdir_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_hostdir_test_hostdir_DEPENDENCIES = plugins/fs-gofer9p/hostdir.la
TESTS += tests/unit/hostdir/test_hostdir

# The fs-gofer9p filesystem plugin ("9p"): the Sentry's client of the Gofer.
plugins_LTLIBRARIES += plugins/fs-gofer9p/gofer9p.la
plugins_fs_gofer9p_gofer9p_la_SOURCES = $(P9_WIRE_SOURCES) \
	plugins/fs-gofer9p/p9_client.c plugins/fs-gofer9p/p9_client.h \
	plugins/fs-gofer9p/p9fs.h plugins/fs-gofer9p/p9fs_cache.c \
	plugins/fs-gofer9p/p9fs_data.c plugins/fs-gofer9p/p9fs_namei.c \
	plugins/fs-gofer9p/p9fs_ops.c plugins/fs-gofer9p/p9fs_plugin.c \
	plugins/fs-gofer9p/p9fs_walk.c
plugins_fs_gofer9p_gofer9p_la_LDFLAGS = $(PLUGIN_LDOPTS) -lpthread

# The VFS test bodies of tests/unit/vfs again, with a Gofer-served host directory as the root
# (vfs_test.c with VT_FS_9P starts `runsc gofer` per test).
VFS9P_CPPOPTS = $(VFS_TEST_CPPOPTS) -DVT_FS_9P \
	-DNINEP_SO='"$(abs_top_builddir)/plugins/fs-gofer9p/.libs/gofer9p.so"' \
	-DRUNSC='"$(abs_top_builddir)/runtime/runsc"' \
	-DGOFER_PLUGIN_DIR='"$(abs_top_builddir)/plugins/fs-gofer9p/.libs"'
VFS9P_DEPS = plugins/fs-gofer9p/gofer9p.la plugins/fs-gofer9p/hostdir.la \
	plugins/fs-memfs/memfs.la runtime/runsc$(EXEEXT)
VFS9P_TESTS = tests/unit/vfs/test_path_9p tests/unit/vfs/test_mount_9p \
	tests/unit/vfs/test_ops_9p tests/unit/vfs/test_file_9p
check_PROGRAMS += $(VFS9P_TESTS)
TESTS += $(VFS9P_TESTS)

tests_unit_vfs_test_path_9p_SOURCES = tests/unit/vfs/test_path.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_path_9p_CPPFLAGS = $(VFS9P_CPPOPTS)
tests_unit_vfs_test_path_9p_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_path_9p_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_path_9p_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_vfs_test_path_9p_DEPENDENCIES = $(VFS9P_DEPS)

tests_unit_vfs_test_mount_9p_SOURCES = tests/unit/vfs/test_mount.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_mount_9p_CPPFLAGS = $(VFS9P_CPPOPTS)
tests_unit_vfs_test_mount_9p_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_mount_9p_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_mount_9p_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_vfs_test_mount_9p_DEPENDENCIES = $(VFS9P_DEPS)

tests_unit_vfs_test_ops_9p_SOURCES = tests/unit/vfs/test_ops.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_ops_9p_CPPFLAGS = $(VFS9P_CPPOPTS)
tests_unit_vfs_test_ops_9p_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_ops_9p_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_ops_9p_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_vfs_test_ops_9p_DEPENDENCIES = $(VFS9P_DEPS)

tests_unit_vfs_test_file_9p_SOURCES = tests/unit/vfs/test_file.c $(VFS_TEST_COMMON)
tests_unit_vfs_test_file_9p_CPPFLAGS = $(VFS9P_CPPOPTS)
tests_unit_vfs_test_file_9p_CFLAGS = $(UNIT_CCOPTS)
tests_unit_vfs_test_file_9p_LDFLAGS = $(CORE_LDOPTS)
tests_unit_vfs_test_file_9p_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_vfs_test_file_9p_DEPENDENCIES = $(VFS9P_DEPS)

# The Gofer at the wire level (a raw client), and fs-gofer9p's own cases (escapes, read-only,
# round trips, page cache, pipelining), both over real `runsc gofer` processes.
GOFER_TESTS = tests/unit/gofer/test_gofer_server tests/unit/gofer/test_fs9p
check_PROGRAMS += $(GOFER_TESTS)
TESTS += $(GOFER_TESTS)
tests_unit_gofer_test_gofer_server_SOURCES = tests/unit/gofer/test_gofer_server.c \
	$(VFS_TEST_COMMON) $(P9_WIRE_SOURCES)
tests_unit_gofer_test_gofer_server_CPPFLAGS = $(VFS9P_CPPOPTS) -I$(top_srcdir)/plugins/fs-gofer9p
tests_unit_gofer_test_gofer_server_CFLAGS = $(UNIT_CCOPTS)
tests_unit_gofer_test_gofer_server_LDFLAGS = $(CORE_LDOPTS)
tests_unit_gofer_test_gofer_server_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_gofer_test_gofer_server_DEPENDENCIES = $(VFS9P_DEPS)
tests_unit_gofer_test_fs9p_SOURCES = tests/unit/gofer/test_fs9p.c $(VFS_TEST_COMMON)
tests_unit_gofer_test_fs9p_CPPFLAGS = $(VFS9P_CPPOPTS) -I$(top_srcdir)/plugins/fs-gofer9p
tests_unit_gofer_test_fs9p_CFLAGS = $(UNIT_CCOPTS)
tests_unit_gofer_test_fs9p_LDFLAGS = $(CORE_LDOPTS)
tests_unit_gofer_test_fs9p_LDADD = $(UNIT_LIBS) -lpthread
EXTRA_tests_unit_gofer_test_fs9p_DEPENDENCIES = $(VFS9P_DEPS)
