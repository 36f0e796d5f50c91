/*
 * memhog N: allocates N MiB and writes one byte in every page, so all of it is resident and
 * charged to the container's memory cgroup, then prints "ok N" and exits 0. Under a memory
 * limit smaller than N MiB it is expected to die of the OOM killer (SIGKILL, status 137 through
 * podman) before printing anything. Exits 2 on a bad argument and 1 when malloc fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long page = sysconf(_SC_PAGESIZE);

	if (argc != 2) {
		fprintf(stderr, "usage: memhog MIB\n");
		return 2;
	}
	errno = 0;
	unsigned long mib = strtoul(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || mib == 0 || mib > 1UL << 20) {
		fprintf(stderr, "memhog: %s: not a size in MiB between 1 and 1048576\n", argv[1]);
		return 2;
	}
	if (page <= 0)
		page = 4096;

	size_t size = mib << 20;
	/* volatile: the stores are the point, the compiler must not drop them. */
	volatile char *mem = malloc(size);
	if (!mem) {
		fprintf(stderr, "memhog: cannot allocate %lu MiB\n", mib);
		return 1;
	}
	for (size_t off = 0; off < size; off += (size_t)page)
		mem[off] = 1;
	printf("ok %lu\n", mib);
	return 0;
}
