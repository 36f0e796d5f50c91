/*
 * core/loader/elf.h: the ELF loader's two halves that need no address space.
 *
 * elf_parse() validates an x86-64 ELF executable as Linux's binfmt_elf does and turns it into a
 * load plan: the segments to map, the entry point, the program headers' address and the
 * interpreter to load for a dynamic program. elf_build_stack() lays out the initial stack (argc,
 * argv, envp, auxv and the strings they point to) exactly as Linux does (fs/binfmt_elf.c,
 * create_elf_tables). Mapping the plan into an address space is the mm's job; keeping these
 * pure makes every malformed-file case testable without running anything.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_PAGE_SIZE 4096ull

/* Where the main executable of an ET_DYN (static-PIE or PIE) goes, as Linux with randomization
 * off (ELF_ET_DYN_BASE on x86-64: 2/3 of the 47-bit user space, page aligned). */
#define ELF_ET_DYN_BASE 0x555555554000ull

/* Reads @len bytes at @off of the file into @buf. Returns bytes read (short only at end of
 * file) or -errno. */
typedef int64_t (*elf_read_fn)(void *ctx, void *buf, size_t len, int64_t off);

/* One PT_LOAD segment, already relocated by the load bias. */
struct elf_segment {
	uint64_t vaddr;		/* page-aligned start of the mapping */
	uint64_t file_off;	/* page-aligned file offset mapped at vaddr */
	uint64_t file_size;	/* bytes from the file, counted from vaddr (includes the
				 * misalignment); beyond them up to mem_size is zero */
	uint64_t mem_size;	/* bytes of the mapping from vaddr (not page-rounded) */
	uint32_t prot;		/* PROT_READ/WRITE/EXEC */
};

struct elf_plan {
	uint64_t bias;		/* added to every p_vaddr: 0 for ET_EXEC */
	uint64_t entry;		/* e_entry + bias */
	uint64_t phdr;		/* address of the program headers in memory (AT_PHDR), or 0 */
	uint32_t phnum;		/* AT_PHNUM */
	uint32_t phent;		/* AT_PHENT */
	uint64_t start;		/* lowest mapped address */
	uint64_t end;		/* end of the highest segment's memory: where brk starts */
	int exec_stack;		/* PT_GNU_STACK asks for PF_X (or is missing) */
	int is_dyn;		/* ET_DYN */
	size_t segment_count;
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	char interp[256];	/* PT_INTERP path, "" when static */
};

/*
 * Validates the ELF file read through @read/@ctx and fills *@ret_plan. @bias is where an ET_DYN
 * image starts (ELF_ET_DYN_BASE for an executable, the address the mm picked for an
 * interpreter; ignored for ET_EXEC). Returns 0, -ENOEXEC (not ELF, not x86-64 ELF64 little
 * endian, not ET_EXEC/ET_DYN, bad program header size or count, no PT_LOAD, more than
 * ELF_MAX_SEGMENTS loads, memsz < filesz, offsets that do not share a page offset with their
 * addresses, overlapping or unordered or overflowing segments, a malformed or second PT_INTERP),
 * -EIO (the file ends inside a header), -ENAMETOOLONG (interpreter path), or the reader's -errno.
 */
int elf_parse(elf_read_fn read, void *ctx, uint64_t bias, struct elf_plan *ret_plan);

/* What goes into the initial stack besides argv and envp. */
struct elf_stack_info {
	const struct elf_plan *exe;	/* the executable's plan (AT_PHDR, AT_ENTRY...) */
	uint64_t interp_base;		/* AT_BASE: interpreter load address, 0 when static */
	uint64_t vdso_base;		/* AT_SYSINFO_EHDR, 0 for none */
	const char *execfn;		/* AT_EXECFN: the path given to execve */
	const uint8_t *random16;	/* 16 random bytes for AT_RANDOM (required) */
	uint32_t uid, euid, gid, egid;	/* AT_UID... */
	int secure;			/* AT_SECURE */
	uint64_t hwcap;			/* AT_HWCAP: CPUID.1 EDX */
	uint64_t hwcap2;		/* AT_HWCAP2 */
};

/* Linux's per-string limit (MAX_ARG_STRLEN, 32 pages). */
#define ELF_MAX_ARG_STRLEN (32 * 4096)

/*
 * Builds the initial stack in @buf, which stands for application memory
 * [@stack_top - @size, @stack_top). @argv and @envp are NULL-terminated. On success *ret_sp is
 * the initial rsp (16-byte aligned, pointing at argc). Returns 0, -E2BIG (a string longer than
 * ELF_MAX_ARG_STRLEN, or the whole does not fit in @size), -EINVAL (@stack_top not 16-byte
 * aligned).
 */
int elf_build_stack(const struct elf_stack_info *info, char *const argv[], char *const envp[],
		    void *buf, size_t size, uint64_t stack_top, uint64_t *ret_sp);
