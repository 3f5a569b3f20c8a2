/* form.h -- reading a request body (a msgpack map) against a table of allowed fields,
 * collecting every problem at once (all fields checked, not only the first), plus the
 * checks every service shares (UTF-8, ids, list limits).
 *
 * Strings are copied out of the msgpack zone (via.str is not NUL-terminated), bounded in
 * bytes before any copy, and must be valid UTF-8 without NUL bytes. Keys that are not in
 * the table are problems too ("property X should not exist"), as with NestJS's
 * whitelist + forbidNonWhitelisted. */
#ifndef COMMON_FORM_H
#define COMMON_FORM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>
#include "envelope.h"

#define FORM_MAX_FIELDS     8
#define FORM_LIMIT_DEFAULT  20
#define FORM_LIMIT_MAX      100

/* A check on a present, non-nil value: NULL when valid, else the detail message. */
typedef const char *(form_check_fn)(const char *s);

typedef struct {
    const char *key;
    size_t max_bytes;        /* wire bound, checked before copying */
    bool required;           /* absent (or nil when !nullable) is "KEY should not be empty" */
    bool nullable;           /* nil is accepted and read as "present, value NULL" */
    bool integer_ok;         /* a non-negative integer is accepted as its decimal string
                                (query values come as strings, internal callers send
                                numbers) */
    bool number;             /* a JSON number, never a string: an integer or an exact
                                decimal (ENVELOPE_EXT_DECIMAL), read as its text */
    form_check_fn *check;    /* run on present, non-nil values; NULL for none */
} form_field_t;

typedef struct {
    bool present;            /* the key was in the body */
    char *value;             /* NUL-terminated copy, NULL when absent or nil */
} form_value_t;

typedef struct {
    form_value_t values[FORM_MAX_FIELDS];
    envelope_detail_t problems[ENVELOPE_MAX_DETAILS];
    int problem_count;
} form_t;

void form_init(form_t *form);

/* Frees the copies held by FORM. Safe to call twice. */
void form_release(form_t *form);

/* Reads BODY (a map, or NULL for an empty body) against FIELDS (terminated by a NULL key;
 * at most FORM_MAX_FIELDS). values[i] matches fields[i]. Returns -1 when BODY is not a
 * map (the caller answers BAD_REQUEST), else the number of problems found. */
int form_read(form_t *form, const form_field_t *fields, const msgpack_object *body);

/* Adds one problem (FIELD, MESSAGE), truncated to fit; ignored past the maximum. */
void form_problem(form_t *form, const char *field, const char *message);

/* True when FIELD already has a problem (so a later check does not pile on). */
bool form_has_problem(const form_t *form, const char *field);

/* Makes REPLY a VALIDATION_ERROR "Validation failed" carrying every problem of FORM. */
void form_reply(const form_t *form, envelope_t *reply);

/* Code points in the LEN bytes at S, or -1 when they are not valid UTF-8 (overlong forms,
 * surrogates and values past U+10FFFF are invalid too). */
long form_utf8_count(const char *s, size_t len);

/* S as a decimal integer in [MIN, MAX] (digits only, no sign, no spaces, no leading zero
 * unless "0"). Returns true and sets *OUT on success. */
bool form_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

const char *form_check_limit(const char *s);   /* "limit must be an integer between 1 and 100" */
const char *form_check_id(const char *s);      /* "id must be a valid id" */

#endif
