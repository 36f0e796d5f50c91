/*
 * Threads: pthread_create and pthread_join under a contended mutex, what a thread sees of its
 * IDs and TLS, that threads are no children to wait for, signals aimed at one thread (tgkill,
 * tkill, pthread_kill) and at the process (kill: taken by the one thread that leaves it
 * unblocked, pending in the group while all block it), per-thread masks, exit_group and fatal
 * signals ending every thread, the process's status when its main thread leaves first,
 * execve and fork from a thread that is not the main one, CLONE_PARENT_SETTID and
 * CLONE_CHILD_CLEARTID with the futex wake pthread_join relies on, clone's and tkill/tgkill's
 * errors, and the glibc primitives built on futexes (condition variables, barriers,
 * semaphores, rwlocks).
 *
 * Only the main thread of the first process prints, after the threads it checks are joined:
 * threads record into globals, child processes report through their exit status (a bit per
 * check, or the signal that ended them). No line holds a PID, TID or time. Every wait is for
 * something this program makes happen, and alarm(20) (alarm(10) in each child, as fork does not
 * inherit it) ends anything that would hang.
 *
 * Left out because the Sentry differs:
 *  - wait4/waitid with __WNOTHREAD. Linux then considers only the children the calling thread
 *    forked (ECHILD for another thread's child); the Sentry keeps a child's parent per process,
 *    not per thread, and waits for any child of the process.
 *  - the status of a process whose threads all made the raw exit system call, the main thread
 *    first. Linux 6.18 reports the last thread's exit code; the Sentry reports the main
 *    thread's (what older kernels did). Making it the last thread's needs the thread's exit
 *    counted before its CLONE_CHILD_CLEARTID wake, as Linux orders do_exit: otherwise a
 *    thread that joined the main thread can end before the main thread has.
 *
 *   thread_test_static               the tests
 *   thread_test_static exec-child P Q  the image a thread's execve loads: checks that its PID is
 *                                    P and its parent Q, exits with a bit per failed check
 */
#include "expect.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#define NTHREADS 8
#define NINCREMENTS 20000
#define NO_TID (1 << 30)	/* above any pid_max (at most 2^22): no thread has it */

static char g_self[PATH_MAX];	/* this program, for the thread that execs it again */

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static long sys_tgkill(pid_t tgid, pid_t t, int sig)
{
	return syscall(SYS_tgkill, tgid, t, sig);
}

static long sys_tkill(pid_t t, int sig)
{
	return syscall(SYS_tkill, t, sig);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static sigset_t one_sig(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

/* The calling thread's mask has @sig. */
static int blocks(int sig)
{
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig) == 1;
}

/* ---- child processes: they report through their status ---- */

/* fork with nothing buffered, so no child writes the parent's pending output again. The child
 * gets its own guard: alarms are not inherited. */
static pid_t start(void)
{
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		alarm(10);
	return c;
}

static int reap(pid_t c)
{
	int st;
	pid_t r;
	while ((r = waitpid(c, &st, 0)) == -1 && errno == EINTR)
		;
	return r == c ? st : -1;
}

static int exit_code(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int term_sig(int st)
{
	return st != -1 && WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

/* One line per bit of a child's report: "yes" when the child exited and did not set it. */
static void expect_bits(const char *const *what, int n, int st)
{
	int code = exit_code(st);
	for (int i = 0; i < n; i++)
		expect_true(what[i], code >= 0 && !(code & (1 << i)));
}

/* A thread that sleeps until the process ends. */
static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* ---- create, join, IDs, TLS ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static long g_counter;
static __thread int g_tls = 5;

struct worker {
	int index;
	pid_t tid, pid, ppid;
	int tls_initial, tls_kept;
};

static void *counting_thread(void *arg)
{
	struct worker *w = arg;
	w->tid = tid();
	w->pid = getpid();
	w->ppid = getppid();
	w->tls_initial = g_tls;
	g_tls = 100 + w->index;
	for (int i = 0; i < NINCREMENTS; i++) {
		pthread_mutex_lock(&g_lock);
		g_counter++;
		pthread_mutex_unlock(&g_lock);
		if (i % 1000 == 0)
			sched_yield();
	}
	w->tls_kept = g_tls == 100 + w->index;
	return (void *)(intptr_t)(w->index * 10);
}

static void test_create_join(void)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	int created = 0, joined = 0;
	long results = 0;
	for (int i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){ .index = i };
		if (pthread_create(&th[i], NULL, counting_thread, &w[i]) == 0)
			created++;
	}
	expect_eq("pthread_create x8", created, NTHREADS);
	for (int i = 0; i < created; i++) {
		void *r;
		if (pthread_join(th[i], &r) == 0) {
			joined++;
			results += (intptr_t)r;
		}
	}
	expect_eq("pthread_join x8", joined, NTHREADS);
	expect_eq("sum of the threads' return values", results, 10 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
	expect_eq("mutex-protected counter", g_counter, (long)NTHREADS * NINCREMENTS);
	int tid_differs = 1, pid_same = 1, ppid_same = 1, distinct = 1, tls_init = 1, tls_kept = 1;
	for (int i = 0; i < created; i++) {
		tid_differs &= w[i].tid != getpid() && w[i].tid > 0;
		pid_same &= w[i].pid == getpid();
		ppid_same &= w[i].ppid == getppid();
		tls_init &= w[i].tls_initial == 5;
		tls_kept &= w[i].tls_kept;
		for (int j = 0; j < i; j++)
			distinct &= w[i].tid != w[j].tid;
	}
	expect_true("main thread: gettid() == getpid()", tid() == getpid());
	expect_true("thread: gettid() != getpid()", tid_differs);
	expect_true("thread: getpid() is the process's", pid_same);
	expect_true("thread: getppid() is the process's", ppid_same);
	expect_true("threads have distinct TIDs", distinct);
	expect_true("thread: __thread variable starts at its initial value", tls_init);
	expect_true("thread: __thread variable keeps the thread's own value", tls_kept);
	expect_eq("main thread: __thread variable untouched by the threads", g_tls, 5);
}

/* ---- threads are not children ---- */

static sem_t g_hold;	/* a thread sleeps on it until posted */

static void *held_thread(void *arg)
{
	pid_t *ret_tid = arg;
	if (ret_tid)
		*ret_tid = tid();
	while (sem_wait(&g_hold) == -1 && errno == EINTR)
		;
	return NULL;
}

static void test_not_children(void)
{
	pthread_t th;
	sem_init(&g_hold, 0, 0);
	if (pthread_create(&th, NULL, held_thread, NULL) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	int st;
	expect_errno("waitpid(-1, WNOHANG) with a thread and no child", waitpid(-1, &st, WNOHANG),
		     ECHILD);
	expect_errno("waitpid(-1, WNOHANG|__WALL) with a thread and no child",
		     waitpid(-1, &st, WNOHANG | __WALL), ECHILD);
	sem_post(&g_hold);
	expect_eq("pthread_join", pthread_join(th, NULL), 0);
	sem_destroy(&g_hold);
}

/* ---- signals to one thread and to the process ---- */

static volatile sig_atomic_t g_hits;
static volatile pid_t g_handler_tid;
static volatile int g_handler_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_hits++;
	g_handler_tid = tid();
	g_handler_code = si->si_code;
}

static void catch_usr1(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	g_hits = 0;
	g_handler_tid = 0;
	g_handler_code = 0;
}

struct waiter {
	sem_t ready;		/* posted once the thread blocks SIGUSR1 and knows its TID */
	pid_t tid;
	int suspend_rc, suspend_errno;
};

/* Blocks SIGUSR1, says so, then waits for it with sigsuspend: the handler can run only there. */
static void *suspending_thread(void *arg)
{
	struct waiter *w = arg;
	sigset_t usr1 = one_sig(SIGUSR1), none;
	sigemptyset(&none);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	w->tid = tid();
	sem_post(&w->ready);
	w->suspend_rc = sigsuspend(&none);
	w->suspend_errno = errno;
	return NULL;
}

/* Sends SIGUSR1 to a thread that waits for it in sigsuspend, by @how (0 pthread_kill, 1 tgkill,
 * 2 tkill); the main thread leaves it unblocked, so only a thread-directed delivery reaches the
 * other thread. */
static void directed(const char *what, int how)
{
	char line[128];
	struct waiter w = { 0 };
	pthread_t th;
	catch_usr1();
	sem_init(&w.ready, 0, 0);
	if (pthread_create(&th, NULL, suspending_thread, &w) != 0) {
		expect_true(what, 0);
		return;
	}
	while (sem_wait(&w.ready) == -1 && errno == EINTR)
		;
	long rc = how == 0 ? (errno = pthread_kill(th, SIGUSR1)) ? -1 : 0
		  : how == 1 ? sys_tgkill(getpid(), w.tid, SIGUSR1)
			     : sys_tkill(w.tid, SIGUSR1);
	expect_ok(what, rc);
	pthread_join(th, NULL);
	snprintf(line, sizeof(line), "%s: the handler ran once", what);
	expect_eq(line, g_hits, 1);
	snprintf(line, sizeof(line), "%s: in the target thread (gettid in the handler)", what);
	expect_true(line, g_handler_tid == w.tid);
	snprintf(line, sizeof(line), "%s: si_code SI_TKILL", what);
	expect_eq(line, g_handler_code, SI_TKILL);
	snprintf(line, sizeof(line), "%s: the thread's sigsuspend returns", what);
	expect_errno(line, w.suspend_rc == -1 ? (errno = w.suspend_errno, -1) : w.suspend_rc, EINTR);
	sem_destroy(&w.ready);
}

/* kill(getpid()) while the main thread blocks the signal: the thread that does not takes it. */
static void test_process_signal(void)
{
	sigset_t usr1 = one_sig(SIGUSR1), pend;
	struct waiter w = { 0 };
	pthread_t th;
	catch_usr1();
	sem_init(&w.ready, 0, 0);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	if (pthread_create(&th, NULL, suspending_thread, &w) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	while (sem_wait(&w.ready) == -1 && errno == EINTR)
		;
	/* The thread may not be in sigsuspend yet: then the signal waits in the process until
	 * sigsuspend unblocks it there. */
	expect_ok("kill(getpid(), SIGUSR1), main thread blocking it", kill(getpid(), SIGUSR1));
	pthread_join(th, NULL);
	expect_eq("process signal: the handler ran once", g_hits, 1);
	expect_true("process signal: in the one thread not blocking it", g_handler_tid == w.tid);
	expect_eq("process signal: si_code SI_USER", g_handler_code, SI_USER);
	sigpending(&pend);
	expect_true("process signal: no longer pending in the main thread",
		    !sigismember(&pend, SIGUSR1));
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	expect_eq("process signal: not delivered again when the main thread unblocks", g_hits, 1);
	sem_destroy(&w.ready);
}

struct all_block {
	sem_t sent;		/* posted by the main thread after kill */
	pid_t tid;
	int pending_seen;	/* sigpending showed SIGUSR1 before unblocking */
	int hits_before;	/* handler runs before unblocking */
};

static void *unblocking_thread(void *arg)
{
	struct all_block *a = arg;
	sigset_t usr1 = one_sig(SIGUSR1), pend;
	a->tid = tid();
	while (sem_wait(&a->sent) == -1 && errno == EINTR)
		;
	sigpending(&pend);
	a->pending_seen = sigismember(&pend, SIGUSR1) == 1;
	a->hits_before = g_hits;
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);	/* delivered on the way out */
	return NULL;
}

/* Every thread blocks the signal: it waits in the process, visible to each thread's
 * sigpending, and the first to unblock it takes it. */
static void test_process_signal_all_blocked(void)
{
	sigset_t usr1 = one_sig(SIGUSR1), pend;
	struct all_block a = { 0 };
	pthread_t th;
	catch_usr1();
	sem_init(&a.sent, 0, 0);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);	/* the thread inherits it */
	if (pthread_create(&th, NULL, unblocking_thread, &a) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	expect_ok("kill(getpid(), SIGUSR1), every thread blocking it", kill(getpid(), SIGUSR1));
	sigpending(&pend);
	expect_true("all blocked: pending for the main thread", sigismember(&pend, SIGUSR1) == 1);
	sem_post(&a.sent);
	pthread_join(th, NULL);
	expect_true("all blocked: pending for the other thread", a.pending_seen);
	expect_eq("all blocked: no handler before a thread unblocks", a.hits_before, 0);
	expect_eq("all blocked: the handler ran once", g_hits, 1);
	expect_true("all blocked: in the thread that unblocked it", g_handler_tid == a.tid);
	sigpending(&pend);
	expect_true("all blocked: no longer pending", !sigismember(&pend, SIGUSR1));
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	expect_eq("all blocked: main thread unblocking gets nothing more", g_hits, 1);
	sem_destroy(&a.sent);
}

/* ---- per-thread masks ---- */

struct masks {
	sem_t changed, checked;
	int inherited, own_after;
};

static void *mask_thread(void *arg)
{
	struct masks *m = arg;
	sigset_t usr2 = one_sig(SIGUSR2), hup = one_sig(SIGHUP);
	m->inherited = blocks(SIGUSR2) && !blocks(SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	m->own_after = !blocks(SIGUSR2) && blocks(SIGHUP);
	sem_post(&m->changed);
	/* Alive while the main thread looks at its own mask. */
	while (sem_wait(&m->checked) == -1 && errno == EINTR)
		;
	return NULL;
}

static void test_sigmask_per_thread(void)
{
	sigset_t usr2 = one_sig(SIGUSR2), saved;
	struct masks m = { 0 };
	pthread_t th;
	sem_init(&m.changed, 0, 0);
	sem_init(&m.checked, 0, 0);
	pthread_sigmask(SIG_BLOCK, &usr2, &saved);
	if (pthread_create(&th, NULL, mask_thread, &m) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	while (sem_wait(&m.changed) == -1 && errno == EINTR)
		;
	int main_same = blocks(SIGUSR2) && !blocks(SIGHUP);
	sem_post(&m.checked);
	pthread_join(th, NULL);
	expect_true("new thread inherits the creator's mask", m.inherited);
	expect_true("thread's sigprocmask changes its own mask", m.own_after);
	expect_true("main thread's mask unchanged by the thread's", main_same);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	sem_destroy(&m.changed);
	sem_destroy(&m.checked);
}

/* ---- exit_group and fatal signals end every thread ---- */

static int g_pipe[2];

static void *exiting_thread(void *arg)
{
	int how = (int)(intptr_t)arg;
	sleep_ms(10);
	if (how == 0)
		exit(7);
	syscall(SYS_exit_group, 9);
	return NULL;
}

/* A child whose main thread and helpers block in @main_how (0 pause, 1 read of a pipe nobody
 * writes, 2 pthread_join of the exiting thread) while one thread calls exit(7) (@exit_how 0)
 * or exit_group(9) (1). */
static int exit_group_child(int main_how, int exit_how)
{
	pid_t c = start();
	if (c != 0)
		return reap(c);
	pthread_t th, idle;
	pthread_create(&idle, NULL, idle_thread, NULL);
	if (pthread_create(&th, NULL, exiting_thread, (void *)(intptr_t)exit_how) != 0)
		_exit(99);
	if (main_how == 2)
		pthread_join(th, NULL);
	char b;
	if (main_how == 1)
		while (read(g_pipe[0], &b, 1) != 0)
			;
	for (;;)
		pause();
}

static void test_exit_group(void)
{
	if (pipe(g_pipe) < 0) {
		expect_ok("pipe", -1);
		return;
	}
	expect_eq("exit(7) in a thread, main in pause: WEXITSTATUS",
		  exit_code(exit_group_child(0, 0)), 7);
	expect_eq("exit(7) in a thread, main in read: WEXITSTATUS",
		  exit_code(exit_group_child(1, 0)), 7);
	expect_eq("exit(7) in a thread, main joining it: WEXITSTATUS",
		  exit_code(exit_group_child(2, 0)), 7);
	expect_eq("exit_group(9) in a thread, main in pause: WEXITSTATUS",
		  exit_code(exit_group_child(0, 1)), 9);
	close(g_pipe[0]);
	close(g_pipe[1]);

	/* Returning from main while other threads run. */
	pid_t c = start();
	if (c == 0) {
		pthread_t th;
		pthread_create(&th, NULL, idle_thread, NULL);
		pthread_create(&th, NULL, idle_thread, NULL);
		sleep_ms(10);
		exit(4);
	}
	expect_eq("exit(4) from main with two threads running: WEXITSTATUS", exit_code(reap(c)), 4);
}

static volatile uintptr_t g_bad = 8;	/* an address nothing maps */

static void *segv_thread(void *arg)
{
	(void)arg;
	sleep_ms(10);
	*(volatile int *)g_bad = 1;
	return NULL;
}

static void *raise_thread(void *arg)
{
	(void)arg;
	sleep_ms(10);
	raise(SIGTERM);
	return NULL;
}

/* A child with idle threads and one running @fn (NULL: none); writes a byte to g_pipe once
 * its threads exist. The main thread blocks SIGTERM when @main_blocks. */
static pid_t fatal_child(void *(*fn)(void *), int main_blocks)
{
	pid_t c = start();
	if (c != 0)
		return c;
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);	/* a SIGSEGV must leave no core file behind */
	pthread_t th;
	for (int i = 0; i < 3; i++)
		pthread_create(&th, NULL, idle_thread, NULL);
	if (fn)
		pthread_create(&th, NULL, fn, NULL);
	if (main_blocks) {
		sigset_t term = one_sig(SIGTERM);
		pthread_sigmask(SIG_BLOCK, &term, NULL);
	}
	char b = 1;
	if (write(g_pipe[1], &b, 1) != 1)
		_exit(98);
	for (;;)
		pause();
}

/* Waits for fatal_child's byte. */
static void await_child(void)
{
	char b;
	while (read(g_pipe[0], &b, 1) == -1 && errno == EINTR)
		;
}

static void test_fatal_signals(void)
{
	if (pipe(g_pipe) < 0) {
		expect_ok("pipe", -1);
		return;
	}
	pid_t c = fatal_child(segv_thread, 0);
	await_child();
	expect_eq("SIGSEGV in one of 5 threads: WTERMSIG", term_sig(reap(c)), SIGSEGV);
	c = fatal_child(raise_thread, 0);
	await_child();
	expect_eq("raise(SIGTERM) in one of 5 threads: WTERMSIG", term_sig(reap(c)), SIGTERM);
	c = fatal_child(NULL, 0);
	await_child();
	kill(c, SIGTERM);
	expect_eq("kill(SIGTERM) of a process of 4 threads: WTERMSIG", term_sig(reap(c)), SIGTERM);
	c = fatal_child(NULL, 1);
	await_child();
	kill(c, SIGTERM);
	expect_eq("kill(SIGTERM), main thread blocking it: WTERMSIG", term_sig(reap(c)), SIGTERM);
	c = fatal_child(NULL, 0);
	await_child();
	kill(c, SIGKILL);
	expect_eq("kill(SIGKILL) of a process of 4 threads: WTERMSIG", term_sig(reap(c)), SIGKILL);
	close(g_pipe[0]);
	close(g_pipe[1]);
}

/* ---- the main thread leaves first ---- */

static int g_report[2], g_go[2];	/* child thread -> parent; parent -> child thread */
static pthread_t g_main_thread;

/* Outlives the main thread: waits until it is gone, tells the parent, waits for the parent's
 * go, then ends by @arg: 0 exit(5), 1 pthread_exit. */
static void *survivor_thread(void *arg)
{
	int how = (int)(intptr_t)arg;
	pid_t pid = getpid();
	/* glibc lets the main thread be joined: the kernel's CLONE_CHILD_CLEARTID-style clear of
	 * its TID word (set_tid_address) says it is gone. */
	int joined = pthread_join(g_main_thread, NULL) == 0;
	char b = (char)(joined | (getpid() == pid) << 1);
	if (write(g_report[1], &b, 1) != 1)
		_exit(97);
	while (read(g_go[0], &b, 1) == -1 && errno == EINTR)
		;
	if (how == 0)
		exit(5);
	pthread_exit(NULL);
}

/* A child whose main thread ends by @main_how (0 pthread_exit, 1 the raw exit system call with
 * 9) before a thread ending by @thread_how; the parent checks the process in between. */
static void main_leaves_first(const char *what, int main_how, int thread_how, int want_code)
{
	char line[160];
	if (pipe(g_report) < 0 || pipe(g_go) < 0) {
		expect_ok("pipe", -1);
		return;
	}
	pid_t c = start();
	if (c == 0) {
		pthread_t th;
		g_main_thread = pthread_self();
		if (pthread_create(&th, NULL, survivor_thread, (void *)(intptr_t)thread_how) != 0)
			_exit(96);
		if (main_how == 0)
			pthread_exit(NULL);
		syscall(SYS_exit, 9);
	}
	char b = 0;
	int got = read(g_report[0], &b, 1) == 1;
	int st;
	snprintf(line, sizeof(line), "%s: the thread sees the main thread gone", what);
	expect_true(line, got && (b & 1));
	snprintf(line, sizeof(line), "%s: the thread's getpid() is the process's", what);
	expect_true(line, got && (b & 2));
	snprintf(line, sizeof(line), "%s: waitpid WNOHANG while a thread runs", what);
	expect_eq(line, waitpid(c, &st, WNOHANG), 0);
	snprintf(line, sizeof(line), "%s: kill(pid, 0) while a thread runs", what);
	expect_ok(line, kill(c, 0));
	b = 1;
	if (write(g_go[1], &b, 1) != 1)
		expect_ok("write", -1);
	st = reap(c);
	snprintf(line, sizeof(line), "%s: WEXITSTATUS", what);
	expect_eq(line, exit_code(st), want_code);
	close(g_report[0]);
	close(g_report[1]);
	close(g_go[0]);
	close(g_go[1]);
}

static void test_main_leaves_first(void)
{
	/* glibc's pthread_exit in the main thread makes the exit system call with 0 while other
	 * threads remain; the last thread's pthread_exit calls exit(0). */
	main_leaves_first("main pthread_exit, thread exit(5)", 0, 0, 5);
	main_leaves_first("main pthread_exit, thread pthread_exit", 0, 1, 0);
	/* The main thread's raw exit system call ends only that thread; exit_group's code is the
	 * process's. */
	main_leaves_first("main SYS_exit(9), thread exit(5)", 1, 0, 5);
}

/* ---- execve from a thread that is not the main one ---- */

static void *exec_thread(void *arg)
{
	char **argv = arg;
	sleep_ms(10);
	execv(g_self, argv);
	_exit(95);
}

static const char *const g_exec_bits[] = {
	"execve in a thread: the new image has the process's PID",
	"execve in a thread: the new image's TID is its PID",
	"execve in a thread: the parent is unchanged",
	"execve in a thread: the new image can create and join a thread",
};

static void *nothing_thread(void *arg)
{
	return arg;
}

/* The image exec_thread loads. */
static int exec_child(char **argv)
{
	int bits = 0;
	if (getpid() != atoi(argv[2]))
		bits |= 1;
	if (tid() != getpid())
		bits |= 2;
	if (getppid() != atoi(argv[3]))
		bits |= 4;
	pthread_t th;
	void *r = NULL;
	if (pthread_create(&th, NULL, nothing_thread, &bits) != 0 || pthread_join(th, &r) != 0 ||
	    r != &bits)
		bits |= 8;
	return bits;
}

static void test_exec_from_thread(void)
{
	pid_t c = start();
	if (c == 0) {
		char pid[16], ppid[16];
		snprintf(pid, sizeof(pid), "%d", getpid());
		snprintf(ppid, sizeof(ppid), "%d", getppid());
		char *argv[] = { g_self, "exec-child", pid, ppid, NULL };
		pthread_t th;
		pthread_create(&th, NULL, idle_thread, NULL);
		if (pthread_create(&th, NULL, exec_thread, argv) != 0)
			_exit(94);
		for (;;)
			pause();
	}
	expect_bits(g_exec_bits, 4, reap(c));
}

/* ---- fork from a thread that is not the main one ---- */

struct forker {
	pid_t child;
	int go[2];	/* the parent's go for the child, after the forking thread ended */
};

static void *forking_thread(void *arg)
{
	struct forker *f = arg;
	pid_t pid = getpid();
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int bits = 0;
		if (tid() != getpid())
			bits |= 1;
		if (getppid() != pid)
			bits |= 2;
		char b;
		while (read(f->go[0], &b, 1) == -1 && errno == EINTR)
			;
		if (getppid() != pid)	/* the forking thread is gone now */
			bits |= 4;
		pthread_t th;
		if (pthread_create(&th, NULL, nothing_thread, NULL) != 0 ||
		    pthread_join(th, NULL) != 0)
			bits |= 8;
		_exit(bits);
	}
	f->child = c;
	return NULL;
}

static const char *const g_fork_bits[] = {
	"fork in a thread: the child's TID is its PID",
	"fork in a thread: the child's parent is the process",
	"fork in a thread: still its parent after that thread ended",
	"fork in a thread: the child can create and join a thread",
};

static void test_fork_from_thread(void)
{
	struct forker f = { .child = -1 };
	pthread_t th;
	if (pipe(f.go) < 0 || pthread_create(&th, NULL, forking_thread, &f) != 0) {
		expect_true("pipe and pthread_create", 0);
		return;
	}
	pthread_join(th, NULL);
	expect_true("fork in a thread returns a PID", f.child > 0);
	if (f.child <= 0)
		return;
	int st;
	/* The forking thread is gone: its child is the process's, as every thread's is. */
	expect_eq("waitpid WNOHANG of a child forked by an ended thread",
		  waitpid(f.child, &st, WNOHANG), 0);
	char b = 1;
	if (write(f.go[1], &b, 1) != 1)
		expect_ok("write", -1);
	expect_bits(g_fork_bits, 4, reap(f.child));
	close(f.go[0]);
	close(f.go[1]);
}

struct forker_alive {
	pid_t child;
	sem_t forked, done;
};

static void *forking_thread_alive(void *arg)
{
	struct forker_alive *f = arg;
	fflush(stdout);
	pid_t c = fork();
	if (c == 0)
		_exit(6);
	f->child = c;
	sem_post(&f->forked);
	while (sem_wait(&f->done) == -1 && errno == EINTR)
		;
	return NULL;
}

/* Another thread's child while that thread lives: any thread may wait for it. */
static void test_wait_other_threads_child(void)
{
	struct forker_alive f = { .child = -1 };
	pthread_t th;
	sem_init(&f.forked, 0, 0);
	sem_init(&f.done, 0, 0);
	if (pthread_create(&th, NULL, forking_thread_alive, &f) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	while (sem_wait(&f.forked) == -1 && errno == EINTR)
		;
	if (f.child > 0) {
		expect_eq("waitpid of another (live) thread's child: WEXITSTATUS",
			  exit_code(reap(f.child)), 6);
	} else {
		expect_true("fork in a thread", 0);
	}
	sem_post(&f.done);
	pthread_join(th, NULL);
	sem_destroy(&f.forked);
	sem_destroy(&f.done);
}

/* ---- raw clone: CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID ---- */

/* System calls made by the raw thread go around glibc: it shares the creator's TLS, errno
 * included. */
static long raw_syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint32_t g_go_word;	/* the raw thread waits while it is 0 */
static pid_t g_clear_tid;	/* CLONE_PARENT_SETTID writes it, CLONE_CHILD_CLEARTID clears it */
static volatile int g_raw_ran;
static char g_raw_stack[65536] __attribute__((aligned(16)));

static int raw_thread(void *arg)
{
	(void)arg;
	while (__atomic_load_n(&g_go_word, __ATOMIC_ACQUIRE) == 0)
		raw_syscall6(SYS_futex, (long)&g_go_word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	g_raw_ran = 1;
	return 0;	/* glibc's clone then makes the exit system call */
}

static void test_clear_tid(void)
{
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
		    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	g_clear_tid = -1;
	int t = clone(raw_thread, g_raw_stack + sizeof(g_raw_stack), flags, NULL, &g_clear_tid,
		      NULL, &g_clear_tid);
	expect_true("clone(CLONE_THREAD|...) returns a TID", t > 0 && t != getpid());
	if (t <= 0)
		return;
	expect_true("CLONE_PARENT_SETTID: the TID word holds the TID",
		    __atomic_load_n(&g_clear_tid, __ATOMIC_ACQUIRE) == t);
	expect_ok("tgkill(getpid(), tid, 0) of the raw thread", sys_tgkill(getpid(), t, 0));
	__atomic_store_n(&g_go_word, 1, __ATOMIC_RELEASE);
	syscall(SYS_futex, &g_go_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	/* pthread_join's wait: sleep while the word holds the TID; the kernel's clear wakes it.
	 * Bounded, so a missing wake fails rather than hangs. */
	struct timespec ts = { 0, 100000000 };
	int tries = 0;
	pid_t v;
	while ((v = __atomic_load_n(&g_clear_tid, __ATOMIC_ACQUIRE)) != 0 && tries++ < 50)
		syscall(SYS_futex, &g_clear_tid, FUTEX_WAIT, v, &ts, NULL, 0);
	expect_true("CLONE_CHILD_CLEARTID: the TID word is 0 after the thread's exit", v == 0);
	expect_true("the raw thread ran", g_raw_ran);
}

/* ---- errors ---- */

/* A raw clone expected to fail; a child it makes by mistake leaves at once. */
static long clone_flags(unsigned long flags)
{
	long r = raw_syscall6(SYS_clone, (long)flags, 0, 0, 0, 0, 0);
	if (r == 0)
		raw_syscall6(SYS_exit, 0, 0, 0, 0, 0, 0);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static void test_clone_errors(void)
{
	expect_errno("clone CLONE_THREAD without CLONE_SIGHAND", clone_flags(CLONE_THREAD | CLONE_VM),
		     EINVAL);
	expect_errno("clone CLONE_SIGHAND without CLONE_VM", clone_flags(CLONE_SIGHAND), EINVAL);
	expect_errno("clone CLONE_THREAD|CLONE_SIGHAND without CLONE_VM",
		     clone_flags(CLONE_THREAD | CLONE_SIGHAND), EINVAL);
	expect_errno("clone CLONE_THREAD|CLONE_NEWPID",
		     clone_flags(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID), EINVAL);
}

static void test_tkill_errors(void)
{
	pid_t t = 0;
	pthread_t th;
	sem_init(&g_hold, 0, 0);
	if (pthread_create(&th, NULL, held_thread, &t) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	while (__atomic_load_n(&t, __ATOMIC_ACQUIRE) == 0)
		sleep_ms(1);
	expect_ok("tgkill(getpid(), thread, 0)", sys_tgkill(getpid(), t, 0));
	expect_ok("tkill(thread, 0)", sys_tkill(t, 0));
	expect_ok("tgkill(getpid(), gettid(), 0)", sys_tgkill(getpid(), tid(), 0));
	expect_errno("tkill of a TID no thread has", sys_tkill(NO_TID, SIGUSR1), ESRCH);
	expect_errno("tgkill of a TID no thread has", sys_tgkill(getpid(), NO_TID, SIGUSR1), ESRCH);
	expect_errno("tgkill with a TGID no process has", sys_tgkill(NO_TID, t, 0), ESRCH);
	expect_errno("tgkill with the thread's TID as TGID", sys_tgkill(t, t, 0), ESRCH);
	expect_errno("tgkill of a TID no thread has, bad signal", sys_tgkill(getpid(), NO_TID, 65),
		     ESRCH);
	expect_errno("tgkill(thread) with signal 65", sys_tgkill(getpid(), t, 65), EINVAL);
	expect_errno("tgkill(self) with signal -1", sys_tgkill(getpid(), tid(), -1), EINVAL);
	expect_errno("tkill(thread) with signal 65", sys_tkill(t, 65), EINVAL);
	expect_errno("tkill TID 0", sys_tkill(0, SIGUSR1), EINVAL);
	expect_errno("tkill TID -1", sys_tkill(-1, SIGUSR1), EINVAL);
	expect_errno("tgkill TGID 0", sys_tgkill(0, t, SIGUSR1), EINVAL);
	expect_errno("tgkill TGID -1", sys_tgkill(-1, t, SIGUSR1), EINVAL);
	expect_errno("tgkill TID 0", sys_tgkill(getpid(), 0, SIGUSR1), EINVAL);
	expect_errno("tgkill TID -1", sys_tgkill(getpid(), -1, SIGUSR1), EINVAL);
	sem_post(&g_hold);
	pthread_join(th, NULL);
	sem_destroy(&g_hold);
}

/* ---- condition variables, barriers, semaphores, rwlocks ---- */

#define QUEUE 4
#define ITEMS 2000

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	int buf[QUEUE];
	int head, count;
	long consumed_sum;
	int consumed;
	int in_order;		/* each producer's items arrive in the order produced */
	int last[2];
} g_q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER,
	.in_order = 1,
};

/* Producer @arg (0 or 1) puts items 1..ITEMS, tagged with its number in the low bit. */
static void *producer(void *arg)
{
	int who = (int)(intptr_t)arg;
	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&g_q.lock);
		while (g_q.count == QUEUE)
			pthread_cond_wait(&g_q.not_full, &g_q.lock);
		g_q.buf[(g_q.head + g_q.count++) % QUEUE] = i * 2 + who;
		pthread_cond_signal(&g_q.not_empty);
		pthread_mutex_unlock(&g_q.lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&g_q.lock);
		while (g_q.count == 0 && g_q.consumed < 2 * ITEMS)
			pthread_cond_wait(&g_q.not_empty, &g_q.lock);
		if (g_q.count == 0) {
			pthread_mutex_unlock(&g_q.lock);
			return NULL;
		}
		int v = g_q.buf[g_q.head];
		g_q.head = (g_q.head + 1) % QUEUE;
		g_q.count--;
		g_q.consumed_sum += v / 2;
		if (v / 2 <= g_q.last[v % 2])
			g_q.in_order = 0;
		g_q.last[v % 2] = v / 2;
		if (++g_q.consumed == 2 * ITEMS)
			pthread_cond_broadcast(&g_q.not_empty);	/* the other consumer is done too */
		pthread_cond_signal(&g_q.not_full);
		pthread_mutex_unlock(&g_q.lock);
	}
}

static void test_condvar(void)
{
	pthread_t p[2], c[2];
	int ok = 1;
	for (int i = 0; i < 2; i++) {
		ok &= pthread_create(&p[i], NULL, producer, (void *)(intptr_t)i) == 0;
		ok &= pthread_create(&c[i], NULL, consumer, NULL) == 0;
	}
	if (!ok) {
		expect_true("pthread_create", 0);
		return;
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	expect_eq("condvar queue, 2 producers x 2 consumers: items consumed", g_q.consumed,
		  2 * ITEMS);
	expect_eq("condvar queue: sum of the items", g_q.consumed_sum, 2L * ITEMS * (ITEMS + 1) / 2);
	expect_true("condvar queue: each producer's items in order", g_q.in_order);

	/* A timed wait with nobody signalling ends at its deadline. */
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 20000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&g_q.lock);
	int rc = pthread_cond_timedwait(&g_q.not_empty, &g_q.lock, &dl);
	pthread_mutex_unlock(&g_q.lock);
	expect_eq("pthread_cond_timedwait, 20 ms, nobody signals (ETIMEDOUT)", rc, ETIMEDOUT);
}

#define BARRIER_THREADS 4
#define ROUNDS 50

static pthread_barrier_t g_barrier;
static int g_arrived[ROUNDS];
static int g_serial[ROUNDS];
static int g_barrier_ok = 1;

static void *barrier_thread(void *arg)
{
	(void)arg;
	for (int r = 0; r < ROUNDS; r++) {
		__atomic_fetch_add(&g_arrived[r], 1, __ATOMIC_SEQ_CST);
		int rc = pthread_barrier_wait(&g_barrier);
		if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_fetch_add(&g_serial[r], 1, __ATOMIC_SEQ_CST);
		else if (rc != 0)
			g_barrier_ok = 0;
		/* Everyone arrived at this round before anyone leaves it. */
		if (__atomic_load_n(&g_arrived[r], __ATOMIC_SEQ_CST) != BARRIER_THREADS)
			g_barrier_ok = 0;
	}
	return NULL;
}

static void test_barrier(void)
{
	pthread_t th[BARRIER_THREADS];
	pthread_barrier_init(&g_barrier, NULL, BARRIER_THREADS);
	for (int i = 0; i < BARRIER_THREADS; i++)
		if (pthread_create(&th[i], NULL, barrier_thread, NULL) != 0)
			g_barrier_ok = 0;
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_join(th[i], NULL);
	int serial_ok = 1;
	for (int r = 0; r < ROUNDS; r++)
		serial_ok &= g_serial[r] == 1;
	expect_true("pthread_barrier, 4 threads x 50 rounds: all arrive before any leaves",
		    g_barrier_ok);
	expect_true("pthread_barrier: one PTHREAD_BARRIER_SERIAL_THREAD per round", serial_ok);
	pthread_barrier_destroy(&g_barrier);
}

static sem_t g_sem_items, g_sem_back;

static void *sem_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++) {
		sem_post(&g_sem_items);
		while (sem_wait(&g_sem_back) == -1 && errno == EINTR)
			;
	}
	return NULL;
}

static void test_semaphore(void)
{
	pthread_t th;
	sem_init(&g_sem_items, 0, 0);
	sem_init(&g_sem_back, 0, 0);
	if (pthread_create(&th, NULL, sem_thread, NULL) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	int got = 0;
	for (int i = 0; i < 1000; i++) {
		if (sem_wait(&g_sem_items) == 0)
			got++;
		sem_post(&g_sem_back);
	}
	pthread_join(th, NULL);
	expect_eq("sem_t ping-pong between two threads, 1000 rounds", got, 1000);
	int v = -1;
	sem_getvalue(&g_sem_items, &v);
	expect_eq("sem_getvalue after", v, 0);
	expect_errno("sem_trywait at 0", sem_trywait(&g_sem_items), EAGAIN);
	struct timespec past = { 1, 0 };
	expect_errno("sem_timedwait, deadline passed", sem_timedwait(&g_sem_items, &past),
		     ETIMEDOUT);
	sem_destroy(&g_sem_items);
	sem_destroy(&g_sem_back);
}

static pthread_rwlock_t g_rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t g_held = PTHREAD_MUTEX_INITIALIZER;

static void *try_thread(void *arg)
{
	int *r = arg;
	r[0] = pthread_mutex_trylock(&g_held);
	r[1] = pthread_rwlock_tryrdlock(&g_rw);
	if (r[1] == 0)
		pthread_rwlock_unlock(&g_rw);
	r[2] = pthread_rwlock_trywrlock(&g_rw);
	return NULL;
}

static void test_locks(void)
{
	int r[3] = { -1, -1, -1 };
	pthread_t th;
	pthread_mutex_lock(&g_held);
	pthread_rwlock_rdlock(&g_rw);
	if (pthread_create(&th, NULL, try_thread, r) != 0) {
		expect_true("pthread_create", 0);
		return;
	}
	pthread_join(th, NULL);
	pthread_rwlock_unlock(&g_rw);
	pthread_mutex_unlock(&g_held);
	expect_eq("pthread_mutex_trylock of a mutex another thread holds (EBUSY)", r[0], EBUSY);
	expect_eq("pthread_rwlock_tryrdlock while another thread reads", r[1], 0);
	expect_eq("pthread_rwlock_trywrlock while another thread reads (EBUSY)", r[2], EBUSY);
}

int main(int argc, char **argv)
{
	if (argc > 3 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argv);
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ssize_t n = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);
	if (n > 0)
		g_self[n] = '\0';
	test_create_join();
	test_not_children();
	directed("pthread_kill(thread, SIGUSR1)", 0);
	directed("tgkill(getpid(), thread, SIGUSR1)", 1);
	directed("tkill(thread, SIGUSR1)", 2);
	test_process_signal();
	test_process_signal_all_blocked();
	test_sigmask_per_thread();
	test_exit_group();
	test_fatal_signals();
	test_main_leaves_first();
	test_exec_from_thread();
	test_fork_from_thread();
	test_wait_other_threads_child();
	test_clear_tid();
	test_clone_errors();
	test_tkill_errors();
	test_condvar();
	test_barrier();
	test_semaphore();
	test_locks();
	return expect_status();
}
