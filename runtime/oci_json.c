#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_json.h"

int oj_fail(struct rt_error **err, const char *path, const char *key, const char *fmt, ...)
{
	char what[256], field[256];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	oj_path(field, sizeof(field), path, key, -1);
	return rt_error_make(err, 0, "config.json: %s: %s", field, what);
}

void oj_path(char *buf, size_t size, const char *path, const char *key, long index)
{
	if (key)
		(void)snprintf(buf, size, "%s%s%s", path, *path ? "." : "", key);
	else
		(void)snprintf(buf, size, "%s[%ld]", path, index);
}

json_object *oj_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* The value, or NULL with an error when required and missing. */
static int oj_present(json_object *o, const char *key, const char *path, int required,
		      json_object **ret, struct rt_error **err)
{
	*ret = oj_get(o, key);
	if (!*ret && required)
		return oj_fail(err, path, key, "missing (required)");
	return 0;
}

static int oj_typed(json_object *o, const char *key, const char *path, int required,
		    json_type type, const char *what, json_object **ret, struct rt_error **err)
{
	json_object *v;
	int rc = oj_present(o, key, path, required, &v, err);
	if (rc < 0 || !v)
		return rc;
	if (!json_object_is_type(v, type))
		return oj_fail(err, path, key, "expected %s", what);
	*ret = v;
	return 0;
}

int oj_object(json_object *o, const char *key, const char *path, int required, json_object **ret,
	      struct rt_error **err)
{
	return oj_typed(o, key, path, required, json_type_object, "an object", ret, err);
}

int oj_array(json_object *o, const char *key, const char *path, int required, json_object **ret,
	     struct rt_error **err)
{
	return oj_typed(o, key, path, required, json_type_array, "an array", ret, err);
}

int oj_string(json_object *o, const char *key, const char *path, int required, char **ret,
	      struct rt_error **err)
{
	json_object *v = NULL;
	int rc = oj_typed(o, key, path, required, json_type_string, "a string", &v, err);
	if (rc < 0 || !v)
		return rc;
	char *s = strdup(json_object_get_string(v));
	if (!s)
		return rt_error_make(err, ENOMEM, "config.json");
	free(*ret);
	*ret = s;
	return 0;
}

int oj_bool(json_object *o, const char *key, const char *path, int *ret, struct rt_error **err)
{
	json_object *v = NULL;
	int rc = oj_typed(o, key, path, 0, json_type_boolean, "true or false", &v, err);
	if (rc == 0 && v)
		*ret = json_object_get_boolean(v);
	return rc;
}

/* Checks that @v is an integer within [min, max] (json-c keeps integers up to int64/uint64
 * exactly); @field names it in the error. */
static int oj_int_value(json_object *v, const char *field, int64_t min, uint64_t max,
			int64_t *ret_signed, uint64_t *ret_unsigned, struct rt_error **err)
{
	if (!json_object_is_type(v, json_type_int))
		goto range;
	int64_t s = json_object_get_int64(v);
	if (min >= 0) {
		/* Non-negative fields: read as unsigned so values above INT64_MAX keep their bits. */
		uint64_t u = json_object_get_uint64(v);
		if (s < 0 || u < (uint64_t)min || u > max)
			goto range;
		*ret_unsigned = u;
		return 0;
	}
	if (s < min || (s > 0 && (uint64_t)s > max))
		goto range;
	*ret_signed = s;
	return 0;
range:
	return rt_error_make(err, 0, "config.json: %s: expected an integer in %lld..%llu", field,
			     (long long)min, (unsigned long long)max);
}

int oj_value_u32(json_object *v, const char *field, uint32_t *ret, struct rt_error **err)
{
	uint64_t u = 0;
	int rc = oj_int_value(v, field, 0, UINT32_MAX, NULL, &u, err);
	if (rc == 0)
		*ret = (uint32_t)u;
	return rc;
}

static int oj_int(json_object *o, const char *key, const char *path, int required, int64_t min,
		  uint64_t max, int64_t *ret_signed, uint64_t *ret_unsigned, struct rt_error **err)
{
	json_object *v;
	int rc = oj_present(o, key, path, required, &v, err);
	if (rc < 0 || !v)
		return rc;
	char field[256];
	oj_path(field, sizeof(field), path, key, -1);
	return oj_int_value(v, field, min, max, ret_signed, ret_unsigned, err);
}

int oj_u32(json_object *o, const char *key, const char *path, int required, uint32_t *ret,
	   struct rt_error **err)
{
	uint64_t u = 0;
	int rc = oj_int(o, key, path, required, 0, UINT32_MAX, NULL, &u, err);
	if (rc == 0 && oj_get(o, key))
		*ret = (uint32_t)u;
	return rc;
}

int oj_u64(json_object *o, const char *key, const char *path, int required, uint64_t *ret,
	   struct rt_error **err)
{
	uint64_t u = 0;
	int rc = oj_int(o, key, path, required, 0, UINT64_MAX, NULL, &u, err);
	if (rc == 0 && oj_get(o, key))
		*ret = u;
	return rc;
}

int oj_i64(json_object *o, const char *key, const char *path, int required, int64_t *ret,
	   struct rt_error **err)
{
	int64_t s = 0;
	int rc = oj_int(o, key, path, required, INT64_MIN, INT64_MAX, &s, NULL, err);
	if (rc == 0 && oj_get(o, key))
		*ret = s;
	return rc;
}

void oci_strv_clear(struct oci_strv *v)
{
	for (size_t i = 0; i < v->count; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->count = 0;
}

int oj_strv(json_object *o, const char *key, const char *path, int required, int nonempty,
	    struct oci_strv *ret, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(o, key, path, required, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	if (nonempty && n == 0)
		return oj_fail(err, path, key, "must not be empty");
	struct oci_strv v = { .v = calloc(n + 1, sizeof(char *)), .count = 0 };
	if (!v.v)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_string)) {
			char field[256];
			oj_path(field, sizeof(field), path, key, -1);
			oci_strv_clear(&v);
			return rt_error_make(err, 0, "config.json: %s[%zu]: expected a string",
					     field, i);
		}
		v.v[v.count] = strdup(json_object_get_string(e));
		if (!v.v[v.count++]) {
			oci_strv_clear(&v);
			return rt_error_make(err, ENOMEM, "config.json");
		}
	}
	oci_strv_clear(ret);
	*ret = v;
	return 0;
}

int oj_abspath(json_object *o, const char *key, const char *path, int required, char **ret,
	       struct rt_error **err)
{
	char *s = NULL;
	int rc = oj_string(o, key, path, required, &s, err);
	if (rc < 0 || !s)
		return rc;
	if (s[0] != '/') {
		rc = oj_fail(err, path, key, "\"%s\" is not an absolute path", s);
		free(s);
		return rc;
	}
	free(*ret);
	*ret = s;
	return 0;
}

int oj_string_map(json_object *o, const char *key, const char *path, struct oci_keyval **ret,
		  size_t *ret_count, struct rt_error **err)
{
	json_object *m = NULL;
	int rc = oj_object(o, key, path, 0, &m, err);
	if (rc < 0 || !m)
		return rc;
	size_t n = (size_t)json_object_object_length(m), i = 0;
	struct oci_keyval *kv = calloc(n ? n : 1, sizeof(*kv));
	if (!kv)
		return rt_error_make(err, ENOMEM, "config.json");
	json_object_object_foreach(m, k, v)
	{
		if (!json_object_is_type(v, json_type_string)) {
			char field[256];
			oj_path(field, sizeof(field), path, key, -1);
			rc = rt_error_make(err, 0, "config.json: %s.%s: expected a string", field, k);
			break;
		}
		kv[i].key = strdup(k);
		kv[i].value = strdup(json_object_get_string(v));
		if (!kv[i].key || !kv[i].value) {
			i++;
			rc = rt_error_make(err, ENOMEM, "config.json");
			break;
		}
		i++;
	}
	if (rc < 0) {
		for (size_t j = 0; j < i; j++) {
			free(kv[j].key);
			free(kv[j].value);
		}
		free(kv);
		return rc;
	}
	*ret = kv;
	*ret_count = n;
	return 0;
}
