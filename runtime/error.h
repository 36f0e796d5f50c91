/*
 * runtime/error.h: runsc's errors, crun's way: a negative return plus an error object carrying
 * an errno and the message runsc prints, so messages can match runc's.
 */
#pragma once

struct rt_error {
	int status;	/* errno, or 0 when the message says it all */
	char *msg;	/* the line to print, without "runsc: " */
};

/* Sets *@err (must be NULL) to a new error and returns -@status - 1, negative even for 0.
 * If @status is nonzero, ": strerror(status)" is appended. */
__attribute__((format(printf, 3, 4))) int rt_error_make(struct rt_error **err, int status,
							 const char *fmt, ...);

/* Puts "context: " in front of (*@err)->msg and returns -status - 1 of the error. */
__attribute__((format(printf, 2, 3))) int rt_error_wrap(struct rt_error **err, const char *fmt,
							 ...);

/* Prints "runsc: MSG" on stderr and frees *@err. Returns 1, runsc's exit status for errors. */
int rt_error_report(struct rt_error **err);

void rt_error_free(struct rt_error **err);
