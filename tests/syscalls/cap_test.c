/*
 * capget(2) and capset(2) as root: the header's versions (an unknown one is EINVAL with version
 * 3 written back, and a NULL data pointer only asks), the sets read back, capset's rules
 * (permitted only shrinks, effective within permitted, only the caller), bad pointers. The
 * shrinking cases run in a child, so the parent keeps its capabilities.
 */
#include "expect.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)
#define NET_RAW_BIT (1u << CAP_NET_RAW)

static long cget(uint32_t version, int pid, struct __user_cap_data_struct *d)
{
	struct __user_cap_header_struct h = { version, pid };
	return syscall(SYS_capget, &h, d);
}

static long cset(uint32_t version, int pid, const struct __user_cap_data_struct *d)
{
	struct __user_cap_header_struct h = { version, pid };
	return syscall(SYS_capset, &h, d);
}

static void test_get(void)
{
	struct __user_cap_data_struct d[2];
	expect_ok("capget v3 of ourselves", cget(_LINUX_CAPABILITY_VERSION_3, 0, d));
	expect_true("root's effective set holds CAP_CHOWN and CAP_NET_RAW",
		    (d[0].effective & 1) && (d[0].effective & NET_RAW_BIT));
	expect_true("permitted equals effective", d[0].permitted == d[0].effective &&
						  d[1].permitted == d[1].effective);
	expect_eq("inheritable is empty", (long)(d[0].inheritable | d[1].inheritable), 0);
	expect_ok("capget v1", cget(_LINUX_CAPABILITY_VERSION_1, 0, d));
	expect_ok("capget v2", cget(_LINUX_CAPABILITY_VERSION_2, 0, d));
	expect_ok("capget by our own pid", cget(_LINUX_CAPABILITY_VERSION_3, getpid(), d));
	struct __user_cap_header_struct h = { 0x12345678, 0 };
	expect_errno("capget of an unknown version", syscall(SYS_capget, &h, d), EINVAL);
	expect_true("the kernel wrote back version 3", h.version == _LINUX_CAPABILITY_VERSION_3);
	h.version = 0x12345678;
	expect_ok("capget of an unknown version, NULL data", syscall(SYS_capget, &h, NULL));
	expect_errno("capget of pid -1", cget(_LINUX_CAPABILITY_VERSION_3, -1, d), EINVAL);
	expect_errno("capget of no such pid", cget(_LINUX_CAPABILITY_VERSION_3, 0x3ffffff0, d),
		     ESRCH);
	expect_errno("capget, bad header", syscall(SYS_capget, BAD_PTR, d), EFAULT);
	expect_errno("capget, bad data", cget(_LINUX_CAPABILITY_VERSION_3, 0, BAD_PTR), EFAULT);
}

static void test_set_in_child(void)
{
	pid_t c = fork();
	if (c == 0) {
		struct __user_cap_data_struct d[2], now[2];
		cget(_LINUX_CAPABILITY_VERSION_3, 0, d);
		d[0].effective &= ~NET_RAW_BIT;
		expect_ok("capset: CAP_NET_RAW out of effective", cset(_LINUX_CAPABILITY_VERSION_3, 0, d));
		cget(_LINUX_CAPABILITY_VERSION_3, 0, now);
		expect_eq("effective lacks it", (long)(now[0].effective & NET_RAW_BIT), 0);
		expect_true("permitted keeps it", (now[0].permitted & NET_RAW_BIT) != 0);
		d[0].effective |= NET_RAW_BIT;
		expect_ok("capset: back into effective", cset(_LINUX_CAPABILITY_VERSION_3, 0, d));
		d[0].permitted &= ~NET_RAW_BIT;
		expect_errno("capset: effective beyond permitted",
			     cset(_LINUX_CAPABILITY_VERSION_3, 0, d), EPERM);
		d[0].effective &= ~NET_RAW_BIT;
		expect_ok("capset: CAP_NET_RAW out of permitted", cset(_LINUX_CAPABILITY_VERSION_3, 0, d));
		d[0].permitted |= NET_RAW_BIT;
		expect_errno("capset: permitted cannot grow back",
			     cset(_LINUX_CAPABILITY_VERSION_3, 0, d), EPERM);
		d[0].permitted &= ~NET_RAW_BIT;
		expect_errno("capset of another process", cset(_LINUX_CAPABILITY_VERSION_3, getppid(), d),
			     EPERM);
		expect_errno("capset, bad data", cset(_LINUX_CAPABILITY_VERSION_3, 0, BAD_PTR), EFAULT);
		expect_errno("capset of an unknown version", cset(0x12345678, 0, d), EINVAL);
		fflush(stdout);
		_exit(expect_status());
	}
	int st = 0;
	waitpid(c, &st, 0);
	expect_eq("the child's cases", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	struct __user_cap_data_struct d[2];
	expect_ok("capget of the parent afterwards", cget(_LINUX_CAPABILITY_VERSION_3, 0, d));
	expect_true("the parent kept CAP_NET_RAW", (d[0].effective & NET_RAW_BIT) != 0);
}

/* After execve: the exec'd copy reports whether it holds CAP_NET_RAW (permitted, effective)
 * in its exit status: 1 | 2. */
static int exec_report(void)
{
	struct __user_cap_data_struct d[2];
	if (cget(_LINUX_CAPABILITY_VERSION_3, 0, d) < 0)
		return 100;
	return ((d[0].permitted & NET_RAW_BIT) ? 1 : 0) | ((d[0].effective & NET_RAW_BIT) ? 2 : 0);
}

/* Runs a child that prepares (@how), then execs us to report. */
static int exec_after(int how)
{
	pid_t c = fork();
	if (c == 0) {
		struct __user_cap_data_struct d[2];
		cget(_LINUX_CAPABILITY_VERSION_3, 0, d);
		if (how == 1) {	/* out of effective and permitted */
			d[0].effective &= ~NET_RAW_BIT;
			d[0].permitted &= ~NET_RAW_BIT;
			cset(_LINUX_CAPABILITY_VERSION_3, 0, d);
		} else if (how == 2) {	/* out of the bounding set */
			prctl(PR_CAPBSET_DROP, CAP_NET_RAW, 0, 0, 0);
		} else if (how == 3) {	/* no longer root */
			if (syscall(SYS_setresuid, 1000, 1000, 1000) < 0)
				_exit(101);
		}
		char *argv[] = { "cap_test", "report", NULL };
		execve("/proc/self/exe", argv, (char *[]){ NULL });
		_exit(102);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_exec(void)
{
	expect_eq("root execs with CAP_NET_RAW permitted and effective", exec_after(0), 3);
	expect_eq("dropped by capset, root gets it back at exec", exec_after(1), 3);
	expect_eq("dropped from the bounding set, gone after exec", exec_after(2), 0);
	expect_eq("not root: no capabilities after exec", exec_after(3), 0);
}

/* The exec'd set-ID copy reports: euid 1000 (1), egid 2000 (2), real IDs 0 (4), AT_SECURE (8),
 * saved uid 1000 (16). */
static int ids_report(void)
{
	uid_t r, e, sv;
	getresuid(&r, &e, &sv);
	return (geteuid() == 1000 ? 1 : 0) | (getegid() == 2000 ? 2 : 0) |
	       (getuid() == 0 && getgid() == 0 ? 4 : 0) | (getauxval(AT_SECURE) ? 8 : 0) |
	       (sv == 1000 ? 16 : 0);
}

/* Execs @path in a child (with no_new_privs first when @nnp); its exit status. */
/* What PR_GET_DUMPABLE says after an exec, as the exit status. */
static int dumpable_report(void)
{
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}

static int run_copy(const char *path, int nnp)
{
	pid_t c = fork();
	if (c == 0) {
		if (nnp)
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		char *argv[] = { "cap_test", "ids", NULL };
		execve(path, argv, (char *[]){ NULL });
		_exit(102);
	}
	int st = 0;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A copy of this program owned by 1000:2000: set-user-ID, then set-group-ID too. */
static void test_setid_exec(void)
{
	char path[] = "/tmp/cap_test_setid.XXXXXX";
	int out = mkstemp(path), in = open("/proc/self/exe", O_RDONLY);
	char buf[65536];
	ssize_t n;
	int ok = out >= 0 && in >= 0;
	while (ok && (n = read(in, buf, sizeof(buf))) > 0)
		ok = write(out, buf, (size_t)n) == n;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	expect_true("a copy of the program", ok);
	expect_ok("chown 1000:2000", chown(path, 1000, 2000));
	expect_ok("chmod 04755", chmod(path, 04755));
	expect_eq("set-user-ID exec: euid and saved uid 1000, real 0, AT_SECURE", run_copy(path, 0),
		  1 | 4 | 8 | 16);
	expect_ok("chmod 06755", chmod(path, 06755));
	expect_eq("set-group-ID too: egid 2000", run_copy(path, 0), 1 | 2 | 4 | 8 | 16);
	expect_eq("under no_new_privs: neither", run_copy(path, 1), 4);
	expect_ok("chmod 02745 (no group execute: no set-group-ID)", chmod(path, 02745));
	expect_eq("then egid stays", run_copy(path, 0), 4);
	unlink(path);
}

/* PR_SET_DUMPABLE 0 lasts until the next exec of an image that is not set-ID. */
static void test_exec_dumpable(void)
{
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		char *argv[] = { "cap_test", "dumpable", NULL };
		execve("/proc/self/exe", argv, (char *[]){ NULL });
		_exit(102);
	}
	int st = 0;
	waitpid(c, &st, 0);
	expect_eq("not dumpable, then exec: dumpable again", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "report"))
		return exec_report();
	if (argc > 1 && !strcmp(argv[1], "ids"))
		return ids_report();
	if (argc > 1 && !strcmp(argv[1], "dumpable"))
		return dumpable_report();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("not root: skipped\n");
		return 0;
	}
	test_get();
	test_set_in_child();
	test_exec();
	test_setid_exec();
	test_exec_dumpable();
	return expect_status();
}
