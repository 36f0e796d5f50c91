/*
 * Credentials and process groups with good and bad inputs: setuid/setgid, setreuid/setregid,
 * setresuid/setresgid, getresuid/getresgid, setfsuid/setfsgid, getgroups/setgroups, dropping
 * and regaining privilege through the saved IDs, and the process-group calls. Starts as root
 * with every capability, natively and in the sandbox. Raw system calls: glibc's wrappers would
 * broadcast to threads and hide nothing here, but raw calls keep the errno the kernel gave.
 */
#include "verdict.h"

#include <limits.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show_ids(const char *name)
{
	unsigned r, e, s, gr, ge, gs;
	syscall(SYS_getresuid, &r, &e, &s);
	syscall(SYS_getresgid, &gr, &ge, &gs);
	long fsu = syscall(SYS_setfsuid, -1), fsg = syscall(SYS_setfsgid, -1);
	printf("%s: uid %u %u %u fsuid %ld, gid %u %u %u fsgid %ld\n", name, r, e, s, fsu, gr, ge,
	       gs, fsg);
}

static void test_uid(void)
{
	show_ids("start");
	verdict("getresuid bad pointer", syscall(SYS_getresuid, BAD_PTR, BAD_PTR, BAD_PTR));
	unsigned x;
	verdict("getresgid bad third", syscall(SYS_getresgid, &x, &x, BAD_PTR));
	verdict("setuid -1", syscall(SYS_setuid, -1));
	verdict("setgid -1", syscall(SYS_setgid, -1));

	/* Effective 1000 with the saved ID still 0: privilege is gone and can come back. */
	verdict("setresuid -1 1000 -1", syscall(SYS_setresuid, -1, 1000, -1));
	show_ids("euid 1000");
	verdict("setresuid to 2000 unprivileged", syscall(SYS_setresuid, 2000, -1, -1));
	verdict("setuid 2000 unprivileged", syscall(SYS_setuid, 2000));
	verdict("setgid 5 unprivileged", syscall(SYS_setgid, 5));
	verdict("setgroups unprivileged", syscall(SYS_setgroups, 0, NULL));
	verdict("setreuid r 2000 unprivileged", syscall(SYS_setreuid, 2000, -1));
	verdict("setreuid e 0 from saved", syscall(SYS_setreuid, -1, 0));
	show_ids("back to euid 0");

	verdict("setreuid 1000 1001", syscall(SYS_setreuid, 1000, 1001));
	show_ids("setreuid");
	verdict("setresuid 0 0 0 unprivileged", syscall(SYS_setresuid, 0, 0, 0));
	verdict("setreuid back to 1000 1000", syscall(SYS_setreuid, 1001, 1000));
	show_ids("swapped");
	verdict("setuid to real", syscall(SYS_setuid, 1001));
	show_ids("setuid to real");
}

static void test_gid_groups(void)
{
	verdict("setresgid 10 20 30", syscall(SYS_setresgid, 10, 20, 30));
	show_ids("gids");
	verdict("setregid -1 10", syscall(SYS_setregid, -1, 10));
	show_ids("setregid");
	verdict("setgid 7 as root", syscall(SYS_setgid, 7));
	show_ids("setgid");
	long old = syscall(SYS_setfsgid, 99);
	printf("setfsgid returns old: %ld\n", old);
	show_ids("setfsgid");
	verdict("setfsuid 55", syscall(SYS_setfsuid, 55));
	show_ids("setfsuid");
	syscall(SYS_setfsuid, 0);

	unsigned groups[8] = { 30, 10, 20 }, got[8] = { 0 };
	verdict("setgroups 3", syscall(SYS_setgroups, 3, groups));
	verdict_val("getgroups count", syscall(SYS_getgroups, 0, NULL));
	verdict_val("getgroups", syscall(SYS_getgroups, 8, got));
	printf("groups sorted: %u %u %u\n", got[0], got[1], got[2]);
	verdict("getgroups too small", syscall(SYS_getgroups, 2, got));
	verdict("getgroups negative", syscall(SYS_getgroups, -1, got));
	verdict("getgroups bad pointer", syscall(SYS_getgroups, 8, BAD_PTR));
	verdict("setgroups bad pointer", syscall(SYS_setgroups, 2, BAD_PTR));
	verdict("setgroups negative", syscall(SYS_setgroups, -1, groups));
	verdict("setgroups too many", syscall(SYS_setgroups, 65537, groups));
	verdict("setgroups 0", syscall(SYS_setgroups, 0, NULL));
	verdict_val("getgroups after clear", syscall(SYS_getgroups, 0, NULL));
	verdict("setresgid back", syscall(SYS_setresgid, 0, 0, 0));
}

static void test_groups_sessions(void)
{
	printf("getpgrp is getpgid(0): %d\n", syscall(SYS_getpgrp) == syscall(SYS_getpgid, 0));
	printf("getpgid(self) is getpgid(0): %d\n",
	       syscall(SYS_getpgid, getpid()) == syscall(SYS_getpgid, 0));
	printf("getsid(self) is getsid(0): %d\n",
	       syscall(SYS_getsid, getpid()) == syscall(SYS_getsid, 0));
	verdict("getpgid no such pid", syscall(SYS_getpgid, 99999999));
	verdict("getpgid negative", syscall(SYS_getpgid, -5));
	verdict("getsid no such pid", syscall(SYS_getsid, 99999999));
	verdict("setpgid negative group", syscall(SYS_setpgid, 0, -1));
	verdict("setpgid no such pid", syscall(SYS_setpgid, 99999999, 0));
	/* Natively the test may or may not lead a session; either way it leads one after. */
	syscall(SYS_setsid);
	printf("session leader: %d\n", syscall(SYS_getsid, 0) == getpid());
	verdict("setsid as leader", syscall(SYS_setsid));
	verdict("setpgid as session leader", syscall(SYS_setpgid, 0, 0));
}

int main(void)
{
	test_groups_sessions();
	test_gid_groups();
	test_uid();
	/* With every ID nonzero the capabilities are gone for good. */
	verdict("setuid 0 after dropping all", syscall(SYS_setuid, 0));
	verdict("setresuid 0 after dropping all", syscall(SYS_setresuid, 0, 0, 0));
	return 0;
}
