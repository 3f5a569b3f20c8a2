/* test_form.c -- reading request bodies against field tables, and the list cursor. */
#include "cursor.h"
#include "form.h"
#include "page.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

static const form_field_t s_fields[] = {
    { .key = "name", .max_bytes = 10, .required = true },
    { .key = "amount", .number = true },
    { .key = "limit", .max_bytes = 8, .integer_ok = true, .check = form_check_limit },
    { .key = "note", .max_bytes = 10, .nullable = true },
    { .key = NULL }
};

/* Decodes an envelope whose body PACK writes, so form_read sees what a service sees. */
static envelope_t *
s_body(void (*pack)(msgpack_packer *))
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    strcpy(req->request_id, "r");
    pack(envelope_body_packer(req));
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    envelope_t *got = envelope_decode(buf.data, buf.size, NULL);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
    ck_assert_ptr_nonnull(got);
    return got;
}

static void
s_pack_good(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 4);
    envelope_pack_key(pk, "name");   envelope_pack_str(pk, "Zoë");
    envelope_pack_key(pk, "amount");
    msgpack_pack_ext(pk, 5, ENVELOPE_EXT_DECIMAL);
    msgpack_pack_ext_body(pk, "10.50", 5);
    envelope_pack_key(pk, "limit");  msgpack_pack_uint64(pk, 20);
    envelope_pack_key(pk, "note");   msgpack_pack_nil(pk);
}

START_TEST(test_good_body)
{
    envelope_t *env = s_body(s_pack_good);
    form_t form;
    form_init(&form);
    ck_assert_int_eq(form_read(&form, s_fields, env->body_obj), 0);
    ck_assert_str_eq(form.values[0].value, "Zoë");
    ck_assert_str_eq(form.values[1].value, "10.50");
    ck_assert_str_eq(form.values[2].value, "20");
    ck_assert(form.values[3].present);
    ck_assert_ptr_null(form.values[3].value);
    form_release(&form);
    form_release(&form);
    envelope_destroy(&env);
}
END_TEST

static void
s_pack_bad(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 4);
    envelope_pack_key(pk, "amount"); envelope_pack_str(pk, "10.50");   /* string: refused */
    envelope_pack_key(pk, "limit");  envelope_pack_str(pk, "101");
    envelope_pack_key(pk, "note");   envelope_pack_str(pk, "much too long for ten");
    envelope_pack_key(pk, "role\n"); envelope_pack_str(pk, "admin");
}

START_TEST(test_every_problem_reported)
{
    envelope_t *env = s_body(s_pack_bad);
    form_t form;
    form_init(&form);
    ck_assert_int_eq(form_read(&form, s_fields, env->body_obj), 5);
    ck_assert_str_eq(form.problems[0].message, "property role? should not exist");
    ck_assert(form_has_problem(&form, "name"));
    ck_assert(form_has_problem(&form, "amount"));
    ck_assert(form_has_problem(&form, "limit"));
    ck_assert(form_has_problem(&form, "note"));
    envelope_t *reply = envelope_new(ENVELOPE_REPLY);
    form_reply(&form, reply);
    ck_assert_int_eq(reply->status, 400);
    ck_assert_str_eq(reply->code, "VALIDATION_ERROR");
    ck_assert_str_eq(reply->message, "Validation failed");
    ck_assert_int_eq(reply->detail_count, 5);
    envelope_destroy(&reply);
    form_release(&form);
    envelope_destroy(&env);
}
END_TEST

static void s_pack_array(msgpack_packer *pk) { msgpack_pack_array(pk, 0); }

START_TEST(test_not_a_map_and_empty)
{
    envelope_t *env = s_body(s_pack_array);
    form_t form;
    form_init(&form);
    ck_assert_int_eq(form_read(&form, s_fields, env->body_obj), -1);
    envelope_destroy(&env);
    form_init(&form);
    ck_assert_int_eq(form_read(&form, s_fields, NULL), 1);   /* name is required */
    ck_assert_str_eq(form.problems[0].message, "name should not be empty");
    form_release(&form);
}
END_TEST

START_TEST(test_utf8_and_ints)
{
    ck_assert_int_eq(form_utf8_count("Zoë", 4), 3);
    ck_assert_int_eq(form_utf8_count("\xc0\xaf", 2), -1);          /* overlong */
    ck_assert_int_eq(form_utf8_count("\xed\xa0\x80", 3), -1);      /* surrogate */
    ck_assert_int_eq(form_utf8_count("\xe2\x82", 2), -1);          /* truncated */
    int64_t v;
    ck_assert(form_parse_int("9223372036854775807", 1, INT64_MAX, &v));
    ck_assert(!form_parse_int("9223372036854775808", 1, INT64_MAX, &v));
    ck_assert(!form_parse_int("007", 0, 100, &v));
    ck_assert(!form_parse_int("-1", -5, 100, &v));
    ck_assert(!form_parse_int("", 0, 100, &v));
    ck_assert_ptr_null(form_check_limit("100"));
    ck_assert_ptr_nonnull(form_check_limit("0"));
    ck_assert_ptr_nonnull(form_check_id("abc"));
}
END_TEST

START_TEST(test_cursor)
{
    char c[CURSOR_SIZE];
    int64_t ids[] = { 1, 42, 1000, INT64_MAX };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int64_t back = 0;
        cursor_encode(ids[i], c, sizeof c);
        ck_assert(cursor_decode(c, &back));
        ck_assert_int_eq(back, ids[i]);
        ck_assert_ptr_null(cursor_check(c));
    }
    int64_t id;
    ck_assert(!cursor_decode("", &id));
    ck_assert(!cursor_decode("!!!!", &id));
    ck_assert(!cursor_decode("MTIz", &id));        /* base64 of "123": not ours */
    ck_assert(!cursor_decode(NULL, &id));
    ck_assert_ptr_nonnull(cursor_check("abc"));
}
END_TEST

/* The list answer: limit + 1 rows fetched means a next page, named by the last shown id. */
START_TEST(test_page)
{
    page_t p = page_from(NULL, NULL);
    ck_assert_int_eq(p.limit, FORM_LIMIT_DEFAULT);
    ck_assert_int_eq(p.after, INT64_MAX);
    char cursor[CURSOR_SIZE];
    cursor_encode(77, cursor, sizeof cursor);
    p = page_from("2", cursor);
    ck_assert_int_eq(p.limit, 2);
    ck_assert_int_eq(p.after, 77);

    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    int shown = page_items(&pk, 3, &p);             /* 3 fetched, 2 asked: more exist */
    ck_assert_int_eq(shown, 2);
    msgpack_pack_int(&pk, 76);
    msgpack_pack_int(&pk, 75);
    page_finish(&pk, 3, &p, 75);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, buf.data, buf.size, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *items = envelope_map_get(&u.data, "items");
    ck_assert_int_eq(items->via.array.size, 2);
    char next[CURSOR_SIZE];
    ck_assert_int_gt(envelope_str_copy(envelope_map_get(&u.data, "next_cursor"), next, sizeof next), 0);
    int64_t after = 0;
    ck_assert(cursor_decode(next, &after));
    ck_assert_int_eq(after, 75);
    ck_assert_int_eq(envelope_map_get(&u.data, "limit")->via.u64, 2);
    msgpack_unpacked_destroy(&u);

    msgpack_sbuffer_clear(&buf);                    /* the last page: no cursor */
    page_items(&pk, 1, &p);
    msgpack_pack_int(&pk, 1);
    page_finish(&pk, 1, &p, 1);
    msgpack_unpacked_init(&u);
    ck_assert_int_eq(msgpack_unpack_next(&u, buf.data, buf.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(envelope_map_get(&u.data, "next_cursor")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("form");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_good_body);
    tcase_add_test(tc, test_every_problem_reported);
    tcase_add_test(tc, test_not_a_map_and_empty);
    tcase_add_test(tc, test_utf8_and_ints);
    tcase_add_test(tc, test_cursor);
    tcase_add_test(tc, test_page);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
