/*
 * The rest of what static programs call at startup or now and then: getrandom, prlimit64,
 * sched_getaffinity and sched_yield, sysinfo, arch_prctl, rt_sigaction and rt_sigprocmask,
 * sigaltstack, futex wait and wake, ioctl on a file that is no terminal, and an unknown system
 * call number, each with its error cases.
 */
#include "expect.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)1)
/* The kernel's sigset_t: 64 signals, 8 bytes; rt_sigaction and rt_sigprocmask insist on it. */
#define KSIGSET 8

/* The kernel's struct sigaction for x86-64 (not libc's, whose mask is 128 bytes). */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static void test_getrandom(void)
{
	unsigned char a[32], b[32];
	expect_eq("getrandom 32", syscall(SYS_getrandom, a, sizeof(a), 0), 32);
	expect_eq("getrandom again", syscall(SYS_getrandom, b, sizeof(b), 0), 32);
	expect_true("two draws differ", memcmp(a, b, sizeof(a)) != 0);
	expect_eq("getrandom GRND_NONBLOCK", syscall(SYS_getrandom, a, 16, GRND_NONBLOCK), 16);
	expect_eq("getrandom GRND_RANDOM", syscall(SYS_getrandom, a, 16, GRND_RANDOM), 16);
	expect_eq("getrandom GRND_INSECURE", syscall(SYS_getrandom, a, 16, GRND_INSECURE), 16);
	expect_eq("getrandom 0 bytes", syscall(SYS_getrandom, a, 0, 0), 0);
	expect_errno("getrandom GRND_INSECURE|GRND_RANDOM",
		     syscall(SYS_getrandom, a, 16, GRND_INSECURE | GRND_RANDOM), EINVAL);
	expect_errno("getrandom unknown flag", syscall(SYS_getrandom, a, 16, 0x80), EINVAL);
	expect_errno("getrandom bad buffer", syscall(SYS_getrandom, BAD_PTR, 16, 0), EFAULT);
}

static void test_rlimits(void)
{
	struct rlimit old, cur;
	expect_ok("prlimit64 get RLIMIT_NOFILE", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old));
	expect_true("RLIMIT_NOFILE soft <= hard", old.rlim_cur <= old.rlim_max);
	expect_true("RLIMIT_NOFILE soft >= 3", old.rlim_cur >= 3);
	struct rlimit low = { 64, old.rlim_max };
	expect_ok("prlimit64 lower the soft limit",
		  syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &low, NULL));
	expect_ok("prlimit64 get it back", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &cur));
	expect_eq("soft limit now", cur.rlim_cur, 64);
	expect_true("hard limit kept", cur.rlim_max == old.rlim_max);
	/* The lowered limit applies: no descriptor at or above it. */
	expect_errno("fcntl F_DUPFD at the limit", fcntl(0, F_DUPFD, 64), EINVAL);
	struct rlimit back;
	expect_ok("prlimit64 set and get at once",
		  syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &old, &back));
	expect_eq("old value returned", back.rlim_cur, 64);
	struct rlimit inverted = { old.rlim_max, old.rlim_max - 1 };
	expect_errno("prlimit64 soft > hard", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &inverted,
						       NULL), EINVAL);
	expect_errno("prlimit64 bad resource", syscall(SYS_prlimit64, 0, 100, NULL, &cur), EINVAL);
	expect_errno("prlimit64 no such process",
		     syscall(SYS_prlimit64, 0x3ffffff0, RLIMIT_NOFILE, NULL, &cur), ESRCH);
	expect_errno("prlimit64 bad new pointer",
		     syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, BAD_PTR, NULL), EFAULT);
	expect_errno("prlimit64 bad old pointer",
		     syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, BAD_PTR), EFAULT);
	expect_ok("prlimit64 get RLIMIT_STACK", syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &cur));
	expect_true("RLIMIT_STACK soft <= hard", cur.rlim_cur <= cur.rlim_max);
	expect_ok("getrlimit RLIMIT_AS", syscall(SYS_getrlimit, RLIMIT_AS, &cur));
	expect_true("RLIMIT_AS soft <= hard", cur.rlim_cur <= cur.rlim_max);
}

static void test_sched(void)
{
	cpu_set_t set;
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	expect_true("sched_getaffinity returns > 0 bytes", n > 0);
	expect_true("sched_getaffinity size a multiple of 8", n > 0 && n % 8 == 0);
	expect_true("at least one CPU", CPU_COUNT(&set) >= 1);
	expect_true("own pid as 0", syscall(SYS_sched_getaffinity, syscall(SYS_getpid), sizeof(set),
					    &set) == n);
	expect_errno("sched_getaffinity size 0", syscall(SYS_sched_getaffinity, 0, 0, &set), EINVAL);
	expect_errno("sched_getaffinity size not a multiple of 8",
		     syscall(SYS_sched_getaffinity, 0, 7, &set), EINVAL);
	expect_errno("sched_getaffinity bad pointer",
		     syscall(SYS_sched_getaffinity, 0, sizeof(set), BAD_PTR), EFAULT);
	expect_errno("sched_getaffinity no such process",
		     syscall(SYS_sched_getaffinity, 0x3ffffff0, sizeof(set), &set), ESRCH);
	expect_ok("sched_yield", syscall(SYS_sched_yield));
}

static void test_sysinfo(void)
{
	struct sysinfo si;
	expect_ok("sysinfo", syscall(SYS_sysinfo, &si));
	expect_true("sysinfo totalram > 0", si.totalram > 0);
	expect_true("sysinfo freeram <= totalram", si.freeram <= si.totalram);
	expect_true("sysinfo mem_unit >= 1", si.mem_unit >= 1);
	expect_true("sysinfo procs >= 1", si.procs >= 1);
	expect_errno("sysinfo bad pointer", syscall(SYS_sysinfo, BAD_PTR), EFAULT);
}

/*
 * Moves FS and back with no libc call in between: while FS is elsewhere, libc's thread
 * pointer (errno, the stack guard) is wrong. Hence raw system calls and no arrays here.
 */
static __attribute__((noinline)) long fs_round_trip(unsigned long to, unsigned long *seen)
{
	unsigned long old, rc;
	__asm__ volatile("syscall" : "=a"(rc) : "0"(SYS_arch_prctl), "D"(ARCH_GET_FS), "S"(&old)
			 : "rcx", "r11", "memory");
	if (rc)
		return -1;
	__asm__ volatile("syscall" : "=a"(rc) : "0"(SYS_arch_prctl), "D"(ARCH_SET_FS), "S"(to)
			 : "rcx", "r11", "memory");
	if (rc)
		return -2;
	__asm__ volatile("syscall" : "=a"(rc) : "0"(SYS_arch_prctl), "D"(ARCH_GET_FS), "S"(seen)
			 : "rcx", "r11", "memory");
	__asm__ volatile("syscall" : "=a"(rc) : "0"(SYS_arch_prctl), "D"(ARCH_SET_FS), "S"(old)
			 : "rcx", "r11", "memory");
	return rc ? -3 : 0;
}

static void test_arch_prctl(void)
{
	static char area[4096];
	unsigned long fs = 0, seen = 0;
	expect_ok("arch_prctl ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	expect_true("FS base set by libc", fs != 0);
	expect_eq("ARCH_SET_FS elsewhere and back", fs_round_trip((unsigned long)area, &seen), 0);
	expect_true("ARCH_GET_FS saw the new base", seen == (unsigned long)area);
	unsigned long after = 0;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &after);
	expect_true("FS base restored", after == fs);
	expect_ok("arch_prctl ARCH_SET_FS to the same base", syscall(SYS_arch_prctl, ARCH_SET_FS, fs));

	unsigned long gs = 1;
	expect_ok("arch_prctl ARCH_GET_GS", syscall(SYS_arch_prctl, ARCH_GET_GS, &gs));
	expect_ok("arch_prctl ARCH_SET_GS", syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)area));
	unsigned long gs2 = 0;
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs2);
	expect_true("ARCH_GET_GS round trip", gs2 == (unsigned long)area);
	expect_ok("arch_prctl ARCH_SET_GS back", syscall(SYS_arch_prctl, ARCH_SET_GS, gs));

	expect_errno("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0), EINVAL);
	expect_errno("arch_prctl ARCH_SET_FS non-canonical",
		     syscall(SYS_arch_prctl, ARCH_SET_FS, 1ul << 63), EPERM);
	expect_errno("arch_prctl ARCH_GET_FS bad pointer",
		     syscall(SYS_arch_prctl, ARCH_GET_FS, BAD_PTR), EFAULT);
}

static volatile int handled;

static void on_usr1(int sig)
{
	handled = sig;
}

static void test_sigaction(void)
{
	struct ksigaction act = { .handler = on_usr1, .flags = SA_RESTART }, old;
	memset(&old, 0xff, sizeof(old));
	expect_ok("rt_sigaction get SIGUSR1", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, KSIGSET));
	expect_true("SIGUSR1 starts at SIG_DFL", old.handler == SIG_DFL);
	/* Through libc, which adds SA_RESTORER: the kernel needs a way back from the handler. */
	struct sigaction lact = { .sa_handler = on_usr1 };
	expect_ok("sigaction install SIGUSR1", sigaction(SIGUSR1, &lact, NULL));
	expect_ok("rt_sigaction read it back", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old,
							KSIGSET));
	expect_true("handler installed", old.handler == on_usr1);
	expect_true("SA_RESTORER set by libc", (old.flags & 0x04000000) != 0);
	expect_ok("rt_sigaction SIG_IGN SIGUSR2", syscall(SYS_rt_sigaction, SIGUSR2,
		  &(struct ksigaction){ .handler = SIG_IGN }, NULL, KSIGSET));
	expect_errno("rt_sigaction SIGKILL", syscall(SYS_rt_sigaction, SIGKILL, &act, NULL, KSIGSET),
		     EINVAL);
	expect_errno("rt_sigaction SIGSTOP", syscall(SYS_rt_sigaction, SIGSTOP, &act, NULL, KSIGSET),
		     EINVAL);
	expect_ok("rt_sigaction get SIGKILL", syscall(SYS_rt_sigaction, SIGKILL, NULL, &old, KSIGSET));
	expect_errno("rt_sigaction signal 0", syscall(SYS_rt_sigaction, 0, NULL, &old, KSIGSET),
		     EINVAL);
	expect_errno("rt_sigaction signal 65", syscall(SYS_rt_sigaction, 65, NULL, &old, KSIGSET),
		     EINVAL);
	expect_errno("rt_sigaction sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4),
		     EINVAL);
	expect_errno("rt_sigaction bad act", syscall(SYS_rt_sigaction, SIGUSR1, BAD_PTR, NULL,
						      KSIGSET), EFAULT);
	expect_errno("rt_sigaction bad oldact", syscall(SYS_rt_sigaction, SIGUSR1, NULL, BAD_PTR,
							 KSIGSET), EFAULT);
}

static void test_sigprocmask(void)
{
	/* The mask survives execve, so start from a known one rather than the caller's. */
	uint64_t set = 1ull << (SIGUSR1 - 1), cur = ~0ull, none = 0;
	expect_ok("rt_sigprocmask SIG_SETMASK empty",
		  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KSIGSET));
	expect_ok("rt_sigprocmask get", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, KSIGSET));
	expect_true("nothing blocked", cur == 0);
	expect_ok("rt_sigprocmask block SIGUSR1",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, KSIGSET));
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, KSIGSET);
	expect_true("SIGUSR1 blocked", cur == set);
	uint64_t kill_stop = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));
	expect_ok("rt_sigprocmask block SIGKILL and SIGSTOP",
		  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &kill_stop, NULL, KSIGSET));
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, KSIGSET);
	expect_true("SIGKILL and SIGSTOP cannot be blocked", cur == set);
	uint64_t all = ~0ull;
	expect_ok("rt_sigprocmask SIG_SETMASK all", syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all,
							     &cur, KSIGSET));
	expect_true("old mask returned", cur == set);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, KSIGSET);
	expect_true("all but SIGKILL and SIGSTOP blocked", cur == (all & ~kill_stop));
	expect_ok("rt_sigprocmask SIG_UNBLOCK all",
		  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &all, NULL, KSIGSET));
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &cur, KSIGSET);
	expect_true("nothing blocked again", cur == 0);
	expect_errno("rt_sigprocmask bad how", syscall(SYS_rt_sigprocmask, 99, &set, NULL, KSIGSET),
		     EINVAL);
	expect_ok("rt_sigprocmask bad how without a set",
		  syscall(SYS_rt_sigprocmask, 99, NULL, &cur, KSIGSET));
	expect_errno("rt_sigprocmask sigsetsize 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set,
							     NULL, 4), EINVAL);
	expect_errno("rt_sigprocmask bad set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, NULL,
							KSIGSET), EFAULT);
	expect_errno("rt_sigprocmask bad oldset", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL,
							   BAD_PTR, KSIGSET), EFAULT);
	expect_true("no handler ran", handled == 0);
}

static void test_sigaltstack(void)
{
	stack_t cur;
	memset(&cur, 0xff, sizeof(cur));
	expect_ok("sigaltstack query", syscall(SYS_sigaltstack, NULL, &cur));
	expect_true("no alternate stack at start", cur.ss_flags == SS_DISABLE);
	char *mem = malloc(65536);
	stack_t small = { .ss_sp = mem, .ss_size = 1024 };
	expect_errno("sigaltstack below MINSIGSTKSZ", syscall(SYS_sigaltstack, &small, NULL), ENOMEM);
	stack_t bad_flags = { .ss_sp = mem, .ss_size = 65536, .ss_flags = 0x7 };
	expect_errno("sigaltstack bad flags", syscall(SYS_sigaltstack, &bad_flags, NULL), EINVAL);
	stack_t ss = { .ss_sp = mem, .ss_size = 65536 };
	expect_ok("sigaltstack set 64 KiB", syscall(SYS_sigaltstack, &ss, NULL));
	memset(&cur, 0, sizeof(cur));
	expect_ok("sigaltstack query again", syscall(SYS_sigaltstack, NULL, &cur));
	expect_true("alternate stack as set", cur.ss_sp == mem && cur.ss_size == 65536 &&
			    cur.ss_flags == 0);
	stack_t off = { .ss_flags = SS_DISABLE };
	expect_ok("sigaltstack disable", syscall(SYS_sigaltstack, &off, &cur));
	expect_true("old stack returned", cur.ss_sp == mem);
	syscall(SYS_sigaltstack, NULL, &cur);
	expect_true("disabled", cur.ss_flags == SS_DISABLE);
	expect_errno("sigaltstack bad new", syscall(SYS_sigaltstack, BAD_PTR, NULL), EFAULT);
	expect_errno("sigaltstack bad old", syscall(SYS_sigaltstack, NULL, BAD_PTR), EFAULT);
	free(mem);
}

static long futex(void *uaddr, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

static void test_futex(void)
{
	static uint32_t word = 7;
	struct timespec ms = { 0, 1000000 };
	expect_eq("FUTEX_WAKE with no waiter", futex(&word, FUTEX_WAKE, 1, NULL), 0);
	expect_eq("FUTEX_WAKE_PRIVATE with no waiter", futex(&word, FUTEX_WAKE_PRIVATE, INT32_MAX,
							      NULL), 0);
	expect_errno("FUTEX_WAIT value mismatch", futex(&word, FUTEX_WAIT, 8, NULL), EAGAIN);
	expect_errno("FUTEX_WAIT_PRIVATE value mismatch", futex(&word, FUTEX_WAIT_PRIVATE, 8, NULL),
		     EAGAIN);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expect_errno("FUTEX_WAIT 1ms timeout", futex(&word, FUTEX_WAIT, 7, &ms), ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long waited = (t1.tv_sec - t0.tv_sec) * 1000000000LL + t1.tv_nsec - t0.tv_nsec;
	expect_true("FUTEX_WAIT waited at least 1ms", waited >= 1000000);
	expect_errno("FUTEX_WAIT_PRIVATE 1ms timeout", futex(&word, FUTEX_WAIT_PRIVATE, 7, &ms),
		     ETIMEDOUT);
	expect_errno("FUTEX_WAIT bad timeout", futex(&word, FUTEX_WAIT, 7,
						     &(struct timespec){ 0, 1000000000 }), EINVAL);
	expect_errno("FUTEX_WAIT unaligned", futex((char *)&word + 1, FUTEX_WAIT, 7, &ms), EINVAL);
	expect_errno("FUTEX_WAIT unmapped word", futex((void *)8, FUTEX_WAIT, 7, &ms), EFAULT);
	expect_errno("FUTEX_WAIT bad timeout pointer", futex(&word, FUTEX_WAIT, 7, BAD_PTR), EFAULT);
	expect_errno("futex unknown op", futex(&word, 99, 0, NULL), ENOSYS);
	expect_true("futex left the word alone", word == 7);
}

static void test_ioctl_enosys(void)
{
	char path[] = "/tmp/cvisor-misc-XXXXXX";
	int fd = mkstemp(path);
	expect_true("mkstemp", fd >= 0);
	struct termios t;
	expect_errno("ioctl TCGETS on a file", syscall(SYS_ioctl, fd, TCGETS, &t), ENOTTY);
	expect_errno("ioctl TIOCGWINSZ on a file", syscall(SYS_ioctl, fd, TIOCGWINSZ, &t), ENOTTY);
	expect_errno("ioctl TCGETS bad fd", syscall(SYS_ioctl, 99, TCGETS, &t), EBADF);
	int null = open("/dev/null", O_RDWR);
	expect_errno("ioctl TCGETS on /dev/null", syscall(SYS_ioctl, null, TCGETS, &t), ENOTTY);
	close(null);
	close(fd);
	expect_ok("unlink", unlink(path));

	expect_errno("system call 1000", syscall(1000), ENOSYS);
	expect_errno("system call -1", syscall(-1L), ENOSYS);
}

int main(void)
{
	test_getrandom();
	test_rlimits();
	test_sched();
	test_sysinfo();
	test_arch_prctl();
	test_sigaction();
	test_sigprocmask();
	test_sigaltstack();
	test_futex();
	test_ioctl_enosys();
	return expect_status();
}
