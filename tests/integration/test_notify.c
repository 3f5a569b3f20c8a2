/* test_notify.c -- the WebSocket rows of API.md against a running stack: the handshake's
 * authentication, "ready", direct and group messages pushed to every socket of every
 * recipient across two notify replicas, ?since= replay without gap or duplicate, a
 * slow client that cannot hold up the others, and idle sockets pinged, the dead ones hung
 * up ("the server pings idle sockets and closes dead ones").
 *
 * The stack's notify is replica 1 (TEST_WS_URL). This suite starts replica 2 itself from
 * TEST_BUILD_DIR/services/notify/notify on port TEST_NOTIFY2_PORT (18089) with ADMIN_PORT=0
 * and the environment the stack runs with (DATABASE_URL, BUS_*_ENDPOINT, REDIS_*, JWT_*);
 * for the "idle" case it starts it again with NOTIFY_PING_S=1 and NOTIFY_HANGUP_S=3, for
 * the "cap" case with NOTIFY_MAX_SOCKETS=16, for the "dbqueue" case with
 * NOTIFY_DB_QUEUE_MAX=1. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
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
    s_replica_pid = it_notify_start(s_replica2_port(), "0", NULL);
}

/* Pings after 1 s of silence, hang-up after 3 s: the smallest the knobs allow. */
static void
s_idle_replica_start(void)
{
    static const char *const env[] = { "NOTIFY_PING_S=1", "NOTIFY_HANGUP_S=3", NULL };
    s_replica_pid = it_notify_start(s_replica2_port(), "0", env);
}

/* NOTIFY_DB_QUEUE_MAX at its smallest: one job waiting behind the one being run. */
static void
s_dbq_replica_start(void)
{
    static const char *const env[] = { "NOTIFY_DB_QUEUE_MAX=1", NULL };
    s_replica_pid = it_notify_start(s_replica2_port(), "0", env);
}

/* NOTIFY_MAX_SOCKETS at its smallest. */
static void
s_cap_replica_start(void)
{
    static const char *const env[] = { "NOTIFY_MAX_SOCKETS=16", NULL };
    s_replica_pid = it_notify_start(s_replica2_port(), "0", env);
}

static void
s_replica_stop(void)
{
    it_notify_stop(&s_replica_pid);
}

/* --- helpers ----------------------------------------------------------------------- */

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
    it_ws_t *b1 = it_chat_open(&b, NULL, NULL, RECV_MS);
    it_ws_t *b2 = it_chat_open(&b, s_replica2_url(url2, sizeof url2), NULL, RECV_MS);
    it_ws_t *a1 = it_chat_open(&a, NULL, NULL, RECV_MS);

    int64_t mid = it_chat_send(&a, "user", b.id, "hello over the bus");
    int64_t n1 = it_chat_expect_pair(b1, mid, b.id, "hello over the bus", RECV_MS);
    int64_t n2 = it_chat_expect_pair(b2, mid, b.id, "hello over the bus", RECV_MS);
    ck_assert_int_eq(n1, n2);
    /* The sender is not a recipient. */
    it_chat_expect_silence(a1, 1000);
    it_chat_expect_silence(b1, 300);
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
    int64_t gid = it_chat_group(&a, members, 3, "notify test");
    char url2[128];
    s_replica2_url(url2, sizeof url2);
    it_ws_t *wa = it_chat_open(&a, url2, NULL, RECV_MS);
    it_ws_t *wb = it_chat_open(&b, NULL, NULL, RECV_MS);
    it_ws_t *wc = it_chat_open(&c, url2, NULL, RECV_MS);
    it_ws_t *wd1 = it_chat_open(&d, NULL, NULL, RECV_MS);
    it_ws_t *wd2 = it_chat_open(&d, url2, NULL, RECV_MS);

    int64_t mid = it_chat_send(&a, "group", gid, "to the group");
    int64_t nb = it_chat_expect_pair(wb, mid, b.id, "to the group", RECV_MS);
    int64_t nc = it_chat_expect_pair(wc, mid, c.id, "to the group", RECV_MS);
    int64_t nd1 = it_chat_expect_pair(wd1, mid, d.id, "to the group", RECV_MS);
    int64_t nd2 = it_chat_expect_pair(wd2, mid, d.id, "to the group", RECV_MS);
    ck_assert_int_eq(nd1, nd2);
    ck_assert(nb != nc && nb != nd1 && nc != nd1);
    it_chat_expect_silence(wa, 1000);          /* every member but the sender */

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
    it_ws_t *ws = it_chat_open(&b, NULL, NULL, RECV_MS);
    int64_t m1 = it_chat_send(&a, "user", b.id, "one");
    int64_t n1 = it_chat_expect_pair(ws, m1, b.id, "one", RECV_MS);
    it_ws_close(&ws);

    /* Offline: three messages are missed. */
    int64_t missed[3];
    const char *texts[3] = { "two", "three", "four" };
    for (int i = 0; i < 3; i++)
        missed[i] = it_chat_send(&a, "user", b.id, texts[i]);

    char query[64];
    snprintf(query, sizeof query, "since=%lld", (long long) n1);
    int status = 0;
    ws = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .query = query }, &status);
    ck_assert_int_eq(status, 101);
    int64_t last = n1;
    for (int i = 0; i < 3; i++) {
        int64_t n = it_chat_expect_pair(ws, missed[i], b.id, texts[i], RECV_MS);
        ck_assert_int_gt(n, last);       /* in order */
        last = n;
    }
    json_object *ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_ptr_nonnull(ready);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    json_object_put(ready);
    /* Then live, with nothing replayed twice. */
    int64_t m5 = it_chat_send(&a, "user", b.id, "five");
    ck_assert_int_gt(it_chat_expect_pair(ws, m5, b.id, "five", RECV_MS), last);
    it_chat_expect_silence(ws, 1000);
    it_ws_close(&ws);

    /* Replica 2 replays the same way, from the start. */
    char url2[128];
    snprintf(query, sizeof query, "since=0");
    ws = it_ws_connect(&(it_ws_opts_t) { .url = s_replica2_url(url2, sizeof url2),
                                         .token = b.access, .query = query }, &status);
    ck_assert_int_eq(status, 101);
    it_chat_expect_pair(ws, m1, b.id, "one", RECV_MS);
    for (int i = 0; i < 3; i++)
        it_chat_expect_pair(ws, missed[i], b.id, texts[i], RECV_MS);
    it_chat_expect_pair(ws, m5, b.id, "five", RECV_MS);
    ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    json_object_put(ready);
    it_chat_expect_silence(ws, 500);
    it_ws_close(&ws);

    ws = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .query = "since=abc" }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 400);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* Joins the NULL-terminated ARGS with '&' into OUT. */
static const char *
s_join(char *out, size_t size, const char *const *args)
{
    size_t n = 0;
    out[0] = '\0';
    for (; *args; args++)
        n += (size_t) snprintf(out + n, size - n, "%s%s", n ? "&" : "", *args);
    ck_assert_uint_lt(n, size);
    return out;
}

/* Issue 9: whichever way the token comes (header, cookie, ?token=) and in whatever order the
 * query's arguments stand, ?since= replays exactly the missed notifications, in order, and
 * then goes live with no duplicate. A malformed since anywhere is 400. */
START_TEST(test_since_every_token_way)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "wswaysa");
    IT_USER_REGISTER(&b, "wswaysb");
    it_ws_t *ws = it_chat_open(&b, NULL, NULL, RECV_MS);
    int64_t m0 = it_chat_send(&a, "user", b.id, "seen");
    int64_t n0 = it_chat_expect_pair(ws, m0, b.id, "seen", RECV_MS);
    it_ws_close(&ws);

    /* Missed while away; each way below adds one live message, missed by the next ones. */
    int64_t msgs[16], nids[16];
    int count = 0;
    for (; count < 3; count++)
        msgs[count] = it_chat_send(&a, "user", b.id, "missed");

    char cookie[2048], q[2048], since[40], token[1600];
    snprintf(cookie, sizeof cookie, "theme=dark; access_token=%s; lang=en", b.access);
    snprintf(since, sizeof since, "since=%lld", (long long) n0);
    snprintf(token, sizeof token, "token=%s", b.access);
    /* Query arguments joined with '&' in the order given. */
    struct { const char *name; const char *token; const char *cookie; const char *args[6]; } ways[] = {
        { "header", b.access, NULL, { since } },
        { "cookie", NULL, cookie, { since } },
        { "query token first", NULL, NULL, { token, since } },
        { "query since first", NULL, NULL, { since, token } },
        { "query among unknown", NULL, NULL, { "v=2", token, "utm_source=x", since, "z" } },
    };
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        s_join(q, sizeof q, ways[w].args);
        int status = 0;
        ws = it_ws_connect(&(it_ws_opts_t) { .token = ways[w].token, .cookie = ways[w].cookie,
                                             .query = q }, &status);
        ck_assert_msg(status == 101, "%s: upgrade answered %d", ways[w].name, status);
        for (int i = 0; i < count; i++) {
            int64_t n = it_chat_expect_pair(ws, msgs[i], b.id, NULL, RECV_MS);
            if (w == 0)
                nids[i] = n;         /* the first way learns the ids, the others must agree */
            ck_assert_msg(n == nids[i], "%s: replayed notification %lld, expected %lld",
                          ways[w].name, (long long) n, (long long) nids[i]);
            ck_assert(i == 0 ? n > n0 : n > nids[i - 1]);
        }
        json_object *ready = it_ws_recv_json(ws, RECV_MS);
        ck_assert_msg(ready, "%s: no ready frame", ways[w].name);
        ck_assert_str_eq(it_json_str(ready, "event"), "ready");
        json_object_put(ready);
        /* Live now: the next message arrives once, nothing replayed comes again. */
        msgs[count] = it_chat_send(&a, "user", b.id, "live");
        nids[count] = it_chat_expect_pair(ws, msgs[count], b.id, "live", RECV_MS);
        ck_assert_int_gt(nids[count], nids[count - 1]);
        count++;
        it_chat_expect_silence(ws, 300);
        it_ws_close(&ws);
    }

    /* A malformed since is 400 wherever it stands and however the token came. */
    const char *bad[][4] = { { token, "since=abc" }, { "since=-1", token },
                             { "x=1", "since=", token }, { "since=1", "since=2", token },
                             { "since", token } };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_join(q, sizeof q, bad[i]);
        int status = 0;
        ws = it_ws_connect(&(it_ws_opts_t) { .query = q }, &status);
        ck_assert_ptr_null(ws);
        ck_assert_msg(status == 400, "case %zu: answered %d", i, status);
    }
    int status = 0;
    ws = it_ws_connect(&(it_ws_opts_t) { .cookie = cookie, .query = "since=1x" }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 400);
    /* Two different tokens in the query are refused, not chosen between. */
    snprintf(q, sizeof q, "token=%s&token=%s", b.access, a.access);
    ws = it_ws_connect(&(it_ws_opts_t) { .query = q }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 401);
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
    int64_t gid = it_chat_group(&a, members, 2, "notify test");
    /* B's first socket has a tiny window and never reads after "ready". */
    int status = 0;
    it_ws_t *slow = it_ws_connect(&(it_ws_opts_t) { .token = b.access, .rcvbuf = 1024 },
                                  &status);
    ck_assert_int_eq(status, 101);
    json_object *ready = it_ws_recv_event(slow, "ready", RECV_MS, NULL);
    ck_assert_ptr_nonnull(ready);
    json_object_put(ready);
    it_ws_t *wb = it_chat_open(&b, NULL, NULL, RECV_MS);
    it_ws_t *wc = it_chat_open(&c, NULL, NULL, RECV_MS);

    /* Long texts fill the slow socket's buffers quickly. */
    char text[4001];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    for (int i = 0; i < 8; i++) {
        int64_t mid = it_chat_send(&a, "group", gid, text);
        int64_t t0 = it_now_ms();
        it_chat_expect_pair(wb, mid, b.id, NULL, RECV_MS);
        it_chat_expect_pair(wc, mid, c.id, NULL, RECV_MS);
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

/* A client that reads nothing answers no ping: the server hangs it up. One that reads
 * (it_ws answers pings as it reads) stays, a hang-up window and more after the other went,
 * and still gets its frames. Nothing is timed: the hang-up is polled for with a deadline. */
START_TEST(test_silent_socket_hung_up_answering_one_stays)
{
    it_user_t a, b;
    IT_USER_REGISTER(&a, "wsidlea");
    IT_USER_REGISTER(&b, "wsidleb");
    char url2[128];
    s_replica2_url(url2, sizeof url2);
    it_ws_t *silent = it_chat_open(&a, url2, NULL, RECV_MS);
    it_ws_t *alive = it_chat_open(&b, url2, NULL, RECV_MS);

    int64_t deadline = it_now_ms() + 30000;
    while (!it_ws_peer_gone(silent) && it_now_ms() < deadline) {
        char *frame = it_ws_recv_text(alive, 200);
        ck_assert_msg(!frame, "unexpected frame: %s", frame);
        ck_assert_msg(!it_ws_closed(alive), "the answering socket was closed (code %d)",
                      it_ws_close_code(alive));
    }
    ck_assert_msg(it_ws_peer_gone(silent), "the silent socket is still open after 30 s");
    ck_assert_int_ge(it_ws_pings(alive), 1);

    /* Longer than NOTIFY_HANGUP_S again: a socket that answers is never hung up. */
    int pings = it_ws_pings(alive);
    int64_t until = it_now_ms() + 4000;
    while (it_now_ms() < until) {
        char *frame = it_ws_recv_text(alive, 200);
        ck_assert_msg(!frame, "unexpected frame: %s", frame);
        ck_assert_msg(!it_ws_closed(alive), "the answering socket was closed (code %d)",
                      it_ws_close_code(alive));
    }
    ck_assert_int_gt(it_ws_pings(alive), pings);
    int64_t mid = it_chat_send(&a, "user", b.id, "still there");
    it_chat_expect_pair(alive, mid, b.id, "still there", RECV_MS);

    it_ws_close(&silent);
    it_ws_close(&alive);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* NOTIFY_MAX_SOCKETS WebSockets open: the next connection is refused (closed at accept, no
 * HTTP answer); once one closes, a new one is served again. */
START_TEST(test_max_sockets_refused_at_accept)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "wscap");
    char url2[128];
    s_replica2_url(url2, sizeof url2);
    it_ws_t *ws[16];
    for (int i = 0; i < 16; i++)
        ws[i] = it_chat_open(&u, url2, NULL, RECV_MS);
    int status = -1;
    it_ws_t *extra = it_ws_connect(&(it_ws_opts_t) { .url = url2, .token = u.access }, &status);
    ck_assert_msg(!extra, "a 17th socket was accepted (status %d)", status);
    ck_assert_int_eq(status, 0);

    it_ws_close(&ws[0]);
    int64_t deadline = it_now_ms() + RECV_MS;
    while (!extra && it_now_ms() < deadline) {
        extra = it_ws_connect(&(it_ws_opts_t) { .url = url2, .token = u.access }, &status);
        if (!extra)
            it_sleep_ms(100);
    }
    ck_assert_msg(extra, "no socket accepted after one of the 16 closed (status %d)", status);
    json_object *ready = it_ws_recv_event(extra, "ready", RECV_MS, NULL);
    ck_assert_ptr_nonnull(ready);
    json_object_put(ready);
    it_ws_close(&extra);
    for (int i = 1; i < 16; i++)
        it_ws_close(&ws[i]);
    it_user_clear(&u);
}
END_TEST

/* The database queue's bound: with group_members locked by the test, A's socket has its
 * groups read started and stuck in PostgreSQL; B's and C's then want theirs, and with room
 * for one job waiting, one of them is closed 1013 (try again later: API.md) before any
 * "ready", the other waits. Once the lock goes, A and the waiting one are ready, and the
 * refused one is served when it comes back. */
START_TEST(test_database_queue_full_closes_1013)
{
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "wsdbqa");
    IT_USER_REGISTER(&b, "wsdbqb");
    IT_USER_REGISTER(&c, "wsdbqc");
    char url2[128];
    s_replica2_url(url2, sizeof url2);
    PGconn *hold = it_db_hold("LOCK TABLE group_members IN ACCESS EXCLUSIVE MODE", 0);

    int status = 0;
    it_ws_t *wa = it_ws_connect(&(it_ws_opts_t) { .url = url2, .token = a.access }, &status);
    ck_assert_int_eq(status, 101);
    it_db_wait_blocked(hold, RECV_MS);                 /* A's groups read is running */
    it_ws_t *wbc[2];
    const it_user_t *who[2] = { &b, &c };
    for (int i = 0; i < 2; i++) {
        wbc[i] = it_ws_connect(&(it_ws_opts_t) { .url = url2, .token = who[i]->access }, &status);
        ck_assert_int_eq(status, 101);
    }
    int refused = -1;
    for (int64_t until = it_now_ms() + RECV_MS; refused < 0 && it_now_ms() < until;)
        for (int i = 0; i < 2 && refused < 0; i++) {
            char *text = it_ws_recv_text(wbc[i], 50);
            ck_assert_msg(!text, "a frame before the groups were read: %s", text);
            if (it_ws_close_code(wbc[i]) != 0)
                refused = i;
        }
    ck_assert_msg(refused >= 0, "neither B nor C was refused with one job waiting");
    ck_assert_int_eq(it_ws_close_code(wbc[refused]), 1013);
    int waiting = 1 - refused;
    char *text = it_ws_recv_text(wbc[waiting], 300);
    ck_assert_msg(!text, "a frame before the groups were read: %s", text);
    ck_assert_int_eq(it_ws_close_code(wbc[waiting]), 0);
    ck_assert(!it_ws_closed(wbc[waiting]));
    ck_assert_int_eq(it_ws_close_code(wa), 0);

    it_db_release(&hold);
    json_object *ready = it_ws_recv_event(wa, "ready", RECV_MS, NULL);
    ck_assert_msg(ready, "A not ready after the lock went (close %d)", it_ws_close_code(wa));
    json_object_put(ready);
    ready = it_ws_recv_event(wbc[waiting], "ready", RECV_MS, NULL);
    ck_assert_msg(ready, "the waiting socket not ready (close %d)",
                  it_ws_close_code(wbc[waiting]));
    json_object_put(ready);
    it_ws_t *again = it_chat_open(who[refused], url2, NULL, RECV_MS);

    it_ws_close(&again);
    it_ws_close(&wbc[0]);
    it_ws_close(&wbc[1]);
    it_ws_close(&wa);
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
    tcase_add_test(tc, test_since_every_token_way);
    tcase_add_test(tc, test_slow_client_does_not_delay_others);
    suite_add_tcase(s, tc);
    TCase *idle = tcase_create("idle");
    tcase_set_timeout(idle, 120);
    tcase_add_unchecked_fixture(idle, s_idle_replica_start, s_replica_stop);
    tcase_add_test(idle, test_silent_socket_hung_up_answering_one_stays);
    suite_add_tcase(s, idle);
    TCase *cap = tcase_create("cap");
    tcase_set_timeout(cap, 120);
    tcase_add_unchecked_fixture(cap, s_cap_replica_start, s_replica_stop);
    tcase_add_test(cap, test_max_sockets_refused_at_accept);
    suite_add_tcase(s, cap);
    TCase *dbq = tcase_create("dbqueue");
    tcase_set_timeout(dbq, 120);
    tcase_add_unchecked_fixture(dbq, s_dbq_replica_start, s_replica_stop);
    tcase_add_test(dbq, test_database_queue_full_closes_1013);
    suite_add_tcase(s, dbq);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
