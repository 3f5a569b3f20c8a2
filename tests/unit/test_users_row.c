/* test_users_row.c -- database rows to users and users to msgpack, per view. Rows are
 * built in memory with libpq's result API: no server needed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "users_row.h"
#include "profile_cache.h"
#include "users_tokens.h"
#include "envelope.h"

static PGresult *
s_result(int nfields, const char *const *values)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attrs[9];
    static const char *names[] = { "id", "name", "email", "phone", "username", "role",
                                   "created_at", "updated_at", "password_hash" };
    memset(attrs, 0, sizeof(attrs));
    for (int i = 0; i < nfields; i++) {
        attrs[i].name = (char *) names[i];
        attrs[i].format = 0;
        attrs[i].typid = 25;
        attrs[i].typlen = -1;
        attrs[i].atttypmod = -1;
    }
    ck_assert(PQsetResultAttrs(res, nfields, attrs));
    for (int i = 0; i < nfields; i++)
        ck_assert(PQsetvalue(res, 0, i, (char *) values[i], values[i] ? (int) strlen(values[i]) : -1));
    return res;
}

static const char *s_full[] = { "42", "Jane", "jane@example.com", NULL, "jane_d", "admin",
                                "2026-11-22T10:30:45.123Z", "2026-11-22T10:31:00.000Z",
                                "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234" };

/* Unpacks BUF and returns the map, checked to have N keys. */
static const msgpack_object *
s_unpack(msgpack_unpacked *un, const msgpack_sbuffer *buf, uint32_t n)
{
    msgpack_unpacked_init(un);
    ck_assert(msgpack_unpack_next(un, buf->data, buf->size, NULL) == MSGPACK_UNPACK_SUCCESS);
    ck_assert(un->data.type == MSGPACK_OBJECT_MAP);
    ck_assert_uint_eq(un->data.via.map.size, n);
    return &un->data;
}

START_TEST(test_read)
{
    PGresult *res = s_result(9, s_full);
    users_row_t row;
    ck_assert_int_eq(users_row_read(res, 0, &row), 0);
    ck_assert(row.id == 42);
    ck_assert_str_eq(row.name, "Jane");
    ck_assert_str_eq(row.phone, "");
    ck_assert_str_eq(row.role, "admin");
    ck_assert(strncmp(row.password_hash, "$2b$12$", 7) == 0);
    ck_assert_int_eq(users_row_read(res, 1, &row), -1);      /* no such row */
    ck_assert_int_eq(users_row_read(NULL, 0, &row), -1);
    PQclear(res);

    res = s_result(8, s_full);                               /* without the hash */
    ck_assert_int_eq(users_row_read(res, 0, &row), 0);
    ck_assert_str_eq(row.password_hash, "");
    PQclear(res);

    const char *bad_id[8];
    memcpy(bad_id, s_full, sizeof(bad_id));
    bad_id[0] = "x1";
    res = s_result(8, bad_id);
    ck_assert_int_eq(users_row_read(res, 0, &row), -1);
    PQclear(res);

    res = s_result(5, s_full);                               /* too few columns */
    ck_assert_int_eq(users_row_read(res, 0, &row), -1);
    PQclear(res);
}
END_TEST

START_TEST(test_views)
{
    PGresult *res = s_result(9, s_full);
    users_row_t row;
    ck_assert_int_eq(users_row_read(res, 0, &row), 0);
    PQclear(res);

    uint32_t sizes[] = { 8, 7, 4 };
    users_view_t views[] = { USERS_VIEW_FULL, USERS_VIEW_ADMIN, USERS_VIEW_PUBLIC };
    for (int v = 0; v < 3; v++) {
        msgpack_sbuffer buf;
        msgpack_sbuffer_init(&buf);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
        users_row_pack(&pk, &row, views[v]);
        msgpack_unpacked un;
        const msgpack_object *m = s_unpack(&un, &buf, sizes[v]);
        const msgpack_object *id = envelope_map_get(m, "id");
        ck_assert(id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id->via.u64 == 42);
        ck_assert(envelope_str_eq(envelope_map_get(m, "name"), "Jane"));
        ck_assert(envelope_str_eq(envelope_map_get(m, "created_at"), "2026-11-22T10:30:45.123Z"));
        ck_assert_ptr_null(envelope_map_get(m, "password_hash"));
        if (views[v] == USERS_VIEW_PUBLIC) {
            ck_assert_ptr_null(envelope_map_get(m, "email"));
            ck_assert_ptr_null(envelope_map_get(m, "role"));
        }
        else {
            const msgpack_object *phone = envelope_map_get(m, "phone");
            ck_assert(phone && phone->type == MSGPACK_OBJECT_NIL);   /* present, nil */
            ck_assert(envelope_str_eq(envelope_map_get(m, "role"), "admin"));
        }
        ck_assert((envelope_map_get(m, "updated_at") != NULL) == (views[v] == USERS_VIEW_FULL));
        msgpack_unpacked_destroy(&un);
        msgpack_sbuffer_destroy(&buf);
    }
}
END_TEST

/* Whom users shows what: the rule the edge's profile cache splits on
 * (common/profile_cache.h), so each cached view is the one users would answer. */
START_TEST(test_view_of_role)
{
    ck_assert_int_eq(users_row_view_of("admin"), USERS_VIEW_ADMIN);
    ck_assert_int_eq(profile_view_of("admin"), PROFILE_VIEW_ADMIN);
    const char *others[] = { "moderator", "user", "", "Admin", NULL };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(users_row_view_of(others[i]), USERS_VIEW_PUBLIC);
        ck_assert_int_eq(profile_view_of(others[i]), PROFILE_VIEW_PUBLIC);
    }
}
END_TEST

START_TEST(test_copy_utf8)
{
    char out[6];
    users_copy_utf8(out, sizeof(out), "abc");
    ck_assert_str_eq(out, "abc");
    users_copy_utf8(out, sizeof(out), "abcdefgh");
    ck_assert_str_eq(out, "abcde");
    users_copy_utf8(out, sizeof(out), "abcd\xc3\xa9");        /* é would straddle the end */
    ck_assert_str_eq(out, "abcd");
    users_copy_utf8(out, sizeof(out), "a\xf0\x9f\x98\x80xyz"); /* 4-byte char cut */
    ck_assert_str_eq(out, "a\xf0\x9f\x98\x80");
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("users_row");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_read);
    tcase_add_test(tc, test_views);
    tcase_add_test(tc, test_view_of_role);
    tcase_add_test(tc, test_copy_utf8);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
