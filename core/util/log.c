#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int g_log_level = SENTRY_LOG_WARN;
static FILE *g_log_file;

void log_set_level(int level)
{
	g_log_level = level;
}

int log_get_level(void)
{
	return g_log_level;
}

void log_set_file(FILE *f)
{
	g_log_file = f;
}

void log_msgv(int level, const char *prefix, const char *fmt, va_list ap)
{
	if (level > g_log_level)
		return;

	FILE *out = g_log_file ? g_log_file : stderr;
	/* One buffer and one write, so lines from several threads do not interleave. */
	char line[1024];
	int n = snprintf(line, sizeof(line), "cvisor: %s%s", prefix ? prefix : "", prefix ? ": " : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = m < 0 ? (size_t)n : (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)fwrite(line, 1, len, out);
	(void)fflush(out);
}

void log_msg(int level, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(level, prefix, fmt, ap);
	va_end(ap);
}
