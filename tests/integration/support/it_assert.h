/* it_assert.h -- the contract's envelope and header checks, as Check assertions.
 *
 * Use the upper-case macros: they pass the caller's file and line, so a failure inside a
 * helper still points at the test that made the request, and every message carries the
 * request and the response body. */
#ifndef IT_ASSERT_H
#define IT_ASSERT_H
#include "it_http.h"
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* Success envelope with STATUS: success true, "data" present, ISO 8601 timestamp with
 * milliseconds and Z, X-Request-ID and X-Correlation-ID present. Returns "data" (borrowed
 * from R; json NULL when data is null). */
#define IT_ASSERT_SUCCESS(r, status) it_assert_success_at(__FILE__, __LINE__, (r), (status))
json_object *it_assert_success_at(const char *file, int line, const it_response_t *r,
                                  long status);

/* Error envelope with STATUS and CODE: success false, statusCode == STATUS, error ==
 * CODE, message == MESSAGE (any non-empty string when MESSAGE is NULL), path and method of
 * the request, timestamp, requestId equal to the X-Request-ID header. */
#define IT_ASSERT_ERROR(r, status, code, message) \
    it_assert_error_at(__FILE__, __LINE__, (r), (status), (code), (message))
void it_assert_error_at(const char *file, int line, const it_response_t *r, long status,
                        const char *code, const char *message);

/* A validation error (400 VALIDATION_ERROR, "Validation failed") whose details hold
 * exactly one entry per name in the NULL-terminated FIELDS, each with a message. */
#define IT_ASSERT_VALIDATION(r, ...) \
    it_assert_validation_at(__FILE__, __LINE__, (r), (const char *const[]){ __VA_ARGS__, NULL })
void it_assert_validation_at(const char *file, int line, const it_response_t *r,
                             const char *const *fields);

/* X-Content-Type-Options, X-Frame-Options, Referrer-Policy, Content-Security-Policy. */
#define IT_ASSERT_SECURITY_HEADERS(r) it_assert_security_headers_at(__FILE__, __LINE__, (r))
void it_assert_security_headers_at(const char *file, int line, const it_response_t *r);

/* Fails the test (as the macros do) with a printf-style message about R. */
#define IT_ASSERT_STATUS(r, status) it_assert_status_at(__FILE__, __LINE__, (r), (status))
void it_assert_status_at(const char *file, int line, const it_response_t *r, long status);

/* --- Small checks, usable alone -------------------------------------------------- */

/* "2026-11-22T10:30:45.123Z" */
bool it_is_iso8601_ms(const char *s);

/* "req_<13 digit unix ms>_<9 lowercase base36>" */
bool it_is_generated_request_id(const char *s);

/* Member KEY of OBJ as a string / integer, or NULL / INT64_MIN when absent or another
 * type. it_json_has tells a present null from an absent key. */
const char *it_json_str(json_object *obj, const char *key);
int64_t it_json_int(json_object *obj, const char *key);
bool it_json_has(json_object *obj, const char *key);

/* True when any key anywhere inside OBJ contains NEEDLE (case-insensitive): to prove no
 * "password" or "hash" field leaks, however deeply nested. */
bool it_json_has_key_like(json_object *obj, const char *needle);

#endif
