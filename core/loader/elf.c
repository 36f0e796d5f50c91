/*
 * core/loader/elf.c: ELF validation, load plans and the initial stack (see elf.h).
 *
 * The checks follow fs/binfmt_elf.c: what Linux refuses with ENOEXEC we refuse with ENOEXEC, so
 * execve(2) of a damaged file gives the application the errno it would get natively.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elf.h"
#include "util/cleanup.h"

#define PAGE_MASK (ELF_PAGE_SIZE - 1)
/* Linux's limit on the program header table (load_elf_phdrs: ELF_MIN_ALIGN, 64 KiB). */
#define ELF_PHDRS_MAX_SIZE 65536u
/* Top of the x86-64 user address space (47 bits). */
#define ELF_USER_TOP (1ull << 47)

static int elf_check_header(const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT)
		return -ENOEXEC;
	if (eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN))
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > ELF_PHDRS_MAX_SIZE / sizeof(Elf64_Phdr))
		return -ENOEXEC;
	return 0;
}

static uint32_t elf_prot(uint32_t pflags)
{
	return ((pflags & PF_R) ? PROT_READ : 0) | ((pflags & PF_W) ? PROT_WRITE : 0) |
	       ((pflags & PF_X) ? PROT_EXEC : 0);
}

/* Reads the NUL-terminated PT_INTERP path. */
static int elf_read_interp(elf_read_fn read, void *ctx, const Elf64_Phdr *ph,
			   struct elf_plan *plan)
{
	if (plan->interp[0])
		return -ENOEXEC;
	if (ph->p_filesz < 2)
		return -ENOEXEC;
	if (ph->p_filesz > sizeof(plan->interp))
		return -ENAMETOOLONG;
	int64_t n = read(ctx, plan->interp, ph->p_filesz, (int64_t)ph->p_offset);
	if (n < 0)
		return (int)n;
	if ((uint64_t)n != ph->p_filesz)
		return -EIO;
	/* Linux requires the terminator at the end and uses the string up to it. */
	if (plan->interp[ph->p_filesz - 1] != '\0' || strlen(plan->interp) == 0) {
		plan->interp[0] = '\0';
		return -ENOEXEC;
	}
	return 0;
}

/* Adds one PT_LOAD; segments must come in ascending address order (ELF spec). */
static int elf_add_load(struct elf_plan *plan, const Elf64_Phdr *ph)
{
	if (plan->segment_count == ELF_MAX_SEGMENTS)
		return -ENOEXEC;
	if (ph->p_filesz > ph->p_memsz || ((ph->p_vaddr - ph->p_offset) & PAGE_MASK) != 0)
		return -ENOEXEC;
	uint64_t vaddr = ph->p_vaddr + plan->bias;
	if (vaddr < ph->p_vaddr || ph->p_memsz > ELF_USER_TOP || vaddr > ELF_USER_TOP - ph->p_memsz)
		return -ENOEXEC;
	if (ph->p_offset > UINT64_MAX - ph->p_filesz)
		return -ENOEXEC;
	if (plan->segment_count && vaddr < plan->segments[plan->segment_count - 1].vaddr)
		return -ENOEXEC;

	uint64_t misalign = vaddr & PAGE_MASK;
	struct elf_segment *s = &plan->segments[plan->segment_count++];
	s->vaddr = vaddr - misalign;
	s->file_off = ph->p_offset - misalign;
	s->file_size = ph->p_filesz + misalign;
	s->mem_size = ph->p_memsz + misalign;
	s->prot = elf_prot(ph->p_flags);
	if (plan->segment_count == 1)
		plan->start = s->vaddr;
	if (vaddr + ph->p_memsz > plan->end)
		plan->end = vaddr + ph->p_memsz;
	return 0;
}

/* The bias that puts an ET_DYN image's first PT_LOAD at @base (Linux: ELF_PAGESTART(base -
 * vaddr)). */
static uint64_t elf_dyn_bias(const Elf64_Phdr *ph, size_t n, uint64_t base)
{
	for (size_t i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD)
			return (base - ph[i].p_vaddr) & ~PAGE_MASK;
	return base;
}

/* AT_PHDR: PT_PHDR if present, else the loaded segment whose file range holds the table. */
static uint64_t elf_phdr_addr(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, uint64_t bias)
{
	for (size_t i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_PHDR)
			return ph[i].p_vaddr + bias;
	uint64_t size = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	for (size_t i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && eh->e_phoff >= ph[i].p_offset &&
		    eh->e_phoff + size <= ph[i].p_offset + ph[i].p_filesz)
			return eh->e_phoff - ph[i].p_offset + ph[i].p_vaddr + bias;
	return 0;
}

static int elf_walk_phdrs(elf_read_fn read, void *ctx, const Elf64_Ehdr *eh,
			  const Elf64_Phdr *ph, struct elf_plan *plan)
{
	for (size_t i = 0; i < eh->e_phnum; i++) {
		int rc = 0;
		switch (ph[i].p_type) {
		case PT_LOAD:
			rc = elf_add_load(plan, &ph[i]);
			break;
		case PT_INTERP:
			rc = elf_read_interp(read, ctx, &ph[i], plan);
			break;
		case PT_GNU_STACK:
			plan->exec_stack = (ph[i].p_flags & PF_X) != 0;
			break;
		}
		if (rc < 0)
			return rc;
	}
	return plan->segment_count ? 0 : -ENOEXEC;
}

int elf_parse(elf_read_fn read, void *ctx, uint64_t bias, struct elf_plan *ret_plan)
{
	Elf64_Ehdr eh;
	int64_t n = read(ctx, &eh, sizeof(eh), 0);
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(eh))
		return -ENOEXEC;
	int rc = elf_check_header(&eh);
	if (rc < 0)
		return rc;

	size_t size = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	_cleanup_free_ Elf64_Phdr *ph = malloc(size);
	if (!ph)
		return -ENOMEM;
	n = read(ctx, ph, size, (int64_t)eh.e_phoff);
	if (n < 0)
		return (int)n;
	if ((size_t)n != size || eh.e_phoff > INT64_MAX)
		return -EIO;

	/* Build into a local plan so *ret_plan is written only on success. */
	_cleanup_free_ struct elf_plan *plan = calloc(1, sizeof(*plan));
	if (!plan)
		return -ENOMEM;
	plan->is_dyn = eh.e_type == ET_DYN;
	plan->bias = plan->is_dyn ? elf_dyn_bias(ph, eh.e_phnum, bias) : 0;
	/* x86-64 without PT_GNU_STACK gets an executable stack (EXSTACK_DEFAULT). */
	plan->exec_stack = 1;
	rc = elf_walk_phdrs(read, ctx, &eh, ph, plan);
	if (rc < 0)
		return rc;

	plan->entry = eh.e_entry + plan->bias;
	plan->phdr = elf_phdr_addr(&eh, ph, plan->bias);
	plan->phnum = eh.e_phnum;
	plan->phent = eh.e_phentsize;
	*ret_plan = *plan;
	return 0;
}

/* The stack under construction: application addresses [base, top) backed by buf. */
struct elf_stack {
	char *buf;
	uint64_t base;
	uint64_t sp;	/* current lowest used address */
};

/* Reserves @len bytes below sp; returns their application address or 0 when full. */
static uint64_t elf_push(struct elf_stack *st, const void *src, size_t len)
{
	if (st->sp - st->base < len)
		return 0;
	st->sp -= len;
	if (src)
		memcpy(st->buf + (st->sp - st->base), src, len);
	return st->sp;
}

/* Pushes the strings of @v (NULL-terminated) keeping their order ascending in memory, and
 * records each one's address in @addrs. Returns 0 or -E2BIG. */
static int elf_push_strings(struct elf_stack *st, char *const v[], size_t count, uint64_t *addrs)
{
	for (size_t i = count; i-- > 0;) {
		size_t len = strnlen(v[i], ELF_MAX_ARG_STRLEN);
		if (len == ELF_MAX_ARG_STRLEN)
			return -E2BIG;
		addrs[i] = elf_push(st, v[i], len + 1);
		if (!addrs[i])
			return -E2BIG;
	}
	return 0;
}

static size_t elf_count(char *const v[])
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* The auxiliary vector, as create_elf_tables writes it; returns the number of uint64_t used. */
static size_t elf_auxv(const struct elf_stack_info *info, uint64_t random, uint64_t platform,
		       uint64_t execfn, uint64_t *aux)
{
	const struct elf_plan *p = info->exe;
	size_t n = 0;
#define AUX(type, val) (aux[n++] = (type), aux[n++] = (uint64_t)(val))
	if (info->vdso_base)
		AUX(AT_SYSINFO_EHDR, info->vdso_base);
	AUX(AT_HWCAP, info->hwcap);
	AUX(AT_PAGESZ, ELF_PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, p->phdr);
	AUX(AT_PHENT, p->phent);
	AUX(AT_PHNUM, p->phnum);
	AUX(AT_BASE, info->interp_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, p->entry);
	AUX(AT_UID, info->uid);
	AUX(AT_EUID, info->euid);
	AUX(AT_GID, info->gid);
	AUX(AT_EGID, info->egid);
	AUX(AT_SECURE, info->secure);
	AUX(AT_RANDOM, random);
	AUX(AT_HWCAP2, info->hwcap2);
	AUX(AT_EXECFN, execfn);
	AUX(AT_PLATFORM, platform);
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

/* Writes argc, argv, envp and auxv at an sp that leaves the whole table 16-byte aligned. */
static int elf_push_table(struct elf_stack *st, size_t argc, const uint64_t *argv_addr,
			  size_t envc, const uint64_t *envp_addr, const uint64_t *aux, size_t auxn)
{
	size_t words = 1 + argc + 1 + envc + 1 + auxn;
	if (st->sp - st->base < words * 8)
		return -E2BIG;
	uint64_t sp = (st->sp - words * 8) & ~15ull;
	if (sp < st->base)
		return -E2BIG;
	st->sp = sp;
	uint64_t *w = (uint64_t *)(void *)(st->buf + (sp - st->base));
	*w++ = argc;
	for (size_t i = 0; i < argc; i++)
		*w++ = argv_addr[i];
	*w++ = 0;
	for (size_t i = 0; i < envc; i++)
		*w++ = envp_addr[i];
	*w++ = 0;
	memcpy(w, aux, auxn * 8);
	return 0;
}

int elf_build_stack(const struct elf_stack_info *info, char *const argv[], char *const envp[],
		    void *buf, size_t size, uint64_t stack_top, uint64_t *ret_sp)
{
	if (stack_top & 15 || size > stack_top)
		return -EINVAL;
	struct elf_stack st = { .buf = buf, .base = stack_top - size, .sp = stack_top };
	size_t argc = elf_count(argv), envc = elf_count(envp);
	_cleanup_free_ uint64_t *addrs = calloc(argc + envc + 1, sizeof(uint64_t));
	if (!addrs)
		return -ENOMEM;

	/* From the top down, as Linux: an 8-byte end marker, the exec file name, the environment
	 * strings, the argument strings, the platform string, the random bytes. */
	static const uint64_t zero;
	static const char platform[] = "x86_64";
	const char *execfn = info->execfn ? info->execfn : (argc ? argv[0] : "");
	uint64_t execfn_addr = 0, platform_addr = 0, random_addr = 0;
	if (!elf_push(&st, &zero, sizeof(zero)) ||
	    strnlen(execfn, ELF_MAX_ARG_STRLEN) == ELF_MAX_ARG_STRLEN ||
	    !(execfn_addr = elf_push(&st, execfn, strlen(execfn) + 1)))
		return -E2BIG;
	int rc = elf_push_strings(&st, envp, envc, addrs + argc);
	if (rc == 0)
		rc = elf_push_strings(&st, argv, argc, addrs);
	if (rc < 0)
		return rc;
	if (!(platform_addr = elf_push(&st, platform, sizeof(platform))) ||
	    !(random_addr = elf_push(&st, info->random16, 16)))
		return -E2BIG;

	uint64_t aux[48];
	size_t auxn = elf_auxv(info, random_addr, platform_addr, execfn_addr, aux);
	rc = elf_push_table(&st, argc, addrs, envc, addrs + argc, aux, auxn);
	if (rc < 0)
		return rc;
	*ret_sp = st.sp;
	return 0;
}
