# runsc, the OCI runtime.
# The Gofer's 9P server (runsc gofer), with the codec it shares with the fs-gofer9p plugin.
GOFER_SERVER_SOURCES = runtime/gofer/gofer.h runtime/gofer/server.c runtime/gofer/server_ops.c \
	runtime/gofer/server_internal.h $(P9_WIRE_SOURCES)
bin_PROGRAMS += runtime/runsc
runtime_runsc_CPPFLAGS = $(CORE_CPPOPTS) -I$(top_srcdir)/runtime -I$(top_srcdir)/plugins/fs-gofer9p
runtime_runsc_CFLAGS = $(CORE_CCOPTS) $(JSONC_CFLAGS)
runtime_runsc_LDFLAGS = $(CORE_LDOPTS)
runtime_runsc_LDADD = core/libsentry-core.la $(JSONC_LIBS)
runtime_runsc_SOURCES = \
	runtime/cmd_gofer.c \
	runtime/cmd_plugins.c \
	runtime/cmd_create.c \
	runtime/cmd_exec.c \
	runtime/cmd_state.c \
	runtime/confine.c \
	runtime/confine.h \
	runtime/container.c \
	runtime/container.h \
	runtime/control.c \
	runtime/control.h \
	runtime/sandbox.c \
	runtime/sandbox.h \
	runtime/seccomp_bpf.c \
	runtime/seccomp_bpf.h \
	runtime/cmd_spec.c \
	runtime/runsc.c \
	runtime/runsc.h \
	$(GOFER_SERVER_SOURCES)

# config.json parsing, container state directories and hooks: a convenience library shared by
# runsc and its unit tests.
noinst_LTLIBRARIES += runtime/liboci.la
runtime_liboci_la_CPPFLAGS = $(CORE_CPPOPTS)
runtime_liboci_la_CFLAGS = $(CORE_CCOPTS) $(JSONC_CFLAGS)
runtime_liboci_la_LIBADD = $(JSONC_LIBS)
runtime_liboci_la_SOURCES = \
	runtime/cgroup.c \
	runtime/cgroup.h \
	runtime/cgroup_internal.h \
	runtime/cgroup_layout.c \
	runtime/error.c \
	runtime/error.h \
	runtime/fileio.c \
	runtime/fileio.h \
	runtime/hooks.c \
	runtime/hooks.h \
	runtime/oci_config.c \
	runtime/oci_config.h \
	runtime/oci_default.c \
	runtime/oci_internal.h \
	runtime/oci_json.c \
	runtime/oci_json.h \
	runtime/oci_linux.c \
	runtime/oci_seccomp.c \
	runtime/state.c \
	runtime/state.h
runtime_runsc_LDADD += runtime/liboci.la

check_PROGRAMS += tests/unit/oci/test_oci_config
tests_unit_oci_test_oci_config_SOURCES = tests/unit/oci/test_oci_config.c
tests_unit_oci_test_oci_config_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/runtime
tests_unit_oci_test_oci_config_CFLAGS = $(UNIT_CCOPTS) $(JSONC_CFLAGS)
tests_unit_oci_test_oci_config_LDFLAGS = $(CORE_LDOPTS)
tests_unit_oci_test_oci_config_LDADD = runtime/liboci.la $(UNIT_LIBS) $(JSONC_LIBS)
TESTS += tests/unit/oci/test_oci_config

check_PROGRAMS += tests/unit/runtime/test_state
tests_unit_runtime_test_state_SOURCES = tests/unit/runtime/test_state.c
tests_unit_runtime_test_state_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/runtime
tests_unit_runtime_test_state_CFLAGS = $(UNIT_CCOPTS) $(JSONC_CFLAGS)
tests_unit_runtime_test_state_LDFLAGS = $(CORE_LDOPTS)
tests_unit_runtime_test_state_LDADD = runtime/liboci.la $(UNIT_LIBS) $(JSONC_LIBS)
TESTS += tests/unit/runtime/test_state

check_PROGRAMS += tests/unit/runtime/test_hooks
tests_unit_runtime_test_hooks_SOURCES = tests/unit/runtime/test_hooks.c
tests_unit_runtime_test_hooks_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/runtime
tests_unit_runtime_test_hooks_CFLAGS = $(UNIT_CCOPTS)
tests_unit_runtime_test_hooks_LDFLAGS = $(CORE_LDOPTS)
tests_unit_runtime_test_hooks_LDADD = runtime/liboci.la $(UNIT_LIBS)
TESTS += tests/unit/runtime/test_hooks

# The sandbox's host cgroup (runtime/cgroup.c): fake v1/v2 trees, and the real cgroupfs as root.
check_PROGRAMS += tests/unit/runtime/test_cgroup
tests_unit_runtime_test_cgroup_SOURCES = tests/unit/runtime/test_cgroup.c
tests_unit_runtime_test_cgroup_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/runtime
tests_unit_runtime_test_cgroup_CFLAGS = $(UNIT_CCOPTS)
tests_unit_runtime_test_cgroup_LDFLAGS = $(CORE_LDOPTS)
tests_unit_runtime_test_cgroup_LDADD = runtime/liboci.la $(UNIT_LIBS) $(JSONC_LIBS)
TESTS += tests/unit/runtime/test_cgroup

# linux.seccomp's compiler, run through the Sentry's validator and interpreter.
check_PROGRAMS += tests/unit/runtime/test_seccomp_bpf
tests_unit_runtime_test_seccomp_bpf_SOURCES = tests/unit/runtime/test_seccomp_bpf.c \
	runtime/seccomp_bpf.c runtime/seccomp_bpf.h
tests_unit_runtime_test_seccomp_bpf_CPPFLAGS = $(UNIT_CPPOPTS) -I$(top_srcdir)/runtime
tests_unit_runtime_test_seccomp_bpf_CFLAGS = $(UNIT_CCOPTS) $(JSONC_CFLAGS)
tests_unit_runtime_test_seccomp_bpf_LDFLAGS = $(CORE_LDOPTS)
tests_unit_runtime_test_seccomp_bpf_LDADD = runtime/liboci.la $(UNIT_LIBS) $(JSONC_LIBS)
TESTS += tests/unit/runtime/test_seccomp_bpf
