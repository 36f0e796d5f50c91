# Tests. Every test is an executable or a script whose exit status is the verdict (77 = skip);
# Criterion binaries print their own summary into the .log files.
AM_TESTS_ENVIRONMENT = \
	abs_top_builddir='$(abs_top_builddir)'; export abs_top_builddir; \
	abs_top_srcdir='$(abs_top_srcdir)'; export abs_top_srcdir; \
	TEST_PLUGIN_BUILD_DIR='$(abs_top_builddir)/tests/plugins/.libs'; export TEST_PLUGIN_BUILD_DIR; \
	RUNSC='$(abs_top_builddir)/runtime/runsc'; export RUNSC; \
	CVISOR_PLUGIN_DIR='$(abs_top_builddir)/plugins.d'; export CVISOR_PLUGIN_DIR; \
	CC='$(CC)'; export CC; MAKE='$(MAKE)'; export MAKE; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS; \
	LSAN_OPTIONS='suppressions=$(abs_top_srcdir)/tests/lsan.supp'; export LSAN_OPTIONS;

# Test plugins: one skeleton per kind (also the SDK's examples) and one bad plugin per refusal.
SKEL_PLUGINS = tests/plugins/skel_platform.la tests/plugins/skel_fs.la \
	tests/plugins/skel_net.la tests/plugins/skel_gofer.la
BAD_PLUGINS = tests/plugins/bad_magic.la tests/plugins/bad_major.la tests/plugins/bad_kind.la \
	tests/plugins/no_symbol.la tests/plugins/small_ops.la tests/plugins/null_mandatory.la \
	tests/plugins/null_nested.la tests/plugins/dup_name.la tests/plugins/bad_name.la \
	tests/plugins/unterminated.la tests/plugins/newer_minor.la
check_LTLIBRARIES += $(SKEL_PLUGINS) $(BAD_PLUGINS)

SKEL_PLATFORM_OPS = tests/plugins/skel_platform_ops.c tests/plugins/bad/bad_common.h
tests_plugins_skel_platform_la_SOURCES = tests/plugins/skel_platform.c $(SKEL_PLATFORM_OPS)
tests_plugins_skel_fs_la_SOURCES = tests/plugins/skel_fs.c
tests_plugins_skel_net_la_SOURCES = tests/plugins/skel_net.c
tests_plugins_skel_gofer_la_SOURCES = tests/plugins/skel_gofer.c

# Each bad plugin is the skeleton platform's ops behind one broken descriptor.
tests_plugins_bad_magic_la_SOURCES = tests/plugins/bad/bad_magic.c $(SKEL_PLATFORM_OPS)
tests_plugins_bad_major_la_SOURCES = tests/plugins/bad/bad_major.c $(SKEL_PLATFORM_OPS)
tests_plugins_bad_kind_la_SOURCES = tests/plugins/bad/bad_kind.c $(SKEL_PLATFORM_OPS)
tests_plugins_no_symbol_la_SOURCES = tests/plugins/bad/no_symbol.c $(SKEL_PLATFORM_OPS)
tests_plugins_small_ops_la_SOURCES = tests/plugins/bad/small_ops.c $(SKEL_PLATFORM_OPS)
tests_plugins_null_mandatory_la_SOURCES = tests/plugins/bad/null_mandatory.c $(SKEL_PLATFORM_OPS)
tests_plugins_null_nested_la_SOURCES = tests/plugins/bad/null_nested.c $(SKEL_PLATFORM_OPS)
tests_plugins_dup_name_la_SOURCES = tests/plugins/bad/dup_name.c $(SKEL_PLATFORM_OPS)
tests_plugins_bad_name_la_SOURCES = tests/plugins/bad/bad_name.c $(SKEL_PLATFORM_OPS)
tests_plugins_unterminated_la_SOURCES = tests/plugins/bad/unterminated.c $(SKEL_PLATFORM_OPS)
tests_plugins_newer_minor_la_SOURCES = tests/plugins/bad/newer_minor.c $(SKEL_PLATFORM_OPS)

# All test plugins link as modules; -rpath makes libtool build them shared at all.
tests_plugins_skel_platform_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_skel_fs_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_skel_net_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_skel_gofer_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_bad_magic_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_bad_major_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_bad_kind_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
# no_symbol exports the wrong symbol on purpose, so it cannot use the export list.
tests_plugins_no_symbol_la_LDFLAGS = -module -avoid-version -shared -no-undefined -rpath /nowhere
tests_plugins_small_ops_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_null_mandatory_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_null_nested_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_dup_name_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_bad_name_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_unterminated_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)
tests_plugins_newer_minor_la_LDFLAGS = $(TEST_PLUGIN_LDOPTS)

# Unit tests (Criterion), sanitized with the core.
UNIT_CPPOPTS = $(CORE_CPPOPTS) -I$(top_srcdir)/tests/unit
UNIT_CCOPTS = $(CORE_CCOPTS) $(CRITERION_CFLAGS)
UNIT_LIBS = core/libsentry-core.la $(CRITERION_LIBS)

check_PROGRAMS += tests/unit/plugin/test_loader
tests_unit_plugin_test_loader_SOURCES = tests/unit/plugin/test_loader.c
tests_unit_plugin_test_loader_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_plugin_test_loader_CFLAGS = $(UNIT_CCOPTS)
tests_unit_plugin_test_loader_LDFLAGS = $(CORE_LDOPTS)
tests_unit_plugin_test_loader_LDADD = $(UNIT_LIBS)

SCRIPT_TESTS = tests/sdk/headers.sh tests/sdk/out_of_tree.sh tests/e2e/plugins_cli.sh \
	tests/e2e/spec_cli.sh
EXTRA_DIST += $(SCRIPT_TESTS) tests/lsan.supp

TESTS += tests/unit/plugin/test_loader $(SCRIPT_TESTS)


check_PROGRAMS += tests/unit/plugin/test_services
tests_unit_plugin_test_services_SOURCES = tests/unit/plugin/test_services.c
tests_unit_plugin_test_services_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_plugin_test_services_CFLAGS = $(UNIT_CCOPTS)
tests_unit_plugin_test_services_LDFLAGS = $(CORE_LDOPTS)
tests_unit_plugin_test_services_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/plugin/test_services

# The busybox bundle (tests/e2e/mkbundle.sh), checked natively with chroot. busybox_runsc.sh
# runs the same cases through cvisor's `runsc run`; it joins TESTS when `runsc run` works.
TESTS += tests/e2e/busybox_native.sh tests/e2e/busybox_runsc.sh
EXTRA_DIST += tests/e2e/mkbundle.sh tests/e2e/busybox.sh tests/e2e/busybox_native.sh \
	tests/e2e/busybox_runsc.sh

# podman with cvisor's runsc as its OCI runtime: the acceptance test for the lifecycle commands
# (create, start, exec, kill, delete), validated against gVisor's runsc. It builds its image
# and static helpers itself, and skips without podman or root.
TESTS += tests/e2e/podman.sh
EXTRA_DIST += tests/e2e/podman.sh tests/e2e/sigcatch.c tests/e2e/memhog.c

# The OCI lifecycle through runsc's own command line: create/start/state/list/ps/exec/kill/wait/
# events/delete, exit statuses, bad configs leaving nothing behind, concurrent invocations.
TESTS += tests/e2e/lifecycle.sh
EXTRA_DIST += tests/e2e/lifecycle.sh

# Real programs on a Debian 12 rootfs (issue #7's acceptance test): bash pipelines, subshells,
# traps and job control, coreutils, python3 threads, subprocess, multiprocessing, signals and
# select, ps. Validated against gVisor's runsc. debian_rootfs.sh builds the rootfs once per
# machine (debootstrap, cached in /var/cache/cvisor); without root or a rootfs it skips.
TESTS += tests/e2e/debian.sh
EXTRA_DIST += tests/e2e/debian.sh tests/e2e/debian_rootfs.sh

# config.json's linux.seccomp (issue #9): a small profile's ERRNO data, argument conditions and
# inheritance, and containers-common's Docker-derived profile (when the host has it) letting
# a shell and python3 work while blocking what it blocks. Needs root and the Debian rootfs.
TESTS += tests/e2e/seccomp_oci.sh
EXTRA_DIST += tests/e2e/seccomp_oci.sh tests/e2e/seccomp_profile.py

# Escape tests (issue #9): escape.c, built static into a busybox bundle, tries from inside a
# `runsc run --network=none` container to reach the host (paths, raw system calls, ptrace,
# mounts, /proc, kill, sockets); escape.sh checks the host side, and from outside the Sentry's
# and the Gofer's confinement (counted only under ESCAPE_EXPECT_CONFINED=1 until runsc
# confines them). Skips without root.
TESTS += tests/e2e/escape.sh
EXTRA_DIST += tests/e2e/escape.sh tests/e2e/escape.c

# The NETLINK_ROUTE message walk's bounds checks (core/net/netlink_route.c).
check_PROGRAMS += tests/unit/net/test_netlink
tests_unit_net_test_netlink_SOURCES = tests/unit/net/test_netlink.c
tests_unit_net_test_netlink_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_net_test_netlink_CFLAGS = $(UNIT_CCOPTS)
tests_unit_net_test_netlink_LDFLAGS = $(CORE_LDOPTS)
tests_unit_net_test_netlink_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/net/test_netlink
