/*
 * core/util/log.h: the core's diagnostics on stderr (or the --log file).
 *
 * Only the syscall dispatcher, the plugin loader and runsc log failures; everything else returns
 * -errno and lets them decide (STYLE.md 3.2).
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>

#include "sentry/services.h"

/* Messages above this level (enum sentry_log_level) are dropped. Default SENTRY_LOG_WARN. */
void log_set_level(int level);
int log_get_level(void);

/* Redirects output to @f (borrowed; must outlive logging). NULL restores stderr. */
void log_set_file(FILE *f);

/* Whether output goes to a file set by log_set_file. */
int log_has_file(void);

/* The descriptor output goes to, for a signal handler that may only write(2). */
int log_fd(void);

/* One JSON object per line ({"level":"error","msg":"...","time":"..."}, runc's --log-format
 * json, which engines parse) instead of text. */
void log_set_json(int on);

/* Writes "cvisor: [prefix: ]message\n" when @level passes. */
void log_msgv(int level, const char *prefix, const char *fmt, va_list ap);
__attribute__((format(printf, 3, 4))) void log_msg(int level, const char *prefix, const char *fmt,
						   ...);

/* Writes "WHAT: strerror(-rc)" into @msg (WHAT from @fmt) and returns @rc: the one-line
 * failures boot and spawn give back to runsc. */
__attribute__((format(printf, 4, 5))) int msg_fail(char *msg, size_t size, int rc,
						   const char *fmt, ...);
