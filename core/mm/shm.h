/*
 * core/mm/shm.h: shared memory objects: a refcounted, resizable, sparse run of memory-file pages
 * that any number of address spaces map MAP_SHARED and see the same bytes through. It is the
 * store behind memfd_create(2) files and MAP_SHARED|MAP_ANONYMOUS memory (ipc/memfd.c wraps it
 * in an open file description, mapped like any file), and is meant for System V shmget/shmat
 * too (a segment holds one object; shmat maps a memfd-style file over it).
 *
 * Pages are allocated on first touch through translate (any access: a shared read fault must
 * see later writes) or a write, and a page map of 4 levels of 512 slots keeps holes free. A
 * shrinking truncate lets its pages go (mf_free): the memory file keeps those still mapped
 * until their mappings drop them (mm_sync), and an access past the end then faults with
 * SIGBUS, as Linux. The object also keeps memfd's seals (F_SEAL_*) and counts writable shared
 * mappings for F_SEAL_WRITE.
 *
 * Thread-safe (one mutex per object; never held while calling out). Errors: -ENOMEM, -EFBIG
 * (beyond SHM_MAX_SIZE), -EPERM (sealed), -EBUSY (F_SEAL_WRITE with writable mappings),
 * -EFAULT (translate past the end: SIGBUS).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

/* Largest size: what 4 levels of 512 page slots reach (2^48 bytes). */
#define SHM_MAX_SIZE (1ull << 48)

struct shm_obj;

/* A new object of @size bytes (holes) with seals @seals (F_SEAL_SEAL: sealing refused). */
int shm_new(uint64_t size, uint32_t seals, struct shm_obj **ret);
void shm_get(struct shm_obj *o);
/* Drops a reference; the last one frees every page. */
void shm_put(struct shm_obj *o);

uint64_t shm_size(struct shm_obj *o);
/* Shared mappings of @o now (System V's shm_nattch). */
long shm_maps(struct shm_obj *o);
/* Allocated bytes (st_blocks). */
uint64_t shm_bytes(struct shm_obj *o);

/* The memory-file offset of the page at @off (page aligned), allocating it; *ret_len is one
 * page. -EFAULT when @off is at or past the end, -ENOMEM. */
int shm_translate(struct shm_obj *o, int64_t off, uint32_t access, uint64_t *ret_mf_off,
		  uint64_t *ret_len);

/* read(2)/write(2) at *@off over @iov, advancing *@off. A write past the end grows the object
 * (-EPERM with F_SEAL_GROW, any write with F_SEAL_WRITE/F_SEAL_FUTURE_WRITE; @append: from the
 * end). Returns bytes, -EFBIG, -ENOMEM. */
int64_t shm_read(struct shm_obj *o, const struct sentry_iov *iov, size_t n, int64_t *off);
int64_t shm_write(struct shm_obj *o, const struct sentry_iov *iov, size_t n, int64_t *off,
		  int append);

/* ftruncate(2): -EPERM against F_SEAL_SHRINK/F_SEAL_GROW, -EFBIG. */
int shm_truncate(struct shm_obj *o, uint64_t size);

/* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE of [@off, @off+@len) (MADV_REMOVE): the whole
 * pages inside go (mapped ones as a truncate lets them go, so they fault back in zeroed) and
 * the partial ones are zeroed; the size stays. -EPERM against F_SEAL_WRITE and
 * F_SEAL_FUTURE_WRITE. */
int shm_punch(struct shm_obj *o, uint64_t off, uint64_t len);

/* A shared mapping with protection @prot appears (@delta 1) or goes (-1). A @fresh writable
 * one on a write-sealed object is refused with -EPERM; copies and removals always succeed. */
int shm_shared_map(struct shm_obj *o, int delta, uint32_t prot, int fresh);

/* F_ADD_SEALS / F_GET_SEALS. */
int shm_add_seals(struct shm_obj *o, uint32_t seals);
uint32_t shm_seals(struct shm_obj *o);
