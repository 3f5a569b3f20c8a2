/* form.c -- reading a request body against a table of allowed fields; shared checks. */
#include "form.h"
#include "mem.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
form_init(form_t *form)
{
    memset(form, 0, sizeof *form);
}

void
form_release(form_t *form)
{
    for (int i = 0; i < FORM_MAX_FIELDS; i++) {
        free(form->values[i].value);
        form->values[i].value = NULL;
        form->values[i].present = false;
    }
}

void
form_problem(form_t *form, const char *field, const char *message)
{
    if (form->problem_count >= ENVELOPE_MAX_DETAILS)
        return;
    envelope_detail_t *d = &form->problems[form->problem_count++];
    snprintf(d->field, sizeof d->field, "%s", field);
    snprintf(d->message, sizeof d->message, "%s", message);
}

bool
form_has_problem(const form_t *form, const char *field)
{
    for (int i = 0; i < form->problem_count; i++)
        if (strcmp(form->problems[i].field, field) == 0)
            return true;
    return false;
}

void
form_reply(const form_t *form, envelope_t *reply)
{
    envelope_set_error(reply, ERR_VALIDATION, "Validation failed");
    for (int i = 0; i < form->problem_count; i++)
        envelope_add_detail(reply, form->problems[i].field, form->problems[i].message);
}

/* An unknown key, echoed back printable and short: it is client input, and it lands in a
 * JSON body and perhaps a log line. */
static void
s_unknown_key(form_t *form, const msgpack_object *key)
{
    char name[48];
    size_t n = 0;
    if (key->type == MSGPACK_OBJECT_STR)
        for (uint32_t i = 0; i < key->via.str.size && n < sizeof name - 1; i++) {
            unsigned char c = (unsigned char) key->via.str.ptr[i];
            name[n++] = (c >= 0x20 && c < 0x7F) ? (char) c : '?';
        }
    name[n] = '\0';
    if (n == 0)
        snprintf(name, sizeof name, "?");
    char message[128];
    snprintf(message, sizeof message, "property %s should not exist", name);
    form_problem(form, name, message);
}

/* A number field: an integer, or an exact decimal carried as its text. */
static const char *
s_read_number(const form_field_t *field, const msgpack_object *obj, form_value_t *out,
              char *msg, size_t msg_size)
{
    char text[72];
    if (obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        snprintf(text, sizeof text, "%" PRIu64, obj->via.u64);
    else if (obj->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        snprintf(text, sizeof text, "%" PRId64, obj->via.i64);
    else if (obj->type == MSGPACK_OBJECT_EXT && obj->via.ext.type == ENVELOPE_EXT_DECIMAL
             && obj->via.ext.size > 0 && obj->via.ext.size < sizeof text) {
        memcpy(text, obj->via.ext.ptr, obj->via.ext.size);
        text[obj->via.ext.size] = '\0';
    }
    else {
        snprintf(msg, msg_size, "%s must be a number", field->key);
        return msg;
    }
    out->value = mem_strdup(text);
    return NULL;
}

/* Reads one value of FIELD into OUT. Returns NULL or the problem's message. */
static const char *
s_read_value(const form_field_t *field, const msgpack_object *obj, form_value_t *out,
             char *msg, size_t msg_size)
{
    out->present = true;
    if (obj->type == MSGPACK_OBJECT_NIL) {
        if (field->nullable)
            return NULL;
        snprintf(msg, msg_size, "%s should not be empty", field->key);
        return msg;
    }
    if (field->number) {
        const char *problem = s_read_number(field, obj, out, msg, msg_size);
        if (problem)
            return problem;
    }
    else if (field->integer_ok && obj->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        char digits[24];
        snprintf(digits, sizeof digits, "%" PRIu64, obj->via.u64);
        out->value = mem_strdup(digits);
    }
    else if (obj->type == MSGPACK_OBJECT_STR) {
        uint32_t size = obj->via.str.size;
        if (size > field->max_bytes) {
            snprintf(msg, msg_size, "%s is too long", field->key);
            return msg;
        }
        if (memchr(envelope_str_bytes(obj), '\0', size) || form_utf8_count(obj->via.str.ptr, size) < 0) {
            snprintf(msg, msg_size, "%s must be a valid UTF-8 string", field->key);
            return msg;
        }
        out->value = strndup(obj->via.str.ptr, size);
    }
    else {
        snprintf(msg, msg_size, field->integer_ok ? "%s must be a string or an integer"
                                                  : "%s must be a string", field->key);
        return msg;
    }
    if (!out->value)
        mem_fail("form value");
    return field->check ? field->check(out->value) : NULL;
}

int
form_read(form_t *form, const form_field_t *fields, const msgpack_object *body)
{
    if (body && body->type != MSGPACK_OBJECT_MAP)
        return -1;
    int nfields = 0;
    while (fields[nfields].key && nfields < FORM_MAX_FIELDS)
        nfields++;

    /* Unknown keys first, in body order, so the details read like the body. */
    uint32_t size = body ? body->via.map.size : 0;
    for (uint32_t i = 0; i < size; i++) {
        const msgpack_object *key = &body->via.map.ptr[i].key;
        bool known = false;
        for (int f = 0; f < nfields && !known; f++)
            known = envelope_str_eq(key, fields[f].key);
        if (!known)
            s_unknown_key(form, key);
    }

    for (int f = 0; f < nfields; f++) {
        const form_field_t *field = &fields[f];
        form_value_t *out = &form->values[f];
        const msgpack_object *obj = body ? envelope_map_get(body, field->key) : NULL;
        char buf[160];
        const char *problem = NULL;
        if (obj)
            problem = s_read_value(field, obj, out, buf, sizeof buf);
        if (!problem && field->required && !out->value) {
            snprintf(buf, sizeof buf, "%s should not be empty", field->key);
            problem = buf;
        }
        if (problem)
            form_problem(form, field->key, problem);
    }
    return form->problem_count;
}

long
form_utf8_count(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    long count = 0;
    size_t i = 0;
    while (i < len) {
        unsigned c = p[i];
        size_t need;
        unsigned cp;
        if (c < 0x80) {
            i++;
            count++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)      { need = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; }
        else return -1;                  /* continuation byte, C0/C1 overlong, F5+ */
        if (len - i <= need)
            return -1;
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF
            || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        i += need + 1;
        count++;
    }
    return count;
}

bool
form_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s || strlen(s) > 19 || (s[0] == '0' && s[1]))
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return false;
    *out = v;
    return true;
}

const char *
form_check_limit(const char *s)
{
    int64_t v;
    return form_parse_int(s, 1, FORM_LIMIT_MAX, &v) ? NULL
           : "limit must be an integer between 1 and 100";
}

const char *
form_check_id(const char *s)
{
    int64_t v;
    return form_parse_int(s, 1, INT64_MAX, &v) ? NULL : "id must be a valid id";
}
