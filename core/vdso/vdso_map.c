/*
 * core/vdso/vdso_map.c: calibration and mapping of cvisor's vDSO (see vdso.h).
 *
 * One copy of the parameter page and of the image lives in the memory file for the whole
 * Sentry; every process maps the same pages shared and read-only, as Linux does.
 * TODO(#5): refresh the parameters periodically so the sandbox's realtime follows host steps
 * and the TSC estimate's error (about 1e-5 from a 20 ms calibration) does not accumulate.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mm/memfile.h"
#include "mm/mm.h"
#include "vdso/vdso.h"
#include "vdso/vdso_params.h"

/* The image, generated at build time from vdso.so (vdso_image.c). */
extern const unsigned char g_vdso_image[];
extern const unsigned long g_vdso_image_size;

#define CALIBRATION_NS 20000000ll

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc;
static uint64_t g_params_off;	/* memory-file offset of the parameter page */
static uint64_t g_image_off;	/* of the first image page */
static uint64_t g_image_len;	/* page-rounded */

static uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Invariant TSC: CPUID 0x80000007 EDX bit 8 ("nonstop_tsc"). */
static int tsc_invariant(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}

/* CLOCK_MONOTONIC, the TSC and CLOCK_REALTIME read together within SAMPLE_SLACK_NS. */
#define SAMPLE_SLACK_NS 2000
static int sample(int64_t *mono, uint64_t *tsc, int64_t *real)
{
	for (int i = 0; i < 1000; i++) {
		int64_t a = clock_ns(CLOCK_MONOTONIC);
		uint64_t t = host_rdtsc();
		int64_t r = clock_ns(CLOCK_REALTIME);
		int64_t b = clock_ns(CLOCK_MONOTONIC);
		if (b - a <= SAMPLE_SLACK_NS) {
			*mono = a + (b - a) / 3;	/* the TSC is read a third of the way in */
			*tsc = t;
			*real = r - (b - a) / 3;
			return 1;
		}
	}
	return 0;	/* never quiet enough: the system calls serve the clocks */
}

static void calibrate(struct vdso_params *p)
{
	memset(p, 0, sizeof(*p));
	if (!tsc_invariant())
		return;
	int64_t m0, r0, m1;
	uint64_t t0, t1;
	/* Each reading is bracketed by two of CLOCK_MONOTONIC and taken again if the thread was
	 * preempted in between: one preemption between the TSC and the clock would put the
	 * application's clocks off by as long as it lasted. */
	if (!sample(&m0, &t0, &r0))
		return;
	do
		m1 = clock_ns(CLOCK_MONOTONIC);
	while (m1 - m0 < CALIBRATION_NS);
	int64_t unused;
	if (!sample(&m1, &t1, &unused) || t1 <= t0)
		return;
	p->mult = (uint64_t)(((unsigned __int128)(m1 - m0) << 32) / (t1 - t0));
	p->tsc_base = t0;
	p->mono_base_ns = m0;
	p->real_base_ns = r0;
	p->valid = 1;
}

static void vdso_init_once(void)
{
	g_image_len = (g_vdso_image_size + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	g_init_rc = mf_alloc(MM_PAGE_SIZE, &g_params_off);
	if (g_init_rc == 0)
		g_init_rc = mf_alloc(g_image_len, &g_image_off);
	if (g_init_rc < 0)
		return;
	memcpy(mf_ptr(g_image_off), g_vdso_image, g_vdso_image_size);
	calibrate(mf_ptr(g_params_off));
}

int vdso_init(void)
{
	pthread_once(&g_once, vdso_init_once);
	return g_init_rc;
}

/* The two regions as one source: offset 0 is the parameter page, the image follows. */
static int vdso_translate(void *file, int64_t off, uint32_t access, uint64_t *ret_mf_off,
			  uint64_t *ret_len)
{
	if (off < 0 || (uint64_t)off >= MM_PAGE_SIZE + g_image_len)
		return -EFAULT;
	if ((uint64_t)off < MM_PAGE_SIZE) {
		*ret_mf_off = g_params_off + (uint64_t)off;
		*ret_len = MM_PAGE_SIZE - (uint64_t)off;
	} else {
		*ret_mf_off = g_image_off + (uint64_t)off - MM_PAGE_SIZE;
		*ret_len = MM_PAGE_SIZE + g_image_len - (uint64_t)off;
	}
	return 0;
}

static void vdso_ref(void *file)
{
}

static const struct mm_source g_vdso_source = { vdso_translate, vdso_ref, vdso_ref, NULL, NULL };

int vdso_map(struct mm *mm, uint64_t *ret_base)
{
	int rc = vdso_init();
	uint64_t addr = 0;
	if (rc == 0)
		rc = mm_mmap(mm, 0, MM_PAGE_SIZE + g_image_len, PROT_READ, MAP_SHARED, &g_vdso_source,
			     NULL, 0, &addr);
	if (rc == 0)
		rc = mm_mprotect(mm, addr + MM_PAGE_SIZE, g_image_len, PROT_READ | PROT_EXEC);
	if (rc == 0)
		*ret_base = addr + MM_PAGE_SIZE;
	return rc;
}
