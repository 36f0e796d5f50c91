/*
 * The vDSO: mapped read-only into an mm where exec puts it, and its code, run natively from a
 * copy of those pages, tells the same time as the host without a system call.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mm/memfile.h"
#include "mm/mm.h"
#include "vdso/vdso.h"
#include "vdso/vdso_params.h"

static struct mm *g_mm;
static uint64_t g_base;

static void setup(void)
{
	cr_assert_eq(mm_new(NULL, NULL, 0, 0x10000, 1ull << 40, &g_mm), 0);
	cr_assert_eq(vdso_map(g_mm, &g_base), 0);
}

static void teardown(void)
{
	mm_free(g_mm);
}

TestSuite(vdso, .init = setup, .fini = teardown);

Test(vdso, image_and_parameters_are_mapped_read_only)
{
	unsigned char magic[4];
	cr_assert_eq(mm_copy_in(g_mm, g_base, magic, 4), 0);
	cr_assert_eq(memcmp(magic, ELFMAG, 4), 0);
	struct vdso_params p;
	cr_assert_eq(mm_copy_in(g_mm, g_base - 4096, &p, sizeof(p)), 0);
	cr_assert_eq(mm_copy_out(g_mm, g_base, "x", 1), -EFAULT, "the image is not writable");
	cr_assert_eq(mm_copy_out(g_mm, g_base - 4096, "x", 1), -EFAULT, "nor the parameters");
	const struct vma *v = mm_find_vma(g_mm, g_base);
	cr_assert_eq(v->prot, PROT_READ | PROT_EXEC);
	cr_assert_eq(mm_find_vma(g_mm, g_base - 1)->prot, PROT_READ);
}

/* Finds a dynamic symbol of the image at @img. */
static void *lookup(unsigned char *img, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		Elf64_Sym *sym = (Elf64_Sym *)(img + sh[i].sh_offset);
		const char *str = (const char *)img + sh[sh[i].sh_link].sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
			if (strcmp(str + sym[k].st_name, name) == 0)
				return img + sym[k].st_value;
	}
	return NULL;
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

Test(vdso, code_tells_host_time)
{
	/* Lay out parameter page + image natively exactly as the mm has them. */
	size_t len = 4 * 4096;
	unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(m, MAP_FAILED);
	cr_assert_eq(mm_copy_in(g_mm, g_base - 4096, m, 4096), 0);
	cr_assert_eq(mm_copy_in(g_mm, g_base, m + 4096, 4096), 0);
	cr_assert_eq(mprotect(m + 4096, 4096, PROT_READ | PROT_EXEC), 0);

	int (*gettime)(int, struct timespec *) = lookup(m + 4096, "__vdso_clock_gettime");
	int64_t (*vtime)(int64_t *) = lookup(m + 4096, "time");
	cr_assert_not_null(gettime);
	cr_assert_not_null(vtime, "unprefixed aliases are exported too");
	const struct vdso_params *p = (const void *)m;
	cr_log_info("TSC parameters: valid %u, %.3f ns per tick", p->valid, p->mult / 4294967296.0);
	struct timespec host, v;
	for (int clock = 0; clock <= 1; clock++) {
		cr_assert_eq(clock_gettime(clock, &host), 0);
		cr_assert_eq(gettime(clock, &v), 0);
		int64_t diff = ns(&v) - ns(&host);
		if (p->valid)
			cr_assert(diff > -5000000 && diff < 5000000, "clock %d off by %ld ns", clock,
				  (long)diff);
	}
	/* A clock the vDSO does not serve takes the system call. */
	cr_assert_eq(gettime(CLOCK_PROCESS_CPUTIME_ID, &v), 0);
	cr_assert_lt(ns(&v), 60ll * 1000000000, "process CPU time is small");
	cr_assert_eq(gettime(12345, &v), -EINVAL, "unknown clock: the kernel's EINVAL");
	int64_t t = 0;
	cr_assert_geq(vtime(&t), time(NULL) - 1);
	munmap(m, len);
}
