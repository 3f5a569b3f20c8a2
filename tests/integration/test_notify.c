/* test_notify.c -- the WebSocket rows of API.md against a running stack: the handshake's
 * authentication, "ready", direct and group messages pushed to every socket of every
 * recipient across two notify replicas, ?since= replay without gap or duplicate, and a
 * slow client that cannot hold up the others.
 *
 * The stack's notify is replica 1 (TEST_WS_URL). This suite starts replica 2 itself from
 * TEST_BUILD_DIR/services/notify/notify on port TEST_NOTIFY2_PORT (18089) with ADMIN_PORT=0
 * and the environment the stack runs with (DATABASE_URL, BUS_*_ENDPOINT, REDIS_*, JWT_*). */
#include "it_assert.h"
#include "it_env.h"
#include "it_http.h"
#include "it_tokens.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECV_MS 10000            /* generous: a loaded CI machine, a sanitizer build */

static pid_t s_replica_pid;

/* --- the second replica ------------------------------------------------------------ */

static const char *
s_replica2_port(void)
{
    const char *p = getenv("TEST_NOTIFY2_PORT");
    return p && *p ? p : "18089";
}

static const char *
s_replica2_url(char *out, size_t size)
{
    snprintf(out, size, "ws://127.0.0.1:%s/ws", s_replica2_port());
    return out;
}

static void
s_replica_start(void)
{
    char bin[1024], url[128];
    snprintf(bin, sizeof bin, "%s/services/notify/notify", it_env_require("TEST_BUILD_DIR"));
    s_replica_pid = fork();
    if (s_replica_pid == 0) {
        setenv("NOTIFY_PORT", s_replica2_port(), 1);
        setenv("ADMIN_PORT", "0", 1);
        unsetenv("NOTIFY_REPLICA_ID");
        execl(bin, bin, (char *) NULL);
        _exit(127);
    }
    /* Ready when it answers a handshake (401 without a token). */
    int64_t until = it_now_ms() + 15000;
    while (it_now_ms() < until) {
        int status = 0;
        it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = s_replica2_url(url, sizeof url) },
                                    &status);
        it_ws_close(&ws);
        if (status == 401)
            return;
        it_sleep_ms(100);
    }
    fprintf(stderr, "test_notify: replica 2 (%s) did not come up on port %s\n", bin,
            s_replica2_port());
}

static void
s_replica_stop(void)
{
    if (s_replica_pid > 0) {
        kill(s_replica_pid, SIGTERM);
        waitpid(s_replica_pid, NULL, 0);
        s_replica_pid = 0;
    }
}

/* --- helpers ----------------------------------------------------------------------- */

/* Opens a socket for U (bearer header) on URL (NULL: replica 1) with QUERY, and waits for
 * "ready" naming U. */
static it_ws_t *
s_open(const it_user_t *u, const char *url, const char *query)
{
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = u->access,
                                                  .query = query }, &status);
    ck_assert_msg(ws, "upgrade for user %lld answered %d", (long long) u->id, status);
    ck_assert_int_eq(status, 101);
    json_object *ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(ready, "no ready frame for user %lld", (long long) u->id);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    ck_assert_int_eq(it_json_int(json_object_object_get(ready, "data"), "user_id"), u->id);
    json_object_put(ready);
    return ws;
}

static int64_t
s_send(const it_user_t *from, const char *type, int64_t to, const char *text)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "text", json_object_new_string(text));
    json_object_object_add(body, "receiver_type", json_object_new_string(type));
    json_object_object_add(body, "receiver_id", json_object_new_int64(to));
    it_response_t *r = it_request_json("POST", "/api/messages", from->access, body);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    int64_t id = it_json_int(data, "id");
    it_response_destroy(&r);
    return id;
}

static int64_t
s_group(const it_user_t *owner, const it_user_t *const *members, int count)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("notify test"));
    json_object *ids = json_object_new_array();
    for (int i = 0; i < count; i++)
        json_object_array_add(ids, json_object_new_int64(members[i]->id));
    json_object_object_add(body, "member_ids", ids);
    it_response_t *r = it_request_json("POST", "/api/groups", owner->access, body);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    int64_t id = it_json_int(data, "id");
    it_response_destroy(&r);
    return id;
}

/* Expects new_message MSG_ID, then its notification for UID. Returns the notification id. */
static int64_t
s_expect_pair(it_ws_t *ws, int64_t msg_id, int64_t uid, const char *text)
{
    json_object *a = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(a, "no new_message frame for message %lld (user %lld)", (long long) msg_id,
                  (long long) uid);
    ck_assert_str_eq(it_json_str(a, "event"), "new_message");
    json_object *m = json_object_object_get(a, "data");
    ck_assert_int_eq(it_json_int(m, "id"), msg_id);
    if (text)
        ck_assert_str_eq(it_json_str(m, "text"), text);
    ck_assert(it_json_has(m, "created_at") && it_json_has(m, "receiver_type"));
    json_object_put(a);

    json_object *b = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(b, "no notification frame for message %lld", (long long) msg_id);
    ck_assert_str_eq(it_json_str(b, "event"), "notification");
    json_object *n = json_object_object_get(b, "data");
    ck_assert_int_eq(it_json_int(n, "message_id"), msg_id);
    ck_assert_int_eq(it_json_int(n, "user_id"), uid);
    ck_assert_str_eq(it_json_str(n, "type"), "new_message");
    ck_assert_int_eq(it_json_int(json_object_object_get(n, "message"), "id"), msg_id);
    int64_t nid = it_json_int(n, "id");
    ck_assert_int_gt(nid, 0);
    json_object_put(b);
    return nid;
}

static void
s_expect_silence(it_ws_t *ws, int ms)
{
    char *text = it_ws_recv_text(ws, ms);
    ck_assert_msg(!text, "unexpected frame: %s", text ? text : "");
    ck_assert_msg(!it_ws_closed(ws), "socket closed (code %d)", it_ws_close_code(ws));
}

/* --- tests ------------------------------------------------------------------------- */

START_TEST(test_refused_without_valid_token)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "wsauth");
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { 0 }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 401);

    char *bad[5] = { it_token_tampered(u.access), it_token_expired(u.access),
                     it_token_alg_none(u.access), strdup("not.a.jwt"), strdup(u.refresh) };
    for (int i = 0; i < 5; i++) {
        ws = it_ws_connect(&(it_ws_opts_t) { .token = bad[i] }, &status);
        ck_assert_msg(!ws && status == 401, "bad token %d answered %d", i, status);
        free(bad[i]);
    }
    /* Control: the same route takes a good token in each of the three places. */
    char cookie[4200], query[4200];
    snprintf(cookie, sizeof cookie, "theme=dark; access_token=%s", u.access);
    snprintf(query, sizeof query, "token=%s", u.access);
    it_ws_opts_t ok[3] = { { .token = u.access }, { .cookie = cookie }, { .query = query } };
    for (int i = 0; i < 3; i++) {
        ws = it_ws_connect(&ok[i], &status);
        ck_assert_msg(ws && status == 101, "good token way %d answered %d", i, status);
        json_object *ready = it_ws_recv_event(ws, "ready", RECV_MS, NULL);
        ck_assert_ptr_nonnull(ready);
        json_object_put(ready);
        it_ws_close(&ws);
    }
    /* A revoked token (after logout) is refused too. */
    it_response_t *r = it_request("POST", "/api/auth/logout", u.access, NULL, NULL);
    IT_ASSERT_STATUS(r, 200);
    it_response_destroy(&r);
    ws = it_ws_connect(&(it_ws_opts_t) { .token = u.access }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 401);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_direct_message_to_every_socket)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "wsdirecta");
    IT_USER_REGISTER(&b, "wsdirectb");
    char url2[128];
    it_ws_t *b1 = s_open(&b, NULL, NULL);
    it_ws_t *b2 = s_open(&b, s_replica2_url(url2, sizeof url2), NULL);
    it_ws_t *a1 = s_open(&a, NULL, NULL);

    int64_t mid = s_send(&a, "user", b.id, "hello over the bus");
    int64_t n1 = s_expect_pair(b1, mid, b.id, "hello over the bus");
    int64_t n2 = s_expect_pair(b2, mid, b.id, "hello over the bus");
    ck_assert_int_eq(n1, n2);
    /* The sender is not a recipient. */
    s_expect_silence(a1, 1000);
    s_expect_silence(b1, 300);
    it_ws_close(&a1);
    it_ws_close(&b1);
    it_ws_close(&b2);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_group_message_across_replicas)
{
    it_user_t a, b, c, d;
    IT_USER_REGISTER(&a, "wsgroupa");
    IT_USER_REGISTER(&b, "wsgroupb");
    IT_USER_REGISTER(&c, "wsgroupc");
    IT_USER_REGISTER(&d, "wsgroupd");
    const it_user_t *members[3] = { &b, &c, &d };
    int64_t gid = s_group(&a, members, 3);
    char url2[128];
    s_replica2_url(url2, sizeof url2);
    it_ws_t *wa = s_open(&a, url2, NULL);
    it_ws_t *wb = s_open(&b, NULL, NULL);
    it_ws_t *wc = s_open(&c, url2, NULL);
    it_ws_t *wd1 = s_open(&d, NULL, NULL);
    it_ws_t *wd2 = s_open(&d, url2, NULL);

    int64_t mid = s_send(&a, "group", gid, "to the group");
    int64_t nb = s_expect_pair(wb, mid, b.id, "to the group");
    int64_t nc = s_expect_pair(wc, mid, c.id, "to the group");
    int64_t nd1 = s_expect_pair(wd1, mid, d.id, "to the group");
    int64_t nd2 = s_expect_pair(wd2, mid, d.id, "to the group");
    ck_assert_int_eq(nd1, nd2);
    ck_assert(nb != nc && nb != nd1 && nc != nd1);
    s_expect_silence(wa, 1000);          /* every member but the sender */

    it_ws_t *all[5] = { wa, wb, wc, wd1, wd2 };
    for (int i = 0; i < 5; i++)
        it_ws_close(&all[i]);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&d);
}
END_TEST

START_TEST(test_since_replays_exactly_what_was_missed)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "wssincea");
    IT_USER_REGISTER(&b, "wssinceb");
    it_ws_t *ws = s_open(&b, NULL, NULL);
    int64_t m1 = s_send(&a, "user", b.id, "one");
    int64_t n1 = s_expect_pair(ws, m1, b.id, "one");
    it_ws_close(&ws);

    /* Offline: three messages are missed. */
    int64_t missed[3];
    const char *texts[3] = { "two", "three", "four" };
    for (int i = 0; i < 3; i++)
        missed[i] = s_send(&a, "user", b.id, texts[i]);

    char query[64];
    snprintf(query, sizeof query, "since=%lld", (long long) n1);
    int status = 0;
    ws = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .query = query }, &status);
    ck_assert_int_eq(status, 101);
    int64_t last = n1;
    for (int i = 0; i < 3; i++) {
        int64_t n = s_expect_pair(ws, missed[i], b.id, texts[i]);
        ck_assert_int_gt(n, last);       /* in order */
        last = n;
    }
    json_object *ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_ptr_nonnull(ready);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    json_object_put(ready);
    /* Then live, with nothing replayed twice. */
    int64_t m5 = s_send(&a, "user", b.id, "five");
    ck_assert_int_gt(s_expect_pair(ws, m5, b.id, "five"), last);
    s_expect_silence(ws, 1000);
    it_ws_close(&ws);

    /* Replica 2 replays the same way, from the start. */
    char url2[128];
    snprintf(query, sizeof query, "since=0");
    ws = it_ws_connect(&(it_ws_opts_t) { .url = s_replica2_url(url2, sizeof url2),
                                         .token = b.access, .query = query }, &status);
    ck_assert_int_eq(status, 101);
    s_expect_pair(ws, m1, b.id, "one");
    for (int i = 0; i < 3; i++)
        s_expect_pair(ws, missed[i], b.id, texts[i]);
    s_expect_pair(ws, m5, b.id, "five");
    ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    json_object_put(ready);
    s_expect_silence(ws, 500);
    it_ws_close(&ws);

    ws = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .query = "since=abc" }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 400);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_slow_client_does_not_delay_others)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "wsslowa");
    IT_USER_REGISTER(&b, "wsslowb");
    IT_USER_REGISTER(&c, "wsslowc");
    const it_user_t *members[2] = { &b, &c };
    int64_t gid = s_group(&a, members, 2);
    /* B's first socket has a tiny window and never reads after "ready". */
    int status = 0;
    it_ws_t *slow = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .rcvbuf = 1024 },
                                  &status);
    ck_assert_int_eq(status, 101);
    json_object *ready = it_ws_recv_event(slow, "ready", RECV_MS, NULL);
    ck_assert_ptr_nonnull(ready);
    json_object_put(ready);
    it_ws_t *wb = s_open(&b, NULL, NULL);
    it_ws_t *wc = s_open(&c, NULL, NULL);

    /* Long texts fill the slow socket's buffers quickly. */
    char text[4001];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (int i = 0; i < 8; i++) {
        int64_t mid = s_send(&a, "group", gid, text);
        int64_t t0 = it_now_ms();
        s_expect_pair(wb, mid, b.id, NULL);
        s_expect_pair(wc, mid, c.id, NULL);
        ck_assert_int_lt(it_now_ms() - t0, RECV_MS);
    }
    it_ws_close(&slow);
    it_ws_close(&wb);
    it_ws_close(&wc);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("websocket");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, s_replica_start, s_replica_stop);
    tcase_add_test(tc, test_refused_without_valid_token);
    tcase_add_test(tc, test_direct_message_to_every_socket);
    tcase_add_test(tc, test_group_message_across_replicas);
    tcase_add_test(tc, test_since_replays_exactly_what_was_missed);
    tcase_add_test(tc, test_slow_client_does_not_delay_others);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
