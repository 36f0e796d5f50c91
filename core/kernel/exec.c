/*
 * core/kernel/exec.c: execve(2) of an ELF file: a new mm with the image (and its interpreter),
 * the heap start, a stack with Linux's layout, and fresh registers.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "ipc/memfd.h"
#include "kernel/process_internal.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "sentry/plugin.h"
#include "loader/elf.h"
#include "mm/mm.h"
#include "vdso/vdso.h"
#include "vfs/vfs.h"

/* Linux's default stack rlimit; the VMA is reserved whole and populated on touch. */
#define STACK_SIZE (8ull << 20)
/* Room for argv, envp, auxv and strings: Linux allows a quarter of the stack rlimit. */
#define ARG_AREA (STACK_SIZE / 4)

static int vfs_translate(void *file, int64_t off, uint32_t access, uint64_t *ret_mf_off,
			 uint64_t *ret_len)
{
	struct sentry_file *sf = ((struct vfs_file *)file)->sf;
	if (!sf || !SENTRY_OPS_HAS(sf->ops, sf->ops_size, translate))
		return -ENODEV;
	return sf->ops->translate(sf, off, access, ret_mf_off, ret_len);
}

static void vfs_src_get(void *file)
{
	vfs_file_get(file);
}

static void vfs_src_put(void *file)
{
	vfs_file_put(file);
}

static int vfs_src_shared_map(void *file, int delta, uint32_t prot, int fresh)
{
	return memfd_shared_map(file, delta, prot, fresh);
}

static int vfs_src_punch(void *file, int64_t off, uint64_t len)
{
	return memfd_punch(file, off, len);
}

/* File mappings of open file descriptions: mmap(2) and the loader share it. */
const struct mm_source g_vfs_mm_source = { vfs_translate, vfs_src_get, vfs_src_put,
					   vfs_src_shared_map, vfs_src_punch };

static int64_t exec_read(void *ctx, void *buf, size_t len, int64_t off)
{
	return vfs_pread(ctx, buf, len, off);
}

/* Maps one PT_LOAD: the file pages privately, the bss tail zeroed, the rest anonymous. */
static int map_segment(struct mm *mm, struct vfs_file *file, const struct elf_segment *s)
{
	uint64_t file_end = (s->file_size + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	uint64_t mem_end = (s->mem_size + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	uint64_t got;
	int rc = 0;
	if (s->file_size) {
		/* Writable while the tail is cleared, as Linux's padzero() writes it. */
		rc = mm_mmap(mm, s->vaddr, file_end, s->prot | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
			     &g_vfs_mm_source, file, (int64_t)s->file_off, &got);
		uint64_t tail = file_end - s->file_size;
		if (rc == 0 && tail && s->mem_size > s->file_size) {
			static const char zeros[MM_PAGE_SIZE];
			rc = mm_copy_out(mm, s->vaddr + s->file_size, zeros, tail);
		}
		if (rc == 0 && !(s->prot & PROT_WRITE))
			rc = mm_mprotect(mm, s->vaddr, file_end, s->prot);
	}
	if (rc == 0 && mem_end > file_end)
		rc = mm_mmap(mm, s->vaddr + file_end, mem_end - file_end, s->prot,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, NULL, 0, &got);
	return rc;
}

static int map_image(struct mm *mm, struct vfs_file *file, const struct elf_plan *plan)
{
	for (size_t i = 0; i < plan->segment_count; i++) {
		int rc = map_segment(mm, file, &plan->segments[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Loads the interpreter named by @exe at an address the mm picks. */
static int load_interp(struct task *t, struct mm *mm, const struct elf_plan *exe,
		       struct elf_plan *ret_plan)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(t->fs, NULL, exe->interp, O_RDONLY, 0, &f);
	if (rc < 0)
		return rc == -ENOENT ? -ENOENT : rc;
	struct elf_plan probe;
	rc = elf_parse(exec_read, f, 0, &probe);
	/* Reserve the image's span so the segments land in one free range. */
	uint64_t base = 0;
	if (rc == 0 && !probe.is_dyn)
		rc = -ELIBBAD;
	if (rc == 0)
		rc = mm_mmap(mm, 0, probe.end - probe.start, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, NULL, NULL, 0, &base);
	if (rc == 0)
		rc = elf_parse(exec_read, f, base, ret_plan);
	if (rc == 0)
		rc = map_image(mm, f, ret_plan);
	vfs_file_put(f);
	return rc;
}

/* Reserves the stack and writes argv, envp and auxv at its top. */
static int setup_stack(struct task *t, struct mm *mm, const struct elf_stack_info *info,
		       char *const argv[], char *const envp[], uint64_t *ret_sp)
{
	uint64_t top = mm->max_addr, got;
	int rc = mm_mmap(mm, top - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, NULL, NULL, 0, &got);
	if (rc < 0)
		return rc;
	char *buf = malloc(ARG_AREA);
	if (!buf)
		return -ENOMEM;
	uint64_t sp;
	rc = elf_build_stack(info, argv, envp, buf, ARG_AREA, top, &sp);
	if (rc == 0)
		rc = mm_copy_out(mm, sp, buf + (sp - (top - ARG_AREA)), top - sp);
	free(buf);
	if (rc == 0)
		*ret_sp = sp;
	return rc;
}

static uint64_t cpu_hwcap(void)
{
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) ? d : 0;
}

/* @v's strings, each NUL-terminated, in one new block; *ret_len its size. NULL: -ENOMEM. */
static char *join_strings(char *const v[], size_t *ret_len)
{
	size_t len = 0;
	for (size_t i = 0; v && v[i]; i++)
		len += strlen(v[i]) + 1;
	char *s = malloc(len ? len : 1);
	for (size_t i = 0, off = 0; s && v && v[i]; i++) {
		size_t n = strlen(v[i]) + 1;
		memcpy(s + off, v[i], n);
		off += n;
	}
	*ret_len = len;
	return s;
}

/* What /proc shows of the new image: its path, argv and envp. Best effort: on ENOMEM /proc
 * shows the old values, which is all a failed allocation can cost here. Swapped in under the
 * kernel's lock, under which /proc reads other processes' (kernel/proc_view.h). */
static void record_identity(struct task *t, struct vfs_file *file, const char *execfn,
			    char *const argv[], char *const envp[])
{
	/* /proc/self/exe must be absolute (static glibc asserts it starts with "/"): a relative
	 * name is taken from the cwd. The VFS cannot name a file from its dentry (only
	 * directories, through ".."), so symlinks and ".." in the name stay as given. */
	char abs[4096];
	const char *name = execfn;
	if (execfn[0] != '/' && vfs_path_string(t->fs, &t->fs->cwd, abs, sizeof(abs)) > 0) {
		const char *rel = execfn;
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;
		size_t n = strlen(abs);
		snprintf(abs + n, sizeof(abs) - n, "%s%s", n > 1 ? "/" : "", rel);
		name = abs;
	}
	size_t len, env_len;
	char *cmd = join_strings(argv, &len), *env = join_strings(envp, &env_len);
	char *path = strdup(name);
	if (!cmd || !env || !path) {
		free(cmd);
		free(env);
		free(path);
		return;
	}
	vfs_file_get(file);
	pthread_mutex_lock(&t->k->lock);
	struct vfs_file *old_file = t->exe_file;
	t->exe_file = file;
	char *old[3] = { t->cmdline, t->environ, t->exe_path };
	t->cmdline = cmd;
	t->cmdline_len = len;
	t->environ = env;
	t->environ_len = env_len;
	t->exe_path = path;
	pthread_mutex_unlock(&t->k->lock);
	for (int i = 0; i < 3; i++)
		free(old[i]);
	vfs_file_put(old_file);
}

/* The effective IDs the image runs with: the file's owner for a set-user-ID file, its group
 * for a set-group-ID one that its group may execute (else a mandatory-locking mark), unless
 * the mount is nosuid or the caller has no_new_privs (bprm_fill_uid). */
static void exec_set_ids(struct task *t, struct vfs_file *file, uint32_t *euid, uint32_t *egid)
{
	const struct sentry_creds *c = &t->fs->creds;
	*euid = c->euid;
	*egid = c->egid;
	struct sentry_statx st;
	if (t->no_new_privs || (file->path.mnt && (file->path.mnt->flags & VFS_MNT_NOSUID)) ||
	    vfs_fstat(file, SENTRY_STATX_MODE | SENTRY_STATX_UID | SENTRY_STATX_GID, &st) < 0)
		return;
	if (st.mode & S_ISUID)
		*euid = st.uid;
	if ((st.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		*egid = st.gid;
}

int task_exec(struct task *t, struct vfs_file *file, const char *execfn, char *const argv[],
	      char *const envp[])
{
	struct elf_plan exe, interp = { 0 };
	int rc = elf_parse(exec_read, file, ELF_ET_DYN_BASE, &exe);
	if (rc < 0)
		return rc;

	/* A single-threaded process that shares its memory with no one keeps its address space
	 * for the new image, emptied at the point of no return; anyone else gets a new one now,
	 * so that a failure to make it is still execve's error. */
	int reuse = __atomic_load_n(&t->tg->live, __ATOMIC_RELAXED) == 1 && mm_as_reusable(t->mm);
	struct sentry_as *as = NULL;
	struct mm *mm = NULL;
	rc = reuse ? 0 : t->k->platform->as_new(t->k->platform_state, &as);
	if (rc == 0)
		rc = mm_new(as, t->k->platform->as_ops, t->k->platform->as_ops_size,
			    t->k->info.min_user_addr, t->k->info.max_user_addr, &mm);
	else
		as = NULL;
	if (rc < 0 && as)
		t->k->platform->as_ops->release(as);
	if (rc == 0)
		rc = map_image(mm, file, &exe);
	if (rc == 0 && exe.interp[0])
		rc = load_interp(t, mm, &exe, &interp);

	uint8_t random16[16] = { 0 };
	if (rc == 0 && getrandom(random16, sizeof(random16), 0) != sizeof(random16))
		rc = -EIO;
	const struct sentry_creds *c = &t->fs->creds;
	uint32_t euid, egid;
	exec_set_ids(t, file, &euid, &egid);
	struct elf_stack_info info = {
		.exe = &exe, .interp_base = interp.segment_count ? interp.start : 0,
		.execfn = execfn, .random16 = random16, .uid = c->uid, .euid = euid,
		.gid = c->gid, .egid = egid, .hwcap = cpu_hwcap(),
		.secure = euid != c->uid || egid != c->gid,
	};
	uint64_t sp = 0;
	if (rc == 0)
		rc = vdso_map(mm, &info.vdso_base);
	if (rc == 0)
		rc = setup_stack(t, mm, &info, argv, envp, &sp);
	/* The point of no return: the other threads go first (de_thread). */
	if (rc == 0)
		rc = kernel_exec_dethread(t);
	if (rc == 0 && reuse && (rc = mm_give_as(t->mm, &as)) == -EBUSY)
		rc = t->k->platform->as_new(t->k->platform_state, &as);	/* not expected */
	if (rc == 0 && reuse)
		mm_set_as(mm, as);
	if (rc < 0) {
		mm_free(mm);
		return rc;
	}
	record_identity(t, file, execfn, argv, envp);
	mm_set_brk_start(mm, (exe.end + MM_PAGE_MASK) & ~MM_PAGE_MASK);
	struct mm *old_mm = t->mm;
	pthread_mutex_lock(&t->k->lock);	/* /proc reads other processes' mm under it */
	t->mm = mm;
	pthread_mutex_unlock(&t->k->lock);
	mm_free(old_mm);
	task_reset_regs(t, interp.segment_count ? interp.entry : exe.entry, sp);
	task_exec_signals(t);
	/* A set-user-ID or set-group-ID image gets its IDs. Dumpable again unless the effective
	 * IDs now differ from the real ones (begin_new_exec: SUID_DUMP_USER, else
	 * suid_dumpable's 0), whatever PR_SET_DUMPABLE said before. */
	t->dumpable = !info.secure;
	t->fs->creds.euid = euid;
	t->fs->creds.egid = egid;
	task_exec_creds(t);
	ptimer_exit(t->tg);	/* exec deletes the process's POSIX timers (exit_itimers) */
	/* The name ps shows and PR_GET_NAME returns: the file name's last component (Linux's
	 * __set_task_comm(kbasename(bprm->filename))). */
	const char *base = strrchr(execfn, '/');
	snprintf(t->comm, sizeof(t->comm), "%s", base ? base + 1 : execfn);
	return 0;
}

/* ---- execve by path: permissions and "#!" scripts ---- */

/* Scripts that may nest: Linux's exec_binprm fails with ELOOP past depth 5, so five scripts
 * run and a sixth's interpreter is opened before it does. */
#define SCRIPT_DEPTH_MAX 5
#define SCRIPT_LINE_MAX 256	/* BINPRM_BUF_SIZE */

int task_exec_open(struct task *t, struct vfs_file *dirf, const char *path, int at,
		   struct vfs_file **ret)
{
	struct vfs_file *f;
	int rc;
	/* The descriptor's file is opened anew, as do_open_execat opens the fd's path: an
	 * O_PATH descriptor runs too, one of a symlink is ELOOP, the cwd (no @dirf) EACCES. */
	if (!*path && (at & AT_EMPTY_PATH))
		rc = vfs_reopen(t->fs, dirf, O_RDONLY, &f);
	else
		rc = vfs_openat(t->fs, dirf, path,
				O_RDONLY | ((at & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0, &f);
	if (rc < 0)
		return rc;
	struct sentry_statx st;
	rc = vfs_fstat(f, SENTRY_STATX_TYPE | SENTRY_STATX_MODE, &st);
	if (rc == 0 && !S_ISREG(st.mode))
		rc = -EACCES;
	if (rc == 0 && *path)
		rc = vfs_accessat(t->fs, dirf, path, X_OK, AT_EACCESS);
	else if (rc == 0 && !(st.mode & 0111))
		rc = -EACCES;
	if (rc < 0) {
		vfs_file_put(f);
		return rc;
	}
	*ret = f;
	return 0;
}

/* If @f starts with "#!", its interpreter and optional single argument (the rest of the line,
 * trimmed) into @line, as binfmt_script reads them. Returns 1, 0 (not a script), or -errno. */
static int script_interp(struct vfs_file *f, char *line, char **interp, char **arg)
{
	int64_t n = vfs_pread(f, line, SCRIPT_LINE_MAX, 0);
	if (n < 0)
		return (int)n;
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	line[n] = '\0';
	char *end = strchr(line, '\n');
	if (!end && n == SCRIPT_LINE_MAX) {
		/* No newline in what was read: the line may go on. Linux runs it cut to the
		 * buffer less its last byte if the interpreter's name visibly ends within the
		 * buffer (a blank or NUL follows it), and refuses a name that may be cut. */
		end = line + SCRIPT_LINE_MAX - 1;
		char *name = line + 2 + strspn(line + 2, " \t");
		if (name > end || name + strcspn(name, " \t") > end)
			return -ENOEXEC;
	}
	if (end)
		*end = '\0';
	char *p = line + 2;
	p += strspn(p, " \t");
	size_t len = strcspn(p, " \t");
	if (!len)
		return -ENOEXEC;
	*interp = p;
	p += len;
	if (*p)
		*p++ = '\0';
	p += strspn(p, " \t");
	size_t alen = strlen(p);
	while (alen && (p[alen - 1] == ' ' || p[alen - 1] == '\t'))
		p[--alen] = '\0';
	*arg = alen ? p : NULL;
	return 1;
}

int task_exec_file(struct task *t, struct vfs_file *file, const char *execfn,
		   int name_inaccessible, char *const argv[], char *const envp[])
{
	/* Each script level's line and argv; the strings stay borrowed from the level below. */
	char lines[SCRIPT_DEPTH_MAX + 1][SCRIPT_LINE_MAX + 1];
	char **vecs[SCRIPT_DEPTH_MAX + 1] = { NULL };
	char *const *cur = argv;
	/* The name the current file was run by: what its interpreter gets as the script
	 * (binfmt_script's bprm->interp). */
	const char *name = execfn;
	struct vfs_file *f = file;
	vfs_file_get(f);
	int rc = 0;
	for (int depth = 0;; depth++) {
		if (depth > SCRIPT_DEPTH_MAX) {
			rc = -ELOOP;
			break;
		}
		char *interp, *arg;
		int script = script_interp(f, lines[depth], &interp, &arg);
		if (script <= 0) {
			rc = script;
			break;
		}
		/* The interpreter would get /dev/fd/N of a descriptor exec closes. */
		if (name_inaccessible) {
			rc = -ENOENT;
			break;
		}
		size_t n = 0;
		while (cur[n])
			n++;
		char **v = calloc(n + 4, sizeof(char *));
		if (!(vecs[depth] = v)) {
			rc = -ENOMEM;
			break;
		}
		size_t k = 0;
		v[k++] = interp;
		if (arg)
			v[k++] = arg;
		v[k++] = (char *)name;
		for (size_t i = 1; i < n; i++)
			v[k++] = cur[i];
		cur = v;
		name = interp;
		vfs_file_put(f);
		f = NULL;
		/* The interpreter is found from the cwd or root, and opened before the depth is
		 * checked, as Linux does. */
		if ((rc = task_exec_open(t, NULL, interp, 0, &f)) < 0)
			break;
	}
	if (rc == 0 && (rc = task_exec(t, f, execfn, cur, envp)) == 0) {
		fdt_close_on_exec(t->fdt);
		kernel_exec_done(t);
	}
	if (f)
		vfs_file_put(f);
	for (int i = 0; i <= SCRIPT_DEPTH_MAX; i++)
		free(vecs[i]);
	return rc;
}

int task_exec_path(struct task *t, struct vfs_file *dirf, const char *path, int at,
		   const char *execfn, char *const argv[], char *const envp[])
{
	struct vfs_file *f;
	int rc = task_exec_open(t, dirf, path, at, &f);
	if (rc < 0)
		return rc;
	rc = task_exec_file(t, f, execfn, 0, argv, envp);
	vfs_file_put(f);
	return rc;
}
