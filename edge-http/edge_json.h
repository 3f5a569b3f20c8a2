/* edge_json.h -- JSON (json-c) to msgpack and back, for request and reply bodies.
 *
 * Numbers: a JSON integer becomes a msgpack integer (int64, or uint64 above INT64_MAX). A
 * JSON number with a fraction or an exponent ("10.50", "1e3") becomes msgpack ext type
 * ENVELOPE_EXT_DECIMAL (1, envelope.h) whose payload is the number's exact text as the client wrote it, so
 * that amounts reach the services as exact decimals, never as binary floating point. The
 * reverse direction writes such an ext back as a bare JSON number with that text. */
#ifndef EDGE_JSON_H
#define EDGE_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <msgpack.h>
#include "envelope.h"

#define EDGE_JSON_MAX_DEPTH   16     /* nesting of a request body */
#define EDGE_JSON_MAX_NUMBER  64     /* characters of one decimal's text */
#define EDGE_JSON_MAX_TOKENS  1024   /* default JSON_MAX_TOKENS: see edge_json_tokens() */

typedef enum {
    EDGE_JSON_OK = 0,
    EDGE_JSON_SYNTAX,        /* not JSON, or trailing garbage */
    EDGE_JSON_UTF8,          /* invalid UTF-8 */
    EDGE_JSON_DEPTH,         /* nested deeper than EDGE_JSON_MAX_DEPTH */
    EDGE_JSON_NOT_OBJECT,    /* valid JSON, but not an object */
    EDGE_JSON_NUMBER,        /* NaN, Infinity, an integer beyond 64 bits, an overlong decimal */
    EDGE_JSON_TOO_MANY       /* more structure than MAX_TOKENS: refused before parsing */
} edge_json_err_t;

/* What parsing DATA would cost, counted without building anything: its structural
 * characters ('{', '[', ':' and ',') outside strings, which bound the values json-c
 * would allocate (a 1 MiB "[{},{},...]" is 350,000 hash tables). Stops counting past
 * STOP_AFTER. Linear in LEN. */
size_t edge_json_tokens(const char *data, size_t len, size_t stop_after);

/* Parses LEN bytes of DATA as one JSON object (whitespace around it allowed), refusing
 * more than MAX_TOKENS (edge_json_tokens) before json-c sees a byte. On success *OUT is a
 * new object the caller releases with json_object_put. */
edge_json_err_t edge_json_parse_object(const char *data, size_t len, size_t max_tokens,
                                       json_object **out);

/* A client-facing message for ERR ("Invalid JSON body", ...). */
const char *edge_json_err_message(edge_json_err_t err);

/* Packs VAL (as returned by edge_json_parse_object, so already checked) into PK. */
void edge_json_pack(msgpack_packer *pk, json_object *val);

/* Converts msgpack OBJ into a json-c value in *OUT (NULL for nil: json-c's null). Returns
 * 0, or -1 when OBJ is not representable: nesting over MAX_DEPTH, a non-string map key,
 * invalid UTF-8 in a string, a binary or unknown ext, a bad decimal text. */
int edge_json_from_msgpack(const msgpack_object *obj, int max_depth, json_object **out);

/* True when LEN bytes of S are well-formed UTF-8 (no overlongs, surrogates or code points
 * above U+10FFFF). */
bool edge_utf8_valid(const char *s, size_t len);

/* Renders VAL compactly ("null" for NULL); the string lives as long as VAL. */
const char *edge_json_text(json_object *val, size_t *len);

#endif
