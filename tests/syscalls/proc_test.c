/*
 * /proc as programs read it: relations that hold natively and in the sandbox (the PID in
 * /proc/self matches getpid, cmdline holds argv, status names the PID, fd lists stdio, maps
 * has a stack), and the errors of missing entries. Values that differ between machines are
 * never printed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void verdict(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "ok" : strerrorname_np(errno) ?: "mismatch");
}

static ssize_t slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n, total = 0;
	while ((n = read(fd, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	close(fd);
	buf[total] = '\0';
	return n < 0 ? -1 : total;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	char want[64];
	errno = 0;
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n >= 0)
		buf[n] = '\0';
	snprintf(want, sizeof(want), "%d", getpid());
	verdict("readlink self is the pid", n > 0 && !strcmp(buf, want));

	n = slurp("/proc/self/cmdline", buf, sizeof(buf));
	verdict("cmdline has argv", n > 0 && argc > 1 && !strcmp(buf + strlen(buf) + 1, argv[1]));

	n = slurp("/proc/self/status", buf, sizeof(buf));
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	verdict("status names the pid", n > 0 && strstr(buf, want));

	n = slurp("/proc/self/maps", buf, sizeof(buf));
	verdict("maps has the stack", n > 0 && strstr(buf, "[stack]"));

	n = slurp("/proc/cpuinfo", buf, sizeof(buf));
	verdict("cpuinfo has a processor", n > 0 && !strncmp(buf, "processor", 9));
	n = slurp("/proc/meminfo", buf, sizeof(buf));
	verdict("meminfo has MemTotal", n > 0 && !strncmp(buf, "MemTotal:", 9));

	DIR *d = opendir("/proc/self/fd");
	int seen = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		for (int i = 0; i < 3; i++)
			if (e->d_name[0] == '0' + i && !e->d_name[1])
				seen |= 1 << i;
	if (d)
		closedir(d);
	verdict("fd lists stdio", seen == 7);

	struct stat st;
	verdict("stat exe", stat("/proc/self/exe", &st) == 0 && S_ISREG(st.st_mode));
	verdict("lstat exe is a link", lstat("/proc/self/exe", &st) == 0 && S_ISLNK(st.st_mode));
	verdict("stat self dir", stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode));
	errno = 0;
	verdict("missing entry", open("/proc/self/nonexistent", O_RDONLY) >= 0);
	errno = 0;
	verdict("missing pid", open("/proc/999999/status", O_RDONLY) >= 0);
	errno = 0;
	verdict("file as directory", open("/proc/cpuinfo/x", O_RDONLY) >= 0);
	errno = 0;
	verdict("readlink of a file", readlink("/proc/cpuinfo", buf, 10) >= 0);
	return 0;
}
