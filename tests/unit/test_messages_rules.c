/* test_messages_rules.c -- the input rules of groups and messages: text and name lengths,
 * receiver types, roles, strict ids from msgpack, id arrays, pairs and topics. (Reading a
 * body without the fields a handler reads itself is the handler kit's: test_handler.c.) */
#include "messages_reply.h"
#include "messages_rules.h"
#include "cursor.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* A repeated character: N copies of the UTF-8 sequence C. */
static char *
s_repeat(const char *c, int n)
{
    size_t len = strlen(c);
    char *out = malloc(len * (size_t) n + 1);
    ck_assert_ptr_nonnull(out);
    for (int i = 0; i < n; i++)
        memcpy(out + len * (size_t) i, c, len);
    out[len * (size_t) n] = '\0';
    return out;
}

START_TEST(test_text)
{
    ck_assert_ptr_null(messages_check_text("hi"));
    ck_assert_ptr_null(messages_check_text(" x "));
    ck_assert_str_eq(messages_check_text(""), "text should not be empty");
    ck_assert_str_eq(messages_check_text("   \t\n"), "text should not be empty");
    char *s = s_repeat("a", 5000);
    ck_assert_ptr_null(messages_check_text(s));
    free(s);
    s = s_repeat("\xc3\xa9", 5000);   /* 5000 characters, 10000 bytes: characters count */
    ck_assert_ptr_null(messages_check_text(s));
    free(s);
    s = s_repeat("\xf0\x9f\x98\x80", 5001);
    ck_assert_str_eq(messages_check_text(s), "text must be at most 5000 characters");
    free(s);
    s = s_repeat("a", 5001);
    ck_assert_str_eq(messages_check_text(s), "text must be at most 5000 characters");
    free(s);
}
END_TEST

START_TEST(test_name_type_role)
{
    ck_assert_ptr_null(messages_check_group_name("team"));
    ck_assert_str_eq(messages_check_group_name(""), "name should not be empty");
    ck_assert_str_eq(messages_check_group_name("  "), "name should not be empty");
    char *s = s_repeat("n", 100);
    ck_assert_ptr_null(messages_check_group_name(s));
    free(s);
    s = s_repeat("n", 101);
    ck_assert_str_eq(messages_check_group_name(s), "name must be at most 100 characters");
    free(s);

    ck_assert_ptr_null(messages_check_receiver_type("user"));
    ck_assert_ptr_null(messages_check_receiver_type("group"));
    ck_assert_str_eq(messages_check_receiver_type("users"),
                     "receiver_type must be one of: user, group");
    ck_assert_str_eq(messages_check_receiver_type("User"),
                     "receiver_type must be one of: user, group");
    ck_assert_ptr_null(messages_check_role("admin"));
    ck_assert_ptr_null(messages_check_role("member"));
    ck_assert_str_eq(messages_check_role("owner"), "role must be one of: admin, member");
    ck_assert_ptr_null(messages_check_bool("true"));
    ck_assert_ptr_null(messages_check_bool("false"));
    ck_assert_str_eq(messages_check_bool("1"), "unread must be true or false");
}
END_TEST

START_TEST(test_ids)
{
    msgpack_object o = { .type = MSGPACK_OBJECT_POSITIVE_INTEGER };
    o.via.u64 = 42;
    ck_assert_int_eq(messages_id_of(&o), 42);
    o.via.u64 = 0;
    ck_assert_int_eq(messages_id_of(&o), 0);
    o.via.u64 = (uint64_t) INT64_MAX + 1;
    ck_assert_int_eq(messages_id_of(&o), 0);
    o.type = MSGPACK_OBJECT_NEGATIVE_INTEGER;
    o.via.i64 = -3;
    ck_assert_int_eq(messages_id_of(&o), 0);
    o.type = MSGPACK_OBJECT_STR;          /* "5" is not an id: ids are JSON integers */
    o.via.str.ptr = "5";
    o.via.str.size = 1;
    ck_assert_int_eq(messages_id_of(&o), 0);
    ck_assert_int_eq(messages_id_of(NULL), 0);

    msgpack_object items[3];
    for (int i = 0; i < 3; i++) {
        items[i].type = MSGPACK_OBJECT_POSITIVE_INTEGER;
        items[i].via.u64 = (uint64_t) (i + 7);
    }
    msgpack_object arr = { .type = MSGPACK_OBJECT_ARRAY };
    arr.via.array.ptr = items;
    arr.via.array.size = 3;
    int64_t out[3];
    ck_assert_int_eq(messages_ids_of(&arr, out, 3), 3);
    ck_assert_int_eq(out[2], 9);
    ck_assert_int_eq(messages_ids_of(&arr, out, 2), -2);
    items[1].type = MSGPACK_OBJECT_BOOLEAN;
    ck_assert_int_eq(messages_ids_of(&arr, out, 3), -1);
    ck_assert_int_eq(messages_ids_of(&o, out, 3), -1);
    arr.via.array.size = 0;
    ck_assert_int_eq(messages_ids_of(&arr, out, 3), 0);

    char lit[32];
    int64_t ids[] = { 1, 22, 333 };
    ck_assert(messages_ids_literal(ids, 3, lit, sizeof lit));
    ck_assert_str_eq(lit, "{1,22,333}");
    ck_assert(messages_ids_literal(ids, 0, lit, sizeof lit));
    ck_assert_str_eq(lit, "{}");
    ck_assert(!messages_ids_literal(ids, 3, lit, 8));
}
END_TEST

START_TEST(test_pair_and_topic)
{
    int64_t lo, hi;
    messages_pair(9, 4, &lo, &hi);
    ck_assert_int_eq(lo, 4);
    ck_assert_int_eq(hi, 9);
    messages_pair(4, 9, &lo, &hi);
    ck_assert_int_eq(lo, 4);
    ck_assert_int_eq(hi, 9);
    messages_pair(5, 5, &lo, &hi);       /* a note to self */
    ck_assert_int_eq(lo, 5);
    ck_assert_int_eq(hi, 5);
    char topic[32];
    messages_topic("user", 12, topic, sizeof topic);
    ck_assert_str_eq(topic, "u:12|");
    messages_topic("group", 7, topic, sizeof topic);
    ck_assert_str_eq(topic, "g:7|");
}
END_TEST

/* {"text": "hi", "receiver_id": 5, "extra": 1}: receiver_id skipped, extra reported. */
int
main(void)
{
    Suite *s = suite_create("messages_rules");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_name_type_role);
    tcase_add_test(tc, test_ids);
    tcase_add_test(tc, test_pair_and_topic);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
