/*
 * sigcatch: a container's main program whose signals can be watched from outside (podman.sh).
 * Prints "ready" once its handlers are installed, then one line per signal received: "got USR1",
 * "got USR2", "got HUP", "got INT", and "got WINCH ROWSxCOLS" with standard input's window size
 * when it is a terminal. SIGTERM prints "got TERM" and exits 0, so a `podman stop` that sends
 * SIGTERM ends it with status 0 and one that has to escalate to SIGKILL gives 137.
 *
 * The handlers only count; the lines are printed from the main loop, which waits in
 * sigsuspend() with the signals blocked everywhere else, so no signal is lost between a check
 * and the wait. A single process: it never forks.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const struct {
	int sig;
	const char *name;
} watched[] = {
	{ SIGUSR1, "USR1" }, { SIGUSR2, "USR2" }, { SIGHUP, "HUP" },
	{ SIGINT, "INT" },   { SIGWINCH, "WINCH" }, { SIGTERM, "TERM" },
};
#define NWATCHED (sizeof(watched) / sizeof(watched[0]))

static volatile sig_atomic_t received[NWATCHED];

static void on_signal(int sig)
{
	for (size_t i = 0; i < NWATCHED; i++)
		if (watched[i].sig == sig)
			received[i]++;
}

static void report(size_t i)
{
	struct winsize ws;

	if (watched[i].sig == SIGWINCH && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		printf("got %s %ux%u\n", watched[i].name, ws.ws_row, ws.ws_col);
	else
		printf("got %s\n", watched[i].name);
	/* stdout is a pipe to conmon or a terminal: each line must be out before the next wait. */
	fflush(stdout);
}

int main(void)
{
	sigset_t block, wait_mask;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (size_t i = 0; i < NWATCHED; i++)
		sigaddset(&block, watched[i].sig);
	/* Block first: a signal sent right after "ready" waits for sigsuspend instead of racing. */
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0) {
		perror("sigcatch: sigprocmask");
		return 1;
	}
	for (size_t i = 0; i < NWATCHED; i++) {
		if (sigaction(watched[i].sig, &sa, NULL) < 0) {
			perror("sigcatch: sigaction");
			return 1;
		}
	}
	for (size_t i = 0; i < NWATCHED; i++)
		sigdelset(&wait_mask, watched[i].sig);
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		sigsuspend(&wait_mask);
		for (size_t i = 0; i < NWATCHED; i++) {
			/* Standard signals do not queue: one line per delivery the handler saw. */
			while (received[i] > 0) {
				received[i]--;
				report(i);
				if (watched[i].sig == SIGTERM)
					return 0;
			}
		}
	}
}
