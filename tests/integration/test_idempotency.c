/* test_idempotency.c -- Idempotency-Key (API.md) on every creating route, over real HTTP,
 * with the database checked directly: a repeat replays the stored answer and writes
 * nothing, another body under the same key is 422, a malformed key is 400, a key in
 * flight is 409 (made deterministic by holding the key's advisory lock from the test's
 * own connection, with the function common/idempotency.h documents), keys of two users
 * never collide, no header means no deduplication, expired keys are cleaned up, and a
 * replayed message pushes no second WebSocket notification. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the creating routes, as a table ---------------------------------------------- */

/* What one test needs about the world: two users and a group of each. */
typedef struct {
    it_user_t alice, bob, carol;
    int64_t group_a, group_b;        /* alice's and bob's groups */
} s_world_t;

typedef struct {
    const char *name;
    bool public_route;               /* register: scoped by the client address */
    /* Path and body for CALLER; VARIANT picks one of two different bodies; TAG makes the
     * body unique to the test. */
    void (*request)(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
                    char *path, size_t path_size, char *body, size_t body_size);
    /* Rows the body of (CALLER, VARIANT, TAG) created. */
    int64_t (*rows)(const s_world_t *w, const it_user_t *caller, int variant, const char *tag);
    bool repeat_conflicts;           /* without a key, a second identical request is 409 */
} s_route_t;

static void
s_register_req(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
               char *path, size_t ps, char *body, size_t bs)
{
    (void) w; (void) caller;
    snprintf(path, ps, "/api/auth/register");
    snprintf(body, bs, "{\"name\":\"Idem %s\",\"email\":\"%s%d@example.com\","
             "\"password\":\"passw0rd1\"}", tag, tag, variant);
}

static int64_t
s_register_rows(const s_world_t *w, const it_user_t *caller, int variant, const char *tag)
{
    (void) w; (void) caller;
    char email[160];
    snprintf(email, sizeof email, "%s%d@example.com", tag, variant);
    return it_db_count_users_by_email(email);
}

static void
s_order_req(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
            char *path, size_t ps, char *body, size_t bs)
{
    (void) w; (void) caller;
    snprintf(path, ps, "/api/orders");
    snprintf(body, bs, "{\"product\":\"%s-%d\",\"amount\":10.50}", tag, variant);
}

static int64_t
s_order_rows(const s_world_t *w, const it_user_t *caller, int variant, const char *tag)
{
    (void) w;
    char product[160], uid[24];
    snprintf(product, sizeof product, "%s-%d", tag, variant);
    return it_db_int("SELECT count(*) FROM orders WHERE product = $1 AND user_id = $2", -1, 2,
                     product, it_itoa(caller->id, uid, sizeof uid));
}

static void
s_group_req(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
            char *path, size_t ps, char *body, size_t bs)
{
    (void) w; (void) caller;
    snprintf(path, ps, "/api/groups");
    snprintf(body, bs, "{\"name\":\"%s-%d\"}", tag, variant);
}

static int64_t
s_group_rows(const s_world_t *w, const it_user_t *caller, int variant, const char *tag)
{
    (void) w;
    char name[160], uid[24];
    snprintf(name, sizeof name, "%s-%d", tag, variant);
    return it_db_int("SELECT count(*) FROM groups WHERE name = $1 AND created_by = $2", -1, 2,
                     name, it_itoa(caller->id, uid, sizeof uid));
}

/* Adds carol (variant 0) or the other of alice and bob (variant 1) to the caller's own
 * group; the tag plays no part: membership is the row. */
static int64_t
s_member_target(const s_world_t *w, const it_user_t *caller, int variant)
{
    if (variant == 0)
        return w->carol.id;
    return caller->id == w->alice.id ? w->bob.id : w->alice.id;
}

static int64_t
s_member_group(const s_world_t *w, const it_user_t *caller)
{
    return caller->id == w->alice.id ? w->group_a : w->group_b;
}

static void
s_member_req(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
             char *path, size_t ps, char *body, size_t bs)
{
    (void) tag;
    snprintf(path, ps, "/api/groups/%lld/members", (long long) s_member_group(w, caller));
    snprintf(body, bs, "{\"user_id\":%lld}", (long long) s_member_target(w, caller, variant));
}

static int64_t
s_member_rows(const s_world_t *w, const it_user_t *caller, int variant, const char *tag)
{
    (void) tag;
    char gid[24], uid[24];
    return it_db_int("SELECT count(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
                     -1, 2, it_itoa(s_member_group(w, caller), gid, sizeof gid),
                     it_itoa(s_member_target(w, caller, variant), uid, sizeof uid));
}

static void
s_message_req(const s_world_t *w, const it_user_t *caller, int variant, const char *tag,
              char *path, size_t ps, char *body, size_t bs)
{
    (void) caller;
    snprintf(path, ps, "/api/messages");
    snprintf(body, bs, "{\"text\":\"%s-%d\",\"receiver_type\":\"user\",\"receiver_id\":%lld}",
             tag, variant, (long long) w->carol.id);
}

static int64_t
s_message_rows(const s_world_t *w, const it_user_t *caller, int variant, const char *tag)
{
    (void) w;
    char text[160], uid[24];
    snprintf(text, sizeof text, "%s-%d", tag, variant);
    return it_db_int("SELECT count(*) FROM messages WHERE text = $1 AND sender_id = $2", -1, 2,
                     text, it_itoa(caller->id, uid, sizeof uid));
}

static const s_route_t s_routes[] = {
    { "register", true, s_register_req, s_register_rows, false },
    { "orders", false, s_order_req, s_order_rows, false },
    { "groups", false, s_group_req, s_group_rows, false },
    { "members", false, s_member_req, s_member_rows, true },
    { "messages", false, s_message_req, s_message_rows, false },
};
#define ROUTE_COUNT ((int) (sizeof s_routes / sizeof s_routes[0]))

/* --- helpers ----------------------------------------------------------------------- */

static void
s_world(s_world_t *w)
{
    memset(w, 0, sizeof *w);
    IT_USER_REGISTER(&w->alice, "idema");
    IT_USER_REGISTER(&w->bob, "idemb");
    IT_USER_REGISTER(&w->carol, "idemc");
    w->group_a = it_chat_group(&w->alice, NULL, 0, "idem group a");
    w->group_b = it_chat_group(&w->bob, NULL, 0, "idem group b");
}

static void
s_world_clear(s_world_t *w)
{
    it_user_clear(&w->alice);
    it_user_clear(&w->bob);
    it_user_clear(&w->carol);
}

/* Sends ROUTE's request (CALLER, VARIANT, TAG) with Idempotency-Key KEY (NULL: none). */
static it_response_t *
s_send(const s_route_t *route, const s_world_t *w, const it_user_t *caller, int variant,
       const char *tag, const char *key)
{
    char path[128], body[512], header[300];
    route->request(w, caller, variant, tag, path, sizeof path, body, sizeof body);
    const char *headers[] = { header, NULL };
    /* libcurl drops "Name:" with nothing after it; "Name;" sends the header empty. */
    if (key && !key[0])
        snprintf(header, sizeof header, "Idempotency-Key;");
    else
        snprintf(header, sizeof header, "Idempotency-Key: %s", key ? key : "");
    it_req_t req = {
        .method = "POST", .path = path, .token = route->public_route ? NULL : caller->access,
        .content_type = "application/json", .body = body, .headers = key ? headers : NULL,
    };
    return it_request_ex(&req);
}

/* The answer's "data" as JSON text, for byte-for-byte comparison (caller frees). */
static char *
s_data_text(const it_response_t *r)
{
    json_object *data = NULL;
    ck_assert_msg(r->json && json_object_object_get_ex(r->json, "data", &data), "%s",
                  it_describe(r));
    return strdup(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN));
}

static int
s_created_status(const s_route_t *route)
{
    (void) route;
    return 201;   /* every creating route answers 201 */
}

/* A connection of the test's own, to hold a key's advisory lock or to write a row. */
static PGconn *
s_pg(void)
{
    PGconn *pg = PQconnectdb(it_env_require("TEST_DATABASE_URL"));
    ck_assert_msg(PQstatus(pg) == CONNECTION_OK, "postgres: %s", PQerrorMessage(pg));
    return pg;
}

static bool
s_pg_bool(PGconn *pg, const char *sql, const char *scope, const char *key)
{
    const char *params[] = { scope, key };
    PGresult *res = PQexecParams(pg, sql, 2, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
    bool v = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return v;
}

static void
s_scope(const s_route_t *route, const it_user_t *caller, char *out, size_t size)
{
    if (route->public_route)
        snprintf(out, size, "ip:127.0.0.1");   /* the edge sees the test's own address */
    else
        snprintf(out, size, "user:%lld", (long long) caller->id);
}

static int64_t
s_stored(const char *scope, const char *key)
{
    return it_db_int("SELECT count(*) FROM idempotency_keys WHERE scope = $1 AND key = $2", -1,
                     2, scope, key);
}

/* --- on every creating route -------------------------------------------------------- */

/* The same key and body again: the stored answer (same status, same data), one row. */
START_TEST(test_replay)
{
    const s_route_t *route = &s_routes[_i];
    s_world_t w;
    s_world(&w);
    char tag[48], key[64], scope[64];
    it_unique("idrep", tag, sizeof tag);
    it_unique("key-replay-", key, sizeof key);
    it_response_t *first = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(first, s_created_status(route));
    char *data1 = s_data_text(first);
    for (int i = 0; i < 2; i++) {
        it_response_t *again = s_send(route, &w, &w.alice, 0, tag, key);
        IT_ASSERT_SUCCESS(again, first->status);
        char *data2 = s_data_text(again);
        ck_assert_str_eq(data2, data1);
        free(data2);
        it_response_destroy(&again);
    }
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    s_scope(route, &w.alice, scope, sizeof scope);
    ck_assert_int_eq(s_stored(scope, key), 1);
    free(data1);
    it_response_destroy(&first);
    s_world_clear(&w);
}
END_TEST

/* The same key with another body: 422 IDEMPOTENCY_KEY_REUSED, the other body not written,
 * and the first answer still replayed. */
START_TEST(test_reused)
{
    const s_route_t *route = &s_routes[_i];
    s_world_t w;
    s_world(&w);
    char tag[48], key[64];
    it_unique("idreu", tag, sizeof tag);
    it_unique("key-reuse-", key, sizeof key);
    it_response_t *first = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(first, s_created_status(route));
    it_response_t *other = s_send(route, &w, &w.alice, 1, tag, key);
    IT_ASSERT_ERROR(other, 422, "IDEMPOTENCY_KEY_REUSED", NULL);
    ck_assert_int_eq(route->rows(&w, &w.alice, 1, tag), 0);
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    it_response_t *again = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(again, first->status);
    it_response_destroy(&again);
    it_response_destroy(&other);
    it_response_destroy(&first);
    s_world_clear(&w);
}
END_TEST

/* 129 characters, a space, a control character, an empty value: 400 in the envelope,
 * nothing written. 128 characters are fine. */
START_TEST(test_bad_key)
{
    const s_route_t *route = &s_routes[_i];
    s_world_t w;
    s_world(&w);
    char tag[48], long_key[130];
    it_unique("idbad", tag, sizeof tag);
    memset(long_key, 'k', 129);
    long_key[129] = '\0';
    const char *bad[] = { long_key, "two words", "caf\xc3\xa9", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        it_response_t *r = s_send(route, &w, &w.alice, 0, tag, bad[i]);
        IT_ASSERT_ERROR(r, 400, "BAD_REQUEST",
                        "Idempotency-Key must be 1 to 128 visible ASCII characters");
        it_response_destroy(&r);
    }
    /* A control character (tab, DEL, 0x01) never reaches the edge's check: CivetWeb's
     * header parser refuses the whole request first, still a 400 in the envelope (without
     * path and method, which it did not parse). */
    const char *ctl[] = { "ctl\x01" "char", "tab\tkey", "del\x7f" };
    for (size_t i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        it_response_t *r = s_send(route, &w, &w.alice, 0, tag, ctl[i]);
        ck_assert_msg(r->status == 400, "key %zu: %s", i, it_describe(r));
        ck_assert_str_eq(it_json_str(r->json, "error"), "BAD_REQUEST");
        it_response_destroy(&r);
    }
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 0);
    it_unique("k", long_key, 40);
    memset(long_key + strlen(long_key), '~', 128 - strlen(long_key));
    long_key[128] = '\0';
    it_response_t *r = s_send(route, &w, &w.alice, 0, tag, long_key);
    IT_ASSERT_SUCCESS(r, s_created_status(route));
    it_response_destroy(&r);
    s_world_clear(&w);
}
END_TEST

/* While the key's advisory lock is held (here by the test, as a first request in flight
 * holds it), a request with that key is 409 IDEMPOTENCY_KEY_IN_USE and writes nothing;
 * once released, the same request goes through. */
START_TEST(test_in_use)
{
    const s_route_t *route = &s_routes[_i];
    s_world_t w;
    s_world(&w);
    char tag[48], key[64], scope[64];
    it_unique("iduse", tag, sizeof tag);
    it_unique("key-in-use-", key, sizeof key);
    s_scope(route, &w.alice, scope, sizeof scope);
    PGconn *pg = s_pg();
    ck_assert(s_pg_bool(pg, "SELECT pg_try_advisory_lock(hashtextextended($1 || chr(10) || $2, 0))",
                        scope, key));
    it_response_t *r = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_ERROR(r, 409, "IDEMPOTENCY_KEY_IN_USE", NULL);
    it_response_destroy(&r);
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 0);
    ck_assert_int_eq(s_stored(scope, key), 0);
    ck_assert(s_pg_bool(pg, "SELECT pg_advisory_unlock(hashtextextended($1 || chr(10) || $2, 0))",
                        scope, key));
    PQfinish(pg);
    r = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(r, s_created_status(route));
    it_response_destroy(&r);
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    s_world_clear(&w);
}
END_TEST

/* Without the header nothing is deduplicated: two rows (or, for a membership, the
 * service's own 409 CONFLICT the second time). */
START_TEST(test_no_header)
{
    const s_route_t *route = &s_routes[_i];
    s_world_t w;
    s_world(&w);
    char tag[48];
    it_unique("idnoh", tag, sizeof tag);
    it_response_t *first = s_send(route, &w, &w.alice, 0, tag, NULL);
    IT_ASSERT_SUCCESS(first, s_created_status(route));
    it_response_t *second = s_send(route, &w, &w.alice, 0, tag, NULL);
    if (route->repeat_conflicts) {
        IT_ASSERT_ERROR(second, 409, "CONFLICT", NULL);
        ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    }
    else if (route->public_route) {
        /* register: the same email twice is the service's own 409 */
        IT_ASSERT_ERROR(second, 409, "DUPLICATE_ENTRY", NULL);
        ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    }
    else {
        IT_ASSERT_SUCCESS(second, s_created_status(route));
        ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 2);
    }
    it_response_destroy(&second);
    it_response_destroy(&first);
    s_world_clear(&w);
}
END_TEST

/* --- scopes, expiry, events ---------------------------------------------------------- */

/* Two users, one key, the same body: each gets their own write (the authenticated
 * routes; register's scope is the client address, one for the whole test). */
START_TEST(test_users_apart)
{
    const s_route_t *route = &s_routes[_i];
    ck_assert(!route->public_route);
    s_world_t w;
    s_world(&w);
    char tag[48], key[64];
    it_unique("idapa", tag, sizeof tag);
    it_unique("key-shared-", key, sizeof key);
    it_response_t *a = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(a, s_created_status(route));
    it_response_t *b = s_send(route, &w, &w.bob, 0, tag, key);
    IT_ASSERT_SUCCESS(b, s_created_status(route));
    char *da = s_data_text(a), *db = s_data_text(b);
    ck_assert_str_ne(da, db);
    ck_assert_int_eq(route->rows(&w, &w.alice, 0, tag), 1);
    ck_assert_int_eq(route->rows(&w, &w.bob, 0, tag), 1);
    free(da);
    free(db);
    it_response_destroy(&a);
    it_response_destroy(&b);
    s_world_clear(&w);
}
END_TEST

/* A stored key older than 24 h is deleted by the next keyed create (the bounded cleanup
 * in the store statement), and a fresh one stays. */
START_TEST(test_expiry)
{
    s_world_t w;
    s_world(&w);
    char old_key[64], fresh_key[64], tag[48], scope[64];
    it_unique("key-old-", old_key, sizeof old_key);
    it_unique("key-fresh-", fresh_key, sizeof fresh_key);
    it_unique("idexp", tag, sizeof tag);
    snprintf(scope, sizeof scope, "user:%lld", (long long) w.alice.id);
    PGconn *pg = s_pg();
    const char *params[] = { scope, old_key };
    PGresult *res = PQexecParams(pg,
        "INSERT INTO idempotency_keys (scope, key, fingerprint, status, reply, created_at) "
        "VALUES ($1, $2, repeat('0', 64), 201, '\\xc0', now() - interval '25 hours')",
        2, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(pg));
    PQclear(res);
    PQfinish(pg);
    ck_assert_int_eq(s_stored(scope, old_key), 1);
    it_response_t *r = s_send(&s_routes[1], &w, &w.alice, 0, tag, fresh_key);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);
    ck_assert_int_eq(s_stored(scope, old_key), 0);
    ck_assert_int_eq(s_stored(scope, fresh_key), 1);
    s_world_clear(&w);
}
END_TEST

/* A replayed message is not sent again: the recipient's socket gets the message and its
 * notification once; the next frames are those of a later message (the fence), not a
 * copy. One notification row. */
START_TEST(test_replay_no_second_push)
{
    s_world_t w;
    s_world(&w);
    char tag[48], key[64], text[80];
    it_unique("idpush", tag, sizeof tag);
    it_unique("key-push-", key, sizeof key);
    it_ws_t *ws = it_chat_open(&w.carol, NULL, NULL, 5000);
    const s_route_t *route = &s_routes[4];
    it_response_t *first = s_send(route, &w, &w.alice, 0, tag, key);
    json_object *data = IT_ASSERT_SUCCESS(first, 201);
    int64_t mid = it_json_int(data, "id");
    snprintf(text, sizeof text, "%s-0", tag);
    it_chat_expect_pair(ws, mid, w.carol.id, text, 5000);
    it_response_t *again = s_send(route, &w, &w.alice, 0, tag, key);
    IT_ASSERT_SUCCESS(again, 201);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(again, 201), "id"), mid);
    int64_t fence = it_chat_send(&w.alice, "user", w.carol.id, "fence");
    it_chat_expect_pair(ws, fence, w.carol.id, "fence", 5000);
    char mids[24];
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = $1", -1, 1,
                               it_itoa(mid, mids, sizeof mids)), 1);
    it_ws_close(&ws);
    it_response_destroy(&again);
    it_response_destroy(&first);
    s_world_clear(&w);
}
END_TEST

/* A key on a route that creates nothing is ignored, as any unknown header is. */
START_TEST(test_other_routes_ignore)
{
    s_world_t w;
    s_world(&w);
    const char *headers[] = { "Idempotency-Key: has space", NULL };
    it_req_t req = { .method = "GET", .path = "/api/orders", .token = w.alice.access,
                     .headers = headers };
    it_response_t *r = it_request_ex(&req);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    s_world_clear(&w);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("idempotency");
    TCase *tc = tcase_create("every creating route");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_replay, 0, ROUTE_COUNT);
    tcase_add_loop_test(tc, test_reused, 0, ROUTE_COUNT);
    tcase_add_loop_test(tc, test_bad_key, 0, ROUTE_COUNT);
    tcase_add_loop_test(tc, test_in_use, 0, ROUTE_COUNT);
    tcase_add_loop_test(tc, test_no_header, 0, ROUTE_COUNT);
    tcase_add_loop_test(tc, test_users_apart, 1, ROUTE_COUNT);
    suite_add_tcase(s, tc);
    TCase *more = tcase_create("scopes, expiry, events");
    tcase_set_timeout(more, 120);
    tcase_add_test(more, test_expiry);
    tcase_add_test(more, test_replay_no_second_push);
    tcase_add_test(more, test_other_routes_ignore);
    suite_add_tcase(s, more);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
