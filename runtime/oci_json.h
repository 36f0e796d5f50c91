/*
 * runtime/oci_json.h: typed reads of json-c objects with errors that name the field.
 *
 * Every reader takes the object holding the field, the field's key and the path of that object
 * ("process.user", "mounts[2]"), so the message names the whole field. An absent optional field
 * leaves the output untouched and returns 0; a present field of the wrong type or range is an
 * error. All return 0 or a negative rt_error.
 */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "error.h"
#include "oci_config.h"

/* "config.json: PATH.KEY: WHAT" (PATH may be empty, KEY may be NULL). */
__attribute__((format(printf, 4, 5))) int oj_fail(struct rt_error **err, const char *path,
						   const char *key, const char *fmt, ...);

/* The member @key of @o, or NULL when absent or null. */
json_object *oj_get(json_object *o, const char *key);

/* Writes "PATH.KEY" (or "PATH[I]" when @key is NULL) into @buf. */
void oj_path(char *buf, size_t size, const char *path, const char *key, long index);

int oj_object(json_object *o, const char *key, const char *path, int required,
	      json_object **ret,
	struct rt_error **err);
int oj_array(json_object *o, const char *key, const char *path, int required, json_object **ret,
	struct rt_error **err);
int oj_string(json_object *o, const char *key, const char *path, int required, char **ret,
	struct rt_error **err);
int oj_bool(json_object *o, const char *key, const char *path, int *ret,
	struct rt_error **err);
int oj_u32(json_object *o, const char *key, const char *path, int required, uint32_t *ret,
	struct rt_error **err);
int oj_i64(json_object *o, const char *key, const char *path, int required, int64_t *ret,
	struct rt_error **err);
int oj_u64(json_object *o, const char *key, const char *path, int required, uint64_t *ret,
	struct rt_error **err);
/* A lone integer value (an array element) named @field in errors. */
int oj_value_u32(json_object *v, const char *field, uint32_t *ret, struct rt_error **err);
/* An array of strings; @nonempty rejects []. */
int oj_strv(json_object *o, const char *key, const char *path, int required, int nonempty,
	    struct oci_strv *ret,
	struct rt_error **err);
/* An absolute path string. */
int oj_abspath(json_object *o, const char *key, const char *path, int required, char **ret,
	struct rt_error **err);
/* An object whose members are all strings. */
int oj_string_map(json_object *o, const char *key, const char *path, struct oci_keyval **ret,
		  size_t *ret_count,
	struct rt_error **err);

void oci_strv_clear(struct oci_strv *v);
