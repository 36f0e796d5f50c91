/*
 * tests/unit/vfs/vfs_test.h: a Sentry VFS over a real filesystem plugin, loaded through the
 * loader, for the vfs and memfs unit tests, with the core's memory file, so tests can check that
 * the filesystem gives every page back.
 *
 * Which filesystem is the namespace root is a build choice: memfs by default; with VT_FS_9P the
 * same test bodies run on fs-gofer9p ("9p") over a real Gofer process (runsc gofer, hostdir
 * backend) serving a fresh host temporary directory on a socketpair. memfs is loaded in both
 * cases (mount tests mount it below the root).
 */
#pragma once

#include <criterion/criterion.h>
#include <stdint.h>

#include "plugin/plugin.h"
#include "vfs/vfs.h"

struct vt {
	struct plg_set set;
	struct plg_plugin *memfs;
	struct plg_plugin *rootfs;	/* the root's plugin: memfs, or 9p */
	char hostdir[64];		/* 9p: the directory the Gofer serves */
	int gofer_pid;			/* 9p: the Gofer process */
	struct sentry_services svc;
	struct vfs_mntns *ns;
	struct vfs_ctx *ctx;	/* root: uid 0, every capability */
};
extern struct vt g_vt;

/* Loads memfs, mounts a fresh instance with @data as the namespace root, makes g_vt.ctx. */
void vt_setup_data(const char *data);
void vt_setup(void);
void vt_teardown(void);
/* Frees g_vt.ctx and g_vt.ns, then asserts no mount, file, filesystem, namespace, lock object
 * or memory-file byte is left: the last line of every test. Extra contexts must be freed before. */
void vt_assert_no_leaks(void);

/* 1 when the root is fs-gofer9p. */
int vt_is_9p(void);
/* Skips the running test on fs-gofer9p, saying why (a feature 9P2000.L or the Gofer lacks). */
#define VT_SKIP_ON_9P(why)                                                                     \
	do {                                                                                   \
		if (vt_is_9p()) {                                                              \
			vt_teardown();                                                         \
			cr_skip_test("9p: %s", why);                                           \
		}                                                                              \
	} while (0)

/* Starts a Gofer on @dir (runsc gofer --root DIR --fd N [--ro]) and returns our end of the
 * socketpair; *ret_pid is the Gofer. Aborts on failure. */
int vt_gofer_start(const char *dir, int ro, int *ret_pid);
/* Waits for Gofer @pid; returns its exit status (or 128 + signal). */
int vt_gofer_wait(int pid);

/* A context for an unprivileged user in the same namespace. */
struct vfs_ctx *vt_user_ctx(uint32_t uid, uint32_t gid);

/* Memory-file bytes allocated and not freed. */
uint64_t vt_mf_used(void);

/* Creates @path with @data (O_CREAT|O_TRUNC|O_WRONLY, mode 0644) through @ctx. Returns 0/-errno. */
int vt_write_file(struct vfs_ctx *ctx, const char *path, const char *data);
/* Reads up to @size-1 bytes of @path into @buf (NUL-terminated). Returns bytes or -errno. */
int vt_read_file(struct vfs_ctx *ctx, const char *path, char *buf, size_t size);
/* mode of @path (stat following symlinks), or -errno. */
int vt_mode(struct vfs_ctx *ctx, const char *path);
