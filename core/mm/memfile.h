/*
 * core/mm/memfile.h: the memory file (DESIGN.md, Memory).
 *
 * One memfd per Sentry holds all application memory and the pages of in-memory files; it is
 * mapped once into the Sentry, so mf_ptr(off) is a plain pointer and copy-in/copy-out are memcpy.
 * Platforms map ranges of the same file into application address spaces (mf_fd). A page
 * allocator hands out page runs; freed runs are punched out of the file, so their memory goes
 * back to the host and a reused page reads as zeros.
 *
 * Thread-safe. Errors: -EINVAL (length), -ENOMEM (the file is full), or mf_init's host errno.
 */
#pragma once

#include <stdint.h>

/* Size of the file's address range. Sparse: only touched pages use memory. */
#define MF_SIZE (64ull << 30)

/* Creates and maps the file. Idempotent; every other call initialises on demand. Returns 0 or
 * -errno from memfd_create/ftruncate/mmap. */
int mf_init(void);

/* Allocates @len bytes (a positive multiple of 4096) of zeroed pages at *ret_off. */
int mf_alloc(uint64_t len, uint64_t *ret_off);

/* Returns [off, off+len) from mf_alloc; the contents are discarded. This is the first owner
 * (the file) letting go: a page some address space still holds (mf_page_share) is not freed
 * but marked dead, and freed by its last mf_page_put. Address spaces drop dead pages (mm_sync),
 * so a file's truncated or evicted page faults anew instead of being reused under them. */
void mf_free(uint64_t off, uint64_t len);

/* Copy-on-write sharing of private pages (mm_fork): each page of the file has a count of the
 * owners it has beyond the first, 0 for a page one address space owns alone. mf_page_share
 * adds an owner of page @off (from mf_alloc); mf_page_put drops one and frees the page with
 * its last owner; mf_page_shared says whether others own it too (a writer must copy it). The
 * counts live in a sparse array indexed by page, updated with atomics, and the last of several
 * concurrent puts is the one that frees. */
void mf_page_share(uint64_t off);
void mf_page_put(uint64_t off);
int mf_page_shared(uint64_t off);
/* Whether page @off was let go by its file (mf_free) while others still held it. */
int mf_page_dead(uint64_t off);
/* Moves before any page is freed or let go: a holder that took page @off from a file without
 * the file's lock (translate, then mf_page_share) checks it did not move meanwhile, else the
 * page may have been freed before the share counted. */
uint64_t mf_free_gen(void);
/* Moves whenever a page is marked dead: address spaces compare it with what they last saw. */
uint64_t mf_dead_gen(void);

/* The Sentry's address of offset @off. */
void *mf_ptr(uint64_t off);

/* The memfd, for platforms; -1 before mf_init. */
int mf_fd(void);

/* Bytes allocated now (leak checks). */
uint64_t mf_used_bytes(void);
