/* test_idempotency.c -- the pure parts of Idempotency-Key: the header check, the scope,
 * the fingerprint, the envelope's idem block (round trip and bounded decoding), the
 * stored body's replay bytes, the two error codes and the routes that take a key. */
#define _GNU_SOURCE             /* memmem */
#include "edge_idem.h"
#include "edge_route.h"
#include "envelope.h"
#include "errors.h"
#include "idempotency.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_header_check)
{
    char key[200];
    ck_assert_int_eq(edge_idem_check(NULL), EDGE_IDEM_NONE);
    ck_assert_int_eq(edge_idem_check(""), EDGE_IDEM_INVALID);
    ck_assert_int_eq(edge_idem_check("a"), EDGE_IDEM_OK);
    ck_assert_int_eq(edge_idem_check("6f1c2a4e-0b7d-4e55-9a52-1d2c3b4a5e6f"), EDGE_IDEM_OK);
    ck_assert_int_eq(edge_idem_check("!~{}\"'\\"), EDGE_IDEM_OK);
    ck_assert_int_eq(edge_idem_check("a b"), EDGE_IDEM_INVALID);
    ck_assert_int_eq(edge_idem_check("a\tb"), EDGE_IDEM_INVALID);
    ck_assert_int_eq(edge_idem_check("a\x01"), EDGE_IDEM_INVALID);
    ck_assert_int_eq(edge_idem_check("a\x7f"), EDGE_IDEM_INVALID);
    ck_assert_int_eq(edge_idem_check("caf\xc3\xa9"), EDGE_IDEM_INVALID);   /* UTF-8 */
    memset(key, 'k', sizeof key);
    key[128] = '\0';
    ck_assert_int_eq(edge_idem_check(key), EDGE_IDEM_OK);
    key[128] = 'k';
    key[129] = '\0';
    ck_assert_int_eq(edge_idem_check(key), EDGE_IDEM_INVALID);
    key[199] = '\0';
    ck_assert_int_eq(edge_idem_check(key), EDGE_IDEM_INVALID);
    ck_assert(!idempotency_key_valid(NULL, 0));
    ck_assert(!idempotency_key_valid("abc", 0));
}
END_TEST

START_TEST(test_scope)
{
    char out[96];
    ck_assert_int_eq(edge_idem_scope(42, "10.0.0.1", out, sizeof out), 0);
    ck_assert_str_eq(out, "user:42");
    ck_assert_int_eq(edge_idem_scope(0, "10.0.0.1", out, sizeof out), 0);
    ck_assert_str_eq(out, "ip:10.0.0.1");
    ck_assert_int_eq(edge_idem_scope(0, "2001:db8::1", out, sizeof out), 0);
    ck_assert_str_eq(out, "ip:2001:db8::1");
    ck_assert_int_eq(edge_idem_scope(0, "10.0.0.1", out, 5), -1);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_fingerprint)
{
    char fp[65], other[65];
    /* sha256(b'POST\n/api/orders\n{"a":1}') */
    ck_assert_int_eq(edge_idem_fingerprint("POST", "/api/orders", "{\"a\":1}", 7, fp), 0);
    ck_assert_str_eq(fp, "cbdda195dbcc57208bc7490ca55b156e07f24018a7c4c69d7b026e031fc3a2ea");
    /* no body at all */
    ck_assert_int_eq(edge_idem_fingerprint("POST", "/api/orders", NULL, 0, fp), 0);
    ck_assert_str_eq(fp, "62b4d1b540524dd304878e339c307edf829a6561b47a72853b63372c84896c86");
    /* the exact bytes count: a space changes it, and so does the path */
    ck_assert_int_eq(edge_idem_fingerprint("POST", "/api/orders", "{\"a\": 1}", 8, other), 0);
    ck_assert_str_ne(other, "cbdda195dbcc57208bc7490ca55b156e07f24018a7c4c69d7b026e031fc3a2ea");
    ck_assert_int_eq(edge_idem_fingerprint("POST", "/api/groups/1/members", "{}", 2, fp), 0);
    ck_assert_int_eq(edge_idem_fingerprint("POST", "/api/groups/2/members", "{}", 2, other), 0);
    ck_assert_str_ne(fp, other);
}
END_TEST

START_TEST(test_fill)
{
    envelope_idem_t idem;
    ck_assert_int_eq(edge_idem_fill(&idem, "k-1", 7, "1.2.3.4", "POST", "/api/orders", "{}", 2),
                     0);
    ck_assert_str_eq(idem.key, "k-1");
    ck_assert_str_eq(idem.scope, "user:7");
    ck_assert_uint_eq(strlen(idem.fingerprint), 64);
    ck_assert_int_eq(edge_idem_fill(&idem, "k 1", 7, "1.2.3.4", "POST", "/api/orders", "{}", 2),
                     -1);
    ck_assert_str_eq(idem.key, "");
    ck_assert_str_eq(idem.scope, "");
    ck_assert_int_eq(edge_idem_fill(&idem, NULL, 7, "1.2.3.4", "POST", "/", NULL, 0), -1);
}
END_TEST

static envelope_t *
s_round_trip(const envelope_t *env)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(env, &buf);
    const char *err = NULL;
    envelope_t *got = envelope_decode(buf.data, buf.size, &err);
    msgpack_sbuffer_destroy(&buf);
    return got;
}

START_TEST(test_envelope_round_trip)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    strcpy(req->service, "orders");
    strcpy(req->method, "create");
    char key[129];
    memset(key, '~', 128);
    key[128] = '\0';
    strcpy(req->idem.key, key);                   /* the longest key */
    strcpy(req->idem.scope, "ip:2001:db8::1");
    strcpy(req->idem.fingerprint,
           "cbdda195dbcc57208bc7490ca55b156e07f24018a7c4c69d7b026e031fc3a2ea");
    envelope_t *got = s_round_trip(req);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got->idem.key, key);
    ck_assert_str_eq(got->idem.scope, "ip:2001:db8::1");
    ck_assert_str_eq(got->idem.fingerprint, req->idem.fingerprint);
    ck_assert(idempotency_requested(got));
    envelope_destroy(&got);

    /* without a key the block is not sent, and decodes as "no key" */
    memset(&req->idem, 0, sizeof req->idem);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    ck_assert_ptr_null(memmem(buf.data, buf.size, "idem", 4));
    msgpack_sbuffer_destroy(&buf);
    got = s_round_trip(req);
    ck_assert_ptr_nonnull(got);
    ck_assert(!idempotency_requested(got));
    envelope_destroy(&got);
    envelope_destroy(&req);
}
END_TEST

/* A request envelope with "idem" set to whatever PACK_IDEM packs. */
static envelope_t *
s_decode_with(void (*pack_idem)(msgpack_packer *pk))
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    envelope_pack_key(&pk, "v");
    msgpack_pack_uint8(&pk, 1);
    envelope_pack_key(&pk, "k");
    msgpack_pack_uint8(&pk, 1);
    envelope_pack_key(&pk, "idem");
    pack_idem(&pk);
    envelope_t *got = envelope_decode(buf.data, buf.size, NULL);
    msgpack_sbuffer_destroy(&buf);
    return got;
}

static void
s_block(msgpack_packer *pk, const char *key, const char *scope, const char *fp)
{
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "key");
    envelope_pack_str(pk, key);
    envelope_pack_key(pk, "scope");
    envelope_pack_str(pk, scope);
    envelope_pack_key(pk, "fp");
    envelope_pack_str(pk, fp);
}

#define FP "62b4d1b540524dd304878e339c307edf829a6561b47a72853b63372c84896c86"
static void s_ok(msgpack_packer *pk) { s_block(pk, "k", "user:1", FP); }
static void s_nil(msgpack_packer *pk) { msgpack_pack_nil(pk); }
static void s_not_map(msgpack_packer *pk) { envelope_pack_str(pk, "k"); }
static void s_half(msgpack_packer *pk) { s_block(pk, "k", "", FP); }
static void s_no_key(msgpack_packer *pk) { s_block(pk, "", "user:1", FP); }
static void s_wrong_type(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "key");
    msgpack_pack_int(pk, 5);
    envelope_pack_key(pk, "scope");
    envelope_pack_str(pk, "user:1");
    envelope_pack_key(pk, "fp");
    envelope_pack_str(pk, FP);
}
static void s_long_key(msgpack_packer *pk)
{
    char key[130];
    memset(key, 'k', 129);
    key[129] = '\0';
    s_block(pk, key, "user:1", FP);
}
static void s_long_scope(msgpack_packer *pk)
{
    char scope[100];
    memset(scope, 's', 96);
    scope[96] = '\0';
    s_block(pk, "k", scope, FP);
}
static void s_long_fp(msgpack_packer *pk) { s_block(pk, "k", "user:1", FP "0"); }

START_TEST(test_decode_bounds)
{
    envelope_t *got = s_decode_with(s_ok);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got->idem.key, "k");
    envelope_destroy(&got);
    got = s_decode_with(s_nil);
    ck_assert_ptr_nonnull(got);
    ck_assert(!idempotency_requested(got));
    envelope_destroy(&got);
    ck_assert_ptr_null(s_decode_with(s_not_map));
    ck_assert_ptr_null(s_decode_with(s_half));
    ck_assert_ptr_null(s_decode_with(s_no_key));
    ck_assert_ptr_null(s_decode_with(s_wrong_type));
    ck_assert_ptr_null(s_decode_with(s_long_key));
    ck_assert_ptr_null(s_decode_with(s_long_scope));
    ck_assert_ptr_null(s_decode_with(s_long_fp));
}
END_TEST

/* What is stored (envelope_body_bytes) comes back byte for byte (envelope_body_raw), and
 * a stored value that is not one msgpack object is refused. */
START_TEST(test_body_replay)
{
    envelope_t *rep = envelope_new(ENVELOPE_REPLY);
    msgpack_packer *pk = envelope_body_packer(rep);
    msgpack_pack_map(pk, 2);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, 12);
    envelope_pack_key(pk, "amount");
    envelope_pack_str(pk, "10.50");
    size_t size = 0;
    const char *bytes = envelope_body_bytes(rep, &size);
    ck_assert_uint_gt(size, 0);
    char *copy = malloc(size);
    memcpy(copy, bytes, size);

    envelope_t *replay = envelope_new(ENVELOPE_REPLY);
    ck_assert_int_eq(envelope_body_raw(replay, copy, size), 0);
    size_t size2 = 0;
    const char *bytes2 = envelope_body_bytes(replay, &size2);
    ck_assert_uint_eq(size2, size);
    ck_assert_int_eq(memcmp(bytes2, copy, size), 0);
    replay->status = 201;
    envelope_t *got = s_round_trip(replay);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(got->status, 201);
    ck_assert_int_eq(envelope_map_get(got->body_obj, "id")->via.i64, 12);
    envelope_destroy(&got);

    ck_assert_int_eq(envelope_body_raw(replay, copy, size - 1), -1);    /* truncated */
    ck_assert_int_eq(envelope_body_raw(replay, "\xc1", 1), -1);
    ck_assert_uint_eq((envelope_body_bytes(replay, &size2), size2), size);  /* unchanged */
    free(copy);
    envelope_destroy(&replay);
    envelope_destroy(&rep);
}
END_TEST

START_TEST(test_error_codes)
{
    ck_assert_int_eq(err_status(ERR_IDEMPOTENCY_KEY_REUSED), 422);
    ck_assert_str_eq(err_name(ERR_IDEMPOTENCY_KEY_REUSED), "IDEMPOTENCY_KEY_REUSED");
    ck_assert_int_eq(err_status(ERR_IDEMPOTENCY_KEY_IN_USE), 409);
    ck_assert_str_eq(err_name(ERR_IDEMPOTENCY_KEY_IN_USE), "IDEMPOTENCY_KEY_IN_USE");
    ck_assert_int_eq(err_from_name("IDEMPOTENCY_KEY_IN_USE"), ERR_IDEMPOTENCY_KEY_IN_USE);
    ck_assert_str_ne(err_default_message(ERR_IDEMPOTENCY_KEY_REUSED), "");
}
END_TEST

/* Exactly the POST routes that create something take a key (API.md's list). */
START_TEST(test_creating_routes)
{
    static const char *const expected[] = {
        "/api/auth/register", "/api/orders", "/api/groups", "/api/groups/:id/members",
        "/api/messages", NULL
    };
    int count = 0;
    for (const edge_route_t *r = edge_routes(); r->method; r++) {
        if (!r->creates)
            continue;
        ck_assert_str_eq(r->method, "POST");
        bool listed = false;
        for (int i = 0; expected[i]; i++)
            listed = listed || strcmp(expected[i], r->path) == 0;
        ck_assert_msg(listed, "%s takes an Idempotency-Key", r->path);
        count++;
    }
    ck_assert_int_eq(count, 5);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("idempotency");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_header_check);
    tcase_add_test(tc, test_scope);
    tcase_add_test(tc, test_fingerprint);
    tcase_add_test(tc, test_fill);
    tcase_add_test(tc, test_envelope_round_trip);
    tcase_add_test(tc, test_decode_bounds);
    tcase_add_test(tc, test_body_replay);
    tcase_add_test(tc, test_error_codes);
    tcase_add_test(tc, test_creating_routes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
