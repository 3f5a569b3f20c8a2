/* test_notify_brokers.c -- the event path over two brokers (schemas/events.md, "Event
 * ids" and "A broker that dies"): with notify subscribed through both and the publisher
 * publishing through both, a WebSocket gets each notification exactly once; when one
 * broker is killed (SIGKILL) while messages keep coming, and later comes back, every
 * socket still gets every notification of its user exactly once and in order (compared
 * with the notifications table), and notify counted its resyncs; and a notification whose
 * event never came (its row written straight into PostgreSQL: the event lost) reaches the
 * socket by the resync that a broker coming up starts, also after more notifications than
 * the socket's sent window holds (nothing twice: the chaos run's duplicates).
 *
 * The stack's services publish to the stack's broker only, so the suite runs a two-broker
 * path of its own beside it, all children of the suite (PR_SET_PDEATHSIG), logs in
 * LOG_DIR: brokers A and B (client, worker, XSUB, XPUB, admin on 18120-18124 and
 * 18125-18129), a messages service registered with both and publishing through both
 * (admin 18130), an edge on both (18131) and a notify replica subscribed through both
 * (18132, admin 18133). notify's list also names a broker C (18134-18138) that only the
 * lost-event test starts. Users are registered through the stack's edge; PostgreSQL, Redis,
 * the JWT secret and the bus certificates are the stack's. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_edge.h"
#include "it_env.h"
#include "it_http.h"
#include "it_metrics.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECV_MS 10000            /* generous: a loaded CI machine, a sanitizer build */
#define READY_MS 20000

#define BROKER_A 18120           /* client; +1 worker, +2 XSUB, +3 XPUB, +4 admin */
#define BROKER_B 18125
#define BROKER_C 18134           /* in notify's list, started by one test only */
#define MESSAGES_ADMIN 18130
#define EDGE_PORT 18131
#define NOTIFY_PORT "18132"
#define NOTIFY_ADMIN "http://127.0.0.1:18133"
#define NOTIFY_WS "ws://127.0.0.1:18132/ws"

static pid_t s_broker_a, s_broker_b, s_messages, s_edge, s_notify;
static char s_stack_edge[512];

/* --- the suite's own processes ---------------------------------------------------- */

static const char *
s_bus(int base, int offset, char *out, size_t size)
{
    snprintf(out, size, "tcp://127.0.0.1:%d", base + offset);
    return out;
}

/* Both brokers' OFFSET socket as an endpoint list. */
static const char *
s_both(int offset, char *out, size_t size)
{
    snprintf(out, size, "tcp://127.0.0.1:%d,tcp://127.0.0.1:%d", BROKER_A + offset,
             BROKER_B + offset);
    return out;
}

static const char *
s_admin(int port, char *out, size_t size)
{
    snprintf(out, size, "http://127.0.0.1:%d", port);
    return out;
}

/* Starts TEST_BUILD_DIR/PATH with SETTINGS ("NAME=value", NULL ended) on top of the
 * suite's environment, stderr to LOG_DIR/NAME.log. */
static pid_t
s_spawn(const char *path, const char *name, const char *const *settings)
{
    char bin[1024], log[1024];
    snprintf(bin, sizeof bin, "%s/%s", it_env_require("TEST_BUILD_DIR"), path);
    const char *dir = getenv("LOG_DIR");
    snprintf(log, sizeof log, "%s/%s.log", dir && *dir ? dir : "/tmp", name);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(1);
        for (int i = 0; settings[i]; i++) {
            char key[128];
            const char *eq = strchr(settings[i], '=');
            snprintf(key, sizeof key, "%.*s", (int) (eq - settings[i]), settings[i]);
            setenv(key, eq + 1, 1);
        }
        if (!freopen(log, "a", stderr) || !freopen(log, "a", stdout))
            _exit(1);
        execl(bin, name, (char *) NULL);
        _exit(127);
    }
    return pid;
}

/* Waits until SAMPLE on ADMIN reaches at least MIN; returns the last value. */
static double
s_wait_metric(const char *admin, const char *sample, double min, int ms)
{
    int64_t until = it_now_ms() + ms;
    double v;
    while ((v = it_metric(admin, sample)) < min && it_now_ms() < until)
        it_sleep_ms(50);
    return v;
}

static pid_t
s_broker_start(int base, const char *name)
{
    char c[64], w[64], xs[64], xp[64], client[96], worker[96], xsub[96], xpub[96], admin[40];
    snprintf(client, sizeof client, "BROKER_CLIENT_BIND=%s", s_bus(base, 0, c, sizeof c));
    snprintf(worker, sizeof worker, "BROKER_WORKER_BIND=%s", s_bus(base, 1, w, sizeof w));
    snprintf(xsub, sizeof xsub, "BROKER_XSUB_BIND=%s", s_bus(base, 2, xs, sizeof xs));
    snprintf(xpub, sizeof xpub, "BROKER_XPUB_BIND=%s", s_bus(base, 3, xp, sizeof xp));
    snprintf(admin, sizeof admin, "ADMIN_PORT=%d", base + 4);
    const char *settings[] = { client, worker, xsub, xpub, admin, NULL };
    pid_t pid = s_spawn("broker/broker", name, settings);
    char url[64];
    ck_assert_msg(s_wait_metric(s_admin(base + 4, url, sizeof url), "bus_broker_events_total",
                                0, READY_MS) >= 0, "%s did not start", name);
    return pid;
}

/* Until broker BASE counts a messages worker (ours registers with both). */
static void
s_wait_worker(int base)
{
    char url[64];
    ck_assert_msg(s_wait_metric(s_admin(base + 4, url, sizeof url),
                                "bus_broker_workers{service=\"messages\"}", 1, READY_MS) >= 1,
                  "no messages worker on the broker at %d", base);
}

static void
s_stop(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGTERM);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

static void
s_setup(void)
{
    snprintf(s_stack_edge, sizeof s_stack_edge, "%s", it_edge_url());
    s_broker_a = s_broker_start(BROKER_A, "brokers-a");
    s_broker_b = s_broker_start(BROKER_B, "brokers-b");

    char l1[160], l2[160], worker[200], pub[200], sub[200], client[200];
    snprintf(worker, sizeof worker, "BUS_WORKER_ENDPOINT=%s", s_both(1, l1, sizeof l1));
    snprintf(pub, sizeof pub, "BUS_PUB_ENDPOINT=%s", s_both(2, l2, sizeof l2));
    char admin[40];
    snprintf(admin, sizeof admin, "ADMIN_PORT=%d", MESSAGES_ADMIN);
    const char *messages[] = { worker, pub, admin, NULL };
    s_messages = s_spawn("services/messages/messages", "brokers-messages", messages);
    s_wait_worker(BROKER_A);
    s_wait_worker(BROKER_B);

    snprintf(client, sizeof client, "BUS_CLIENT_ENDPOINT=%s", s_both(0, l1, sizeof l1));
    const char *edge[] = { client, "RATE_LIMIT_PER_SECOND=100000",
                           "RATE_LIMIT_PER_MINUTE=1000000", NULL };
    s_edge = it_edge_start(EDGE_PORT, edge);

    snprintf(sub, sizeof sub, "BUS_SUB_ENDPOINT=%s,tcp://127.0.0.1:%d", s_both(3, l1, sizeof l1),
             BROKER_C + 3);
    const char *notify[] = { sub, pub, NULL };
    s_notify = it_notify_start(NOTIFY_PORT, "18133", notify);
    ck_assert_msg(s_notify > 0, "notify did not start");
    ck_assert_msg(s_wait_metric(NOTIFY_ADMIN, "notify_bus_brokers_up", 2, READY_MS) == 2,
                  "notify is not subscribed through both brokers");
}

static void
s_teardown(void)
{
    it_notify_stop(&s_notify);
    it_edge_stop(&s_edge);
    s_stop(&s_messages);
    s_stop(&s_broker_a);
    s_stop(&s_broker_b);
}

/* Requests go to the suite's edge (on both brokers) or back to the stack's. */
static void
s_use_own_edge(bool own)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", EDGE_PORT);
    setenv("TEST_EDGE_URL", own ? url : s_stack_edge, 1);
}

/* --- reading a socket ------------------------------------------------------------- */

/* Reads WS's notification pairs until it has WANT of them (or RECV_MS pass without a
 * frame), recording their notification ids in IDS (room for CAP). Returns the count; a
 * frame that is not the expected one of a pair fails the test. */
static int
s_read_pairs(it_ws_t *ws, int64_t uid, int64_t *ids, int cap, int want)
{
    int n = 0;
    while (n < want) {
        json_object *a = it_ws_recv_json(ws, RECV_MS);
        if (!a)
            break;
        ck_assert_str_eq(it_json_str(a, "event"), "new_message");
        int64_t mid = it_json_int(json_object_object_get(a, "data"), "id");
        json_object_put(a);
        json_object *b = it_ws_recv_json(ws, RECV_MS);
        ck_assert_msg(b, "no notification after new_message %lld", (long long) mid);
        ck_assert_str_eq(it_json_str(b, "event"), "notification");
        json_object *d = json_object_object_get(b, "data");
        ck_assert_int_eq(it_json_int(d, "message_id"), mid);
        ck_assert_int_eq(it_json_int(d, "user_id"), uid);
        ck_assert_msg(n < cap, "more notifications than the %d expected", cap);
        ids[n++] = it_json_int(d, "id");
        json_object_put(b);
    }
    return n;
}

/* The notification ids of UID in the database, ascending, into IDS (room for CAP). */
static int
s_db_ids(int64_t uid, int64_t *ids, int cap)
{
    char u[24];
    int n = (int) it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1", -1, 1,
                            it_itoa(uid, u, sizeof u));
    ck_assert_int_ge(n, 0);
    ck_assert_int_le(n, cap);
    for (int i = 0; i < n; i++) {
        char off[24];
        ids[i] = it_db_int("SELECT id FROM notifications WHERE user_id = $1 ORDER BY id "
                           "OFFSET $2 LIMIT 1", -1, 2, u, it_itoa(i, off, sizeof off));
    }
    return n;
}

/* Asserts that WS got exactly the notifications of UID in the table, in id order. */
static void
s_expect_table(it_ws_t *ws, int64_t uid, const char *which)
{
    enum { CAP = 1000 };
    static int64_t want[CAP], got[CAP];
    int n = s_db_ids(uid, want, CAP);
    int m = s_read_pairs(ws, uid, got, CAP, n);
    ck_assert_msg(m == n, "%s socket: %d notifications of %d in the table", which, m, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s socket: notification %d is %lld, the table's is "
                      "%lld (a duplicate, a gap or out of order)", which, i,
                      (long long) got[i], (long long) want[i]);
    it_chat_expect_silence(ws, 500);    /* and nothing twice after the last one */
}

/* --- exactly once through two brokers --------------------------------------------- */

START_TEST(test_each_event_once_through_two_brokers)
{
    s_use_own_edge(false);
    it_user_t a, b;
    IT_USER_REGISTER(&a, "brkonce_sender");
    IT_USER_REGISTER(&b, "brkonce_receiver");
    ck_assert_int_eq((int) it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up"), 2);
    double dups = it_metric(NOTIFY_ADMIN, "notify_bus_duplicates_total");
    ck_assert(dups >= 0);
    it_ws_t *ws = it_chat_open(&b, NOTIFY_WS, NULL, RECV_MS);

    s_use_own_edge(true);
    enum { N = 20 };
    for (int i = 0; i < N; i++)
        it_chat_send(&a, "user", b.id, "twice on the bus, once on the socket");
    s_use_own_edge(false);
    s_expect_table(ws, b.id, "the");
    /* Each came through both brokers: the second copies were seen and dropped. */
    ck_assert_msg(s_wait_metric(NOTIFY_ADMIN, "notify_bus_duplicates_total", dups + N, RECV_MS)
                  >= dups + N, "notify dropped fewer than %d copies", N);
    it_ws_close(&ws);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* A message from A to B and its notification written straight into PostgreSQL: a row
 * whose event was lost on the way (what a broker's death or a partition does). Returns
 * the notification id. */
static int64_t
s_insert_lost(const it_user_t *a, const it_user_t *b)
{
    char au[24], bu[24];
    int64_t id = it_db_int(
        "WITH m AS (INSERT INTO messages (sender_id, receiver_type, receiver_id, pair_lo, "
        "pair_hi, text) VALUES ($1::bigint, 'user', $2::bigint, least($1::bigint, $2::bigint), "
        "greatest($1::bigint, $2::bigint), 'its event was lost') RETURNING id) "
        "INSERT INTO notifications (user_id, message_id) SELECT $2::bigint, id FROM m "
        "RETURNING id", -1, 2, it_itoa(a->id, au, sizeof au), it_itoa(b->id, bu, sizeof bu));
    ck_assert_int_gt(id, 0);
    return id;
}

/* Starts broker C and waits until notify is subscribed through it and has resynced. */
static pid_t
s_broker_c_up(void)
{
    double resyncs = it_metric(NOTIFY_ADMIN, "notify_resyncs_total");
    ck_assert(resyncs >= 0);
    pid_t c = s_broker_start(BROKER_C, "brokers-c");
    ck_assert_msg(s_wait_metric(NOTIFY_ADMIN, "notify_bus_brokers_up", 3, READY_MS) == 3,
                  "notify did not subscribe through the new broker");
    ck_assert(s_wait_metric(NOTIFY_ADMIN, "notify_resyncs_total", resyncs + 1, RECV_MS)
              >= resyncs + 1);
    return c;
}

/* Stops broker C and waits until notify lost it; with SOCKETS open there, also for the
 * resync that starts (with none, there is nothing to resync and nothing is counted). */
static void
s_broker_c_down(pid_t *c, bool sockets)
{
    double resyncs = it_metric(NOTIFY_ADMIN, "notify_resyncs_total");
    ck_assert(resyncs >= 0);
    s_stop(c);
    int64_t until = it_now_ms() + RECV_MS;
    while (it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up") != 2 && it_now_ms() < until)
        it_sleep_ms(50);
    ck_assert_int_eq((int) it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up"), 2);
    if (sockets)
        ck_assert(s_wait_metric(NOTIFY_ADMIN, "notify_resyncs_total", resyncs + 1, RECV_MS)
                  >= resyncs + 1);
}

/* --- an event lost: the resync sends its row ---------------------------------------- */

START_TEST(test_lost_event_recovered_when_a_broker_comes_up)
{
    s_use_own_edge(false);
    it_user_t a, b;
    IT_USER_REGISTER(&a, "brklost_sender");
    IT_USER_REGISTER(&b, "brklost_receiver");
    it_ws_t *cursor = it_chat_open(&b, NOTIFY_WS, "since=0", RECV_MS);
    it_ws_t *plain = it_chat_open(&b, NOTIFY_WS, NULL, RECV_MS);
    s_use_own_edge(true);
    for (int i = 0; i < 3; i++)
        it_chat_send(&a, "user", b.id, "before the lost one");
    s_use_own_edge(false);

    /* A message and its notification committed, its event lost on the way (what a
     * broker's death or a partition does): nothing reaches the sockets live. */
    int64_t lost = s_insert_lost(&a, &b);
    enum { CAP = 16 };
    int64_t got[CAP];
    ck_assert_int_eq(s_read_pairs(cursor, b.id, got, CAP, 3), 3);
    ck_assert_int_eq(s_read_pairs(plain, b.id, got, CAP, 3), 3);
    it_chat_expect_silence(cursor, 500);

    /* A broker comes up (a new one here; one back after a crash is the same event). */
    double resynced = it_metric(NOTIFY_ADMIN, "notify_resynced_notifications_total");
    ck_assert(resynced >= 0);
    pid_t c = s_broker_c_up();

    /* Each socket gets the lost row (and nothing it had), then the table is complete. */
    ck_assert_int_eq(s_read_pairs(cursor, b.id, got, CAP, 1), 1);
    ck_assert_int_eq(got[0], lost);
    ck_assert_int_eq(s_read_pairs(plain, b.id, got, CAP, 1), 1);
    ck_assert_int_eq(got[0], lost);
    ck_assert(s_wait_metric(NOTIFY_ADMIN, "notify_resynced_notifications_total", resynced + 2,
                            RECV_MS) >= resynced + 2);
    s_use_own_edge(true);
    int64_t after = it_chat_send(&a, "user", b.id, "after the resync");
    s_use_own_edge(false);
    it_chat_expect_pair(cursor, after, b.id, NULL, RECV_MS);
    it_chat_expect_pair(plain, after, b.id, NULL, RECV_MS);
    it_chat_expect_silence(cursor, 300);
    it_chat_expect_silence(plain, 300);
    it_ws_close(&cursor);
    it_ws_close(&plain);

    /* Gone again: the next test starts from brokers A and B. */
    s_broker_c_down(&c, false);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- a resync after the sent window slid: nothing twice ------------------------------
 * The chaos run's duplicates: with more than NOTIFY_SENT_MAX (64) notifications sent, a
 * socket's sent window is full and its floor raised. A row that comes below ids the
 * socket already has (an out-of-order event, or here a lost one that the resync reads)
 * went into the middle of the full window, and the window dropped its largest id: the
 * resync's read then sent that one again. Both kinds of socket, a resync when a broker
 * comes up and another when it goes: each row exactly once. */

START_TEST(test_resync_after_full_window_sends_nothing_twice)
{
    s_use_own_edge(false);
    it_user_t a, b;
    IT_USER_REGISTER(&a, "brkfull_sender");
    IT_USER_REGISTER(&b, "brkfull_receiver");
    it_ws_t *cursor = it_chat_open(&b, NOTIFY_WS, "since=0", RECV_MS);
    it_ws_t *plain = it_chat_open(&b, NOTIFY_WS, NULL, RECV_MS);

    enum { FULL = 70, AFTER = 3 };      /* FULL > NOTIFY_SENT_MAX: the floors rise */
    s_use_own_edge(true);
    for (int i = 0; i < FULL; i++) {
        int64_t mid = it_chat_send(&a, "user", b.id, "filling the window");
        it_chat_expect_pair(cursor, mid, b.id, NULL, RECV_MS);
        it_chat_expect_pair(plain, mid, b.id, NULL, RECV_MS);
    }
    s_use_own_edge(false);
    int64_t lost = s_insert_lost(&a, &b);
    int64_t last = 0;
    s_use_own_edge(true);
    for (int i = 0; i < AFTER; i++) {   /* live, above the lost one */
        int64_t mid = it_chat_send(&a, "user", b.id, "after the lost one");
        last = it_chat_expect_pair(cursor, mid, b.id, NULL, RECV_MS);
        ck_assert_int_eq(it_chat_expect_pair(plain, mid, b.id, NULL, RECV_MS), last);
    }
    s_use_own_edge(false);
    ck_assert_int_gt(last, lost);

    /* A broker comes up: the resync reads after each floor; the lost row is the only one
     * either socket lacks (the last one sent before it, LAST, must not come again). */
    pid_t c = s_broker_c_up();
    enum { CAP = 8 };
    int64_t got[CAP];
    ck_assert_int_eq(s_read_pairs(cursor, b.id, got, CAP, 1), 1);
    ck_assert_int_eq(got[0], lost);
    ck_assert_int_eq(s_read_pairs(plain, b.id, got, CAP, 1), 1);
    ck_assert_int_eq(got[0], lost);
    it_chat_expect_silence(cursor, 500);
    it_chat_expect_silence(plain, 500);

    /* And gone: a second resync, nothing new to send. */
    s_broker_c_down(&c, true);
    it_chat_expect_silence(cursor, 500);
    it_chat_expect_silence(plain, 500);

    s_use_own_edge(true);
    int64_t mid = it_chat_send(&a, "user", b.id, "live again");
    s_use_own_edge(false);
    ck_assert_int_gt(it_chat_expect_pair(cursor, mid, b.id, NULL, RECV_MS), last);
    ck_assert_int_gt(it_chat_expect_pair(plain, mid, b.id, NULL, RECV_MS), last);
    it_chat_expect_silence(cursor, 300);
    it_chat_expect_silence(plain, 300);
    it_ws_close(&cursor);
    it_ws_close(&plain);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

/* --- a broker killed, then back ---------------------------------------------------- */

typedef struct {
    const it_user_t *from;
    int64_t to;
    atomic_bool stop;
    atomic_int sent, ok;
} sender_t;

static void *
s_sender(void *arg)
{
    sender_t *s = arg;
    while (!atomic_load(&s->stop)) {
        it_response_t *r = it_chat_post(s->from, "user", s->to, "through whichever broker lives");
        atomic_fetch_add(&s->sent, 1);
        /* A call in flight on the broker that dies may fail (a POST without an
         * Idempotency-Key is not retried): the table says what was written. */
        if (r->status == 201)
            atomic_fetch_add(&s->ok, 1);
        it_response_destroy(&r);
        it_sleep_ms(10);
    }
    return NULL;
}

/* Waits until the sender has SENT more requests than now. */
static void
s_wait_sent(sender_t *s, int more)
{
    int target = atomic_load(&s->sent) + more;
    int64_t until = it_now_ms() + 60000;
    while (atomic_load(&s->sent) < target && it_now_ms() < until)
        it_sleep_ms(20);
    ck_assert_int_ge(atomic_load(&s->sent), target);
}

START_TEST(test_broker_killed_nothing_lost_nothing_twice)
{
    s_use_own_edge(false);
    it_user_t a, b;
    IT_USER_REGISTER(&a, "brkkill_sender");
    IT_USER_REGISTER(&b, "brkkill_receiver");
    ck_assert_int_eq((int) it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up"), 2);
    double resyncs = it_metric(NOTIFY_ADMIN, "notify_resyncs_total");
    ck_assert(resyncs >= 0);
    /* One socket with a cursor (?since=0: a replay of nothing), one without: a resync
     * reads after the cursor for the first, since the socket went live for the second. */
    it_ws_t *cursor = it_chat_open(&b, NOTIFY_WS, "since=0", RECV_MS);
    it_ws_t *plain = it_chat_open(&b, NOTIFY_WS, NULL, RECV_MS);

    s_use_own_edge(true);
    sender_t s = { .from = &a, .to = b.id };
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, s_sender, &s), 0);
    s_wait_sent(&s, 30);

    /* A crash: no goodbye to anyone. */
    ck_assert_int_eq(kill(s_broker_a, SIGKILL), 0);
    waitpid(s_broker_a, NULL, 0);
    s_broker_a = 0;
    ck_assert_msg(s_wait_metric(NOTIFY_ADMIN, "notify_resyncs_total", resyncs + 1, RECV_MS)
                  >= resyncs + 1, "notify did not resync after losing a broker");
    int64_t until = it_now_ms() + RECV_MS;
    while (it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up") != 1 && it_now_ms() < until)
        it_sleep_ms(50);
    ck_assert_int_eq((int) it_metric(NOTIFY_ADMIN, "notify_bus_brokers_up"), 1);
    s_wait_sent(&s, 30);

    /* Back: notify resubscribes through it (and resyncs again), the publisher and the
     * edge reconnect; messages keep coming meanwhile. */
    double before_back = it_metric(NOTIFY_ADMIN, "notify_resyncs_total");
    s_broker_a = s_broker_start(BROKER_A, "brokers-a");
    s_wait_worker(BROKER_A);
    ck_assert_msg(s_wait_metric(NOTIFY_ADMIN, "notify_bus_brokers_up", 2, READY_MS) == 2,
                  "notify did not reconnect to the broker that came back");
    ck_assert(s_wait_metric(NOTIFY_ADMIN, "notify_resyncs_total", before_back + 1, RECV_MS)
              >= before_back + 1);
    s_wait_sent(&s, 20);
    atomic_store(&s.stop, true);
    pthread_join(th, NULL);
    s_use_own_edge(false);
    ck_assert_int_gt(atomic_load(&s.ok), 60);

    s_expect_table(cursor, b.id, "the ?since=0");
    s_expect_table(plain, b.id, "the plain");
    it_ws_close(&cursor);
    it_ws_close(&plain);
    it_user_clear(&a);
    it_user_clear(&b);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_brokers");
    TCase *tc = tcase_create("brokers");
    tcase_set_timeout(tc, 180);
    tcase_add_unchecked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_each_event_once_through_two_brokers);
    tcase_add_test(tc, test_lost_event_recovered_when_a_broker_comes_up);
    tcase_add_test(tc, test_resync_after_full_window_sends_nothing_twice);
    tcase_add_test(tc, test_broker_killed_nothing_lost_nothing_twice);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
