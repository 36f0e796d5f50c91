/*
 * ELF loader tests: every refusal of elf_parse() with the errno execve(2) gives natively, load
 * plans of synthetic and real executables, and the initial stack layout of create_elf_tables.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/elf.h"

/* A file in memory for the reader callback. */
struct mem_file {
	const unsigned char *data;
	size_t size;
	int fail;	/* nonzero: every read fails with this -errno */
};

static int64_t mem_read(void *ctx, void *buf, size_t len, int64_t off)
{
	const struct mem_file *f = ctx;
	if (f->fail)
		return f->fail;
	if (off < 0 || (uint64_t)off >= f->size)
		return 0;
	size_t n = f->size - (size_t)off < len ? f->size - (size_t)off : len;
	memcpy(buf, f->data + off, n);
	return (int64_t)n;
}

static int64_t fd_read(void *ctx, void *buf, size_t len, int64_t off)
{
	ssize_t n = pread(*(int *)ctx, buf, len, off);
	return n < 0 ? -errno : n;
}

/* A minimal static executable: header, three program headers, no real code. */
struct fake_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	char interp[32];
};

static struct fake_elf g_elf;
static struct mem_file g_file;

static void fake_init(void)
{
	memset(&g_elf, 0, sizeof(g_elf));
	memcpy(g_elf.eh.e_ident, ELFMAG, SELFMAG);
	g_elf.eh.e_ident[EI_CLASS] = ELFCLASS64;
	g_elf.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	g_elf.eh.e_ident[EI_VERSION] = EV_CURRENT;
	g_elf.eh.e_type = ET_EXEC;
	g_elf.eh.e_machine = EM_X86_64;
	g_elf.eh.e_version = EV_CURRENT;
	g_elf.eh.e_entry = 0x401000;
	g_elf.eh.e_phoff = offsetof(struct fake_elf, ph);
	g_elf.eh.e_ehsize = sizeof(Elf64_Ehdr);
	g_elf.eh.e_phentsize = sizeof(Elf64_Phdr);
	g_elf.eh.e_phnum = 3;
	/* Text: file [0, 0x2000) at 0x400000, covering the headers. */
	g_elf.ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
				    .p_vaddr = 0x400000, .p_filesz = 0x2000, .p_memsz = 0x2000 };
	/* Data + bss, misaligned within its page as linkers make it. */
	g_elf.ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2e10,
				    .p_vaddr = 0x403e10, .p_filesz = 0x100, .p_memsz = 0x5000 };
	g_elf.ph[2] = (Elf64_Phdr){ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W };
	g_file = (struct mem_file){ .data = (const unsigned char *)&g_elf, .size = 0x3000 };
}

/* The fake image is smaller than the 0x3000 bytes the headers claim: back it with a buffer. */
static unsigned char g_image[0x3000];

static int parse(struct elf_plan *plan)
{
	memset(g_image, 0, sizeof(g_image));
	memcpy(g_image, &g_elf, sizeof(g_elf));
	g_file.data = g_image;
	return elf_parse(mem_read, &g_file, ELF_ET_DYN_BASE, plan);
}

TestSuite(elf_parse, .init = fake_init);

Test(elf_parse, static_executable_plan)
{
	struct elf_plan plan;
	cr_assert_eq(parse(&plan), 0);
	cr_assert_eq(plan.bias, 0);
	cr_assert_eq(plan.entry, 0x401000);
	cr_assert_eq(plan.segment_count, 2);
	cr_assert_eq(plan.segments[0].vaddr, 0x400000);
	cr_assert_eq(plan.segments[0].prot, PROT_READ | PROT_EXEC);
	/* The misaligned data segment starts at its page, with the misalignment counted in. */
	cr_assert_eq(plan.segments[1].vaddr, 0x403000);
	cr_assert_eq(plan.segments[1].file_off, 0x2000);
	cr_assert_eq(plan.segments[1].file_size, 0xe10 + 0x100);
	cr_assert_eq(plan.segments[1].mem_size, 0xe10 + 0x5000);
	cr_assert_eq(plan.end, 0x403e10 + 0x5000, "brk starts after bss");
	cr_assert_eq(plan.phdr, 0x400000 + offsetof(struct fake_elf, ph), "headers inside text");
	cr_assert_eq(plan.phnum, 3);
	cr_assert_eq(plan.exec_stack, 0);
	cr_assert_str_eq(plan.interp, "");
}

Test(elf_parse, pie_goes_to_the_dyn_base)
{
	g_elf.eh.e_type = ET_DYN;
	g_elf.ph[0].p_vaddr = 0;
	g_elf.ph[1].p_vaddr = 0x3e10;
	g_elf.eh.e_entry = 0x1000;
	struct elf_plan plan;
	cr_assert_eq(parse(&plan), 0);
	cr_assert_eq(plan.bias, ELF_ET_DYN_BASE);
	cr_assert_eq(plan.segments[0].vaddr, ELF_ET_DYN_BASE);
	cr_assert_eq(plan.entry, ELF_ET_DYN_BASE + 0x1000);
	cr_assert(plan.is_dyn);
}

Test(elf_parse, interpreter_path_is_read)
{
	g_elf.ph[2] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = offsetof(struct fake_elf, interp),
				    .p_filesz = sizeof("/lib/ld.so") };
	strcpy(g_elf.interp, "/lib/ld.so");
	struct elf_plan plan;
	cr_assert_eq(parse(&plan), 0);
	cr_assert_str_eq(plan.interp, "/lib/ld.so");
	cr_assert_eq(plan.exec_stack, 1, "no PT_GNU_STACK: executable stack on x86-64");
}

#define EXPECT_PARSE(err)                                                                      \
	do {                                                                                   \
		struct elf_plan plan;                                                          \
		cr_assert_eq(parse(&plan), (err));                                             \
	} while (0)

Test(elf_parse, not_elf_is_enoexec)
{
	g_elf.eh.e_ident[1] = 'X';
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, elf32_is_enoexec)
{
	g_elf.eh.e_ident[EI_CLASS] = ELFCLASS32;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, big_endian_is_enoexec)
{
	g_elf.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, other_machine_is_enoexec)
{
	g_elf.eh.e_machine = EM_AARCH64;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, relocatable_object_is_enoexec)
{
	g_elf.eh.e_type = ET_REL;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, bad_phentsize_is_enoexec)
{
	g_elf.eh.e_phentsize = 32;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, zero_or_too_many_phdrs_are_enoexec)
{
	g_elf.eh.e_phnum = 0;
	EXPECT_PARSE(-ENOEXEC);
	g_elf.eh.e_phnum = 65536 / sizeof(Elf64_Phdr) + 1;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, phdrs_past_end_of_file_are_eio)
{
	g_elf.eh.e_phoff = 0x2fff;
	EXPECT_PARSE(-EIO);
}

Test(elf_parse, short_file_is_enoexec)
{
	struct elf_plan plan;
	struct mem_file f = { .data = (const unsigned char *)"\177ELF", .size = 4 };
	cr_assert_eq(elf_parse(mem_read, &f, 0, &plan), -ENOEXEC);
}

Test(elf_parse, reader_errors_pass_through)
{
	struct elf_plan plan;
	struct mem_file f = { .fail = -EACCES };
	cr_assert_eq(elf_parse(mem_read, &f, 0, &plan), -EACCES);
}

Test(elf_parse, no_load_segment_is_enoexec)
{
	g_elf.ph[0].p_type = PT_NOTE;
	g_elf.ph[1].p_type = PT_NOTE;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, filesz_over_memsz_is_enoexec)
{
	g_elf.ph[1].p_filesz = 0x6000;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, offset_and_address_in_different_page_positions_is_enoexec)
{
	g_elf.ph[1].p_offset = 0x2e18;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, segments_out_of_order_are_enoexec)
{
	g_elf.ph[1].p_vaddr = 0x300e10;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, segment_past_user_space_is_enoexec)
{
	g_elf.ph[1].p_vaddr = 0xffffffffffff0e10ull;
	EXPECT_PARSE(-ENOEXEC);
	g_elf.ph[1].p_vaddr = 0x403e10;
	g_elf.ph[1].p_memsz = 1ull << 47;
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, interpreter_without_terminator_is_enoexec)
{
	g_elf.ph[2] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = offsetof(struct fake_elf, interp),
				    .p_filesz = 4 };
	memcpy(g_elf.interp, "/lib", 4);
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, second_interpreter_is_enoexec)
{
	g_elf.ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = offsetof(struct fake_elf, interp),
				    .p_filesz = 3 };
	g_elf.ph[2] = g_elf.ph[1];
	strcpy(g_elf.interp, "/x");
	EXPECT_PARSE(-ENOEXEC);
}

Test(elf_parse, overlong_interpreter_is_enametoolong)
{
	g_elf.ph[2] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0, .p_filesz = 1000 };
	EXPECT_PARSE(-ENAMETOOLONG);
}

Test(elf_parse, this_test_binary_parses_like_the_kernel_loaded_it)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	struct elf_plan plan;
	cr_assert_eq(elf_parse(fd_read, &fd, ELF_ET_DYN_BASE, &plan), 0);
	close(fd);
	/* Same entry and program headers as the running image, after removing each bias. */
	cr_assert(plan.is_dyn, "built as PIE");
	uint64_t running_bias = getauxval(AT_PHDR) - (plan.phdr - plan.bias);
	cr_assert_eq(plan.entry - plan.bias + running_bias, getauxval(AT_ENTRY));
	cr_assert_eq(plan.phnum, getauxval(AT_PHNUM));
	cr_assert_neq(plan.interp[0], '\0', "dynamically linked: has an interpreter");
}

/* Stack layout. */

static const uint8_t g_random[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

#define STACK_TOP 0x7ffffffff000ull
#define STACK_SIZE 8192

/* Translates an application address inside the built stack to the test's buffer. */
static void *at(char *buf, uint64_t addr)
{
	cr_assert(addr >= STACK_TOP - STACK_SIZE && addr < STACK_TOP, "address %#lx outside",
		  (unsigned long)addr);
	return buf + (addr - (STACK_TOP - STACK_SIZE));
}

static uint64_t auxval(char *buf, const uint64_t *aux, uint64_t type)
{
	for (; aux[0] != AT_NULL; aux += 2)
		if (aux[0] == type)
			return aux[1];
	cr_assert_fail("auxv has no entry %lu", (unsigned long)type);
	(void)buf;
	return 0;
}

Test(elf_stack, layout_matches_linux)
{
	struct elf_plan plan = { .entry = 0x401000, .phdr = 0x400040, .phnum = 9, .phent = 56 };
	struct elf_stack_info info = { .exe = &plan, .execfn = "/bin/sh", .random16 = g_random,
				       .uid = 1000, .euid = 1000, .gid = 100, .egid = 100 };
	char *argv[] = { "sh", "-c", "echo hi", NULL };
	char *envp[] = { "PATH=/bin", "A=", NULL };
	static char buf[STACK_SIZE];
	uint64_t sp;
	cr_assert_eq(elf_build_stack(&info, argv, envp, buf, sizeof(buf), STACK_TOP, &sp), 0);
	cr_assert_eq(sp % 16, 0, "rsp is 16-byte aligned at argc");

	uint64_t *w = at(buf, sp);
	cr_assert_eq(w[0], 3);
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq((char *)at(buf, w[1 + i]), argv[i]);
	cr_assert_eq(w[4], 0);
	cr_assert_str_eq((char *)at(buf, w[5]), "PATH=/bin");
	cr_assert_str_eq((char *)at(buf, w[6]), "A=");
	cr_assert_eq(w[7], 0);
	/* Strings ascend in argv then envp order, as copy_strings leaves them. */
	cr_assert_lt(w[1], w[2]);
	cr_assert_lt(w[3], w[5]);

	const uint64_t *aux = &w[8];
	cr_assert_eq(auxval(buf, aux, AT_PAGESZ), 4096);
	cr_assert_eq(auxval(buf, aux, AT_PHDR), 0x400040);
	cr_assert_eq(auxval(buf, aux, AT_PHNUM), 9);
	cr_assert_eq(auxval(buf, aux, AT_ENTRY), 0x401000);
	cr_assert_eq(auxval(buf, aux, AT_UID), 1000);
	cr_assert_eq(auxval(buf, aux, AT_EGID), 100);
	cr_assert_eq(auxval(buf, aux, AT_CLKTCK), 100);
	cr_assert_eq(memcmp(at(buf, auxval(buf, aux, AT_RANDOM)), g_random, 16), 0);
	cr_assert_str_eq((char *)at(buf, auxval(buf, aux, AT_EXECFN)), "/bin/sh");
	cr_assert_str_eq((char *)at(buf, auxval(buf, aux, AT_PLATFORM)), "x86_64");
	/* The exec file name is the highest string, right under an 8-byte zero marker. */
	uint64_t execfn = auxval(buf, aux, AT_EXECFN);
	cr_assert_eq(execfn + sizeof("/bin/sh"), STACK_TOP - 8);
	cr_assert_eq(*(uint64_t *)at(buf, STACK_TOP - 8), 0);
}

Test(elf_stack, vdso_is_announced_when_present)
{
	struct elf_plan plan = { 0 };
	struct elf_stack_info info = { .exe = &plan, .random16 = g_random, .vdso_base = 0x7fff0000 };
	char *argv[] = { "a", NULL };
	static char buf[STACK_SIZE];
	uint64_t sp;
	cr_assert_eq(elf_build_stack(&info, argv, NULL, buf, sizeof(buf), STACK_TOP, &sp), 0);
	uint64_t *w = at(buf, sp);
	cr_assert_eq(w[0], 1);
	cr_assert_eq(auxval(buf, &w[4], AT_SYSINFO_EHDR), 0x7fff0000);
	cr_assert_str_eq((char *)at(buf, auxval(buf, &w[4], AT_EXECFN)), "a", "execfn defaults to argv[0]");
}

Test(elf_stack, too_small_is_e2big)
{
	struct elf_plan plan = { 0 };
	struct elf_stack_info info = { .exe = &plan, .random16 = g_random };
	char *argv[] = { "a-long-enough-argument", NULL };
	char buf[64];
	uint64_t sp;
	cr_assert_eq(elf_build_stack(&info, argv, NULL, buf, sizeof(buf), STACK_TOP, &sp), -E2BIG);
	char big[256];
	cr_assert_eq(elf_build_stack(&info, argv, NULL, big, sizeof(big), STACK_TOP, &sp), -E2BIG,
		     "room for strings but not for the auxv table");
}

Test(elf_stack, overlong_string_is_e2big)
{
	struct elf_plan plan = { 0 };
	struct elf_stack_info info = { .exe = &plan, .random16 = g_random };
	char *huge = malloc(ELF_MAX_ARG_STRLEN + 1);
	cr_assert(huge);
	memset(huge, 'x', ELF_MAX_ARG_STRLEN);
	huge[ELF_MAX_ARG_STRLEN] = '\0';
	char *argv[] = { "a", NULL }, *envp[] = { huge, NULL };
	size_t size = 4 * ELF_MAX_ARG_STRLEN;
	char *buf = malloc(size);
	uint64_t sp;
	cr_assert_eq(elf_build_stack(&info, argv, envp, buf, size, STACK_TOP, &sp), -E2BIG);
	free(buf);
	free(huge);
}

Test(elf_stack, misaligned_top_is_einval)
{
	struct elf_plan plan = { 0 };
	struct elf_stack_info info = { .exe = &plan, .random16 = g_random };
	char *argv[] = { "a", NULL };
	static char buf[STACK_SIZE];
	uint64_t sp;
	cr_assert_eq(elf_build_stack(&info, argv, NULL, buf, sizeof(buf), STACK_TOP - 8, &sp), -EINVAL);
}
