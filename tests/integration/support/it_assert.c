/* it_assert.c -- envelope and header checks of API.md, shared by every suite. */
#define _GNU_SOURCE   /* strcasestr */
#include "it_assert.h"

#include <check.h>
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every failure names the caller's line first: Check itself reports this file's line. */
#define FAIL_IF(cond, ...) ck_assert_msg(!(cond), __VA_ARGS__)

static bool
s_match(const char *pattern, const char *s)
{
    if (!s)
        return false;
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

bool
it_is_iso8601_ms(const char *s)
{
    return s_match("^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z$",
                   s);
}

bool
it_is_generated_request_id(const char *s)
{
    return s_match("^req_[0-9]{13}_[0-9a-z]{9}$", s);
}

const char *
it_json_str(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int64_t
it_json_int(json_object *obj, const char *key)
{
    json_object *v;
    if (!obj || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
        return INT64_MIN;
    return json_object_get_int64(v);
}

bool
it_json_has(json_object *obj, const char *key)
{
    return obj && json_object_is_type(obj, json_type_object) &&
           json_object_object_get_ex(obj, key, NULL);
}

bool
it_json_has_key_like(json_object *obj, const char *needle)
{
    if (!obj)
        return false;
    if (json_object_is_type(obj, json_type_array)) {
        size_t n = json_object_array_length(obj);
        for (size_t i = 0; i < n; i++)
            if (it_json_has_key_like(json_object_array_get_idx(obj, i), needle))
                return true;
        return false;
    }
    if (!json_object_is_type(obj, json_type_object))
        return false;
    json_object_object_foreach(obj, key, val) {
        if (strcasestr(key, needle) || it_json_has_key_like(val, needle))
            return true;
    }
    return false;
}

void
it_assert_status_at(const char *file, int line, const it_response_t *r, long status)
{
    FAIL_IF(r->status != status, "%s:%d: expected status %ld: %s", file, line, status,
            it_describe(r));
}

/* Both id headers on every response; the envelope's requestId is checked by callers. */
static void
s_assert_id_headers(const char *file, int line, const it_response_t *r)
{
    const char *rid = it_header(r, "X-Request-ID");
    const char *cid = it_header(r, "X-Correlation-ID");
    FAIL_IF(!rid || !*rid, "%s:%d: no X-Request-ID header: %s", file, line, it_describe(r));
    FAIL_IF(!cid || !*cid, "%s:%d: no X-Correlation-ID header: %s", file, line, it_describe(r));
    if (r->request_id[0])
        FAIL_IF(strcmp(rid, r->request_id) != 0,
                "%s:%d: X-Request-ID %s sent, %s answered: %s", file, line, r->request_id, rid,
                it_describe(r));
}

json_object *
it_assert_success_at(const char *file, int line, const it_response_t *r, long status)
{
    it_assert_status_at(file, line, r, status);
    FAIL_IF(!r->json || !json_object_is_type(r->json, json_type_object),
            "%s:%d: body is not a JSON object: %s", file, line, it_describe(r));
    json_object *success, *data;
    FAIL_IF(!json_object_object_get_ex(r->json, "success", &success) ||
            !json_object_is_type(success, json_type_boolean) || !json_object_get_boolean(success),
            "%s:%d: success is not true: %s", file, line, it_describe(r));
    FAIL_IF(!json_object_object_get_ex(r->json, "data", &data),
            "%s:%d: no data member: %s", file, line, it_describe(r));
    FAIL_IF(!it_is_iso8601_ms(it_json_str(r->json, "timestamp")),
            "%s:%d: timestamp is not ISO 8601 UTC with ms: %s", file, line, it_describe(r));
    s_assert_id_headers(file, line, r);
    return data;
}

void
it_assert_error_at(const char *file, int line, const it_response_t *r, long status,
                   const char *code, const char *message)
{
    it_assert_status_at(file, line, r, status);
    FAIL_IF(!r->json || !json_object_is_type(r->json, json_type_object),
            "%s:%d: error body is not a JSON object: %s", file, line, it_describe(r));
    json_object *success;
    FAIL_IF(!json_object_object_get_ex(r->json, "success", &success) ||
            !json_object_is_type(success, json_type_boolean) || json_object_get_boolean(success),
            "%s:%d: success is not false: %s", file, line, it_describe(r));
    FAIL_IF(it_json_int(r->json, "statusCode") != status,
            "%s:%d: statusCode is not %ld: %s", file, line, status, it_describe(r));
    const char *err = it_json_str(r->json, "error");
    FAIL_IF(!err || strcmp(err, code) != 0, "%s:%d: error is not %s: %s", file, line, code,
            it_describe(r));
    const char *msg = it_json_str(r->json, "message");
    FAIL_IF(!msg || !*msg, "%s:%d: no message: %s", file, line, it_describe(r));
    if (message)
        FAIL_IF(strcmp(msg, message) != 0, "%s:%d: message is not \"%s\": %s", file, line,
                message, it_describe(r));
    FAIL_IF(!it_is_iso8601_ms(it_json_str(r->json, "timestamp")),
            "%s:%d: timestamp is not ISO 8601 UTC with ms: %s", file, line, it_describe(r));
    const char *path = it_json_str(r->json, "path");
    FAIL_IF(!path || strncmp(path, r->path, strlen(r->path)) != 0 ||
            (path[strlen(r->path)] != '\0' && path[strlen(r->path)] != '?'),
            "%s:%d: path is not %s: %s", file, line, r->path, it_describe(r));
    const char *method = it_json_str(r->json, "method");
    FAIL_IF(!method || strcmp(method, r->method) != 0, "%s:%d: method is not %s: %s", file,
            line, r->method, it_describe(r));
    s_assert_id_headers(file, line, r);
    const char *rid = it_json_str(r->json, "requestId");
    FAIL_IF(!rid || strcmp(rid, it_header(r, "X-Request-ID")) != 0,
            "%s:%d: requestId differs from X-Request-ID %s: %s", file, line,
            it_header(r, "X-Request-ID"), it_describe(r));
    /* 5xx bodies never leak internals (API.md); a cheap guard against the common cases. */
    if (status >= 500)
        FAIL_IF(strcasestr(r->body, "SELECT ") || strcasestr(r->body, "tcp://") ||
                strcasestr(r->body, ".c:"),
                "%s:%d: 5xx body leaks internals: %s", file, line, it_describe(r));
}

void
it_assert_validation_at(const char *file, int line, const it_response_t *r,
                        const char *const *fields)
{
    it_assert_error_at(file, line, r, 400, "VALIDATION_ERROR", "Validation failed");
    json_object *details;
    FAIL_IF(!json_object_object_get_ex(r->json, "details", &details) ||
            !json_object_is_type(details, json_type_array),
            "%s:%d: no details array: %s", file, line, it_describe(r));
    size_t want = 0;
    while (fields[want])
        want++;
    size_t got = json_object_array_length(details);
    FAIL_IF(got != want, "%s:%d: %zu details expected, %zu given: %s", file, line, want, got,
            it_describe(r));
    for (size_t i = 0; i < want; i++) {
        bool found = false;
        for (size_t j = 0; j < got && !found; j++) {
            json_object *d = json_object_array_get_idx(details, j);
            const char *f = it_json_str(d, "field");
            const char *m = it_json_str(d, "message");
            if (f && strcmp(f, fields[i]) == 0) {
                FAIL_IF(!m || !*m, "%s:%d: detail for %s has no message: %s", file, line,
                        fields[i], it_describe(r));
                found = true;
            }
        }
        FAIL_IF(!found, "%s:%d: no detail for field %s: %s", file, line, fields[i],
                it_describe(r));
    }
}

static void
s_assert_header_is(const char *file, int line, const it_response_t *r, const char *name,
                   const char *want)
{
    const char *v = it_header(r, name);
    FAIL_IF(!v || strcasecmp(v, want) != 0, "%s:%d: header %s is %s, expected %s: %s", file,
            line, name, v ? v : "(absent)", want, it_describe(r));
}

void
it_assert_security_headers_at(const char *file, int line, const it_response_t *r)
{
    s_assert_header_is(file, line, r, "X-Content-Type-Options", "nosniff");
    s_assert_header_is(file, line, r, "X-Frame-Options", "DENY");
    s_assert_header_is(file, line, r, "Referrer-Policy", "no-referrer");
    s_assert_header_is(file, line, r, "Content-Security-Policy", "default-src 'none'");
}
