/* test_handler.c -- the handler kit without a database: reading the form (400 for a body
 * that is not a map, skipped keys, every problem at once), path ids, the caller's role,
 * and the SQLSTATE -> answer table (the real statements are in test_handler_db.c). */
#include "handler.h"
#include "mem.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef void (s_fill_fn)(msgpack_packer *pk);

/* A request whose body FILL packs, encoded and decoded as on the bus. */
static envelope_t *
s_req(s_fill_fn *fill, const char *role, int64_t user_id)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_test_handler");
    snprintf(req->service, sizeof req->service, "kit");
    snprintf(req->method, sizeof req->method, "m");
    req->caller.user_id = user_id;
    snprintf(req->caller.role, sizeof req->caller.role, "%s", role);
    if (fill)
        fill(envelope_body_packer(req));
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    ck_assert_int_eq(envelope_encode(req, &buf), 0);
    envelope_destroy(&req);
    envelope_t *decoded = envelope_decode(buf.data, buf.size, NULL);
    ck_assert_ptr_nonnull(decoded);
    msgpack_sbuffer_destroy(&buf);
    return decoded;
}

static void
s_fill_array(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 1);
}

static void
s_fill_form(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "name");
    envelope_pack_str(pk, "ada");
    envelope_pack_key(pk, "ids");               /* an array form.c cannot type */
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
    envelope_pack_key(pk, "id");
    msgpack_pack_uint64(pk, 42);
}

static void
s_fill_bad_ids(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 4);
    envelope_pack_key(pk, "a");
    msgpack_pack_int(pk, 0);
    envelope_pack_key(pk, "b");
    msgpack_pack_int(pk, -3);
    envelope_pack_key(pk, "c");
    envelope_pack_str(pk, "7");
    envelope_pack_key(pk, "d");
    msgpack_pack_uint64(pk, (uint64_t) INT64_MAX + 1);
}

static const form_field_t s_fields[] = {
    { .key = "name", .max_bytes = 16, .required = true },
    { .key = NULL }
};

START_TEST(test_form_not_a_map)
{
    envelope_t *req = s_req(s_fill_array, "user", 1);
    envelope_t *reply = envelope_new_reply(req);
    form_t form;
    form_init(&form);
    ck_assert(!handler_form_read(&form, s_fields, NULL, req, reply));
    ck_assert_int_eq(reply->status, 400);
    ck_assert_str_eq(reply->code, "BAD_REQUEST");
    ck_assert_str_eq(reply->message, HANDLER_NOT_OBJECT);
    form_release(&form);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_form_skip_and_problems)
{
    envelope_t *req = s_req(s_fill_form, "user", 1);
    envelope_t *reply = envelope_new_reply(req);
    form_t form;
    form_init(&form);
    /* Without skipping, the keys the handler reads itself are unknown properties. */
    ck_assert(handler_form_read(&form, s_fields, NULL, req, reply));
    ck_assert_int_eq(form.problem_count, 2);
    ck_assert(handler_form_invalid(&form, reply));
    ck_assert_int_eq(reply->status, 400);
    ck_assert_str_eq(reply->code, "VALIDATION_ERROR");
    ck_assert_int_eq(reply->detail_count, 2);
    form_release(&form);
    envelope_destroy(&reply);

    /* Only the keys named are skipped: another one is still unknown. */
    reply = envelope_new_reply(req);
    static const char *const skip_ids[] = { "ids", NULL };
    form_init(&form);
    ck_assert(handler_form_read(&form, s_fields, skip_ids, req, reply));
    ck_assert_int_eq(form.problem_count, 1);
    ck_assert_str_eq(form.problems[0].field, "id");
    ck_assert_str_eq(form.values[0].value, "ada");
    form_release(&form);
    envelope_destroy(&reply);

    reply = envelope_new_reply(req);
    static const char *const skip[] = { "ids", "id", NULL };
    form_init(&form);
    ck_assert(handler_form_read(&form, s_fields, skip, req, reply));
    ck_assert_int_eq(form.problem_count, 0);
    ck_assert_str_eq(form.values[0].value, "ada");
    ck_assert(!handler_form_invalid(&form, reply));
    ck_assert_int_eq(reply->status, 200);
    /* The handler adds its own checks, then answers them all at once. */
    form_problem(&form, "ids", "ids must hold at most 1 id");
    ck_assert(handler_form_invalid(&form, reply));
    ck_assert_int_eq(reply->detail_count, 1);
    ck_assert_str_eq(reply->details[0].field, "ids");
    form_release(&form);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_form_empty_body)
{
    envelope_t *req = s_req(NULL, "user", 1);
    envelope_t *reply = envelope_new_reply(req);
    form_t form;
    form_init(&form);
    static const char *const skip[] = { "id", NULL };
    ck_assert(handler_form_read(&form, s_fields, skip, req, reply));
    ck_assert(handler_form_invalid(&form, reply));      /* name is required */
    ck_assert_str_eq(reply->details[0].field, "name");
    form_release(&form);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_path_id)
{
    envelope_t *req = s_req(s_fill_form, "user", 1);
    envelope_t *reply = envelope_new_reply(req);
    int64_t id = -1;
    ck_assert(handler_path_id(req, reply, "id", &id));
    ck_assert_int_eq(id, 42);
    ck_assert(!handler_path_id(req, reply, "group_id", &id));
    ck_assert_int_eq(id, 0);
    ck_assert_int_eq(reply->status, 400);
    ck_assert_str_eq(reply->message, "group_id must be a valid id");
    envelope_destroy(&reply);
    envelope_destroy(&req);

    req = s_req(s_fill_bad_ids, "user", 1);
    const char *keys[] = { "a", "b", "c", "d" };
    for (int i = 0; i < 4; i++) {
        reply = envelope_new_reply(req);
        ck_assert_msg(!handler_path_id(req, reply, keys[i], &id), "%s", keys[i]);
        ck_assert_str_eq(reply->code, "BAD_REQUEST");
        envelope_destroy(&reply);
    }
    envelope_destroy(&req);
}
END_TEST

START_TEST(test_caller)
{
    envelope_t *admin = s_req(NULL, "admin", 7);
    envelope_t *user = s_req(NULL, "user", 8);
    envelope_t *anon = s_req(NULL, "admin", 0);   /* a role without a caller: nothing */
    ck_assert(handler_caller_is_admin(admin));
    ck_assert(!handler_caller_is_admin(user));
    ck_assert(!handler_caller_is_admin(anon));
    ck_assert(handler_caller_is(user, "user"));
    ck_assert(!handler_caller_is(user, "moderator"));
    envelope_t *reply = envelope_new_reply(user);
    ck_assert(handler_require_caller(user, reply));
    ck_assert_int_eq(reply->status, 200);
    ck_assert(!handler_require_caller(anon, reply));
    ck_assert_int_eq(reply->status, 401);
    ck_assert_str_eq(reply->message, "Missing token");
    envelope_destroy(&reply);
    envelope_destroy(&anon);
    envelope_destroy(&user);
    envelope_destroy(&admin);
}
END_TEST

START_TEST(test_db_code)
{
    ck_assert_int_eq(handler_db_code("23505", false), ERR_DUPLICATE_ENTRY);
    ck_assert_int_eq(handler_db_code("23P01", false), ERR_CONFLICT);
    ck_assert_int_eq(handler_db_code("40001", false), ERR_CONFLICT);
    ck_assert_int_eq(handler_db_code("40P01", false), ERR_CONFLICT);
    ck_assert_int_eq(handler_db_code("08006", false), ERR_SERVICE_UNAVAILABLE);
    ck_assert_int_eq(handler_db_code("08000", true), ERR_SERVICE_UNAVAILABLE);
    ck_assert_int_eq(handler_db_code("53300", false), ERR_SERVICE_UNAVAILABLE);
    ck_assert_int_eq(handler_db_code("57P01", false), ERR_SERVICE_UNAVAILABLE);
    ck_assert_int_eq(handler_db_code("57014", false), ERR_SERVICE_UNAVAILABLE);
    /* A lost connection wins over whatever state the last result carried. */
    ck_assert_int_eq(handler_db_code("23505", true), ERR_SERVICE_UNAVAILABLE);
    ck_assert_int_eq(handler_db_code("23503", false), ERR_INTERNAL);
    ck_assert_int_eq(handler_db_code("22P02", false), ERR_INTERNAL);
    ck_assert_int_eq(handler_db_code("42P01", false), ERR_INTERNAL);
    ck_assert_int_eq(handler_db_code("", false), ERR_INTERNAL);
    ck_assert_int_eq(handler_db_code(NULL, false), ERR_INTERNAL);
    ck_assert_int_eq(handler_db_code("2350", false), ERR_INTERNAL);
}
END_TEST

START_TEST(test_mem)
{
    char *p = mem_calloc(0, 0);                       /* still a pointer to free */
    ck_assert_ptr_nonnull(p);
    p = mem_realloc(p, 64);
    memset(p, 'x', 64);
    free(p);
    char *s = mem_strdup("kit");
    ck_assert_str_eq(s, "kit");
    free(s);
    ck_assert_ptr_null(mem_strdup(NULL));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("handler");
    TCase *tc = tcase_create("kit");
    tcase_add_test(tc, test_form_not_a_map);
    tcase_add_test(tc, test_form_skip_and_problems);
    tcase_add_test(tc, test_form_empty_body);
    tcase_add_test(tc, test_path_id);
    tcase_add_test(tc, test_caller);
    tcase_add_test(tc, test_db_code);
    tcase_add_test(tc, test_mem);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
