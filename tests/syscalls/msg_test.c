/*
 * System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2)): keys, FIFO order,
 * msgtyp 0 / > 0 / < 0, MSG_EXCEPT, MSG_NOERROR, E2BIG, MSG_COPY, ENOMSG, a sender blocked by
 * a full queue and a receiver blocked on an empty one (other processes), IPC_NOWAIT, EIDRM on
 * removal, EINTR, msg_qbytes through IPC_SET, every msgctl command, another user's EACCES and
 * EPERM, and the error paths. Every queue is removed at the end.
 */
#include "expect.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

struct mbuf {
	long mtype;
	char text[64];
};

static void on_usr1(int sig)
{
	(void)sig;
}

static int child_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int snd(int id, long type, const char *text, int flg)
{
	struct mbuf m = { .mtype = type };
	size_t n = strlen(text);
	memcpy(m.text, text, n);
	return msgsnd(id, &m, n, flg);
}

/* Receives into a fresh buffer and prints "type:text" (or the errno). */
static void rcv(const char *what, int id, size_t size, long typ, int flg, const char *want)
{
	struct mbuf m = { 0 };
	ssize_t n = msgrcv(id, &m, size, typ, flg);
	char got[96];
	if (n < 0)
		snprintf(got, sizeof(got), "%s", strerrorname_np(errno));
	else
		snprintf(got, sizeof(got), "%ld:%.*s", m.mtype, (int)n, m.text);
	expect_str(what, got, want);
}

static long qnum(int id)
{
	struct msqid_ds ds;
	return msgctl(id, IPC_STAT, &ds) < 0 ? -1 : (long)ds.msg_qnum;
}

static void test_get(void)
{
	char path[] = "/tmp/msg_test_XXXXXX";
	int fd = mkstemp(path);
	key_t key = ftok(path, 'M');
	expect_errno("msgget absent key", msgget(key, 0600), ENOENT);
	int id = msgget(key, IPC_CREAT | IPC_EXCL | 0640);
	expect_true("msgget IPC_CREAT|IPC_EXCL", id >= 0);
	expect_true("msgget same key", msgget(key, 0) == id);
	expect_errno("msgget IPC_EXCL existing", msgget(key, IPC_CREAT | IPC_EXCL), EEXIST);
	struct msqid_ds ds;
	expect_ok("IPC_STAT", msgctl(id, IPC_STAT, &ds));
	expect_mode("IPC_STAT mode", ds.msg_perm.mode, 0640);
	expect_eq("IPC_STAT qbytes", (long)ds.msg_qbytes, 16384);
	expect_eq("IPC_STAT qnum", (long)ds.msg_qnum, 0);
	expect_eq("IPC_STAT stime", ds.msg_stime, 0);
	expect_true("IPC_STAT key", ds.msg_perm.__key == key);
	expect_true("MSG_STAT by index", msgctl(id % 32768, MSG_STAT, &ds) == id);
	expect_true("MSG_STAT_ANY by index", msgctl(id % 32768, MSG_STAT_ANY, &ds) == id);
	ds.msg_qbytes = 100;
	ds.msg_perm.mode = 0600;
	expect_ok("IPC_SET qbytes 100", msgctl(id, IPC_SET, &ds));
	expect_ok("IPC_STAT again", msgctl(id, IPC_STAT, &ds));
	expect_eq("qbytes now", (long)ds.msg_qbytes, 100);
	expect_mode("mode now", ds.msg_perm.mode, 0600);
	ds.msg_perm.gid = (gid_t)-1;
	expect_errno("IPC_SET gid -1", msgctl(id, IPC_SET, &ds), EINVAL);
	expect_errno("IPC_STAT bad buf", msgctl(id, IPC_STAT, BAD_PTR), EFAULT);
	expect_errno("IPC_SET bad buf", msgctl(id, IPC_SET, BAD_PTR), EFAULT);
	struct msginfo mi;
	expect_true("IPC_INFO", msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
	expect_eq("IPC_INFO msgmax", mi.msgmax, 8192);
	expect_eq("IPC_INFO msgmnb", mi.msgmnb, 16384);
	expect_eq("IPC_INFO msgssz", mi.msgssz, 16);
	expect_true("MSG_INFO", msgctl(0, MSG_INFO, (struct msqid_ds *)&mi) >= 0);
	expect_true("MSG_INFO queues in use", mi.msgpool >= 1);
	expect_errno("IPC_INFO bad buf", msgctl(0, IPC_INFO, BAD_PTR), EFAULT);
	expect_errno("msgctl bad cmd", msgctl(id, 99, &ds), EINVAL);
	expect_errno("msgctl cmd -1", msgctl(id, -1, &ds), EINVAL);
	expect_errno("msgctl id -1", msgctl(-1, IPC_STAT, &ds), EINVAL);
	expect_errno("msgctl wrong seq", msgctl(id + 32768, IPC_STAT, &ds), EINVAL);
	expect_ok("IPC_RMID", msgctl(id, IPC_RMID, NULL));
	expect_errno("IPC_RMID again", msgctl(id, IPC_RMID, NULL), EINVAL);
	close(fd);
	unlink(path);
}

static void test_send_receive(int id)
{
	expect_ok("msgsnd 1 a", snd(id, 1, "a", 0));
	expect_ok("msgsnd 3 b", snd(id, 3, "b", 0));
	expect_ok("msgsnd 2 c", snd(id, 2, "c", 0));
	expect_ok("msgsnd 3 d", snd(id, 3, "d", 0));
	expect_ok("msgsnd 5 empty", snd(id, 5, "", 0));
	expect_eq("qnum 5", qnum(id), 5);
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	expect_eq("cbytes 4", (long)ds.msg_cbytes, 4);
	expect_true("lspid is ours", ds.msg_lspid == getpid());
	expect_true("stime set", ds.msg_stime > 0);
	rcv("MSG_COPY 0", id, 64, 0, MSG_COPY | IPC_NOWAIT, "1:a");
	rcv("MSG_COPY 3", id, 64, 3, MSG_COPY | IPC_NOWAIT, "3:d");
	rcv("MSG_COPY 9", id, 64, 9, MSG_COPY | IPC_NOWAIT, "ENOMSG");
	rcv("MSG_COPY without IPC_NOWAIT", id, 64, 0, MSG_COPY, "EINVAL");
	rcv("MSG_COPY with MSG_EXCEPT", id, 64, 0, MSG_COPY | IPC_NOWAIT | MSG_EXCEPT, "EINVAL");
	expect_eq("MSG_COPY leaves the queue", qnum(id), 5);
	rcv("msgtyp 3", id, 64, 3, 0, "3:b");
	rcv("msgtyp -3 (lowest <= 3)", id, 64, -3, 0, "1:a");
	rcv("MSG_EXCEPT 2", id, 64, 2, MSG_EXCEPT, "3:d");
	rcv("msgtyp 7 NOWAIT", id, 64, 7, IPC_NOWAIT, "ENOMSG");
	rcv("msgtyp 0", id, 64, 0, 0, "2:c");
	rcv("empty text", id, 64, 0, 0, "5:");
	rcv("empty queue NOWAIT", id, 64, 0, IPC_NOWAIT, "ENOMSG");
	expect_ok("msgsnd 4 hello", snd(id, 4, "hello", 0));
	rcv("too small: E2BIG", id, 2, 0, 0, "E2BIG");
	expect_eq("E2BIG leaves it", qnum(id), 1);
	rcv("MSG_NOERROR truncates", id, 2, 0, MSG_NOERROR, "4:he");
	msgctl(id, IPC_STAT, &ds);
	expect_true("lrpid is ours", ds.msg_lrpid == getpid());
	expect_eq("cbytes 0", (long)ds.msg_cbytes, 0);
	struct mbuf m = { .mtype = 0 };
	expect_errno("msgsnd mtype 0", msgsnd(id, &m, 1, 0), EINVAL);
	m.mtype = -1;
	expect_errno("msgsnd mtype -1", msgsnd(id, &m, 1, 0), EINVAL);
	m.mtype = 1;
	expect_errno("msgsnd size 8193", msgsnd(id, &m, 8193, 0), EINVAL);
	expect_errno("msgsnd size -1", msgsnd(id, &m, (size_t)-1, 0), EINVAL);
	expect_errno("msgsnd bad buf", msgsnd(id, BAD_PTR, 1, 0), EFAULT);
	expect_errno("msgsnd id -1", msgsnd(-1, &m, 1, 0), EINVAL);
	expect_errno("msgsnd no such id", msgsnd(id + 32768, &m, 1, 0), EINVAL);
	expect_errno("msgrcv id -1", msgrcv(-1, &m, 1, 0, 0), EINVAL);
	expect_errno("msgrcv size -1", msgrcv(id, &m, (size_t)-1, 0, 0), EINVAL);
	expect_errno("msgrcv no such id", msgrcv(id + 32768, &m, 1, 0, 0), EINVAL);
	snd(id, 1, "x", 0);
	expect_errno("msgrcv bad buf (message lost)", msgrcv(id, BAD_PTR, 8, 0, 0), EFAULT);
	expect_eq("lost message is gone", qnum(id), 0);
}

/* msg_qbytes 10: a sender of a message that does not fit waits for a receiver. */
static void test_block(int id)
{
	struct msqid_ds ds;
	msgctl(id, IPC_STAT, &ds);
	ds.msg_qbytes = 10;
	msgctl(id, IPC_SET, &ds);
	expect_ok("fill 8 bytes", snd(id, 1, "12345678", 0));
	expect_errno("full: IPC_NOWAIT EAGAIN", snd(id, 1, "abc", IPC_NOWAIT), EAGAIN);
	pid_t pid = fork();
	if (pid == 0)
		_exit(snd(id, 2, "abc", 0) == 0 ? 0 : 1);
	usleep(50000);
	expect_eq("sender waits", qnum(id), 1);
	rcv("receive frees room", id, 64, 1, 0, "1:12345678");
	expect_eq("sender done", child_status(pid), 0);
	rcv("its message", id, 64, 0, 0, "2:abc");
	pid = fork();
	if (pid == 0) {
		struct mbuf m;
		ssize_t n = msgrcv(id, &m, sizeof(m.text), 7, 0);
		_exit(n == 2 && m.mtype == 7 && !memcmp(m.text, "hi", 2) ? 0 : 1);
	}
	usleep(50000);
	snd(id, 6, "no", 0);
	snd(id, 7, "hi", 0);
	expect_eq("receiver got type 7", child_status(pid), 0);
	rcv("type 6 still there", id, 64, 0, 0, "6:no");
	ds.msg_qbytes = 16384;
	msgctl(id, IPC_SET, &ds);
}

static void test_eintr_rmid(int id)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	struct mbuf m;
	expect_errno("msgrcv interrupted", msgrcv(id, &m, 8, 0, 0), EINTR);
	child_status(pid);
	signal(SIGUSR1, SIG_DFL);
	pid = fork();
	if (pid == 0) {
		struct mbuf c;
		_exit(msgrcv(id, &c, 8, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
	}
	usleep(50000);
	expect_ok("IPC_RMID with a sleeper", msgctl(id, IPC_RMID, NULL));
	expect_eq("sleeper got EIDRM", child_status(pid), 0);
}

static void test_perms(void)
{
	int id = msgget(IPC_PRIVATE, 0600);
	int id2 = msgget(IPC_PRIVATE, 0644);
	snd(id2, 1, "r", 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(9);
		struct msqid_ds ds;
		int ok = snd(id, 1, "x", 0) == -1 && errno == EACCES;
		struct mbuf m;
		ok = ok && msgrcv(id, &m, 8, 0, IPC_NOWAIT) == -1 && errno == EACCES;
		ok = ok && msgctl(id, IPC_STAT, &ds) == -1 && errno == EACCES;
		ok = ok && msgctl(id, IPC_RMID, NULL) == -1 && errno == EPERM;
		ok = ok && msgctl(id % 32768, MSG_STAT_ANY, &ds) == id;
		ok = ok && msgrcv(id2, &m, 8, 0, IPC_NOWAIT) == 1;
		ok = ok && snd(id2, 1, "x", 0) == -1 && errno == EACCES;
		_exit(ok ? 0 : 1);
	}
	expect_eq("other user: EACCES/EPERM as Linux", child_status(pid), 0);
	msgctl(id, IPC_RMID, NULL);
	msgctl(id2, IPC_RMID, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_get();
	int id = msgget(IPC_PRIVATE, 0600);
	expect_true("msgget IPC_PRIVATE", id >= 0);
	test_send_receive(id);
	test_block(id);
	test_eintr_rmid(id);
	expect_errno("msgsnd after IPC_RMID", snd(id, 1, "x", 0), EINVAL);
	test_perms();
	return expect_status();
}
