/*
 * System V semaphores (semget(2), semop(2), semtimedop(2), semctl(2)): keys and ids
 * (IPC_PRIVATE, IPC_CREAT, IPC_EXCL, ftok), all-or-nothing op arrays, wait-for-zero, blocking
 * with GETNCNT/GETZCNT seen from another process, IPC_NOWAIT, timeouts, EINTR, EIDRM on
 * removal, SEM_UNDO applied when a process exits, every semctl command, permission checks for
 * another user, and the error paths of each call. Every set is removed at the end.
 */
#include "expect.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

static void on_usr1(int sig)
{
	(void)sig;
}

static long semtimedop_raw(int id, struct sembuf *ops, size_t n, const struct timespec *ts)
{
	return syscall(SYS_semtimedop, id, ops, n, ts);
}

/* Waits (up to 5 s) until semaphore @num of @id has @want sleepers of kind @cmd. */
static int wait_count(int id, int num, int cmd, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (semctl(id, num, cmd) == want)
			return want;
		usleep(1000);
	}
	return semctl(id, num, cmd);
}

static int child_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_get(void)
{
	char path[] = "/tmp/sem_test_XXXXXX";
	int fd = mkstemp(path);
	key_t key = ftok(path, 'S');
	expect_true("ftok", key != -1);
	expect_errno("semget absent key", semget(key, 1, 0600), ENOENT);
	int id = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600);
	expect_true("semget IPC_CREAT|IPC_EXCL", id >= 0);
	expect_true("semget same key", semget(key, 3, 0600) == id);
	expect_true("semget same key fewer", semget(key, 2, 0) == id);
	expect_true("semget same key nsems 0", semget(key, 0, 0) == id);
	expect_errno("semget same key more", semget(key, 4, 0), EINVAL);
	expect_errno("semget IPC_EXCL existing", semget(key, 3, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	expect_true("semget IPC_CREAT existing", semget(key, 3, IPC_CREAT | 0600) == id);
	expect_errno("semget nsems -1", semget(IPC_PRIVATE, -1, 0600), EINVAL);
	expect_errno("semget nsems 0 new", semget(IPC_PRIVATE, 0, 0600), EINVAL);
	expect_errno("semget nsems 32001", semget(IPC_PRIVATE, 32001, 0600), EINVAL);
	int p1 = semget(IPC_PRIVATE, 1, 0600), p2 = semget(IPC_PRIVATE, 1, 0600);
	expect_true("IPC_PRIVATE twice: two sets", p1 >= 0 && p2 >= 0 && p1 != p2);
	struct semid_ds ds;
	union semun u = { .buf = &ds };
	expect_ok("IPC_STAT", semctl(id, 0, IPC_STAT, u));
	expect_eq("IPC_STAT nsems", (long)ds.sem_nsems, 3);
	expect_mode("IPC_STAT mode", ds.sem_perm.mode, 0600);
	expect_true("IPC_STAT key", ds.sem_perm.__key == key);
	expect_true("IPC_STAT owner", ds.sem_perm.uid == geteuid() && ds.sem_perm.cuid == geteuid());
	expect_eq("IPC_STAT otime", ds.sem_otime, 0);
	expect_true("IPC_STAT ctime", ds.sem_ctime > 0);
	ds.sem_perm.mode = 0640;
	expect_ok("IPC_SET", semctl(id, 0, IPC_SET, u));
	expect_ok("IPC_STAT again", semctl(id, 0, IPC_STAT, u));
	expect_mode("IPC_SET mode", ds.sem_perm.mode, 0640);
	ds.sem_perm.uid = (uid_t)-1;
	expect_errno("IPC_SET uid -1", semctl(id, 0, IPC_SET, u), EINVAL);
	u.buf = BAD_PTR;
	expect_errno("IPC_STAT bad buf", semctl(id, 0, IPC_STAT, u), EFAULT);
	expect_errno("IPC_SET bad buf", semctl(id, 0, IPC_SET, u), EFAULT);
	u.buf = &ds;
	int idx = id % 32768;
	expect_true("SEM_STAT by index", semctl(idx, 0, SEM_STAT, u) == id);
	expect_true("SEM_STAT_ANY by index", semctl(idx, 0, SEM_STAT_ANY, u) == id);
	expect_eq("SEM_STAT nsems", (long)ds.sem_nsems, 3);
	struct seminfo si;
	u.__buf = &si;
	expect_true("IPC_INFO", semctl(0, 0, IPC_INFO, u) >= 0);
	expect_eq("IPC_INFO semmsl", si.semmsl, 32000);
	expect_eq("IPC_INFO semopm", si.semopm, 500);
	expect_eq("IPC_INFO semvmx", si.semvmx, 32767);
	expect_true("SEM_INFO", semctl(0, 0, SEM_INFO, u) >= 0);
	expect_true("SEM_INFO sets in use", si.semusz >= 3);
	u.__buf = BAD_PTR;
	expect_errno("IPC_INFO bad buf", semctl(0, 0, IPC_INFO, u), EFAULT);
	expect_errno("semctl bad cmd", semctl(id, 0, 99), EINVAL);
	expect_errno("semctl IPC_64|IPC_STAT raw", syscall(SYS_semctl, id, 0, IPC_STAT | 0x100, &ds),
		     EINVAL);
	expect_errno("semctl id -1", semctl(-1, 0, GETVAL), EINVAL);
	expect_errno("semctl wrong seq", semctl(id + 32768, 0, GETVAL), EINVAL);
	expect_ok("IPC_RMID", semctl(id, 0, IPC_RMID));
	expect_errno("IPC_RMID again", semctl(id, 0, IPC_RMID), EINVAL);
	expect_errno("semget removed key", semget(key, 1, 0), ENOENT);
	expect_ok("IPC_RMID p1", semctl(p1, 0, IPC_RMID));
	expect_ok("IPC_RMID p2", semctl(p2, 0, IPC_RMID));
	close(fd);
	unlink(path);
}

static void test_values(int id)
{
	union semun u = { .val = 5 };
	expect_ok("SETVAL 5", semctl(id, 0, SETVAL, u));
	expect_eq("GETVAL", semctl(id, 0, GETVAL), 5);
	expect_eq("GETPID is ours", semctl(id, 0, GETPID) == getpid(), 1);
	u.val = 32768;
	expect_errno("SETVAL 32768", semctl(id, 0, SETVAL, u), ERANGE);
	u.val = -1;
	expect_errno("SETVAL -1", semctl(id, 0, SETVAL, u), ERANGE);
	u.val = 1;
	expect_errno("SETVAL semnum 2", semctl(id, 2, SETVAL, u), EINVAL);
	expect_errno("SETVAL semnum -1", semctl(id, -1, SETVAL, u), EINVAL);
	expect_errno("GETVAL semnum 2", semctl(id, 2, GETVAL), EINVAL);
	unsigned short all[2] = { 7, 0 };
	u.array = all;
	expect_ok("SETALL", semctl(id, 0, SETALL, u));
	all[0] = all[1] = 99;
	expect_ok("GETALL", semctl(id, 0, GETALL, u));
	expect_eq("GETALL [0]", all[0], 7);
	expect_eq("GETALL [1]", all[1], 0);
	all[1] = 40000;
	expect_errno("SETALL 40000", semctl(id, 0, SETALL, u), ERANGE);
	expect_eq("SETALL failed changes nothing", semctl(id, 0, GETVAL), 7);
	u.array = BAD_PTR;
	expect_errno("GETALL bad", semctl(id, 0, GETALL, u), EFAULT);
	expect_errno("SETALL bad", semctl(id, 0, SETALL, u), EFAULT);
	expect_eq("GETNCNT idle", semctl(id, 0, GETNCNT), 0);
	expect_eq("GETZCNT idle", semctl(id, 1, GETZCNT), 0);
}

static void test_ops(int id)
{
	struct sembuf ops[3] = { { 0, -2, 0 }, { 1, 1, 0 }, { 1, -1, 0 } };
	expect_ok("semop -2,+1,-1 (one sem twice)", semop(id, ops, 3));
	expect_eq("sem0 after", semctl(id, 0, GETVAL), 5);
	expect_eq("sem1 after", semctl(id, 1, GETVAL), 0);
	struct sembuf nb[2] = { { 0, -1, 0 }, { 1, -1, IPC_NOWAIT } };
	expect_errno("semop second would block: EAGAIN", semop(id, nb, 2), EAGAIN);
	expect_eq("all or nothing: sem0 kept", semctl(id, 0, GETVAL), 5);
	struct sembuf z = { 1, 0, IPC_NOWAIT };
	expect_ok("wait-for-zero on zero", semop(id, &z, 1));
	struct sembuf z0 = { 0, 0, IPC_NOWAIT };
	expect_errno("wait-for-zero on 5 NOWAIT", semop(id, &z0, 1), EAGAIN);
	struct sembuf big = { 0, 32767, 0 };
	expect_errno("semop past SEMVMX", semop(id, &big, 1), ERANGE);
	/* Each undo op alone stays within SEMAEM, their sum does not: Linux checks the running
	 * adjustment, and the values stay in range throughout. */
	struct sembuf aem[3] = { { 0, 20000, SEM_UNDO }, { 0, -20000, 0 }, { 0, 20000, SEM_UNDO } };
	expect_errno("semop undo past SEMAEM in one call", semop(id, aem, 3), ERANGE);
	expect_eq("all or nothing after SEMAEM: sem0 kept", semctl(id, 0, GETVAL), 5);
	struct sembuf bad = { 2, 1, 0 };
	expect_errno("semop sem_num 2", semop(id, &bad, 1), EFBIG);
	expect_errno("semop nsops 0", semop(id, ops, 0), EINVAL);
	static struct sembuf many[501];
	expect_errno("semop nsops 501", semop(id, many, 501), E2BIG);
	expect_errno("semop bad sops", semop(id, BAD_PTR, 1), EFAULT);
	expect_errno("semop id -1", semop(-1, ops, 1), EINVAL);
	expect_errno("semop no such id", semop(id + 32768, &z, 1), EINVAL);
	struct timespec ts = { 0, 1000000000 };
	struct sembuf w = { 1, -1, 0 };
	expect_errno("semtimedop nsec 1e9", semtimedop_raw(id, &w, 1, &ts), EINVAL);
	ts.tv_sec = -1;
	ts.tv_nsec = 0;
	expect_errno("semtimedop sec -1", semtimedop_raw(id, &w, 1, &ts), EINVAL);
	expect_errno("semtimedop bad timeout", semtimedop_raw(id, &w, 1, BAD_PTR), EFAULT);
	ts.tv_sec = 0;
	ts.tv_nsec = 20000000;
	expect_errno("semtimedop times out: EAGAIN", semtimedop_raw(id, &w, 1, &ts), EAGAIN);
	ts.tv_nsec = 0;
	expect_errno("semtimedop zero timeout", semtimedop_raw(id, &w, 1, &ts), EAGAIN);
	struct semid_ds ds;
	union semun u = { .buf = &ds };
	semctl(id, 0, IPC_STAT, u);
	expect_true("otime set by semop", ds.sem_otime > 0);
}

/* A child blocks decrementing sem 1; the parent sees GETNCNT, then releases it. */
static void test_block(int id)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct sembuf w = { 1, -1, 0 };
		_exit(semop(id, &w, 1) == 0 ? 0 : 1);
	}
	expect_eq("GETNCNT with a sleeper", wait_count(id, 1, GETNCNT, 1), 1);
	struct sembuf p = { 1, 1, 0 };
	expect_ok("semop +1 wakes it", semop(id, &p, 1));
	expect_eq("sleeper done", child_status(pid), 0);
	expect_eq("sem1 back to 0", semctl(id, 1, GETVAL), 0);
	expect_eq("GETPID is the child's", semctl(id, 1, GETPID) == pid, 1);
	pid = fork();
	if (pid == 0) {
		struct sembuf z = { 0, 0, 0 };
		_exit(semop(id, &z, 1) == 0 ? 0 : 1);
	}
	expect_eq("GETZCNT with a sleeper", wait_count(id, 0, GETZCNT, 1), 1);
	union semun u = { .val = 0 };
	expect_ok("SETVAL 0 wakes the zero waiter", semctl(id, 0, SETVAL, u));
	expect_eq("zero waiter done", child_status(pid), 0);
}

/* SEM_UNDO: a child's adjustments are reversed when it exits. */
static void test_undo(int id)
{
	union semun u = { .val = 3 };
	semctl(id, 0, SETVAL, u);
	pid_t pid = fork();
	if (pid == 0) {
		struct sembuf ops[2] = { { 0, -2, SEM_UNDO }, { 1, 4, SEM_UNDO } };
		if (semop(id, ops, 2) != 0)
			_exit(1);
		_exit(semctl(id, 0, GETVAL) == 1 && semctl(id, 1, GETVAL) == 4 ? 0 : 2);
	}
	expect_eq("undo child ran", child_status(pid), 0);
	expect_eq("SEM_UNDO restored sem0 at exit", semctl(id, 0, GETVAL), 3);
	expect_eq("SEM_UNDO restored sem1 at exit", semctl(id, 1, GETVAL), 0);
	pid = fork();
	if (pid == 0) {
		struct sembuf op = { 0, -1, SEM_UNDO };
		semop(id, &op, 1);
		union semun v = { .val = 10 };
		semctl(id, 0, SETVAL, v);	/* SETVAL forgets the adjustment */
		_exit(0);
	}
	child_status(pid);
	expect_eq("SETVAL cleared the undo", semctl(id, 0, GETVAL), 10);
	pid = fork();
	if (pid == 0) {
		struct sembuf op = { 0, 5, SEM_UNDO };
		semop(id, &op, 1);
		union semun v = { .val = 2 };
		semctl(id, 0, SETVAL, v);
		op.sem_op = 1;
		op.sem_flg = SEM_UNDO;
		semop(id, &op, 1);	/* adj -1 */
		v.val = 0;
		semctl(id, 0, SETVAL, v);	/* clears again */
		op.sem_op = 3;
		semop(id, &op, 1);	/* adj -3 from 3: exit takes it to 0 */
		_exit(0);
	}
	child_status(pid);
	expect_eq("undo after SETVALs", semctl(id, 0, GETVAL), 0);
	u.val = 1;
	semctl(id, 0, SETVAL, u);
	pid = fork();
	if (pid == 0) {
		struct sembuf op = { 0, 1, SEM_UNDO };
		semop(id, &op, 1);	/* adj -1 */
		union semun v = { .val = 0 };
		semctl(id, 0, SETALL, (union semun){ .array = (unsigned short[2]){ 0, 0 } });
		(void)v;
		_exit(0);
	}
	child_status(pid);
	expect_eq("SETALL cleared the undo", semctl(id, 0, GETVAL), 0);
}

/* A signal ends a sleeping semop with EINTR (no SA_RESTART restart for semop). */
static void test_eintr(int id)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		while (semctl(id, 1, GETNCNT) != 1)
			usleep(1000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct sembuf w = { 1, -1, 0 };
	expect_errno("semop interrupted (SA_RESTART)", semop(id, &w, 1), EINTR);
	child_status(pid);
	signal(SIGUSR1, SIG_IGN);
	pid = fork();
	if (pid == 0) {
		while (semctl(id, 1, GETNCNT) != 1)
			usleep(1000);
		kill(parent, SIGUSR1);	/* ignored: the wait goes on */
		usleep(20000);
		struct sembuf p = { 1, 1, 0 };
		semop(id, &p, 1);
		_exit(0);
	}
	expect_ok("ignored signal: semop goes on", semop(id, &w, 1));
	child_status(pid);
	signal(SIGUSR1, SIG_DFL);
}

static void test_rmid_wakes(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t pid = fork();
	if (pid == 0) {
		struct sembuf w = { 0, -1, 0 };
		_exit(semop(id, &w, 1) == -1 && errno == EIDRM ? 0 : 1);
	}
	wait_count(id, 0, GETNCNT, 1);
	expect_ok("IPC_RMID with a sleeper", semctl(id, 0, IPC_RMID));
	expect_eq("sleeper got EIDRM", child_status(pid), 0);
}

/* Another user: no access to a 0600 set, nor IPC_RMID or IPC_SET of it. */
static void test_perms(void)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	int id2 = semget(IPC_PRIVATE, 1, 0644);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(9);
		struct sembuf op = { 0, 1, 0 };
		int ok = semop(id, &op, 1) == -1 && errno == EACCES;
		ok = ok && semctl(id, 0, GETVAL) == -1 && errno == EACCES;
		ok = ok && semctl(id, 0, IPC_RMID) == -1 && errno == EPERM;
		struct semid_ds ds;
		ok = ok && semctl(id, 0, IPC_STAT, (union semun){ .buf = &ds }) == -1 && errno == EACCES;
		ok = ok && semctl(id % 32768, 0, SEM_STAT, (union semun){ .buf = &ds }) == -1 &&
		     errno == EACCES;
		ok = ok && semctl(id % 32768, 0, SEM_STAT_ANY, (union semun){ .buf = &ds }) == id;
		ok = ok && semctl(id2, 0, GETVAL) == 0;
		ok = ok && semop(id2, &op, 1) == -1 && errno == EACCES;
		ok = ok && semctl(id2, 0, SETVAL, (union semun){ .val = 1 }) == -1 && errno == EACCES;
		_exit(ok ? 0 : 1);
	}
	expect_eq("other user: EACCES/EPERM as Linux", child_status(pid), 0);
	semctl(id, 0, IPC_RMID);
	semctl(id2, 0, IPC_RMID);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_get();
	int id = semget(IPC_PRIVATE, 2, 0600);
	expect_true("semget 2", id >= 0);
	test_values(id);
	test_ops(id);
	test_block(id);
	test_undo(id);
	test_eintr(id);
	expect_ok("IPC_RMID", semctl(id, 0, IPC_RMID));
	expect_errno("semop after IPC_RMID", semop(id, &(struct sembuf){ 0, 1, 0 }, 1), EINVAL);
	test_rmid_wakes();
	test_perms();
	return expect_status();
}
