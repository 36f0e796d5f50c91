/*
 * runtime/cmd_spec.c: `runsc spec [--bundle DIR]` writes a default config.json, refusing to
 * overwrite one, as runc does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oci_config.h"
#include "runsc.h"

int rt_cmd_spec(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *bundle = ".";
	for (int i = 1; i < argc; i++) {
		int m = rt_flag_value(argc, argv, &i, "bundle", &bundle, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "b", &bundle, err);
		if (m < 0)
			return 1;
		if (m == 0)
			return rt_error_make(err, 0, "spec: unexpected argument \"%s\"", argv[i]), 1;
	}

	char *path = NULL, *text = oci_config_default();
	if (!text || asprintf(&path, "%s/config.json", bundle) < 0) {
		free(text);
		return rt_error_make(err, ENOMEM, "spec"), 1;
	}
	int status = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		status = rt_error_make(err, 0, "File %s exists. Remove it first", path);
	else if (fd < 0)
		status = rt_error_make(err, errno, "spec: %s", path);
	else {
		size_t len = strlen(text);
		ssize_t n = write(fd, text, len);
		if (n != (ssize_t)len)
			status = rt_error_make(err, n < 0 ? errno : EIO, "spec: write %s", path);
		if (close(fd) < 0 && status == 0)
			status = rt_error_make(err, errno, "spec: close %s", path);
		if (status < 0)
			(void)unlink(path);
	}
	free(path);
	free(text);
	return status < 0 ? 1 : 0;
}
