/* envelope.h -- the one msgpack envelope for every request and reply on the bus.
 *
 * Wire format (version 1) is documented field by field in schemas/envelope.md. One
 * envelope_t serves both directions: a request fills service/method/deadline/caller, a
 * reply fills status/code/message/details; both carry the request id and a body.
 *
 * The body is one msgpack object. To build it, pack exactly one object with
 * envelope_body_packer(); nothing packed means nil. After envelope_decode(), body_obj
 * points at the decoded body (NULL when nil) and lives as long as the envelope. */
#ifndef COMMON_ENVELOPE_H
#define COMMON_ENVELOPE_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <msgpack.h>
#include "errors.h"

#define ENVELOPE_VERSION        1
#define ENVELOPE_MAX_FRAME      (4 * 1024 * 1024)  /* bytes; larger frames are rejected */
#define ENVELOPE_MAX_DETAILS    32
#define ENVELOPE_MAX_DEPTH      32                 /* nesting of the body */

/* msgpack ext type of an exact decimal: the payload is the JSON number's own text
 * ("10.50", "1e3"), as the client wrote it. Amounts never become binary floats. */
#define ENVELOPE_EXT_DECIMAL    1

typedef enum { ENVELOPE_REQUEST = 1, ENVELOPE_REPLY = 2 } envelope_kind_t;

/* Who is calling, as the edge established it from a verified access token.
 * user_id 0 means anonymous (public routes). */
typedef struct {
    int64_t user_id;
    char role[16];           /* "user", "moderator", "admin" or "" */
    char jti[64];            /* the access token's id, for logout */
    char family[64];         /* the refresh family the access token belongs to */
    int64_t exp;             /* the access token's expiry, unix seconds */
} envelope_caller_t;

/* A creating request's Idempotency-Key (API.md), as the edge checked it: either all
 * three are set or all are empty. The service stores and replays answers by (scope, key)
 * (common/idempotency.h). */
typedef struct {
    char key[129];           /* 1..128 visible ASCII characters; "" when there is none */
    char scope[96];          /* whose key: "user:<id>", or "ip:<address>" for register */
    char fingerprint[65];    /* SHA-256, hex, over method, path and the exact body bytes */
} envelope_idem_t;

typedef struct {
    char field[64];
    char message[192];
} envelope_detail_t;

typedef struct {
    envelope_kind_t kind;
    char request_id[129];
    char service[33];
    char method[33];
    int64_t deadline_ms;     /* unix ms after which nobody waits for the answer; 0: none */
    envelope_caller_t caller;
    /* request: Idempotency-Key (issue 11); the wire key "idem" is sent only when set */
    envelope_idem_t idem;

    int status;              /* reply: HTTP-like status (200, 201, 404, ...) */
    char code[32];           /* reply: error code name ("NOT_FOUND"), "" on success */
    char message[256];       /* reply: human message, "" on success */
    envelope_detail_t details[ENVELOPE_MAX_DETAILS];
    int detail_count;
    bool undelivered;        /* reply from a broker: the request never reached a worker,
                                so sending it through another broker is safe */

    const msgpack_object *body_obj;   /* decoded body, or NULL for nil */

    /* private */
    msgpack_sbuffer body;             /* packed body being built */
    msgpack_packer packer;
    msgpack_unpacked unpacked;        /* decoded frame; owns body_obj */
    char *raw;                        /* copy of the decoded frame, referenced by unpacked */
    bool decoded;
} envelope_t;

/* A new, empty envelope of KIND. Never NULL (out of memory ends the process: mem.h). */
envelope_t *envelope_new(envelope_kind_t kind);

/* Frees the envelope and sets *self_p to NULL. Accepts NULL. */
void envelope_destroy(envelope_t **self_p);

/* A reply to REQ: kind reply, same request id, service and method, status 200. */
envelope_t *envelope_new_reply(const envelope_t *req);

/* Packer writing the body. Pack one object only. */
msgpack_packer *envelope_body_packer(envelope_t *self);

/* The body packed so far (msgpack bytes; *SIZE 0 when nothing was packed), to be stored
 * and later replayed byte for byte with envelope_body_raw(). */
const char *envelope_body_bytes(const envelope_t *self, size_t *size);

/* Replaces the body with DATA, one already-packed msgpack object (a stored answer).
 * Returns 0, or -1 when DATA is not exactly one well-formed object (nothing changed). */
int envelope_body_raw(envelope_t *self, const void *data, size_t size);

/* Makes SELF an error reply: status from CODE, code name, MESSAGE (or the code's default
 * message when NULL), and drops any body packed so far. */
void envelope_set_error(envelope_t *self, err_code_t code, const char *message);

/* Adds one validation detail (field, message); ignored past ENVELOPE_MAX_DETAILS. */
void envelope_add_detail(envelope_t *self, const char *field, const char *message);

/* Encodes SELF into OUT (appended). Returns 0. */
int envelope_encode(const envelope_t *self, msgpack_sbuffer *out);

/* Decodes one frame. Returns a new envelope or NULL on any malformed input (truncated,
 * oversized, wrong types, unknown version, strings over their bounds, hostile container
 * counts), with a short reason in *ERR when ERR is not NULL. Never crashes on input. */
envelope_t *envelope_decode(const void *data, size_t size, const char **err);

/* Checks that DATA holds exactly one well-formed msgpack object whose container counts
 * fit in the bytes that remain and whose nesting is at most MAX_DEPTH, before any
 * allocation (msgpack-c #1013). Returns true if safe to unpack. */
bool envelope_msgpack_safe(const void *data, size_t size, int max_depth);

/* --- Reading a decoded body (a msgpack map) --------------------------------------- */

/* The bytes of string OBJ: msgpack-c leaves the pointer NULL for an empty string, and
 * memcmp, memcpy and memchr must not be given NULL even with a zero size (UBSan, found
 * by tests/fuzz). */
static inline const char *
envelope_str_bytes(const msgpack_object *obj)
{
    return obj->via.str.ptr ? obj->via.str.ptr : "";
}

/* The value of KEY in map OBJ, or NULL (also when OBJ is not a map). */
const msgpack_object *envelope_map_get(const msgpack_object *obj, const char *key);

/* True when OBJ is a string equal to S. */
bool envelope_str_eq(const msgpack_object *obj, const char *s);

/* Copies string OBJ into OUT (NUL-terminated). Returns the length, or -1 when OBJ is not
 * a string or does not fit. */
int envelope_str_copy(const msgpack_object *obj, char *out, size_t size);

/* Packs a NUL-terminated string (or nil when S is NULL). */
void envelope_pack_str(msgpack_packer *pk, const char *s);

/* Packs a string key followed by nothing: the caller packs the value next. */
void envelope_pack_key(msgpack_packer *pk, const char *key);

#endif
