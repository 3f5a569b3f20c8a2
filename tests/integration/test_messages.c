/* test_messages.c -- the Messages and Notifications rows of API.md over real HTTP: send
 * (direct and group, with one notification row per recipient in the same transaction),
 * history by ?with= and ?group_id=, read, delete, the notification list, read and
 * read-all; every validation message of the seed, every permission rule, the database
 * state behind each answer, and 503 with nothing stored while PostgreSQL is down. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ----------------------------------------------------------------------- */

/* A group of OWNER with the member ids in MEMBERS (JSON array text); returns its id. */
static int64_t
s_group(const it_user_t *owner, const char *members)
{
    it_response_t *r = it_callf(owner, "POST", "/api/groups",
                              "{\"name\":\"Chat\",\"member_ids\":%s}", members);
    int64_t id = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    it_response_destroy(&r);
    return id;
}

static int64_t
s_count(const char *sql, int64_t v)
{
    char s[24];
    return it_db_int(sql, -1, 1, it_itoa(v, s, sizeof s));
}

static int64_t
s_count2(const char *sql, int64_t a, int64_t b)
{
    char sa[24], sb[24];
    return it_db_int(sql, -1, 2, it_itoa(a, sa, sizeof sa), it_itoa(b, sb, sizeof sb));
}

/* The ids of DATA (an array of objects), in order, into OUT; returns the count. */
static int
s_ids(json_object *data, int64_t *out, int max)
{
    ck_assert_msg(json_object_is_type(data, json_type_array), "data is not an array");
    int n = (int) json_object_array_length(data);
    for (int i = 0; i < n && i < max; i++)
        out[i] = it_json_int(json_object_array_get_idx(data, i), "id");
    return n;
}

/* The contract's message object. */
static void
s_assert_message(json_object *m, int64_t sender, const char *type, int64_t receiver,
                 const char *text)
{
    ck_assert_int_gt(it_json_int(m, "id"), 0);
    ck_assert_int_eq(it_json_int(m, "sender_id"), sender);
    ck_assert_str_eq(it_json_str(m, "receiver_type"), type);
    ck_assert_int_eq(it_json_int(m, "receiver_id"), receiver);
    ck_assert_str_eq(it_json_str(m, "text"), text);
    json_object *read;
    ck_assert(json_object_object_get_ex(m, "is_read", &read)
              && json_object_is_type(read, json_type_boolean));
    ck_assert(it_is_iso8601_ms(it_json_str(m, "created_at")));
}

static bool
s_bool(json_object *obj, const char *key)
{
    json_object *v;
    ck_assert_msg(json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_boolean),
                  "%s is not a boolean", key);
    return json_object_get_boolean(v);
}

/* --- send -------------------------------------------------------------------------- */

START_TEST(test_send_direct)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msgsender");
    IT_USER_REGISTER(&b, "msgreceiver");
    it_response_t *r = it_callf(&a, "POST", "/api/messages",
                              "{\"text\":\"Hello there\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}",
                              b.id);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    IT_ASSERT_SECURITY_HEADERS(r);
    s_assert_message(data, a.id, "user", b.id, "Hello there");
    ck_assert(!s_bool(data, "is_read"));
    int64_t mid = it_json_int(data, "id");
    it_response_destroy(&r);

    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1 AND text = 'Hello there'", mid), 1);
    /* The row as stored: sender, receiver, the unordered pair, unread. */
    char mids[24], want[160];
    snprintf(want, sizeof want, "%" PRId64 " user %" PRId64 " %" PRId64 " %" PRId64 " f",
             a.id, b.id, a.id < b.id ? a.id : b.id, a.id < b.id ? b.id : a.id);
    char *row = it_db_text("SELECT concat_ws(' ', sender_id, receiver_type, receiver_id, pair_lo, "
                           "pair_hi, is_read) FROM messages WHERE id = $1::bigint", 1,
                           it_itoa(mid, mids, sizeof mids));
    ck_assert_ptr_nonnull(row);
    ck_assert_str_eq(row, want);
    free(row);
    /* One notification, for the receiver, unread, in the same transaction. */
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", mid), 1);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM notifications WHERE message_id = $1 "
                              "AND user_id = $2 AND NOT is_read AND type = 'new_message'", mid, b.id), 1);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_send_validation)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msgvalid");
    IT_USER_REGISTER(&b, "msgvalidb");
    it_response_t *r = it_callf(&a, "POST", "/api/messages", "{}");
    IT_ASSERT_VALIDATION(r, "text", "receiver_type", "receiver_id");
    /* The seed's exact wording. */
    json_object *details;
    ck_assert(json_object_object_get_ex(r->json, "details", &details));
    for (size_t i = 0; i < json_object_array_length(details); i++) {
        json_object *d = json_object_array_get_idx(details, i);
        const char *f = it_json_str(d, "field"), *m = it_json_str(d, "message");
        if (strcmp(f, "text") == 0)
            ck_assert_str_eq(m, "text should not be empty");
        else if (strcmp(f, "receiver_type") == 0)
            ck_assert_str_eq(m, "receiver_type must be one of: user, group");
        else
            ck_assert_str_eq(m, "receiver_id must be a valid id");
    }
    it_response_destroy(&r);

    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"\",\"receiver_type\":\"channel\",\"receiver_id\":\"abc\"}");
    IT_ASSERT_VALIDATION(r, "text", "receiver_type", "receiver_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"hi\",\"receiver_type\":\"user\",\"receiver_id\":0}");
    IT_ASSERT_VALIDATION(r, "receiver_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"hi\",\"receiver_type\":\"user\",\"receiver_id\":-5}");
    IT_ASSERT_VALIDATION(r, "receiver_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"hi\",\"receiver_type\":\"user\",\"receiver_id\":1.5}");
    IT_ASSERT_VALIDATION(r, "receiver_id");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":42,\"receiver_type\":null,\"receiver_id\":%" PRId64 "}", b.id);
    IT_ASSERT_VALIDATION(r, "text", "receiver_type");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"hi\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 ",\"sender_id\":1}", b.id);
    IT_ASSERT_VALIDATION(r, "sender_id");
    it_response_destroy(&r);

    /* 5000 characters (multi-byte ones count once) pass, 5001 do not. */
    char *text = malloc(5001 * 2 + 1);
    for (int i = 0; i < 5000; i++)
        memcpy(text + 2 * i, "\xc3\xa9", 2);
    text[10000] = '\0';
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"%s\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}", text, b.id);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);
    memcpy(text + 10000, "\xc3\xa9", 2);
    text[10002] = '\0';
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"%s\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}", text, b.id);
    IT_ASSERT_VALIDATION(r, "text");
    it_response_destroy(&r);
    free(text);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE sender_id = $1", a.id), 1);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* Text is checked after the edge's sanitization: markup alone is empty. */
START_TEST(test_send_sanitized)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msgsan");
    IT_USER_REGISTER(&b, "msgsanb");
    it_response_t *r = it_callf(&a, "POST", "/api/messages",
                              "{\"text\":\"<script>alert('xss')</script>Hello\",\"receiver_type\":\"user\","
                              "\"receiver_id\":%" PRId64 "}", b.id);
    ck_assert_str_eq(it_json_str(IT_ASSERT_SUCCESS(r, 201), "text"), "alert('xss')Hello");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"<script></script>\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}",
               b.id);
    IT_ASSERT_VALIDATION(r, "text");
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_send_receiver_not_found)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "msgnobody");
    it_response_t *r = it_callf(&a, "POST", "/api/messages",
                              "{\"text\":\"anyone?\",\"receiver_type\":\"user\",\"receiver_id\":9000000000000000000}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "Receiver not found");
    it_response_destroy(&r);
    r = it_callf(&a, "POST", "/api/messages",
               "{\"text\":\"anyone?\",\"receiver_type\":\"group\",\"receiver_id\":9000000000000000000}");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "Receiver not found");
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE sender_id = $1", a.id), 0);
    it_user_clear(&a);
}
END_TEST

START_TEST(test_send_group)
{
    it_user_t a, b, c, outsider;
    IT_USER_REGISTER(&a, "msggrpa");
    IT_USER_REGISTER(&b, "msggrpb");
    IT_USER_REGISTER(&c, "msggrpc");
    IT_USER_REGISTER(&outsider, "msggrpout");
    char ids[64];
    snprintf(ids, sizeof ids, "[%" PRId64 ",%" PRId64 "]", b.id, c.id);
    int64_t g = s_group(&a, ids);

    it_response_t *r = it_callf(&outsider, "POST", "/api/messages",
                              "{\"text\":\"let me in\",\"receiver_type\":\"group\",\"receiver_id\":%" PRId64 "}", g);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE sender_id = $1", outsider.id), 0);

    r = it_callf(&b, "POST", "/api/messages",
               "{\"text\":\"hi all\",\"receiver_type\":\"group\",\"receiver_id\":%" PRId64 "}", g);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    s_assert_message(data, b.id, "group", g, "hi all");
    int64_t mid = it_json_int(data, "id");
    it_response_destroy(&r);
    /* Stored as a group message: no pair. Every member but the sender notified. */
    ck_assert_int_eq(s_count2("SELECT count(*) FROM messages WHERE id = $1 AND sender_id = $2 "
                              "AND receiver_type = 'group' AND pair_lo IS NULL AND pair_hi IS NULL "
                              "AND NOT is_read", mid, b.id), 1);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM messages WHERE id = $1 AND receiver_id = $2",
                              mid, g), 1);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", mid), 2);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1 "
                             "AND type = 'new_message' AND NOT is_read", mid), 2);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM notifications WHERE message_id = $1 AND user_id = $2",
                              mid, b.id), 0);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM notifications WHERE message_id = $1 AND user_id = $2",
                              mid, a.id), 1);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM notifications WHERE message_id = $1 AND user_id = $2",
                              mid, c.id), 1);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&outsider);
}
END_TEST

/* A sender whose row is gone while their token is still good (deleted behind the users
 * service's back, as a deletion committing between the edge's token check and the write):
 * the foreign key messages.sender_id answers inside the statement, 404 "User not found",
 * and neither the message nor its notification is stored. */
START_TEST(test_send_sender_gone)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msgghosta");
    IT_USER_REGISTER(&b, "msgghostb");
    char aid[24];
    ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING id) "
                               "SELECT count(*) FROM d", -1, 1, it_itoa(a.id, aid, sizeof aid)), 1);
    it_response_t *r = it_callf(&a, "POST", "/api/messages",
                                "{\"text\":\"from beyond\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}",
                                b.id);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "User not found");
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE text = 'from beyond'", -1, 0), 0);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE user_id = $1", b.id), 0);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* A note to self is allowed; nobody is notified of their own message. */
START_TEST(test_send_self)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "msgself");
    int64_t mid = it_chat_send(&a, "user", a.id, "note to self");
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", mid), 0);
    char path[96];
    it_response_t *r = it_callf(&a, "GET", it_fmt(path, sizeof path, "/api/messages?with=%" PRId64, a.id), NULL);
    int64_t got[4];
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 4), 1);
    ck_assert_int_eq(got[0], mid);
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- history ----------------------------------------------------------------------- */

START_TEST(test_history_with)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "msghista");
    IT_USER_REGISTER(&b, "msghistb");
    IT_USER_REGISTER(&c, "msghistc");
    int64_t m1 = it_chat_send(&a, "user", b.id, "one");
    int64_t m2 = it_chat_send(&b, "user", a.id, "two");
    int64_t m3 = it_chat_send(&a, "user", b.id, "three");
    it_chat_send(&a, "user", c.id, "elsewhere");

    char path[256];
    it_response_t *r = it_callf(&b, "GET", it_fmt(path, sizeof path, "/api/messages?with=%" PRId64 "&limit=2", a.id), NULL);
    int64_t got[8];
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 8), 2);
    ck_assert_int_eq(got[0], m3);                      /* newest first, both directions */
    ck_assert_int_eq(got[1], m2);
    json_object *meta;
    ck_assert(json_object_object_get_ex(r->json, "meta", &meta));
    ck_assert_int_eq(it_json_int(meta, "limit"), 2);
    const char *cursor = it_json_str(meta, "next_cursor");
    ck_assert_ptr_nonnull(cursor);
    it_fmt(path, sizeof path, "/api/messages?with=%" PRId64 "&limit=2&cursor=%s", a.id, cursor);
    it_response_t *r2 = it_callf(&b, "GET", path, NULL);
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r2, 200), got, 8), 1);
    ck_assert_int_eq(got[0], m1);
    ck_assert(json_object_object_get_ex(r2->json, "meta", &meta));
    ck_assert_ptr_null(it_json_str(meta, "next_cursor"));
    it_response_destroy(&r);
    it_response_destroy(&r2);

    /* The same conversation from a's side; c sees none of it. */
    r = it_callf(&a, "GET", it_fmt(path, sizeof path, "/api/messages?with=%" PRId64, b.id), NULL);
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 8), 3);
    it_response_destroy(&r);
    r = it_callf(&c, "GET", it_fmt(path, sizeof path, "/api/messages?with=%" PRId64, b.id), NULL);
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 8), 0);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

START_TEST(test_history_group)
{
    it_user_t a, b, outsider;
    IT_USER_REGISTER(&a, "msghgra");
    IT_USER_REGISTER(&b, "msghgrb");
    IT_USER_REGISTER(&outsider, "msghgrout");
    char ids[32], path[128];
    snprintf(ids, sizeof ids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, ids);
    int64_t m1 = it_chat_send(&a, "group", g, "first");
    int64_t m2 = it_chat_send(&b, "group", g, "second");
    it_fmt(path, sizeof path, "/api/messages?group_id=%" PRId64, g);
    it_response_t *r = it_callf(&b, "GET", path, NULL);
    int64_t got[4];
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 4), 2);
    ck_assert_int_eq(got[0], m2);
    ck_assert_int_eq(got[1], m1);
    it_response_destroy(&r);
    r = it_callf(&outsider, "GET", path, NULL);           /* members only, as GET /api/groups/:id */
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&outsider);
}
END_TEST

START_TEST(test_history_validation)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "msghval");
    it_response_t *r = it_callf(&a, "GET", "/api/messages", NULL);          /* neither */
    IT_ASSERT_ERROR(r, 400, "VALIDATION_ERROR", "Validation failed");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/messages?with=1&group_id=1", NULL);      /* both */
    IT_ASSERT_ERROR(r, 400, "VALIDATION_ERROR", "Validation failed");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/messages?with=abc", NULL);
    IT_ASSERT_VALIDATION(r, "with");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/messages?group_id=0", NULL);
    IT_ASSERT_VALIDATION(r, "group_id");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/messages?with=1&limit=101", NULL);
    IT_ASSERT_VALIDATION(r, "limit");
    it_response_destroy(&r);
    r = it_callf(&a, "GET", "/api/messages?with=1&cursor=zzz", NULL);
    IT_ASSERT_VALIDATION(r, "cursor");
    it_response_destroy(&r);
    it_user_clear(&a);
}
END_TEST

/* --- read and delete --------------------------------------------------------------- */

START_TEST(test_read)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "msgreada");
    IT_USER_REGISTER(&b, "msgreadb");
    IT_USER_REGISTER(&c, "msgreadc");
    int64_t mid = it_chat_send(&a, "user", b.id, "read me");
    char path[96], gids[32];
    it_fmt(path, sizeof path, "/api/messages/%" PRId64 "/read", mid);

    it_response_t *r = it_callf(&a, "PATCH", path, NULL);                  /* the sender */
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&c, "PATCH", path, NULL);                                 /* a stranger */
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1 AND is_read", mid), 0);

    r = it_callf(&b, "PATCH", path, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    s_assert_message(data, a.id, "user", b.id, "read me");
    ck_assert(s_bool(data, "is_read"));
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1 AND is_read", mid), 1);
    ck_assert_int_eq(s_count2("SELECT count(*) FROM notifications WHERE message_id = $1 "
                              "AND user_id = $2 AND is_read", mid, b.id), 1);
    r = it_callf(&b, "PATCH", path, NULL);                                 /* idempotent */
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    r = it_callf(&b, "PATCH", "/api/messages/9000000000000000000/read", NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);

    /* Group messages have no single receiver: nobody marks them read. */
    snprintf(gids, sizeof gids, "[%" PRId64 "]", b.id);
    int64_t g = s_group(&a, gids);
    int64_t gm = it_chat_send(&a, "group", g, "group text");
    r = it_callf(&b, "PATCH", it_fmt(path, sizeof path, "/api/messages/%" PRId64 "/read", gm), NULL);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", NULL);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

START_TEST(test_delete)
{
    it_user_t a, b, c, admin;
    IT_USER_REGISTER(&a, "msgdela");
    IT_USER_REGISTER(&b, "msgdelb");
    IT_USER_REGISTER(&c, "msgdelc");
    int64_t mid = it_chat_send(&a, "user", b.id, "regret");
    char path[96];
    it_fmt(path, sizeof path, "/api/messages/%" PRId64, mid);

    it_response_t *r = it_callf(&b, "DELETE", path, NULL);    /* the receiver is not the sender */
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", "Insufficient permissions");
    it_response_destroy(&r);
    r = it_callf(&c, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", NULL);
    it_response_destroy(&r);
    r = it_callf(&a, "DELETE", "/api/messages/9000000000000000000", NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1", mid), 1);

    r = it_callf(&a, "DELETE", path, NULL);
    ck_assert_ptr_null(IT_ASSERT_SUCCESS(r, 200));
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1", mid), 0);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", mid), 0);
    r = it_callf(&a, "DELETE", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);

    /* An admin deletes anyone's message. */
    int64_t other = it_chat_send(&b, "user", c.id, "moderate me");
    IT_ADMIN_LOGIN(&admin);
    r = it_callf(&admin, "DELETE", it_fmt(path, sizeof path, "/api/messages/%" PRId64, other), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1", other), 0);
    it_user_clear(&admin);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

/* Messages of a deleted user stay, with sender_id null. */
START_TEST(test_deleted_sender)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msggonea");
    IT_USER_REGISTER(&b, "msggoneb");
    int64_t mid = it_chat_send(&a, "user", b.id, "before I go");
    char path[96];
    it_response_t *r = it_callf(&a, "DELETE", it_user_path(a.id, path, sizeof path), NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    r = it_callf(&b, "GET", it_fmt(path, sizeof path, "/api/messages?with=%" PRId64, a.id), NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    json_object *m = json_object_array_get_idx(data, 0);
    ck_assert_int_eq(it_json_int(m, "id"), mid);
    ck_assert_msg(it_json_has(m, "sender_id") && it_json_int(m, "sender_id") == INT64_MIN,
                  "sender_id is not null: %s", it_describe(r));
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- notifications ----------------------------------------------------------------- */

START_TEST(test_notifications)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "ntfa");
    IT_USER_REGISTER(&b, "ntfb");
    int64_t m1 = it_chat_send(&a, "user", b.id, "n one");
    int64_t m2 = it_chat_send(&a, "user", b.id, "n two");
    int64_t m3 = it_chat_send(&a, "user", b.id, "n three");

    it_response_t *r = it_callf(&b, "GET", "/api/notifications?limit=2", NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 2);
    json_object *n = json_object_array_get_idx(data, 0);
    int64_t n3 = it_json_int(n, "id");
    int64_t n2 = it_json_int(json_object_array_get_idx(data, 1), "id");
    ck_assert_int_gt(n3, n2);                            /* ids grow with time, newest first */
    ck_assert_int_eq(it_json_int(n, "user_id"), b.id);
    ck_assert_str_eq(it_json_str(n, "type"), "new_message");
    ck_assert_int_eq(it_json_int(n, "message_id"), m3);
    ck_assert(!s_bool(n, "is_read"));
    ck_assert(it_is_iso8601_ms(it_json_str(n, "created_at")));
    json_object *msg;
    ck_assert(json_object_object_get_ex(n, "message", &msg));
    s_assert_message(msg, a.id, "user", b.id, "n three");
    json_object *meta;
    ck_assert(json_object_object_get_ex(r->json, "meta", &meta));
    char path[256];
    it_fmt(path, sizeof path, "/api/notifications?limit=2&cursor=%s", it_json_str(meta, "next_cursor"));
    it_response_destroy(&r);
    r = it_callf(&b, "GET", path, NULL);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(json_object_array_length(data), 1);
    int64_t n1 = it_json_int(json_object_array_get_idx(data, 0), "id");
    ck_assert_int_eq(it_json_int(json_object_array_get_idx(data, 0), "message_id"), m1);
    it_response_destroy(&r);

    r = it_callf(&a, "GET", "/api/notifications", NULL);   /* the sender has none */
    ck_assert_int_eq(json_object_array_length(IT_ASSERT_SUCCESS(r, 200)), 0);
    it_response_destroy(&r);

    /* Mark one read: only mine. */
    it_fmt(path, sizeof path, "/api/notifications/%" PRId64 "/read", n2);
    r = it_callf(&a, "PATCH", path, NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);
    r = it_callf(&b, "PATCH", path, NULL);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(it_json_int(data, "id"), n2);
    ck_assert_int_eq(it_json_int(data, "message_id"), m2);
    ck_assert(s_bool(data, "is_read"));
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE id = $1 AND is_read", n2), 1);
    r = it_callf(&b, "PATCH", "/api/notifications/9000000000000000000/read", NULL);
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", NULL);
    it_response_destroy(&r);

    r = it_callf(&b, "GET", "/api/notifications?unread=true", NULL);
    int64_t got[8];
    ck_assert_int_eq(s_ids(IT_ASSERT_SUCCESS(r, 200), got, 8), 2);
    ck_assert_int_eq(got[0], n3);
    ck_assert_int_eq(got[1], n1);
    it_response_destroy(&r);
    r = it_callf(&b, "GET", "/api/notifications?unread=maybe", NULL);
    IT_ASSERT_VALIDATION(r, "unread");
    it_response_destroy(&r);

    r = it_callf(&b, "POST", "/api/notifications/read-all", NULL);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "updated"), 2);
    it_response_destroy(&r);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE user_id = $1 AND NOT is_read", b.id), 0);
    r = it_callf(&b, "POST", "/api/notifications/read-all", NULL);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "updated"), 0);
    it_response_destroy(&r);
    r = it_callf(&b, "GET", "/api/notifications?unread=true", NULL);
    ck_assert_int_eq(json_object_array_length(IT_ASSERT_SUCCESS(r, 200)), 0);
    it_response_destroy(&r);
    r = it_callf(NULL, "GET", "/api/notifications", NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- the database gone ------------------------------------------------------------- */

/* While PostgreSQL is down a send answers 503 and, once it is back, nothing of it exists:
 * no acknowledgement without a COMMIT, no half-written message. */
START_TEST(test_database_down)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "msgdowna");
    IT_USER_REGISTER(&b, "msgdownb");
    char text[64];
    it_unique("lost", text, sizeof text);
    ck_assert_int_eq(it_stack_stop("postgres"), 0);
    it_response_t *r = it_callf(&a, "POST", "/api/messages",
                              "{\"text\":\"%s\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}",
                              text, b.id);
    IT_ASSERT_ERROR(r, 503, "SERVICE_UNAVAILABLE", NULL);
    it_response_destroy(&r);
    ck_assert_int_eq(it_stack_start("postgres"), 0);

    /* Back: the service reconnects on its own. */
    int64_t deadline = it_now_ms() + 30000;
    long status = 0;
    while (status != 201 && it_now_ms() < deadline) {
        r = it_callf(&a, "POST", "/api/messages",
                   "{\"text\":\"back\",\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 "}", b.id);
        status = r->status;
        it_response_destroy(&r);
        if (status != 201)
            it_sleep_ms(300);
    }
    ck_assert_int_eq(status, 201);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE text = $1", -1, 1, text), 0);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- suite --------------------------------------------------------------------------- */

static TCase *
s_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 120);
    return tc;
}

static Suite *
s_suite(void)
{
    Suite *s = suite_create("messages");
    TCase *tc = s_tcase("send");
    tcase_add_test(tc, test_send_direct);
    tcase_add_test(tc, test_send_validation);
    tcase_add_test(tc, test_send_sanitized);
    tcase_add_test(tc, test_send_receiver_not_found);
    tcase_add_test(tc, test_send_group);
    tcase_add_test(tc, test_send_self);
    suite_add_tcase(s, tc);

    tc = s_tcase("history");
    tcase_add_test(tc, test_history_with);
    tcase_add_test(tc, test_history_group);
    tcase_add_test(tc, test_history_validation);
    suite_add_tcase(s, tc);

    tc = s_tcase("read_delete");
    tcase_add_test(tc, test_read);
    tcase_add_test(tc, test_delete);
    tcase_add_test(tc, test_deleted_sender);
    tcase_add_test(tc, test_send_sender_gone);
    suite_add_tcase(s, tc);

    tc = s_tcase("notifications");
    tcase_add_test(tc, test_notifications);
    suite_add_tcase(s, tc);

    tc = s_tcase("database_down");
    /* A test that stopped PostgreSQL and died on an assertion must not leave it down. */
    tcase_add_unchecked_fixture(tc, NULL, it_stack_restore);
    tcase_add_test(tc, test_database_down);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
