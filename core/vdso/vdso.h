/*
 * core/vdso/vdso.h: the vDSO's Sentry side: calibration, the shared pages, mapping into an mm.
 */
#pragma once

#include <stdint.h>

struct mm;

/* Calibrates the TSC against the host clocks and puts the parameter page and the image in the
 * memory file. Idempotent. Returns 0, -ENOMEM. Without an invariant TSC the parameters say
 * "invalid" and the vDSO makes real system calls. */
int vdso_init(void);

/* Maps the parameter page (read-only) and the image (read+exec) into @mm; *ret_base is the
 * image's address, for AT_SYSINFO_EHDR. Returns 0, -ENOMEM, or vdso_init's error. */
int vdso_map(struct mm *mm, uint64_t *ret_base);
