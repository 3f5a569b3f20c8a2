/* test_messages_pack.c -- rows become the contract's objects and the events of
 * schemas/events.md: ids as integers, a deleted sender as nil, booleans, every key. The
 * rows are built by hand with libpq's PQmakeEmptyPGresult/PQsetvalue, no server needed. */
#include "messages_event.h"
#include "messages_pack.h"
#include "messages_sql.h"
#include "envelope.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A result with NCOLS text columns and the rows of VALUES (NULL entries are SQL NULL). */
static PGresult *
s_result(int ncols, int nrows, const char *const *values)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    ck_assert_ptr_nonnull(res);
    PGresAttDesc attrs[16];
    ck_assert_int_le(ncols, 16);
    for (int c = 0; c < ncols; c++)
        attrs[c] = (PGresAttDesc) { .name = "c", .format = 0, .typid = 25, .typlen = -1,
                                    .atttypmod = -1 };
    ck_assert(PQsetResultAttrs(res, ncols, attrs));
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++) {
            const char *v = values[r * ncols + c];
            ck_assert(PQsetvalue(res, r, c, (char *) v, v ? (int) strlen(v) : -1));
        }
    return res;
}

static const char *const s_message_row[] = {
    "12", NULL, "user", "3", "hello", "false", "2026-11-22T10:30:45.123Z"
};

/* Unpacks BUF into U and returns the root. */
static const msgpack_object *
s_unpack(msgpack_unpacked *u, const msgpack_sbuffer *buf)
{
    msgpack_unpacked_init(u);
    ck_assert_int_eq(msgpack_unpack_next(u, buf->data, buf->size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(u->data.type, MSGPACK_OBJECT_MAP);
    return &u->data;
}

static int64_t
s_int(const msgpack_object *map, const char *key)
{
    const msgpack_object *v = envelope_map_get(map, key);
    ck_assert_msg(v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER, "%s is not an integer", key);
    return (int64_t) v->via.u64;
}

static void
s_assert_message(const msgpack_object *m)
{
    ck_assert_int_eq(m->via.map.size, 7);
    ck_assert_int_eq(s_int(m, "id"), 12);
    ck_assert_int_eq(envelope_map_get(m, "sender_id")->type, MSGPACK_OBJECT_NIL);
    ck_assert(envelope_str_eq(envelope_map_get(m, "receiver_type"), "user"));
    ck_assert_int_eq(s_int(m, "receiver_id"), 3);
    ck_assert(envelope_str_eq(envelope_map_get(m, "text"), "hello"));
    const msgpack_object *read = envelope_map_get(m, "is_read");
    ck_assert(read && read->type == MSGPACK_OBJECT_BOOLEAN && !read->via.boolean);
    ck_assert(envelope_str_eq(envelope_map_get(m, "created_at"), "2026-11-22T10:30:45.123Z"));
}

START_TEST(test_message)
{
    PGresult *res = s_result(MSG_NCOLS, 1, s_message_row);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    messages_pack_message_row(&pk, res, 0);
    msgpack_unpacked u;
    s_assert_message(s_unpack(&u, &buf));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
    PQclear(res);
}
END_TEST

START_TEST(test_notification)
{
    const char *row[NOTIF_MESSAGE + MSG_NCOLS] = { "40", "3", "new_message", "12", "true",
                                                   "2026-11-22T10:30:45.123Z" };
    memcpy(row + NOTIF_MESSAGE, s_message_row, sizeof s_message_row);
    PGresult *res = s_result(NOTIF_MESSAGE + MSG_NCOLS, 1, row);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    messages_pack_notification(&pk, res, 0);
    msgpack_unpacked u;
    const msgpack_object *n = s_unpack(&u, &buf);
    ck_assert_int_eq(n->via.map.size, 7);
    ck_assert_int_eq(s_int(n, "id"), 40);
    ck_assert_int_eq(s_int(n, "user_id"), 3);
    ck_assert(envelope_str_eq(envelope_map_get(n, "type"), "new_message"));
    ck_assert_int_eq(s_int(n, "message_id"), 12);
    ck_assert(envelope_map_get(n, "is_read")->via.boolean);
    s_assert_message(envelope_map_get(n, "message"));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
    PQclear(res);
}
END_TEST

START_TEST(test_group)
{
    const char *group[] = { "5", "team", NULL, "2026-11-22T10:30:45.123Z",
                            "2026-11-22T10:30:45.123Z", "admin", "2" };
    const char *members[] = { "1", "admin", "2026-11-22T10:30:45.123Z",
                              "2", "member", "2026-11-22T10:30:45.123Z" };
    PGresult *g = s_result(7, 1, group), *m = s_result(3, 2, members);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    messages_pack_group(&pk, g, 0, m);
    messages_pack_group_summary(&pk, g, 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(&u, buf.data, buf.size, &off), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *o = &u.data;
    ck_assert_int_eq(s_int(o, "id"), 5);
    ck_assert_int_eq(envelope_map_get(o, "created_by")->type, MSGPACK_OBJECT_NIL);
    const msgpack_object *list = envelope_map_get(o, "members");
    ck_assert(list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size == 2);
    ck_assert_int_eq(s_int(&list->via.array.ptr[1], "user_id"), 2);
    ck_assert(envelope_str_eq(envelope_map_get(&list->via.array.ptr[0], "role"), "admin"));
    ck_assert_int_eq(msgpack_unpack_next(&u, buf.data, buf.size, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(s_int(&u.data, "member_count"), 2);
    ck_assert(envelope_str_eq(envelope_map_get(&u.data, "role"), "admin"));
    ck_assert_ptr_null(envelope_map_get(&u.data, "members"));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
    PQclear(g);
    PQclear(m);
}
END_TEST

/* A row of message_send_*'s answer: the message, a notification (or NULLs), ok. */
#define SEND_ROW(user, id) \
    "12", NULL, "user", "3", "hello", "false", "2026-11-22T10:30:45.123Z", \
    user, id, (user) ? "2026-11-22T10:30:45.123Z" : NULL, "true"

START_TEST(test_event_new_message)
{
    const char *rows[] = { SEND_ROW("3", "40"), SEND_ROW("4", "41") };
    PGresult *sent = s_result(SEND_NCOLS, 2, rows);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_new_message(&buf, sent, 1700000000123);
    msgpack_unpacked u;
    const msgpack_object *e = s_unpack(&u, &buf);
    ck_assert_int_eq(s_int(e, "v"), 1);
    ck_assert(envelope_str_eq(envelope_map_get(e, "event"), "new_message"));
    ck_assert_int_eq(s_int(e, "ts"), 1700000000123);
    s_assert_message(envelope_map_get(e, "message"));
    const msgpack_object *list = envelope_map_get(e, "notifications");
    ck_assert(list && list->type == MSGPACK_OBJECT_ARRAY && list->via.array.size == 2);
    ck_assert_int_eq(s_int(&list->via.array.ptr[0], "user_id"), 3);
    ck_assert_int_eq(s_int(&list->via.array.ptr[1], "user_id"), 4);
    ck_assert_int_eq(s_int(&list->via.array.ptr[1], "id"), 41);
    ck_assert(envelope_str_eq(envelope_map_get(&list->via.array.ptr[0], "created_at"),
                              "2026-11-22T10:30:45.123Z"));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
    PQclear(sent);

    /* a note to self: the one row has no notification, and nobody is notified */
    const char *self_row[] = { SEND_ROW(NULL, NULL) };
    sent = s_result(SEND_NCOLS, 1, self_row);
    msgpack_sbuffer_init(&buf);
    messages_event_pack_new_message(&buf, sent, 1);
    e = s_unpack(&u, &buf);
    s_assert_message(envelope_map_get(e, "message"));
    ck_assert_int_eq(envelope_map_get(e, "notifications")->via.array.size, 0);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);
    PQclear(sent);
}
END_TEST

START_TEST(test_event_deleted_and_groups)
{
    const char *recipients[] = { "3", "8" };
    PGresult *msg = s_result(MSG_NCOLS, 1, s_message_row), *r = s_result(1, 2, recipients);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_deleted(&buf, msg, r, 5);
    msgpack_unpacked u;
    const msgpack_object *e = s_unpack(&u, &buf);
    ck_assert(envelope_str_eq(envelope_map_get(e, "event"), "message_deleted"));
    const msgpack_object *m = envelope_map_get(e, "message");
    ck_assert_int_eq(m->via.map.size, 4);
    ck_assert_int_eq(s_int(m, "id"), 12);
    ck_assert_ptr_null(envelope_map_get(m, "text"));
    const msgpack_object *list = envelope_map_get(e, "recipients");
    ck_assert_int_eq(list->via.array.size, 2);
    ck_assert_int_eq(list->via.array.ptr[1].via.u64, 8);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);

    msgpack_sbuffer_init(&buf);
    messages_event_pack_group(&buf, "group_joined", 5, 3, 9);
    e = s_unpack(&u, &buf);
    ck_assert(envelope_str_eq(envelope_map_get(e, "event"), "group_joined"));
    ck_assert_int_eq(s_int(e, "group_id"), 5);
    ck_assert_int_eq(s_int(e, "user_id"), 3);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);

    msgpack_sbuffer_init(&buf);
    messages_event_pack_group(&buf, "group_deleted", 5, 0, 9);
    e = s_unpack(&u, &buf);
    ck_assert_int_eq(e->via.map.size, 4);
    ck_assert_ptr_null(envelope_map_get(e, "user_id"));
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&buf);

    messages_event_new_message(NULL, msg);         /* no PUB socket: nothing, no crash */
    messages_event_group_deleted(NULL, 5);
    PQclear(msg);
    PQclear(r);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("messages_pack");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_message);
    tcase_add_test(tc, test_notification);
    tcase_add_test(tc, test_group);
    tcase_add_test(tc, test_event_new_message);
    tcase_add_test(tc, test_event_deleted_and_groups);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
