#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int g_log_level = SENTRY_LOG_WARN;
static FILE *g_log_file;
static int g_log_json;

int log_has_file(void)
{
	return g_log_file != NULL;
}

int log_fd(void)
{
	return g_log_file ? fileno(g_log_file) : 2;
}

void log_set_json(int on)
{
	g_log_json = on;
}

/* @text as a JSON string body: quotes, backslashes and control characters escaped. */
static size_t json_escape(const char *text, char *out, size_t size)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && n + 7 < size; p++) {
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p;
		} else if (*p < 0x20) {
			n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
		} else {
			out[n++] = (char)*p;
		}
	}
	out[n] = '\0';
	return n;
}

static void log_json(FILE *out, int level, const char *text)
{
	const char *name = level <= SENTRY_LOG_ERR ? "error" : level <= SENTRY_LOG_WARN ? "warning"
			 : level <= SENTRY_LOG_INFO ? "info" : "debug";
	char esc[2048], when[40];
	json_escape(text, esc, sizeof(esc));
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	char line[2200];
	int n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
			 name, esc, when, ts.tv_nsec);
	if (n > 0)
		(void)fwrite(line, 1, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1, out);
	(void)fflush(out);
}

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
	if (g_log_json && g_log_file) {
		line[len] = '\0';
		log_json(out, level, line + 8);	/* without "cvisor: " */
		return;
	}
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

int msg_fail(char *msg, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		snprintf(msg + n, size - (size_t)n, ": %s", strerror(-rc));
	return rc;
}
