/*
 * runtime/oci_internal.h: shared between the parts of the config.json parser.
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "error.h"
#include "oci_config.h"

/* Index of @name in @names[0..count) (NULL entries skipped), or -1. */
int oci_lookup(const char *const *names, size_t count, const char *name);

/* The "mounts" array. */
int oci_parse_mounts(json_object *root, struct oci_config *cfg, struct rt_error **err);

/* The "linux" object. */
int oci_parse_linux(json_object *root, struct oci_linux *lx, struct rt_error **err);
void oci_linux_clear(struct oci_linux *lx);

void oci_keyval_free(struct oci_keyval *kv, size_t n);

/* "linux.seccomp" (oci_seccomp.c); *ret stays NULL when absent. */
int oci_parse_seccomp(json_object *lxo, struct oci_seccomp **ret, struct rt_error **err);
void oci_seccomp_free(struct oci_seccomp *sc);
