#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util/log.h"

/* Used when even the error cannot be allocated; never freed. */
static struct rt_error g_oom = { .status = ENOMEM, .msg = (char *)"out of memory" };

int rt_error_make(struct rt_error **err, int status, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&text, fmt, ap);
	va_end(ap);

	struct rt_error *e = calloc(1, sizeof(*e));
	char *msg = NULL;
	if (rc >= 0 && e) {
		if (status)
			rc = asprintf(&msg, "%s: %s", text, strerror(status));
		else
			msg = strdup(text), rc = msg ? 0 : -1;
	}
	free(text);
	if (rc < 0 || !e || !msg) {
		free(e);
		free(msg);
		*err = &g_oom;
		return -ENOMEM - 1;
	}
	e->status = status;
	e->msg = msg;
	*err = e;
	return -status - 1;
}

int rt_error_wrap(struct rt_error **err, const char *fmt, ...)
{
	struct rt_error *e = *err;
	char *ctx = NULL, *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&ctx, fmt, ap);
	va_end(ap);
	if (e != &g_oom && rc >= 0 && asprintf(&msg, "%s: %s", ctx, e->msg) >= 0) {
		free(e->msg);
		e->msg = msg;
	}
	free(ctx);
	return -e->status - 1;
}

void rt_error_free(struct rt_error **err)
{
	if (*err && *err != &g_oom) {
		free((*err)->msg);
		free(*err);
	}
	*err = NULL;
}

int rt_error_report(struct rt_error **err)
{
	if (*err) {
		fprintf(stderr, "runsc: %s\n", (*err)->msg);
		/* Engines that pass --log read the error from there (containerd's shim does). */
		if (log_has_file())
			log_msg(SENTRY_LOG_ERR, NULL, "%s", (*err)->msg);
	}
	rt_error_free(err);
	return 1;
}
