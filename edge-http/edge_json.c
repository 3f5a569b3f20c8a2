/* edge_json.c -- JSON <-> msgpack conversion with bounds on depth, numbers and UTF-8. */
#include "edge_json.h"
#include <stdint.h>
#include <string.h>

#define S_TO_STRING_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

bool
edge_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else return false;                       /* continuation byte, C0, C1, F5.. */
        if (len - i - 1 < n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000))
            return false;                        /* overlong */
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += n + 1;
    }
    return true;
}

/* A JSON number's grammar, checked on the text json-c kept: json-c accepts NaN and
 * Infinity even in strict mode, and those must not reach a service as "numbers". */
static bool
s_number_text_ok(const char *s, size_t len)
{
    size_t i = 0;
    if (len == 0 || len > EDGE_JSON_MAX_NUMBER)
        return false;
    if (s[i] == '-')
        i++;
    if (i >= len || s[i] < '0' || s[i] > '9')
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start)
            return false;
    }
    return i == len;
}

/* Checks what the tokenizer lets through: number texts, integers json-c saturated at the
 * 64-bit bounds (it cannot tell 2^64-1 from 10^20, so both extremes are refused), and
 * UTF-8 in keys (values are validated by the tokenizer). */
static edge_json_err_t
s_check(json_object *val, int depth)
{
    json_type type = json_object_get_type(val);
    if (depth > EDGE_JSON_MAX_DEPTH && (type == json_type_array || type == json_type_object))
        return EDGE_JSON_DEPTH;
    switch (type) {
    case json_type_double: {
        const char *text = json_object_get_string(val);
        if (!text || !s_number_text_ok(text, strlen(text)))
            return EDGE_JSON_NUMBER;
        return EDGE_JSON_OK;
    }
    case json_type_int: {
        int64_t i = json_object_get_int64(val);
        uint64_t u = json_object_get_uint64(val);
        if (i == INT64_MIN || u == UINT64_MAX)
            return EDGE_JSON_NUMBER;
        return EDGE_JSON_OK;
    }
    case json_type_array: {
        size_t n = json_object_array_length(val);
        for (size_t k = 0; k < n; k++) {
            edge_json_err_t err = s_check(json_object_array_get_idx(val, k), depth + 1);
            if (err)
                return err;
        }
        return EDGE_JSON_OK;
    }
    case json_type_object: {
        json_object_object_foreach(val, key, child) {
            if (!edge_utf8_valid(key, strlen(key)))
                return EDGE_JSON_UTF8;
            edge_json_err_t err = s_check(child, depth + 1);
            if (err)
                return err;
        }
        return EDGE_JSON_OK;
    }
    default:
        return EDGE_JSON_OK;
    }
}

size_t
edge_json_tokens(const char *data, size_t len, size_t stop_after)
{
    size_t count = 0;
    for (size_t i = 0; i < len && count <= stop_after; i++) {
        char c = data[i];
        if (c == '{' || c == '[' || c == ':' || c == ',') {
            count++;
        } else if (c == '"') {
            /* to the closing quote; an escape hides the byte after it */
            for (i++; i < len && data[i] != '"'; i++)
                if (data[i] == '\\')
                    i++;
        }
    }
    return count;
}

edge_json_err_t
edge_json_parse_object(const char *data, size_t len, size_t max_tokens, json_object **out)
{
    *out = NULL;
    if (len > INT32_MAX)
        return EDGE_JSON_SYNTAX;
    if (edge_json_tokens(data, len, max_tokens) > max_tokens)
        return EDGE_JSON_TOO_MANY;
    /* UTF-8 first and over the whole text: json-c's own check stops at strings' bytes and
     * would report bad bytes elsewhere as a syntax error. */
    if (!edge_utf8_valid(data, len))
        return EDGE_JSON_UTF8;
    /* json-c refuses at its depth: one more than the containers allowed. */
    json_tokener *tok = json_tokener_new_ex(EDGE_JSON_MAX_DEPTH + 1);
    if (!tok)
        return EDGE_JSON_SYNTAX;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    edge_json_err_t rc = EDGE_JSON_SYNTAX;
    json_object *val = json_tokener_parse_ex(tok, data, (int) len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue) {
        /* A bare literal at the very end ("null", "12") is complete only once the
         * tokenizer sees the end: a NUL byte says so. */
        val = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
    }
    if (jerr != json_tokener_success) {
        rc = jerr == json_tokener_error_depth ? EDGE_JSON_DEPTH
           : jerr == json_tokener_error_parse_utf8_string ? EDGE_JSON_UTF8
           : EDGE_JSON_SYNTAX;
        goto cleanup;
    }
    for (size_t i = end; i < len; i++) {
        if (!strchr(" \t\r\n", data[i]))
            goto cleanup;                        /* a second value or garbage after it */
    }
    if (!json_object_is_type(val, json_type_object)) {
        rc = EDGE_JSON_NOT_OBJECT;
        goto cleanup;
    }
    rc = s_check(val, 1);
    if (rc == EDGE_JSON_OK) {
        *out = val;
        val = NULL;
    }
cleanup:
    json_object_put(val);
    json_tokener_free(tok);
    return rc;
}

const char *
edge_json_err_message(edge_json_err_t err)
{
    switch (err) {
    case EDGE_JSON_OK:         return "OK";
    case EDGE_JSON_UTF8:       return "Request body is not valid UTF-8";
    case EDGE_JSON_DEPTH:      return "Request body is nested too deeply";
    case EDGE_JSON_NOT_OBJECT: return "Request body must be a JSON object";
    case EDGE_JSON_NUMBER:     return "Request body has a number out of range";
    case EDGE_JSON_TOO_MANY:   return "Request body has too many JSON values";
    case EDGE_JSON_SYNTAX:
    default:                   return "Invalid JSON body";
    }
}

static void
s_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void
edge_json_pack(msgpack_packer *pk, json_object *val)
{
    switch (json_object_get_type(val)) {
    case json_type_null:
        msgpack_pack_nil(pk);
        break;
    case json_type_boolean:
        if (json_object_get_boolean(val))
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case json_type_int: {
        int64_t i = json_object_get_int64(val);
        if (i == INT64_MAX)
            msgpack_pack_uint64(pk, json_object_get_uint64(val));  /* 2^63 .. 2^64-2 */
        else
            msgpack_pack_int64(pk, i);
        break;
    }
    case json_type_double: {
        const char *text = json_object_get_string(val);
        size_t len = strlen(text);
        msgpack_pack_ext(pk, len, ENVELOPE_EXT_DECIMAL);
        msgpack_pack_ext_body(pk, text, len);
        break;
    }
    case json_type_string:
        s_pack_str(pk, json_object_get_string(val), (size_t) json_object_get_string_len(val));
        break;
    case json_type_array: {
        size_t n = json_object_array_length(val);
        msgpack_pack_array(pk, n);
        for (size_t k = 0; k < n; k++)
            edge_json_pack(pk, json_object_array_get_idx(val, k));
        break;
    }
    case json_type_object: {
        msgpack_pack_map(pk, (size_t) json_object_object_length(val));
        json_object_object_foreach(val, key, child) {
            s_pack_str(pk, key, strlen(key));
            edge_json_pack(pk, child);
        }
        break;
    }
    }
}

/* A decimal ext back to JSON: its text must be a JSON number, since it is written raw. */
static int
s_decimal_to_json(const msgpack_object_ext *ext, json_object **out)
{
    char text[EDGE_JSON_MAX_NUMBER + 1];
    if (ext->size == 0 || ext->size > EDGE_JSON_MAX_NUMBER
        || !s_number_text_ok(ext->ptr, ext->size))
        return -1;
    memcpy(text, ext->ptr, ext->size);
    text[ext->size] = '\0';
    *out = json_object_new_double_s(0.0, text);
    return *out ? 0 : -1;
}

static int
s_from_msgpack(const msgpack_object *obj, int depth, int max_depth, json_object **out)
{
    *out = NULL;
    if (depth > max_depth)
        return -1;
    switch (obj->type) {
    case MSGPACK_OBJECT_NIL:
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        *out = json_object_new_boolean(obj->via.boolean);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        *out = obj->via.u64 > (uint64_t) INT64_MAX ? json_object_new_uint64(obj->via.u64)
                                                   : json_object_new_int64((int64_t) obj->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        *out = json_object_new_int64(obj->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (obj->via.f64 != obj->via.f64 || obj->via.f64 > 1.7976931348623157e308
            || obj->via.f64 < -1.7976931348623157e308)
            return 0;                            /* NaN and infinities have no JSON form */
        *out = json_object_new_double(obj->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        if (!edge_utf8_valid(obj->via.str.ptr, obj->via.str.size))
            return -1;
        *out = json_object_new_string_len(obj->via.str.ptr, (int) obj->via.str.size);
        break;
    case MSGPACK_OBJECT_EXT:
        if (obj->via.ext.type != ENVELOPE_EXT_DECIMAL)
            return -1;
        return s_decimal_to_json(&obj->via.ext, out);
    case MSGPACK_OBJECT_ARRAY: {
        json_object *arr = json_object_new_array_ext((int) obj->via.array.size);
        if (!arr)
            return -1;
        for (uint32_t k = 0; k < obj->via.array.size; k++) {
            json_object *child = NULL;
            if (s_from_msgpack(&obj->via.array.ptr[k], depth + 1, max_depth, &child) != 0) {
                json_object_put(arr);
                return -1;
            }
            json_object_array_add(arr, child);
        }
        *out = arr;
        return 0;
    }
    case MSGPACK_OBJECT_MAP: {
        json_object *map = json_object_new_object();
        if (!map)
            return -1;
        for (uint32_t k = 0; k < obj->via.map.size; k++) {
            const msgpack_object_kv *kv = &obj->via.map.ptr[k];
            char key[256];
            json_object *child = NULL;
            if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size >= sizeof key
                || !edge_utf8_valid(kv->key.via.str.ptr, kv->key.via.str.size)
                || memchr(envelope_str_bytes(&kv->key), '\0', kv->key.via.str.size)
                || s_from_msgpack(&kv->val, depth + 1, max_depth, &child) != 0) {
                json_object_put(map);
                return -1;
            }
            memcpy(key, envelope_str_bytes(&kv->key), kv->key.via.str.size);
            key[kv->key.via.str.size] = '\0';
            json_object_object_add(map, key, child);
        }
        *out = map;
        return 0;
    }
    case MSGPACK_OBJECT_BIN:
    default:
        return -1;
    }
    return *out ? 0 : -1;
}

int
edge_json_from_msgpack(const msgpack_object *obj, int max_depth, json_object **out)
{
    return s_from_msgpack(obj, 1, max_depth, out);
}

const char *
edge_json_text(json_object *val, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(val, S_TO_STRING_FLAGS, &n);
    if (len)
        *len = n;
    return s;
}
