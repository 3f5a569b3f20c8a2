/* envelope.c -- encoding and checked decoding of the bus envelope (schemas/envelope.md). */
#include "envelope.h"
#include "mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Wire keys, short because every request and reply carries them. */
#define K_VERSION  "v"
#define K_KIND     "k"
#define K_ID       "id"
#define K_SERVICE  "svc"
#define K_METHOD   "m"
#define K_DEADLINE "dl"
#define K_CALLER   "caller"
#define K_STATUS   "st"
#define K_CODE     "code"
#define K_MESSAGE  "msg"
#define K_DETAILS  "det"
#define K_BODY     "body"
#define K_UNDELIVERED "nd"   /* optional: written only when true */
#define K_IDEM     "idem"   /* optional: written only on a request with an Idempotency-Key */

static void *
s_alloc(size_t size)
{
    return mem_calloc(1, size);
}

envelope_t *
envelope_new(envelope_kind_t kind)
{
    envelope_t *self = s_alloc(sizeof *self);
    self->kind = kind;
    msgpack_sbuffer_init(&self->body);
    msgpack_packer_init(&self->packer, &self->body, msgpack_sbuffer_write);
    msgpack_unpacked_init(&self->unpacked);
    return self;
}

void
envelope_destroy(envelope_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    envelope_t *self = *self_p;
    msgpack_sbuffer_destroy(&self->body);
    msgpack_unpacked_destroy(&self->unpacked);
    free(self->raw);
    free(self);
    *self_p = NULL;
}

envelope_t *
envelope_new_reply(const envelope_t *req)
{
    envelope_t *self = envelope_new(ENVELOPE_REPLY);
    memcpy(self->request_id, req->request_id, sizeof self->request_id);
    memcpy(self->service, req->service, sizeof self->service);
    memcpy(self->method, req->method, sizeof self->method);
    self->status = 200;
    return self;
}

msgpack_packer *
envelope_body_packer(envelope_t *self)
{
    return &self->packer;
}

const char *
envelope_body_bytes(const envelope_t *self, size_t *size)
{
    *size = self->body.size;
    return self->body.data;
}

int
envelope_body_raw(envelope_t *self, const void *data, size_t size)
{
    if (!envelope_msgpack_safe(data, size, ENVELOPE_MAX_DEPTH))
        return -1;
    msgpack_sbuffer_clear(&self->body);
    msgpack_sbuffer_write(&self->body, data, size);
    self->body_obj = NULL;
    return 0;
}

void
envelope_set_error(envelope_t *self, err_code_t code, const char *message)
{
    self->status = err_status(code);
    snprintf(self->code, sizeof self->code, "%s", err_name(code));
    snprintf(self->message, sizeof self->message, "%s",
             message ? message : err_default_message(code));
    msgpack_sbuffer_clear(&self->body);
    self->body_obj = NULL;
}

void
envelope_add_detail(envelope_t *self, const char *field, const char *message)
{
    if (self->detail_count >= ENVELOPE_MAX_DETAILS)
        return;
    envelope_detail_t *d = &self->details[self->detail_count++];
    snprintf(d->field, sizeof d->field, "%s", field);
    snprintf(d->message, sizeof d->message, "%s", message);
}

/* --- encoding ---------------------------------------------------------------------- */

void
envelope_pack_str(msgpack_packer *pk, const char *s)
{
    if (!s) {
        msgpack_pack_nil(pk);
        return;
    }
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void
envelope_pack_key(msgpack_packer *pk, const char *key)
{
    envelope_pack_str(pk, key);
}

int
envelope_encode(const envelope_t *self, msgpack_sbuffer *out)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    bool idem = self->idem.key[0] != '\0';
    msgpack_pack_map(&pk, 12 + (self->undelivered ? 1 : 0) + (idem ? 1 : 0));
    envelope_pack_key(&pk, K_VERSION);  msgpack_pack_uint8(&pk, ENVELOPE_VERSION);
    envelope_pack_key(&pk, K_KIND);     msgpack_pack_uint8(&pk, (uint8_t) self->kind);
    envelope_pack_key(&pk, K_ID);       envelope_pack_str(&pk, self->request_id);
    envelope_pack_key(&pk, K_SERVICE);  envelope_pack_str(&pk, self->service);
    envelope_pack_key(&pk, K_METHOD);   envelope_pack_str(&pk, self->method);
    envelope_pack_key(&pk, K_DEADLINE); msgpack_pack_int64(&pk, self->deadline_ms);

    envelope_pack_key(&pk, K_CALLER);
    msgpack_pack_map(&pk, 5);
    envelope_pack_key(&pk, "uid");  msgpack_pack_int64(&pk, self->caller.user_id);
    envelope_pack_key(&pk, "role"); envelope_pack_str(&pk, self->caller.role);
    envelope_pack_key(&pk, "jti");  envelope_pack_str(&pk, self->caller.jti);
    envelope_pack_key(&pk, "fam");  envelope_pack_str(&pk, self->caller.family);
    envelope_pack_key(&pk, "exp");  msgpack_pack_int64(&pk, self->caller.exp);

    if (idem) {
        envelope_pack_key(&pk, K_IDEM);
        msgpack_pack_map(&pk, 3);
        envelope_pack_key(&pk, "key");   envelope_pack_str(&pk, self->idem.key);
        envelope_pack_key(&pk, "scope"); envelope_pack_str(&pk, self->idem.scope);
        envelope_pack_key(&pk, "fp");    envelope_pack_str(&pk, self->idem.fingerprint);
    }

    envelope_pack_key(&pk, K_STATUS);   msgpack_pack_int(&pk, self->status);
    envelope_pack_key(&pk, K_CODE);     envelope_pack_str(&pk, self->code);
    envelope_pack_key(&pk, K_MESSAGE);  envelope_pack_str(&pk, self->message);

    envelope_pack_key(&pk, K_DETAILS);
    msgpack_pack_array(&pk, (size_t) self->detail_count);
    for (int i = 0; i < self->detail_count; i++) {
        msgpack_pack_map(&pk, 2);
        envelope_pack_key(&pk, "field");   envelope_pack_str(&pk, self->details[i].field);
        envelope_pack_key(&pk, "message"); envelope_pack_str(&pk, self->details[i].message);
    }

    if (self->undelivered) {
        envelope_pack_key(&pk, K_UNDELIVERED);
        msgpack_pack_true(&pk);
    }
    envelope_pack_key(&pk, K_BODY);
    if (self->body.size > 0)
        msgpack_sbuffer_write(out, self->body.data, self->body.size);
    else if (self->body_obj)          /* re-encoding a decoded envelope */
        msgpack_pack_object(&pk, *self->body_obj);
    else
        msgpack_pack_nil(&pk);
    return 0;
}

/* --- structural check before unpacking --------------------------------------------- */

static uint64_t
s_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Skips one object at *P, checking every length against END and every container count
 * against the bytes left (each element takes at least one byte). */
static bool
s_skip(const uint8_t **p, const uint8_t *end, int depth, int max_depth)
{
    if (*p >= end || depth > max_depth)
        return false;
    uint8_t b = *(*p)++;
    size_t left = (size_t) (end - *p);
    uint64_t len = 0, count = 0;
    int hdr = 0;                      /* bytes of length field */
    bool is_map = false, is_container = false;

    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
        return true;
    if ((b & 0xf0) == 0x80) { count = b & 0x0f; is_map = true; is_container = true; }
    else if ((b & 0xf0) == 0x90) { count = b & 0x0f; is_container = true; }
    else if ((b & 0xe0) == 0xa0) len = b & 0x1f;
    else switch (b) {
        case 0xc4: case 0xd9: hdr = 1; break;           /* bin8, str8 */
        case 0xc5: case 0xda: hdr = 2; break;           /* bin16, str16 */
        case 0xc6: case 0xdb: hdr = 4; break;           /* bin32, str32 */
        case 0xc7: hdr = 1; len = 1; break;             /* ext8: +1 type byte */
        case 0xc8: hdr = 2; len = 1; break;
        case 0xc9: hdr = 4; len = 1; break;
        case 0xca: len = 4; break;
        case 0xcb: len = 8; break;
        case 0xcc: case 0xd0: len = 1; break;
        case 0xcd: case 0xd1: len = 2; break;
        case 0xce: case 0xd2: len = 4; break;
        case 0xcf: case 0xd3: len = 8; break;
        case 0xd4: len = 2; break;                      /* fixext1..16: type + data */
        case 0xd5: len = 3; break;
        case 0xd6: len = 5; break;
        case 0xd7: len = 9; break;
        case 0xd8: len = 17; break;
        case 0xdc: hdr = 2; is_container = true; break;
        case 0xdd: hdr = 4; is_container = true; break;
        case 0xde: hdr = 2; is_container = true; is_map = true; break;
        case 0xdf: hdr = 4; is_container = true; is_map = true; break;
        default: return false;                          /* 0xc1: never used */
    }
    if (hdr) {
        if (left < (size_t) hdr)
            return false;
        uint64_t v = s_be(*p, hdr);
        *p += hdr;
        left -= (size_t) hdr;
        if (is_container)
            count = v;
        else
            len += v;
    }
    if (!is_container) {
        if (len > left)
            return false;
        *p += len;
        return true;
    }
    uint64_t items = is_map ? count * 2 : count;
    if (items > left)
        return false;
    for (uint64_t i = 0; i < items; i++)
        if (!s_skip(p, end, depth + 1, max_depth))
            return false;
    return true;
}

bool
envelope_msgpack_safe(const void *data, size_t size, int max_depth)
{
    const uint8_t *p = data, *end = p + size;
    if (!data || size == 0)
        return false;
    return s_skip(&p, end, 1, max_depth) && p == end;
}

/* --- decoding ---------------------------------------------------------------------- */

const msgpack_object *
envelope_map_get(const msgpack_object *obj, const char *key)
{
    if (!obj || obj->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object *k = &obj->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen
            && memcmp(envelope_str_bytes(k), key, klen) == 0)
            return &obj->via.map.ptr[i].val;
    }
    return NULL;
}

bool
envelope_str_eq(const msgpack_object *obj, const char *s)
{
    size_t n = strlen(s);
    return obj && obj->type == MSGPACK_OBJECT_STR && obj->via.str.size == n
           && memcmp(envelope_str_bytes(obj), s, n) == 0;
}

int
envelope_str_copy(const msgpack_object *obj, char *out, size_t size)
{
    if (!obj || obj->type != MSGPACK_OBJECT_STR || obj->via.str.size >= size)
        return -1;
    memcpy(out, envelope_str_bytes(obj), obj->via.str.size);
    out[obj->via.str.size] = '\0';
    return (int) obj->via.str.size;
}

/* A string field into a bounded buffer; nil leaves it empty. False on a wrong type or
 * an over-long value. */
static bool
s_get_str(const msgpack_object *v, char *out, size_t size)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL) {
        out[0] = '\0';
        return true;
    }
    return envelope_str_copy(v, out, size) >= 0;
}

static bool
s_get_int(const msgpack_object *v, int64_t *out)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL) {
        *out = 0;
        return true;
    }
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (v->via.u64 > INT64_MAX)
            return false;
        *out = (int64_t) v->via.u64;
        return true;
    }
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = v->via.i64;
        return true;
    }
    return false;
}

static bool
s_decode_caller(const msgpack_object *v, envelope_caller_t *c)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL)
        return true;
    if (v->type != MSGPACK_OBJECT_MAP)
        return false;
    return s_get_int(envelope_map_get(v, "uid"), &c->user_id)
           && s_get_str(envelope_map_get(v, "role"), c->role, sizeof c->role)
           && s_get_str(envelope_map_get(v, "jti"), c->jti, sizeof c->jti)
           && s_get_str(envelope_map_get(v, "fam"), c->family, sizeof c->family)
           && s_get_int(envelope_map_get(v, "exp"), &c->exp);
}

/* The Idempotency-Key block: nil or absent is "no key"; a block must carry all three
 * strings within their bounds, or none (a half-set block would store under a key the edge
 * never checked). */
static bool
s_decode_idem(const msgpack_object *v, envelope_idem_t *idem)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL)
        return true;
    if (v->type != MSGPACK_OBJECT_MAP
        || !s_get_str(envelope_map_get(v, "key"), idem->key, sizeof idem->key)
        || !s_get_str(envelope_map_get(v, "scope"), idem->scope, sizeof idem->scope)
        || !s_get_str(envelope_map_get(v, "fp"), idem->fingerprint, sizeof idem->fingerprint))
        return false;
    bool key = idem->key[0], scope = idem->scope[0], fp = idem->fingerprint[0];
    return key == scope && scope == fp;
}

static bool
s_decode_details(const msgpack_object *v, envelope_t *self)
{
    if (!v || v->type == MSGPACK_OBJECT_NIL)
        return true;
    if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size > ENVELOPE_MAX_DETAILS)
        return false;
    for (uint32_t i = 0; i < v->via.array.size; i++) {
        const msgpack_object *d = &v->via.array.ptr[i];
        envelope_detail_t *out = &self->details[i];
        if (d->type != MSGPACK_OBJECT_MAP
            || !s_get_str(envelope_map_get(d, "field"), out->field, sizeof out->field)
            || !s_get_str(envelope_map_get(d, "message"), out->message, sizeof out->message))
            return false;
    }
    self->detail_count = (int) v->via.array.size;
    return true;
}

/* Root keys must be strings and unique: two readers must never disagree on which of two
 * "id" entries counts. */
static bool
s_keys_unique(const msgpack_object *map)
{
    if (map->via.map.size > 32)
        return false;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *a = &map->via.map.ptr[i].key;
        if (a->type != MSGPACK_OBJECT_STR)
            return false;
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *b = &map->via.map.ptr[j].key;
            if (a->via.str.size == b->via.str.size
                && memcmp(envelope_str_bytes(a), envelope_str_bytes(b), a->via.str.size) == 0)
                return false;
        }
    }
    return true;
}

envelope_t *
envelope_decode(const void *data, size_t size, const char **err)
{
    const char *reason = NULL;
    envelope_t *self = NULL;
    if (!data || size == 0) {
        reason = "empty frame";
        goto fail;
    }
    if (size > ENVELOPE_MAX_FRAME) {
        reason = "frame too large";
        goto fail;
    }
    if (!envelope_msgpack_safe(data, size, ENVELOPE_MAX_DEPTH + 2)) {
        reason = "malformed msgpack";
        goto fail;
    }
    self = envelope_new(ENVELOPE_REQUEST);
    self->raw = mem_malloc(size);
    memcpy(self->raw, data, size);
    size_t off = 0;
    if (msgpack_unpack_next(&self->unpacked, self->raw, size, &off) != MSGPACK_UNPACK_SUCCESS) {
        reason = "malformed msgpack";
        goto fail;
    }
    self->decoded = true;
    const msgpack_object *root = &self->unpacked.data;
    if (root->type != MSGPACK_OBJECT_MAP) {
        reason = "envelope is not a map";
        goto fail;
    }
    if (!s_keys_unique(root)) {
        reason = "duplicate or too many keys";
        goto fail;
    }
    int64_t version = 0, kind = 0, deadline = 0, status = 0;
    if (!s_get_int(envelope_map_get(root, K_VERSION), &version) || version != ENVELOPE_VERSION) {
        reason = "unknown envelope version";
        goto fail;
    }
    if (!s_get_int(envelope_map_get(root, K_KIND), &kind)
        || (kind != ENVELOPE_REQUEST && kind != ENVELOPE_REPLY)) {
        reason = "bad kind";
        goto fail;
    }
    self->kind = (envelope_kind_t) kind;
    if (!s_get_str(envelope_map_get(root, K_ID), self->request_id, sizeof self->request_id)
        || !s_get_str(envelope_map_get(root, K_SERVICE), self->service, sizeof self->service)
        || !s_get_str(envelope_map_get(root, K_METHOD), self->method, sizeof self->method)
        || !s_get_str(envelope_map_get(root, K_CODE), self->code, sizeof self->code)
        || !s_get_str(envelope_map_get(root, K_MESSAGE), self->message, sizeof self->message)) {
        reason = "bad string field";
        goto fail;
    }
    if (!s_get_int(envelope_map_get(root, K_DEADLINE), &deadline)
        || !s_get_int(envelope_map_get(root, K_STATUS), &status)
        || status < 0 || status > 999) {
        reason = "bad integer field";
        goto fail;
    }
    self->deadline_ms = deadline;
    self->status = (int) status;
    if (!s_decode_caller(envelope_map_get(root, K_CALLER), &self->caller)) {
        reason = "bad caller";
        goto fail;
    }
    if (!s_decode_idem(envelope_map_get(root, K_IDEM), &self->idem)) {
        memset(&self->idem, 0, sizeof self->idem);
        reason = "bad idempotency key";
        goto fail;
    }
    if (!s_decode_details(envelope_map_get(root, K_DETAILS), self)) {
        reason = "bad details";
        goto fail;
    }
    const msgpack_object *nd = envelope_map_get(root, K_UNDELIVERED);
    if (nd && nd->type != MSGPACK_OBJECT_BOOLEAN) {
        reason = "bad undelivered flag";
        goto fail;
    }
    self->undelivered = nd && nd->via.boolean;
    const msgpack_object *body = envelope_map_get(root, K_BODY);
    self->body_obj = (body && body->type != MSGPACK_OBJECT_NIL) ? body : NULL;
    if (err)
        *err = NULL;
    return self;

fail:
    envelope_destroy(&self);
    if (err)
        *err = reason;
    return NULL;
}
