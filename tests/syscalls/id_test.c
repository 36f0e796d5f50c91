/*
 * Identities: pid/tid/ppid relations, the uid/gid family and uname. The ids themselves differ
 * between a native run (root on the build machine) and the sandbox, so only relations that
 * hold in both are printed. To check the EPERM cases in both, a privileged run first drops to
 * an unprivileged uid and gid, as any non-root caller already is.
 */
#include "expect.h"

#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define BAD_PTR ((void *)1)
#define NOBODY 65534

static void test_pids(void)
{
	long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid), ppid = syscall(SYS_getppid);
	expect_true("getpid > 0", pid > 0);
	expect_true("gettid == getpid in a single-threaded process", tid == pid);
	expect_true("getppid >= 0", ppid >= 0);
	expect_true("getppid != getpid", ppid != pid);
	expect_true("getpid stable", syscall(SYS_getpid) == pid);
	/* Static: the kernel clears this word at exit, after main's frame is gone. */
	static int tid_word;
	expect_true("set_tid_address returns the tid",
		    syscall(SYS_set_tid_address, &tid_word) == tid);
}

static void test_ids_consistent(const char *when)
{
	char what[96];
	uid_t r, e, s;
	gid_t gr, ge, gs;
	snprintf(what, sizeof(what), "%s: getresuid", when);
	expect_ok(what, syscall(SYS_getresuid, &r, &e, &s));
	snprintf(what, sizeof(what), "%s: getuid/geteuid agree with getresuid", when);
	expect_true(what, syscall(SYS_getuid) == (long)r && syscall(SYS_geteuid) == (long)e);
	snprintf(what, sizeof(what), "%s: getresgid", when);
	expect_ok(what, syscall(SYS_getresgid, &gr, &ge, &gs));
	snprintf(what, sizeof(what), "%s: getgid/getegid agree with getresgid", when);
	expect_true(what, syscall(SYS_getgid) == (long)gr && syscall(SYS_getegid) == (long)ge);
	snprintf(what, sizeof(what), "%s: real, effective and saved uid equal", when);
	expect_true(what, r == e && e == s);
	snprintf(what, sizeof(what), "%s: real, effective and saved gid equal", when);
	expect_true(what, gr == ge && ge == gs);
}

static void test_set_same(const char *when)
{
	char what[96];
	long uid = syscall(SYS_getuid), gid = syscall(SYS_getgid);
	snprintf(what, sizeof(what), "%s: setuid to the own uid", when);
	expect_ok(what, syscall(SYS_setuid, uid));
	snprintf(what, sizeof(what), "%s: setgid to the own gid", when);
	expect_ok(what, syscall(SYS_setgid, gid));
	snprintf(what, sizeof(what), "%s: setresuid -1 -1 -1", when);
	expect_ok(what, syscall(SYS_setresuid, -1, -1, -1));
	snprintf(what, sizeof(what), "%s: setresgid -1 -1 -1", when);
	expect_ok(what, syscall(SYS_setresgid, -1, -1, -1));
	snprintf(what, sizeof(what), "%s: setreuid -1 -1", when);
	expect_ok(what, syscall(SYS_setreuid, -1, -1));
	snprintf(what, sizeof(what), "%s: setregid own own", when);
	expect_ok(what, syscall(SYS_setregid, gid, gid));
	snprintf(what, sizeof(what), "%s: getresuid bad pointer", when);
	expect_errno(what, syscall(SYS_getresuid, BAD_PTR, BAD_PTR, BAD_PTR), EFAULT);
	snprintf(what, sizeof(what), "%s: getresgid bad pointer", when);
	expect_errno(what, syscall(SYS_getresgid, BAD_PTR, BAD_PTR, BAD_PTR), EFAULT);
}

static void test_unprivileged(void)
{
	/* A root caller becomes nobody; a non-root caller already is unprivileged. */
	if (syscall(SYS_geteuid) == 0) {
		(void)syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY);
		(void)syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY);
	}
	long uid = syscall(SYS_getuid), gid = syscall(SYS_getgid);
	expect_true("unprivileged now", uid != 0 && syscall(SYS_geteuid) != 0);
	test_ids_consistent("unprivileged");
	test_set_same("unprivileged");
	/* An id that is neither ours nor root's: root if we are not, else 1. */
	long other = uid == 1 ? 2 : 1;
	expect_errno("setuid to root", syscall(SYS_setuid, 0), EPERM);
	expect_errno("setuid to another uid", syscall(SYS_setuid, other), EPERM);
	expect_errno("setgid to root's group", syscall(SYS_setgid, gid == 0 ? 1 : 0), EPERM);
	expect_errno("setresuid real to another uid", syscall(SYS_setresuid, other, -1, -1), EPERM);
	expect_errno("setresuid saved to another uid", syscall(SYS_setresuid, -1, -1, other), EPERM);
	expect_errno("setresgid effective to another gid",
		     syscall(SYS_setresgid, -1, gid == 1 ? 2 : 1, -1), EPERM);
	expect_errno("setreuid to another uid", syscall(SYS_setreuid, other, other), EPERM);
	expect_errno("setregid to another gid", syscall(SYS_setregid, gid == 1 ? 2 : 1, -1), EPERM);
	expect_true("ids unchanged by the refusals",
		    syscall(SYS_getuid) == uid && syscall(SYS_getgid) == gid);
}

static void test_uname(void)
{
	struct utsname u;
	expect_ok("uname", syscall(SYS_uname, &u));
	expect_str("uname sysname", u.sysname, "Linux");
	expect_str("uname machine", u.machine, "x86_64");
	expect_true("uname release set", u.release[0] != '\0');
	expect_true("uname version set", u.version[0] != '\0');
	expect_true("uname nodename set", u.nodename[0] != '\0');
	expect_errno("uname bad pointer", syscall(SYS_uname, BAD_PTR), EFAULT);
}

int main(void)
{
	test_pids();
	test_uname();
	test_ids_consistent("start");
	test_set_same("start");
	test_unprivileged();
	return expect_status();
}
