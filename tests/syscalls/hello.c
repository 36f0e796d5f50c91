/*
 * The first program cvisor runs: prints its argument and exits with 3. Built static, run
 * natively and in the Sentry with the same expected output and status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	/* A few calls whose answers must match Linux: fstat of stdout, getpid of init-like. */
	if (fstat(1, &st) < 0)
		return 10;
	char *heap = malloc(1 << 20);	/* brk or mmap, depending on libc */
	if (!heap)
		return 11;
	memset(heap, 'x', 1 << 20);
	free(heap);
	printf("hello %s\n", argc > 1 ? argv[1] : "world");
	return 3;
}
