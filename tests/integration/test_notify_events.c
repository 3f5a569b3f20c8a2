/* test_notify_events.c -- the events of schemas/events.md beyond new_message, as a
 * WebSocket client sees them: message_deleted pushed to the recipients' sockets; a member
 * added while connected starts receiving the group (group_joined), one removed stops
 * (group_left), a deleted group stops delivery (group_deleted); a member added while the
 * group's messages are being sent gets each of them live, exactly once, even those sent
 * before its replica's new subscription reached the broker; a socket that never reads
 * is closed 1008 while another socket of the same user keeps receiving; a ?since= replay
 * past NOTIFY_REPLAY_MAX is cut with replay_truncated and close 4001 (services/notify/
 * README.md, "Limits and close codes").
 *
 * Besides the stack's notify (TEST_WS_URL), the suite starts a replica of its own from
 * TEST_BUILD_DIR/services/notify/notify on TEST_NOTIFY3_PORT (18092) with its admin port on
 * TEST_NOTIFY3_ADMIN_PORT (18093) and NOTIFY_REPLAY_MAX=5: its metrics count only this
 * suite's sockets, so a test can wait for "the topic is subscribed" and see a slow-client
 * close, and a short replay bound is cheap to exceed. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_metrics.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECV_MS 10000            /* generous: a loaded CI machine, a sanitizer build */
#define REPLAY_MAX 5             /* the replica's NOTIFY_REPLAY_MAX */
#define BIG_TEXT 5000            /* the longest text API.md allows */

static pid_t s_replica_pid;

/* --- the suite's own replica ------------------------------------------------------- */

static const char *
s_env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static const char *
s_replica_url(void)
{
    static char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%s/ws", s_env_or("TEST_NOTIFY3_PORT", "18092"));
    return url;
}

static const char *
s_admin_url(void)
{
    static char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%s", s_env_or("TEST_NOTIFY3_ADMIN_PORT", "18093"));
    return url;
}

static void
s_replica_start(void)
{
    char max[40];
    snprintf(max, sizeof max, "NOTIFY_REPLAY_MAX=%d", REPLAY_MAX);
    const char *env[] = { max, NULL };
    s_replica_pid = it_notify_start(s_env_or("TEST_NOTIFY3_PORT", "18092"),
                                    s_env_or("TEST_NOTIFY3_ADMIN_PORT", "18093"), env);
    /* Ready for these tests once it serves its metrics too. */
    int64_t until = it_now_ms() + 15000;
    while (s_replica_pid > 0 && it_metric(s_admin_url(), "websocket_connections") < 0
           && it_now_ms() < until)
        it_sleep_ms(100);
}

static void
s_replica_stop(void)
{
    it_notify_stop(&s_replica_pid);
}

/* Waits up to RECV_MS until the replica's SAMPLE equals VALUE; returns the last value. */
static double
s_wait_metric(const char *sample, double value)
{
    int64_t until = it_now_ms() + RECV_MS;
    double v;
    while ((v = it_metric(s_admin_url(), sample)) != value && it_now_ms() < until)
        it_sleep_ms(50);
    return v;
}

/* Each test starts on an empty replica: the sockets of the previous test are gone, so
 * its gauges (connections, topics) count this test's sockets only. */
static void
s_replica_idle(void)
{
    double v = s_wait_metric("websocket_connections", 0);
    ck_assert_msg(v == 0, "the replica at %s still holds %g sockets (or is down: -1)",
                  s_admin_url(), v);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 0), 0);
}

/* --- helpers ----------------------------------------------------------------------- */

/* METHOD PATH as U, asserting STATUS with a null data (the deletes and removals). */
static void
s_null_call(const it_user_t *u, const char *method, const char *path, long status)
{
    it_response_t *r = it_request(method, path, u->access, NULL, NULL);
    ck_assert_msg(IT_ASSERT_SUCCESS(r, status) == NULL, "data is not null: %s", it_describe(r));
    it_response_destroy(&r);
}

/* Expects the notification of message MSG_ID for UID (its new_message was read). Returns
 * the message id the notification names. */
static int64_t
s_expect_pair_rest(it_ws_t *ws, int64_t msg_id, int64_t uid)
{
    json_object *b = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(b, "no notification frame for message %lld", (long long) msg_id);
    ck_assert_str_eq(it_json_str(b, "event"), "notification");
    json_object *n = json_object_object_get(b, "data");
    ck_assert_int_eq(it_json_int(n, "user_id"), uid);
    int64_t mid = it_json_int(n, "message_id");
    json_object_put(b);
    return mid;
}

/* Expects {"event":"message_deleted","data":{"id","receiver_type","receiver_id"}}. */
static void
s_expect_deleted(it_ws_t *ws, int64_t msg_id, const char *type, int64_t receiver)
{
    json_object *j = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(j, "no message_deleted frame for message %lld", (long long) msg_id);
    ck_assert_str_eq(it_json_str(j, "event"), "message_deleted");
    json_object *d = json_object_object_get(j, "data");
    ck_assert_int_eq(it_json_int(d, "id"), msg_id);
    ck_assert_str_eq(it_json_str(d, "receiver_type"), type);
    ck_assert_int_eq(it_json_int(d, "receiver_id"), receiver);
    json_object_put(j);
}

static int64_t
s_count(const char *sql, int64_t v)
{
    char s[24];
    return it_db_int(sql, -1, 1, it_itoa(v, s, sizeof s));
}

/* --- message_deleted --------------------------------------------------------------- */

START_TEST(test_message_deleted_reaches_recipients)
{
    it_user_t a, b, c, d;
    IT_USER_REGISTER(&a, "evdelsender");
    IT_USER_REGISTER(&b, "evdeldirect");
    IT_USER_REGISTER(&c, "evdelmemberc");
    IT_USER_REGISTER(&d, "evdelmemberd");
    const it_user_t *members[2] = { &c, &d };
    int64_t gid = it_chat_group(&a, members, 2, "events test");
    /* B on both replicas; the members and the sender spread over them. */
    it_ws_t *wb1 = it_chat_open(&b, NULL, NULL, RECV_MS);
    it_ws_t *wb2 = it_chat_open(&b, s_replica_url(), NULL, RECV_MS);
    it_ws_t *wc = it_chat_open(&c, s_replica_url(), NULL, RECV_MS);
    it_ws_t *wd = it_chat_open(&d, NULL, NULL, RECV_MS);
    it_ws_t *wa = it_chat_open(&a, NULL, NULL, RECV_MS);

    int64_t direct = it_chat_send(&a, "user", b.id, "soon gone");
    it_chat_expect_pair(wb1, direct, b.id, NULL, RECV_MS);
    it_chat_expect_pair(wb2, direct, b.id, NULL, RECV_MS);
    int64_t group = it_chat_send(&a, "group", gid, "soon gone too");
    it_chat_expect_pair(wc, group, c.id, NULL, RECV_MS);
    it_chat_expect_pair(wd, group, d.id, NULL, RECV_MS);

    /* The receiver may not delete it: refused, and nothing is pushed. */
    char path[64];
    snprintf(path, sizeof path, "/api/messages/%" PRId64, direct);
    it_response_t *r = it_request("DELETE", path, b.access, NULL, NULL);
    IT_ASSERT_ERROR(r, 403, "FORBIDDEN", NULL);
    it_response_destroy(&r);

    s_null_call(&a, "DELETE", path, 200);
    s_expect_deleted(wb1, direct, "user", b.id);
    s_expect_deleted(wb2, direct, "user", b.id);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1", direct), 0);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", direct), 0);

    snprintf(path, sizeof path, "/api/messages/%" PRId64, group);
    s_null_call(&a, "DELETE", path, 200);
    s_expect_deleted(wc, group, "group", gid);
    s_expect_deleted(wd, group, "group", gid);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE id = $1", group), 0);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", group), 0);

    /* Only the recipients hear of it: not the sender, and nobody twice. */
    it_chat_expect_silence(wa, 1000);
    it_ws_t *all[5] = { wb1, wb2, wc, wd, wa };
    for (int i = 0; i < 5; i++) {
        if (all[i] != wa)
            it_chat_expect_silence(all[i], 200);
        it_ws_close(&all[i]);
    }
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&d);
}
END_TEST

/* --- membership while connected --------------------------------------------------- */

START_TEST(test_membership_changes_while_connected)
{
    s_replica_idle();
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "evjoinadmin");
    IT_USER_REGISTER(&b, "evjoinlate");
    IT_USER_REGISTER(&c, "evjoinmember");
    const it_user_t *members[1] = { &c };
    int64_t gid = it_chat_group(&a, members, 1, "events test");
    it_ws_t *wc = it_chat_open(&c, NULL, NULL, RECV_MS);
    /* B alone on the suite's replica: its topics are u:<b> and nothing else yet. */
    it_ws_t *wb = it_chat_open(&b, s_replica_url(), NULL, RECV_MS);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 1), 1);

    int64_t before = it_chat_send(&a, "group", gid, "before b joins");
    it_chat_expect_pair(wc, before, c.id, NULL, RECV_MS);
    it_chat_expect_silence(wb, 500);

    /* Added while connected: group_joined makes the replica subscribe g:<gid>. Waiting
     * for that (the gauge) before sending keeps the test about delivery, not about the
     * race between the join's event and the next message's. */
    char path[96], body[64];
    snprintf(path, sizeof path, "/api/groups/%" PRId64 "/members", gid);
    snprintf(body, sizeof body, "{\"user_id\":%" PRId64 "}", b.id);
    it_response_t *r = it_request("POST", path, a.access, NULL, body);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 2), 2);
    int64_t joined = it_chat_send(&a, "group", gid, "b is in");
    it_chat_expect_pair(wb, joined, b.id, NULL, RECV_MS);
    it_chat_expect_pair(wc, joined, c.id, NULL, RECV_MS);

    /* Removed while connected: group_left drops the topic, and nothing more arrives. */
    snprintf(path, sizeof path, "/api/groups/%" PRId64 "/members/%" PRId64, gid, b.id);
    s_null_call(&a, "DELETE", path, 200);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 1), 1);
    int64_t left = it_chat_send(&a, "group", gid, "b is out");
    it_chat_expect_pair(wc, left, c.id, NULL, RECV_MS);
    it_chat_expect_silence(wb, 1000);
    char sb[24];
    it_itoa(b.id, sb, sizeof sb);
    char sm[24];
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = $1 AND user_id = $2",
                               -1, 2, it_itoa(left, sm, sizeof sm), sb), 0);

    /* Still a healthy socket: direct messages reach it. */
    int64_t direct = it_chat_send(&a, "user", b.id, "still here");
    it_chat_expect_pair(wb, direct, b.id, NULL, RECV_MS);
    it_ws_close(&wb);
    it_ws_close(&wc);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

/* --- a join racing the group's next messages -------------------------------------- */

/* A catch-up may hold every message of a round (the racing ones and, on a slow machine,
 * the ones sent right after the join too): 2 * JOIN_SENDS must stay within the replica's
 * bound, or the catch-up is rightly cut (replay_truncated, 4001) and the round fails. */
#define JOIN_SENDS (REPLAY_MAX / 2)

typedef struct {
    const it_user_t *from;
    int64_t gid;
    int64_t mids[JOIN_SENDS];
    int sent;
} join_sender_t;

/* Sends the group's messages while the main thread adds the member: some commit before
 * the membership (no notification for the member), some right after it, while the
 * replica's new subscription may still be on its way to the broker. */
static void *
s_join_sender(void *arg)
{
    join_sender_t *js = arg;
    for (int i = 0; i < JOIN_SENDS; i++) {
        it_response_t *r = it_chat_post(js->from, "group", js->gid, "racing the join");
        if (r && r->status == 201)
            js->mids[js->sent++] = it_json_int(json_object_object_get(r->json, "data"), "id");
        it_response_destroy(&r);
    }
    return NULL;
}

/* One round: a fresh group, B added while A sends. B must get, live and exactly once,
 * every message that has a notification row for B. Returns how many B got. */
static int
s_join_round(const it_user_t *a, const it_user_t *b, const it_user_t *c, it_ws_t *wb)
{
    const it_user_t *members[1] = { c };
    int64_t gid = it_chat_group(a, members, 1, "events test");
    join_sender_t js = { .from = a, .gid = gid };
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, s_join_sender, &js), 0);
    char path[96], body[64];
    snprintf(path, sizeof path, "/api/groups/%" PRId64 "/members", gid);
    snprintf(body, sizeof body, "{\"user_id\":%" PRId64 "}", b->id);
    it_response_t *r = it_request("POST", path, a->access, NULL, body);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);
    /* And more right after the join answered: no wait for the subscription gauge. */
    int64_t after[JOIN_SENDS];
    for (int i = 0; i < JOIN_SENDS; i++)
        after[i] = it_chat_send(a, "group", gid, "right after the join");
    pthread_join(th, NULL);
    ck_assert_int_eq(js.sent, JOIN_SENDS);

    /* What B is owed: its notification rows for this group's messages. */
    char sb[24], sg[24];
    int64_t owed = it_db_int("SELECT count(*) FROM notifications n JOIN messages m "
                             "ON m.id = n.message_id WHERE n.user_id = $1 "
                             "AND m.receiver_type = 'group' AND m.receiver_id = $2", -1, 2,
                             it_itoa(b->id, sb, sizeof sb), it_itoa(gid, sg, sizeof sg));
    ck_assert_int_ge(owed, JOIN_SENDS);
    ck_assert_int_le(owed, 2 * JOIN_SENDS);
    int64_t got[2 * JOIN_SENDS];
    for (int64_t i = 0; i < owed; i++) {
        json_object *a1 = it_ws_recv_json(wb, RECV_MS);
        ck_assert_msg(a1, "group %lld: %lld of %lld messages arrived (close %d)",
                      (long long) gid, (long long) i, (long long) owed, it_ws_close_code(wb));
        ck_assert_str_eq(it_json_str(a1, "event"), "new_message");
        int64_t mid = it_json_int(json_object_object_get(a1, "data"), "id");
        json_object_put(a1);
        ck_assert_int_eq(s_expect_pair_rest(wb, mid, b->id), mid);
        for (int64_t k = 0; k < i; k++)
            ck_assert_msg(got[k] != mid, "message %lld arrived twice", (long long) mid);
        char sm[24];
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = $1 "
                                   "AND user_id = $2", -1, 2, it_itoa(mid, sm, sizeof sm), sb), 1);
        got[i] = mid;
    }
    for (int i = 0; i < JOIN_SENDS; i++) {
        bool seen = false;
        for (int64_t k = 0; k < owed; k++)
            seen = seen || got[k] == after[i];
        ck_assert_msg(seen, "message %lld, sent after the join answered, never arrived",
                      (long long) after[i]);
    }
    return (int) owed;
}

START_TEST(test_join_then_send_is_gap_free)
{
    s_replica_idle();
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "evraceadmin");
    IT_USER_REGISTER(&b, "evracejoiner");
    IT_USER_REGISTER(&c, "evracemember");
    /* B alone on the suite's replica: no other member holds the group's topic there, so
     * the subscription made on group_joined really races the messages. */
    it_ws_t *wb = it_chat_open(&b, s_replica_url(), NULL, RECV_MS);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 1), 1);
    int rounds = (int) strtol(s_env_or("TEST_JOIN_ROUNDS", "3"), NULL, 10);
    for (int i = 0; i < rounds; i++)
        s_join_round(&a, &b, &c, wb);
    it_chat_expect_silence(wb, 500);
    /* Whether the race was met this time (rows that only the catch-up could send). */
    fprintf(stderr, "test_join_then_send_is_gap_free: %d rounds, %g catch-ups, %g rows caught up\n",
            rounds, it_metric(s_admin_url(), "notify_join_catchups_total"),
            it_metric(s_admin_url(), "notify_join_caught_up_total"));
    it_ws_close(&wb);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

START_TEST(test_group_deleted_stops_delivery)
{
    s_replica_idle();
    it_user_t a, b, c;
    IT_USER_REGISTER(&a, "evgdeladmin");
    IT_USER_REGISTER(&b, "evgdelb");
    IT_USER_REGISTER(&c, "evgdelc");
    const it_user_t *members[2] = { &b, &c };
    int64_t gid = it_chat_group(&a, members, 2, "events test");
    it_ws_t *wb = it_chat_open(&b, s_replica_url(), NULL, RECV_MS);
    it_ws_t *wc = it_chat_open(&c, s_replica_url(), NULL, RECV_MS);
    /* u:<b>, u:<c> and the group's one topic, shared by both. */
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 3), 3);
    int64_t mid = it_chat_send(&a, "group", gid, "last words");
    it_chat_expect_pair(wb, mid, b.id, NULL, RECV_MS);
    it_chat_expect_pair(wc, mid, c.id, NULL, RECV_MS);

    char path[64];
    snprintf(path, sizeof path, "/api/groups/%" PRId64, gid);
    s_null_call(&a, "DELETE", path, 200);
    ck_assert_int_eq((int) s_wait_metric("notify_subscribed_topics", 2), 2);
    ck_assert_int_eq(s_count("SELECT count(*) FROM messages WHERE receiver_type = 'group' "
                             "AND receiver_id = $1", gid), 0);
    ck_assert_int_eq(s_count("SELECT count(*) FROM notifications WHERE message_id = $1", mid), 0);

    it_response_t *r = it_chat_post(&a, "group", gid, "into the void");
    IT_ASSERT_ERROR(r, 404, "NOT_FOUND", "Receiver not found");
    it_response_destroy(&r);
    it_chat_expect_silence(wb, 1000);
    it_chat_expect_silence(wc, 200);
    it_ws_close(&wb);
    it_ws_close(&wc);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
}
END_TEST

/* --- the slow client -------------------------------------------------------------- */

START_TEST(test_slow_client_closed_1008)
{
    s_replica_idle();
    it_user_t a, b;
    IT_USER_REGISTER(&a, "evslowsender");
    IT_USER_REGISTER(&b, "evslowreader");
    double closes = it_metric(s_admin_url(), "ws_slow_client_closes_total");
    double dropped = it_metric(s_admin_url(), "ws_frames_dropped_total");
    ck_assert(closes >= 0 && dropped >= 0);

    /* The slow socket has a tiny window and reads nothing after "ready"; the other
     * socket of the same user reads everything. */
    int status = 0;
    it_ws_t *slow = it_ws_connect(&(it_ws_opts_t) { .url = s_replica_url(), .token = b.access,
                                                    .rcvbuf = 1024 }, &status);
    ck_assert_msg(slow, "slow socket: upgrade answered %d", status);
    json_object *ready = it_ws_recv_event(slow, "ready", RECV_MS, NULL);
    ck_assert_ptr_nonnull(ready);
    json_object_put(ready);
    it_ws_t *good = it_chat_open(&b, s_replica_url(), NULL, RECV_MS);

    /* Two frames of ~5 KB per message: the send queue's 256 frames / 1 MiB fill after
     * some 130 messages once the kernel buffers are full. 600 is far beyond that. */
    char *text = malloc(BIG_TEXT + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, 'x', BIG_TEXT);
    text[BIG_TEXT] = '\0';
    int sent = 0;
    bool closed = false;
    while (sent < 600 && !closed) {
        int64_t mid = it_chat_send(&a, "user", b.id, text);
        sent++;
        /* The same event went to both sockets in one pass of the replica's loop: once the
         * good socket has it, the slow socket's fate for it is decided too. */
        it_chat_expect_pair(good, mid, b.id, NULL, RECV_MS);
        closed = it_metric(s_admin_url(), "ws_slow_client_closes_total") > closes;
    }
    free(text);
    ck_assert_msg(closed, "no slow-client close after %d messages of %d characters", sent,
                  BIG_TEXT);
    ck_assert(it_metric(s_admin_url(), "ws_frames_dropped_total") > dropped);

    /* Reading again now lets the replica flush what the kernel holds and send its close
     * frame (it hangs up by itself 3 s after the decision if the client never reads). */
    int frames = 0;
    int64_t until = it_now_ms() + RECV_MS;
    char *frame;
    while (it_now_ms() < until && (frame = it_ws_recv_text(slow, 1000)) != NULL) {
        frames++;
        free(frame);
    }
    ck_assert_msg(it_ws_closed(slow), "the slow socket is still open after %d more frames", frames);
    ck_assert_msg(it_ws_close_code(slow) == 1008, "slow socket closed with code %d, not 1008 "
                  "(%d messages sent, %d frames read at the end)", it_ws_close_code(slow), sent,
                  frames);

    /* The other socket of the same user was never held up and keeps receiving. */
    int64_t after = it_chat_send(&a, "user", b.id, "after the close");
    it_chat_expect_pair(good, after, b.id, NULL, RECV_MS);
    it_chat_expect_silence(good, 300);
    ck_assert_int_eq((int) s_wait_metric("websocket_connections", 1), 1);
    it_ws_close(&slow);
    it_ws_close(&good);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- replay truncation ------------------------------------------------------------ */

START_TEST(test_replay_truncated_then_resumed)
{
    s_replica_idle();
    it_user_t a, b;
    IT_USER_REGISTER(&a, "evreplaysender");
    IT_USER_REGISTER(&b, "evreplayreader");
    double truncated = it_metric(s_admin_url(), "notify_replays_truncated_total");
    ck_assert(truncated >= 0);

    /* B is offline for REPLAY_MAX + 3 messages. */
    enum { MISSED = REPLAY_MAX + 3 };
    int64_t mids[MISSED];
    char text[32];
    for (int i = 0; i < MISSED; i++) {
        snprintf(text, sizeof text, "missed %d", i);
        mids[i] = it_chat_send(&a, "user", b.id, text);
    }

    /* The first REPLAY_MAX in order, then where to resume, then close 4001: no "ready",
     * since going live would leave a gap. */
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = s_replica_url(), .token = b.access,
                                                  .query = "since=0" }, &status);
    ck_assert_msg(ws, "upgrade answered %d", status);
    int64_t last = 0;
    for (int i = 0; i < REPLAY_MAX; i++) {
        int64_t nid = it_chat_expect_pair(ws, mids[i], b.id, NULL, RECV_MS);
        ck_assert_int_gt(nid, last);
        last = nid;
    }
    json_object *cut = it_ws_recv_json(ws, RECV_MS);
    ck_assert_msg(cut, "no replay_truncated frame (close %d)", it_ws_close_code(ws));
    ck_assert_str_eq(it_json_str(cut, "event"), "replay_truncated");
    ck_assert_int_eq(it_json_int(json_object_object_get(cut, "data"), "last_id"), last);
    json_object_put(cut);
    char *more = it_ws_recv_text(ws, RECV_MS);
    ck_assert_msg(!more, "frame after replay_truncated: %s", more ? more : "");
    ck_assert_int_eq(it_ws_close_code(ws), 4001);
    it_ws_close(&ws);
    ck_assert(s_wait_metric("notify_replays_truncated_total", truncated + 1) == truncated + 1);

    /* Resuming from last_id gives the rest, then "ready", then live. */
    char query[48];
    snprintf(query, sizeof query, "since=%" PRId64, last);
    ws = it_ws_connect(&(it_ws_opts_t) { .url = s_replica_url(), .token = b.access,
                                         .query = query }, &status);
    ck_assert_msg(ws, "upgrade answered %d", status);
    for (int i = REPLAY_MAX; i < MISSED; i++) {
        int64_t nid = it_chat_expect_pair(ws, mids[i], b.id, NULL, RECV_MS);
        ck_assert_int_gt(nid, last);
        last = nid;
    }
    json_object *ready = it_ws_recv_json(ws, RECV_MS);
    ck_assert_ptr_nonnull(ready);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    json_object_put(ready);
    int64_t live = it_chat_send(&a, "user", b.id, "live again");
    ck_assert_int_gt(it_chat_expect_pair(ws, live, b.id, NULL, RECV_MS), last);
    it_chat_expect_silence(ws, 300);
    it_ws_close(&ws);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("notify_events");
    TCase *tc = tcase_create("events");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, s_replica_start, s_replica_stop);
    tcase_add_test(tc, test_message_deleted_reaches_recipients);
    tcase_add_test(tc, test_membership_changes_while_connected);
    tcase_add_test(tc, test_join_then_send_is_gap_free);
    tcase_add_test(tc, test_group_deleted_stops_delivery);
    tcase_add_test(tc, test_slow_client_closed_1008);
    tcase_add_test(tc, test_replay_truncated_then_resumed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
