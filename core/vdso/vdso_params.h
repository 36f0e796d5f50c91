/*
 * core/vdso/vdso_params.h: the page the Sentry shares with the vDSO code in every process.
 *
 * Read by code running in the application (vdso.c) and written by the Sentry (vdso_map.c), so
 * it holds only fixed-width fields. The clocks are linear functions of the TSC, calibrated once
 * when the Sentry starts: ns = base_ns + ((tsc - tsc_base) * mult) >> 32.
 */
#pragma once

#include <stdint.h>

struct vdso_params {
	uint32_t valid;		/* 0: the vDSO makes the real system call instead */
	uint32_t pad0;
	uint64_t tsc_base;	/* TSC at calibration */
	uint64_t mult;		/* ns per TSC tick, 32.32 fixed point */
	int64_t mono_base_ns;	/* CLOCK_MONOTONIC at tsc_base */
	int64_t real_base_ns;	/* CLOCK_REALTIME at tsc_base */
};
