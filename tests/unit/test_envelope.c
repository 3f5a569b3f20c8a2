/* test_envelope.c -- the bus envelope: round trips, and hostile input that must be refused
 * without a crash (truncated, oversized, wrongly typed, lying container counts). */
#include "envelope.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

static msgpack_sbuffer
s_encode(const envelope_t *env)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(env, &buf);
    return buf;
}

START_TEST(test_request_round_trip)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    strcpy(req->request_id, "req_1_abc");
    strcpy(req->service, "users");
    strcpy(req->method, "get");
    req->deadline_ms = 1732270245123;
    req->caller.user_id = 42;
    strcpy(req->caller.role, "admin");
    strcpy(req->caller.jti, "j1");
    strcpy(req->caller.family, "f1");
    req->caller.exp = 1999999999;
    msgpack_packer *pk = envelope_body_packer(req);
    msgpack_pack_map(pk, 2);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, 7);
    envelope_pack_key(pk, "name");
    envelope_pack_str(pk, "Zoë");

    msgpack_sbuffer buf = s_encode(req);
    const char *err = "unset";
    envelope_t *got = envelope_decode(buf.data, buf.size, &err);
    ck_assert_ptr_nonnull(got);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(got->kind, ENVELOPE_REQUEST);
    ck_assert_str_eq(got->request_id, "req_1_abc");
    ck_assert_str_eq(got->service, "users");
    ck_assert_str_eq(got->method, "get");
    ck_assert_int_eq(got->deadline_ms, 1732270245123);
    ck_assert_int_eq(got->caller.user_id, 42);
    ck_assert_str_eq(got->caller.role, "admin");
    ck_assert_str_eq(got->caller.jti, "j1");
    ck_assert_str_eq(got->caller.family, "f1");
    ck_assert_int_eq(got->caller.exp, 1999999999);
    ck_assert_ptr_nonnull(got->body_obj);
    const msgpack_object *id = envelope_map_get(got->body_obj, "id");
    ck_assert_ptr_nonnull(id);
    ck_assert_int_eq(id->via.u64, 7);
    ck_assert(envelope_str_eq(envelope_map_get(got->body_obj, "name"), "Zoë"));
    ck_assert_ptr_null(envelope_map_get(got->body_obj, "missing"));

    /* A decoded envelope re-encodes to the same bytes (the broker forwards it as is). */
    msgpack_sbuffer again = s_encode(got);
    ck_assert_uint_eq(again.size, buf.size);
    ck_assert_int_eq(memcmp(again.data, buf.data, buf.size), 0);

    msgpack_sbuffer_destroy(&again);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&got);
    envelope_destroy(&req);
    ck_assert_ptr_null(req);
}
END_TEST

START_TEST(test_error_reply_round_trip)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    strcpy(req->request_id, "rid");
    strcpy(req->service, "auth");
    strcpy(req->method, "register");
    envelope_t *reply = envelope_new_reply(req);
    msgpack_pack_int(envelope_body_packer(reply), 1);   /* dropped by set_error */
    envelope_add_detail(reply, "name", "name should not be empty");
    envelope_add_detail(reply, "email", "email must be an email");
    envelope_set_error(reply, ERR_VALIDATION, NULL);

    msgpack_sbuffer buf = s_encode(reply);
    envelope_t *got = envelope_decode(buf.data, buf.size, NULL);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(got->kind, ENVELOPE_REPLY);
    ck_assert_str_eq(got->request_id, "rid");
    ck_assert_int_eq(got->status, 400);
    ck_assert_str_eq(got->code, "VALIDATION_ERROR");
    ck_assert_str_eq(got->message, "Validation failed");
    ck_assert_int_eq(got->detail_count, 2);
    ck_assert_str_eq(got->details[1].field, "email");
    ck_assert_str_eq(got->details[1].message, "email must be an email");
    ck_assert_ptr_null(got->body_obj);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&got);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_every_truncation_is_refused)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    strcpy(req->request_id, "rid");
    strcpy(req->service, "users");
    strcpy(req->method, "list");
    msgpack_pack_array(envelope_body_packer(req), 3);
    msgpack_pack_int(&req->packer, 1);
    envelope_pack_str(&req->packer, "two");
    msgpack_pack_nil(&req->packer);
    msgpack_sbuffer buf = s_encode(req);
    for (size_t n = 0; n < buf.size; n++) {
        const char *err = NULL;
        envelope_t *got = envelope_decode(buf.data, n, &err);
        ck_assert_msg(got == NULL, "a %zu of %zu byte prefix was accepted", n, buf.size);
        ck_assert_ptr_nonnull(err);
    }
    /* Trailing garbage after a whole envelope is refused too. */
    char *longer = malloc(buf.size + 1);
    memcpy(longer, buf.data, buf.size);
    longer[buf.size] = (char) 0xc0;
    ck_assert_ptr_null(envelope_decode(longer, buf.size + 1, NULL));
    free(longer);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_oversized_frame_is_refused)
{
    size_t size = ENVELOPE_MAX_FRAME + 1;
    char *big = calloc(1, size);
    const char *err = NULL;
    ck_assert_ptr_null(envelope_decode(big, size, &err));
    ck_assert_str_eq(err, "frame too large");
    free(big);
}
END_TEST

START_TEST(test_hostile_container_counts)
{
    /* array32 claiming 2^32-1 elements in 5 bytes (msgpack-c #1013): refused before any
     * allocation. */
    const unsigned char arr[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
    ck_assert(!envelope_msgpack_safe(arr, sizeof arr, 32));
    ck_assert_ptr_null(envelope_decode(arr, sizeof arr, NULL));
    const unsigned char map[] = { 0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x02 };
    ck_assert(!envelope_msgpack_safe(map, sizeof map, 32));
    const unsigned char str[] = { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a' };
    ck_assert(!envelope_msgpack_safe(str, sizeof str, 32));
    const unsigned char unused[] = { 0xc1 };
    ck_assert(!envelope_msgpack_safe(unused, sizeof unused, 32));
    /* Nesting deeper than allowed. */
    unsigned char deep[100];
    memset(deep, 0x91, sizeof deep - 1);
    deep[sizeof deep - 1] = 0x01;
    ck_assert(!envelope_msgpack_safe(deep, sizeof deep, 32));
    ck_assert(envelope_msgpack_safe(deep, sizeof deep, 128));
    ck_assert_ptr_null(envelope_decode(deep, sizeof deep, NULL));
}
END_TEST

/* Packs a minimal envelope map with one field replaced by VALUE_WRITER's output. */
static envelope_t *
s_decode_with(const char *key, void (*write_value)(msgpack_packer *))
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    envelope_pack_key(&pk, "v");  msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "k");  msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "id"); envelope_pack_str(&pk, "rid");
    envelope_pack_key(&pk, key);  write_value(&pk);
    envelope_t *env = envelope_decode(buf.data, buf.size, NULL);
    msgpack_sbuffer_destroy(&buf);
    return env;
}

static void s_int(msgpack_packer *pk) { msgpack_pack_int(pk, 5); }
static void s_str(msgpack_packer *pk) { envelope_pack_str(pk, "x"); }
static void s_long_str(msgpack_packer *pk)
{
    char s[300];
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    envelope_pack_str(pk, s);
}
static void s_array(msgpack_packer *pk) { msgpack_pack_array(pk, 0); }
static void s_float(msgpack_packer *pk) { msgpack_pack_double(pk, 1.5); }

START_TEST(test_wrong_types_are_refused)
{
    envelope_t *ok = s_decode_with("svc", s_str);
    ck_assert_ptr_nonnull(ok);
    envelope_destroy(&ok);
    ck_assert_ptr_null(s_decode_with("svc", s_int));        /* string expected */
    ck_assert_ptr_null(s_decode_with("svc", s_long_str));   /* over its bound */
    ck_assert_ptr_null(s_decode_with("id", s_str));         /* duplicate key */
    ck_assert_ptr_null(s_decode_with("m", s_long_str));
    ck_assert_ptr_null(s_decode_with("dl", s_str));         /* integer expected */
    ck_assert_ptr_null(s_decode_with("dl", s_float));
    ck_assert_ptr_null(s_decode_with("st", s_str));
    ck_assert_ptr_null(s_decode_with("caller", s_int));     /* map expected */
    ck_assert_ptr_null(s_decode_with("caller", s_array));
    ck_assert_ptr_null(s_decode_with("det", s_str));        /* array expected */
    ck_assert_ptr_null(s_decode_with("v", s_str));
}
END_TEST

START_TEST(test_wrong_version_and_root)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    envelope_pack_key(&pk, "v"); msgpack_pack_int(&pk, 2);
    envelope_pack_key(&pk, "k"); msgpack_pack_int(&pk, 1);
    const char *err = NULL;
    ck_assert_ptr_null(envelope_decode(buf.data, buf.size, &err));
    ck_assert_str_eq(err, "unknown envelope version");
    msgpack_sbuffer_clear(&buf);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int(&pk, 1);
    ck_assert_ptr_null(envelope_decode(buf.data, buf.size, &err));
    ck_assert_str_eq(err, "envelope is not a map");
    msgpack_sbuffer_destroy(&buf);
    ck_assert_ptr_null(envelope_decode(NULL, 0, NULL));
}
END_TEST

START_TEST(test_random_bytes_never_crash)
{
    unsigned seed = 12345;
    unsigned char buf[256];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t) (rand_r(&seed) % sizeof buf) + 1;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char) rand_r(&seed);
        if (round % 2)
            buf[0] = (unsigned char) (0x80 | (buf[0] & 0x0f));   /* start like a map */
        envelope_t *env = envelope_decode(buf, n, NULL);
        envelope_destroy(&env);
    }
}
END_TEST

START_TEST(test_details_are_bounded)
{
    envelope_t *env = envelope_new(ENVELOPE_REPLY);
    for (int i = 0; i < ENVELOPE_MAX_DETAILS + 10; i++)
        envelope_add_detail(env, "f", "m");
    ck_assert_int_eq(env->detail_count, ENVELOPE_MAX_DETAILS);
    envelope_destroy(&env);
    envelope_destroy(&env);   /* NULL is accepted */
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_request_round_trip);
    tcase_add_test(tc, test_error_reply_round_trip);
    tcase_add_test(tc, test_every_truncation_is_refused);
    tcase_add_test(tc, test_oversized_frame_is_refused);
    tcase_add_test(tc, test_hostile_container_counts);
    tcase_add_test(tc, test_wrong_types_are_refused);
    tcase_add_test(tc, test_wrong_version_and_root);
    tcase_add_test(tc, test_random_bytes_never_crash);
    tcase_add_test(tc, test_details_are_bounded);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
