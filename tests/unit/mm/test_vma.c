/*
 * mm tests: mmap/munmap/mprotect/brk with mmap(2)'s errnos, lazy population through faults and
 * copies, what the platform is told to map, shared and private file mappings, and that every
 * page goes back to the memory file.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/memfile.h"
#include "mm/mm.h"

#define MIN_ADDR 0x10000ull
#define MAX_ADDR (1ull << 40)
#define PG 4096ull

/* A platform address space that records the last call. */
struct fake_as {
	int maps, unmaps;
	uint64_t addr, len, mf_off;
	uint32_t prot;
};

static int fake_map(struct sentry_as *as, uint64_t addr, uint64_t len, uint64_t mf_off,
		    uint32_t prot)
{
	struct fake_as *f = (struct fake_as *)as;
	f->maps++;
	f->addr = addr, f->len = len, f->mf_off = mf_off, f->prot = prot;
	return 0;
}

static int fake_unmap(struct sentry_as *as, uint64_t addr, uint64_t len)
{
	struct fake_as *f = (struct fake_as *)as;
	f->unmaps++;
	f->addr = addr, f->len = len;
	return 0;
}

static void fake_release(struct sentry_as *as)
{
}

static const struct sentry_as_ops g_fake_ops = {
	.map = fake_map, .unmap = fake_unmap, .release = fake_release,
};

static struct fake_as g_as;
static struct mm *g_mm;
static uint64_t g_used0;

static void setup(void)
{
	cr_assert_eq(mf_init(), 0);
	g_used0 = mf_used_bytes();
	memset(&g_as, 0, sizeof(g_as));
	cr_assert_eq(mm_new((struct sentry_as *)&g_as, &g_fake_ops, sizeof(g_fake_ops), MIN_ADDR,
			    MAX_ADDR, &g_mm),
		     0);
}

static void teardown(void)
{
	mm_free(g_mm);
}

/* Every page the test populated is back in the memory file. */
static void assert_no_leak(void)
{
	mm_free(g_mm);
	g_mm = NULL;
	cr_assert_eq(mf_used_bytes(), g_used0, "memory-file pages leaked");
}

TestSuite(mm, .init = setup, .fini = teardown);

static uint64_t map_anon(uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags)
{
	uint64_t got = 0;
	int rc = mm_mmap(g_mm, addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, NULL, NULL, 0,
			 &got);
	cr_assert_eq(rc, 0, "mmap: %d", rc);
	return got;
}

Test(mm, anonymous_mapping_is_lazy_and_zeroed)
{
	uint64_t a = map_anon(0, 3 * PG, PROT_READ | PROT_WRITE, 0);
	cr_assert_eq(a % PG, 0);
	cr_assert(a >= MIN_ADDR && a + 3 * PG <= MAX_ADDR);
	cr_assert_eq(mf_used_bytes(), g_used0, "nothing populated before use");
	char buf[16];
	cr_assert_eq(mm_copy_in(g_mm, a + PG + 5, buf, sizeof(buf)), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(mf_used_bytes(), g_used0 + PG, "one page populated");
	assert_no_leak();
}

Test(mm, copies_cross_page_boundaries)
{
	uint64_t a = map_anon(0, 2 * PG, PROT_READ | PROT_WRITE, 0);
	char out[100], in[100];
	for (int i = 0; i < 100; i++)
		out[i] = (char)i;
	cr_assert_eq(mm_copy_out(g_mm, a + PG - 50, out, sizeof(out)), 0);
	cr_assert_eq(mm_copy_in(g_mm, a + PG - 50, in, sizeof(in)), 0);
	cr_assert_eq(memcmp(in, out, sizeof(in)), 0);
	assert_no_leak();
}

Test(mm, copies_respect_protection_and_holes)
{
	uint64_t ro = map_anon(0, PG, PROT_READ, 0);
	uint64_t none = map_anon(0, PG, PROT_NONE, 0);
	char c = 'x';
	cr_assert_eq(mm_copy_out(g_mm, ro, &c, 1), -EFAULT, "write to read-only");
	cr_assert_eq(mm_copy_in(g_mm, ro, &c, 1), 0);
	cr_assert_eq(mm_copy_in(g_mm, none, &c, 1), -EFAULT, "read of PROT_NONE");
	cr_assert_eq(mm_copy_in(g_mm, 0x5000, &c, 1), -EFAULT, "unmapped");
	cr_assert_eq(mm_copy_in(g_mm, UINT64_MAX - 1, &c, 4), -EFAULT, "wraps around");
	assert_no_leak();
}

Test(mm, fault_maps_the_page_with_the_vma_protection)
{
	uint64_t a = map_anon(0, 2 * PG, PROT_READ | PROT_EXEC, 0);
	int code = 0;
	cr_assert_eq(mm_fault(g_mm, a + PG + 8, SENTRY_ACCESS_READ, &code), 0);
	/* The page, then its neighbour in the fault-around window (the VMA's two pages). */
	cr_assert_eq(g_as.maps, 2);
	cr_assert_eq(g_as.addr, a);
	cr_assert_eq(g_as.len, PG);
	cr_assert_eq(g_as.prot, PROT_READ | PROT_EXEC);
	cr_assert_eq(mm_fault(g_mm, a, SENTRY_ACCESS_WRITE, &code), -EFAULT);
	cr_assert_eq(code, SEGV_ACCERR);
	cr_assert_eq(mm_fault(g_mm, 0x5000, SENTRY_ACCESS_READ, &code), -EFAULT);
	cr_assert_eq(code, SEGV_MAPERR);
	uint64_t nx = map_anon(0, PG, PROT_READ | PROT_WRITE, 0);
	cr_assert_eq(mm_fault(g_mm, nx, SENTRY_ACCESS_EXEC, &code), -EFAULT);
	cr_assert_eq(code, SEGV_ACCERR);
	assert_no_leak();
}

Test(mm, fault_maps_its_window_of_anonymous_memory)
{
	/* 32 pages from a window boundary: a fault maps its aligned 16-page window, no more. */
	uint64_t a = map_anon(0, 48 * PG, PROT_READ | PROT_WRITE, 0);
	uint64_t w = (a + 16 * PG - 1) & ~(16 * PG - 1);
	int code = 0;
	cr_assert_eq(mm_fault(g_mm, w + 5 * PG, SENTRY_ACCESS_WRITE, &code), 0);
	cr_assert_eq(g_as.maps, 16, "the page and its 15 neighbours");
	cr_assert_eq(g_as.addr, w + 15 * PG, "the last one ends the window");
	cr_assert_eq(g_as.prot, PROT_READ | PROT_WRITE);
	cr_assert_eq(mf_used_bytes(), g_used0 + 16 * PG);
	/* A second fault there maps it again: the mm cannot know what the platform still has. */
	cr_assert_eq(mm_fault(g_mm, w + 6 * PG, SENTRY_ACCESS_READ, &code), 0);
	cr_assert_eq(g_as.maps, 32);
	cr_assert_eq(mf_used_bytes(), g_used0 + 16 * PG, "no page made twice");
	char c = 1;
	cr_assert_eq(mm_copy_in(g_mm, w + 15 * PG, &c, 1), 0);
	cr_assert_eq(c, 0, "a neighbour reads as zero");
	assert_no_leak();
}

Test(mm, mmap_argument_errors)
{
	uint64_t a;
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	cr_assert_eq(mm_mmap(g_mm, 0, 0, PROT_READ, anon, NULL, NULL, 0, &a), -EINVAL, "len 0");
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ, MAP_ANONYMOUS, NULL, NULL, 0, &a), -EINVAL,
		     "neither shared nor private");
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, NULL,
			     NULL, 0, &a),
		     -EINVAL, "both");
	cr_assert_eq(mm_mmap(g_mm, 0x100001, PG, PROT_READ, anon | MAP_FIXED, NULL, NULL, 0, &a),
		     -EINVAL, "unaligned fixed");
	cr_assert_eq(mm_mmap(g_mm, 0, PG, 0x100 | PROT_READ, anon, NULL, NULL, 0, &a), 0,
		     "mmap ignores unknown prot bits, as Linux");
	cr_assert_eq(mm_find_vma(g_mm, a)->prot, PROT_READ);
	cr_assert_eq(mm_mmap(g_mm, MAX_ADDR, PG, PROT_READ, anon | MAP_FIXED, NULL, NULL, 0, &a),
		     -ENOMEM, "fixed outside the user range");
	cr_assert_eq(mm_mmap(g_mm, 0, MAX_ADDR * 2, PROT_READ, anon, NULL, NULL, 0, &a), -ENOMEM);
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ, MAP_PRIVATE, NULL, NULL, 0, &a), -EINVAL,
		     "file mapping without a file");
}

Test(mm, fixed_replaces_and_noreplace_refuses)
{
	uint64_t a = map_anon(0, 4 * PG, PROT_READ | PROT_WRITE, 0);
	char c = 'A';
	cr_assert_eq(mm_copy_out(g_mm, a + PG, &c, 1), 0);
	uint64_t b = map_anon(a + PG, PG, PROT_READ | PROT_WRITE, MAP_FIXED);
	cr_assert_eq(b, a + PG);
	cr_assert_eq(mm_copy_in(g_mm, a + PG, &c, 1), 0);
	cr_assert_eq(c, 0, "the new mapping is fresh zeroes");
	uint64_t r;
	cr_assert_eq(mm_mmap(g_mm, a, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     NULL, NULL, 0, &r),
		     -EEXIST);
	cr_assert_eq(g_mm->vma_count, 3, "split into before, new, after");
	assert_no_leak();
}

Test(mm, hint_is_used_when_free)
{
	uint64_t a = map_anon(0x20000000, PG, PROT_READ, 0);
	cr_assert_eq(a, 0x20000000);
	uint64_t b = map_anon(0x20000000, PG, PROT_READ, 0);
	cr_assert_neq(b, a, "a taken hint is not clobbered without MAP_FIXED");
}

Test(mm, munmap_splits_and_frees)
{
	uint64_t a = map_anon(0, 3 * PG, PROT_READ | PROT_WRITE, 0);
	char c = 'z';
	for (int i = 0; i < 3; i++)
		cr_assert_eq(mm_copy_out(g_mm, a + (uint64_t)i * PG, &c, 1), 0);
	cr_assert_eq(mf_used_bytes(), g_used0 + 3 * PG);
	cr_assert_eq(mm_munmap(g_mm, a + PG, PG), 0);
	cr_assert_eq(g_as.unmaps, 1, "the platform unmaps too");
	cr_assert_eq(g_mm->vma_count, 2);
	cr_assert_eq(mf_used_bytes(), g_used0 + 2 * PG, "the middle page is freed");
	cr_assert_eq(mm_copy_in(g_mm, a + PG, &c, 1), -EFAULT);
	cr_assert_eq(mm_copy_in(g_mm, a + 2 * PG, &c, 1), 0);
	cr_assert_eq(c, 'z', "the right part keeps its data");
	cr_assert_eq(mm_munmap(g_mm, a + 1, PG), -EINVAL, "unaligned");
	cr_assert_eq(mm_munmap(g_mm, a, 0), -EINVAL, "zero length");
	cr_assert_eq(mm_munmap(g_mm, 0x7000000, PG), 0, "unmapping a hole is fine");
	assert_no_leak();
}

Test(mm, mprotect_changes_access_and_needs_full_coverage)
{
	uint64_t a = map_anon(0, 2 * PG, PROT_READ | PROT_WRITE, 0);
	char c = 'q';
	cr_assert_eq(mm_copy_out(g_mm, a, &c, 1), 0);
	cr_assert_eq(mm_mprotect(g_mm, a, PG, PROT_READ), 0);
	cr_assert_eq(mm_copy_out(g_mm, a, &c, 1), -EFAULT);
	cr_assert_eq(mm_copy_out(g_mm, a + PG, &c, 1), 0, "the other half stays writable");
	cr_assert_eq(mm_copy_in(g_mm, a, &c, 1), 0);
	cr_assert_eq(c, 'q', "data survives mprotect");
	cr_assert_eq(mm_mprotect(g_mm, a, 4 * PG, PROT_READ), -ENOMEM, "range has a hole");
	cr_assert_eq(mm_mprotect(g_mm, a + 1, PG, PROT_READ), -EINVAL);
	cr_assert_eq(mm_mprotect(g_mm, a, PG, 0x80), -EINVAL, "mprotect checks them");
	cr_assert_eq(mm_mprotect(g_mm, a, PG, PROT_READ | PROT_SEM), 0);
	assert_no_leak();
}

Test(mm, brk_grows_shrinks_and_refuses_like_linux)
{
	mm_set_brk_start(g_mm, 0x600123);
	cr_assert_eq(mm_brk(g_mm, 0), 0x600123, "brk(0) reports the break");
	cr_assert_eq(mm_brk(g_mm, 0x600123 + 3 * PG), 0x600123 + 3 * PG);
	char c = 'b';
	cr_assert_eq(mm_copy_out(g_mm, 0x600123 + 2 * PG, &c, 1), 0);
	cr_assert_eq(mm_brk(g_mm, 0x500000), 0x600123 + 3 * PG, "below the start: unchanged");
	cr_assert_eq(mm_brk(g_mm, 0x600200), 0x600200, "shrink");
	cr_assert_eq(mm_copy_in(g_mm, 0x600123 + 2 * PG, &c, 1), -EFAULT);
	map_anon(0x602000, PG, PROT_READ, MAP_FIXED);
	cr_assert_eq(mm_brk(g_mm, 0x610000), 0x600200, "a mapping in the way: unchanged");
	assert_no_leak();
}

Test(mm, copy_string_stops_at_terminator_and_page_end)
{
	uint64_t a = map_anon(0, PG, PROT_READ | PROT_WRITE, 0);
	const char s[] = "hello";
	cr_assert_eq(mm_copy_out(g_mm, a + PG - sizeof(s), s, sizeof(s)), 0);
	char buf[64];
	cr_assert_eq(mm_copy_string(g_mm, a + PG - sizeof(s), buf, sizeof(buf)), 5,
		     "the page after is unmapped and never touched");
	cr_assert_str_eq(buf, "hello");
	cr_assert_eq(mm_copy_string(g_mm, a + PG - sizeof(s), buf, 3), -ENAMETOOLONG);
	char x = 'x';
	cr_assert_eq(mm_copy_out(g_mm, a + PG - 1, &x, 1), 0);
	cr_assert_eq(mm_copy_string(g_mm, a + PG - 1, buf, sizeof(buf)), -EFAULT,
		     "runs off the mapping");
	assert_no_leak();
}

/* A file whose pages live in the memory file, as memfs keeps them. */
struct fake_file {
	uint64_t mf_off;
	int refs;
	uint64_t size;
};

static int file_translate(void *file, int64_t off, uint32_t access, uint64_t *ret_mf_off,
			  uint64_t *ret_len)
{
	struct fake_file *f = file;
	if ((uint64_t)off >= f->size)
		return -EFAULT;
	*ret_mf_off = f->mf_off + (uint64_t)off;
	*ret_len = f->size - (uint64_t)off;
	return 0;
}

static void file_get(void *file)
{
	((struct fake_file *)file)->refs++;
}

static void file_put(void *file)
{
	((struct fake_file *)file)->refs--;
}

static const struct mm_source g_src = { file_translate, file_get, file_put, NULL, NULL };

Test(mm, shared_and_private_file_mappings)
{
	struct fake_file f = { .size = 2 * PG };
	cr_assert_eq(mf_alloc(2 * PG, &f.mf_off), 0);
	memcpy(mf_ptr(f.mf_off + PG), "file!", 6);
	uint64_t sh, pr;
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, &g_src, &f, PG, &sh), 0);
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, &g_src, &f, PG, &pr), 0);
	cr_assert_eq(f.refs, 2, "each VMA holds the file");
	char buf[6];
	cr_assert_eq(mm_copy_in(g_mm, pr, buf, 6), 0);
	cr_assert_str_eq(buf, "file!");
	cr_assert_eq(mm_copy_out(g_mm, sh, "SHARE", 6), 0);
	cr_assert_str_eq((char *)mf_ptr(f.mf_off + PG), "SHARE", "shared writes reach the file");
	cr_assert_eq(mm_copy_out(g_mm, pr, "PRIV", 5), 0);
	cr_assert_str_eq((char *)mf_ptr(f.mf_off + PG), "SHARE", "private writes do not");
	uint64_t r;
	cr_assert_eq(mm_mmap(g_mm, 0, PG, PROT_READ, MAP_SHARED, &g_src, &f, 100, &r), -EINVAL,
		     "unaligned offset");
	int code;
	uint64_t past;
	cr_assert_eq(mm_mmap(g_mm, 0, 2 * PG, PROT_READ, MAP_SHARED, &g_src, &f, PG, &past), 0);
	cr_assert_eq(mm_fault(g_mm, past + PG, SENTRY_ACCESS_READ, &code), -EIO,
		     "past the end of the file: SIGBUS");
	mm_free(g_mm);
	g_mm = NULL;
	cr_assert_eq(f.refs, 0, "unmapping releases the file");
	mf_free(f.mf_off, 2 * PG);
	cr_assert_eq(mf_used_bytes(), g_used0);
}

Test(mm, fault_maps_a_wider_window_of_a_file)
{
	/* 256 file pages: a fault maps its aligned 128-page window of them (a library's text is
	 * read in wide strides, and its pages cost nothing to map), ending at the file's end. */
	struct fake_file f = { .size = 200 * PG };
	cr_assert_eq(mf_alloc(256 * PG, &f.mf_off), 0);
	uint64_t a;
	cr_assert_eq(mm_mmap(g_mm, 0, 256 * PG, PROT_READ, MAP_PRIVATE, &g_src, &f, 0, &a), 0);
	uint64_t w = (a + 128 * PG - 1) & ~(128 * PG - 1);
	int code = 0, used = (int)mf_used_bytes();
	cr_assert_eq(mm_fault(g_mm, w + 3 * PG, SENTRY_ACCESS_READ, &code), 0);
	uint64_t last = w + 127 * PG < a + 200 * PG ? w + 127 * PG : a + 199 * PG;
	cr_assert_eq(g_as.maps, (int)((last - w) / PG) + 1, "the window, up to the file's end");
	cr_assert_eq(g_as.addr, last);
	cr_assert_eq(g_as.prot, PROT_READ);
	cr_assert_eq((int)mf_used_bytes(), used, "the file's own pages: nothing allocated");
	/* Private anonymous memory keeps the narrow window (each page it maps is the mm's own). */
	uint64_t anon = map_anon(0, 256 * PG, PROT_READ | PROT_WRITE, 0);
	uint64_t aw = (anon + 128 * PG - 1) & ~(128 * PG - 1);
	int before = g_as.maps;
	cr_assert_eq(mm_fault(g_mm, aw, SENTRY_ACCESS_READ, &code), 0);
	cr_assert_eq(g_as.maps - before, 16);
	mm_free(g_mm);
	g_mm = NULL;
	cr_assert_eq(f.refs, 0);
	mf_free(f.mf_off, 256 * PG);
	cr_assert_eq(mf_used_bytes(), g_used0);
}

Test(mm, many_pages_and_vmas)
{
	uint64_t a = map_anon(0, 512 * PG, PROT_READ | PROT_WRITE, 0);
	for (uint64_t i = 0; i < 512; i++)
		cr_assert_eq(mm_copy_out(g_mm, a + i * PG, &i, sizeof(i)), 0);
	for (uint64_t i = 0; i < 512; i += 2)
		cr_assert_eq(mm_munmap(g_mm, a + i * PG, PG), 0);
	cr_assert_eq(g_mm->vma_count, 256);
	for (uint64_t i = 1; i < 512; i += 2) {
		uint64_t v;
		cr_assert_eq(mm_copy_in(g_mm, a + i * PG, &v, sizeof(v)), 0);
		cr_assert_eq(v, i);
	}
	assert_no_leak();
}

Test(mm, truncated_file_pages_live_until_unmapped_then_fault)
{
	struct fake_file f = { .size = 2 * PG };
	cr_assert_eq(mf_alloc(2 * PG, &f.mf_off), 0);
	memcpy(mf_ptr(f.mf_off + PG), "file!", 6);
	uint64_t sh, pr;
	cr_assert_eq(mm_mmap(g_mm, 0, 2 * PG, PROT_READ, MAP_SHARED, &g_src, &f, 0, &sh), 0);
	cr_assert_eq(mm_mmap(g_mm, 0, 2 * PG, PROT_READ, MAP_PRIVATE, &g_src, &f, 0, &pr), 0);
	char buf[6];
	cr_assert_eq(mm_copy_in(g_mm, sh + PG, buf, 6), 0);
	cr_assert_eq(mm_copy_in(g_mm, pr + PG, buf, 6), 0);
	cr_assert_str_eq(buf, "file!", "a private read maps the file's page");
	/* The file shrinks to one page and lets its second go, as memfs's truncate. */
	f.size = PG;
	mf_free(f.mf_off + PG, PG);
	cr_assert(mf_page_dead(f.mf_off + PG));
	cr_assert_eq(mf_used_bytes(), g_used0 + 2 * PG, "freed while mapped");
	int unmaps = g_as.unmaps, code;
	cr_assert_eq(mm_fault(g_mm, sh + PG, SENTRY_ACCESS_READ, &code), -EIO, "SIGBUS past the end");
	cr_assert_eq(g_as.unmaps, unmaps + 2, "both mappings of the page unmapped");
	cr_assert_eq(mm_fault(g_mm, pr + PG, SENTRY_ACCESS_READ, &code), -EIO);
	cr_assert_eq(mf_used_bytes(), g_used0 + PG, "freed with its last mapping");
	cr_assert_eq(mm_fault(g_mm, sh, SENTRY_ACCESS_READ, &code), 0, "before the end: fine");
	mm_free(g_mm);
	g_mm = NULL;
	mf_free(f.mf_off, PG);
	cr_assert_eq(mf_used_bytes(), g_used0);
}

Test(mm, page_owner_counts_free_with_the_last_owner)
{
	uint64_t off;
	cr_assert_eq(mf_alloc(PG, &off), 0);
	cr_assert(!mf_page_shared(off));
	mf_page_share(off);
	mf_page_share(off);
	cr_assert(mf_page_shared(off));
	mf_page_put(off);
	mf_page_put(off);
	cr_assert(!mf_page_shared(off));
	cr_assert_eq(mf_used_bytes(), g_used0 + PG, "freed before its last owner");
	mf_page_put(off);
	assert_no_leak();
}

Test(mm, fork_shares_private_pages_copy_on_write)
{
	uint64_t a = map_anon(0, 2 * PG, PROT_READ | PROT_WRITE, 0);
	cr_assert_eq(mm_copy_out(g_mm, a, "a", 2), 0);
	cr_assert_eq(mm_copy_out(g_mm, a + PG, "b", 2), 0);
	uint64_t used = mf_used_bytes();
	int unmaps = g_as.unmaps;
	struct mm *child;
	cr_assert_eq(mm_fork(g_mm, &child), 0);
	cr_assert_eq(mf_used_bytes(), used, "fork copied pages");
	cr_assert_gt(g_as.unmaps, unmaps, "the parent's writable mapping was kept");

	/* A cow page maps read-only; the child's write copies it; the parent keeps its bytes. */
	int code;
	cr_assert_eq(mm_fault(g_mm, a, SENTRY_ACCESS_READ, &code), 0);
	cr_assert_eq(g_as.prot, PROT_READ);
	cr_assert_eq(mm_copy_out(child, a, "c", 2), 0);
	cr_assert_eq(mf_used_bytes(), used + PG);
	char buf[2];
	cr_assert_eq(mm_copy_in(g_mm, a, buf, 2), 0);
	cr_assert_str_eq(buf, "a");
	cr_assert_eq(mm_copy_in(child, a, buf, 2), 0);
	cr_assert_str_eq(buf, "c");

	/* With the child gone the parent is the last owner: it writes in place, mapped writable. */
	mm_free(child);
	cr_assert_eq(mf_used_bytes(), used);
	cr_assert_eq(mm_copy_out(g_mm, a + PG, "d", 2), 0);
	cr_assert_eq(mf_used_bytes(), used, "the last owner copied");
	cr_assert_eq(mm_fault(g_mm, a, SENTRY_ACCESS_WRITE, &code), 0);
	cr_assert_eq(g_as.prot, PROT_READ | PROT_WRITE);
	cr_assert_eq(mm_copy_in(g_mm, a + PG, buf, 2), 0);
	cr_assert_str_eq(buf, "d");
	assert_no_leak();
}
