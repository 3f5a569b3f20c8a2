/* test_hot_inbox.c -- many senders to one receiver, and to many receivers, at once
 * (services/messages/README.md, "The hot inbox"): every 201 carries its own message,
 * stored once with exactly one notification row and one event; each receiver's
 * notification ids become visible in id order (the WebSocket ?since= replay's premise); a
 * batch holding a message from a sender deleted meanwhile answers that one 404 "User not
 * found" and the others 201; a batch across receivers, some of them unknown, takes its
 * receivers' locks in key order before drawing any id, answers 404 "Receiver not found"
 * to those of unknown ones and 201 to the others. */
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
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENDERS 16
#define EACH 12

/* One sender thread's requests and what came back (asserted on the main thread). */
typedef struct {
    const it_user_t *from;
    int64_t to[EACH];
    int count;
    char text[EACH][64];
    long status[EACH];
    int64_t id[EACH], sender_id[EACH], receiver_id[EACH];
    char echoed[EACH][64];
    char error[EACH][64];
} sender_t;

static void *
s_send_all(void *arg)
{
    sender_t *s = arg;
    for (int i = 0; i < s->count; i++) {
        it_response_t *r = it_callf(s->from, "POST", "/api/messages",
                                    "{\"text\":\"%s\",\"receiver_type\":\"user\","
                                    "\"receiver_id\":%" PRId64 "}", s->text[i], s->to[i]);
        s->status[i] = r->status;
        json_object *v;
        json_object *data;
        if (r->status == 201 && r->json && json_object_object_get_ex(r->json, "data", &data)) {
            if (json_object_object_get_ex(data, "id", &v))
                s->id[i] = json_object_get_int64(v);
            if (json_object_object_get_ex(data, "sender_id", &v))
                s->sender_id[i] = json_object_get_int64(v);
            if (json_object_object_get_ex(data, "receiver_id", &v))
                s->receiver_id[i] = json_object_get_int64(v);
            if (json_object_object_get_ex(data, "text", &v))
                snprintf(s->echoed[i], sizeof s->echoed[i], "%s", json_object_get_string(v));
        }
        else if (r->json && json_object_object_get_ex(r->json, "message", &v))
            snprintf(s->error[i], sizeof s->error[i], "%s", json_object_get_string(v));
        it_response_destroy(&r);
    }
    return NULL;
}

/* Polls the receiver's notifications while the senders run: each sample is (max id,
 * count) of the rows visible at one moment. */
typedef struct {
    int64_t user;
    atomic_bool stop;
    int n;
    int64_t max[4096], count[4096];
} watcher_t;

static void *
s_watch(void *arg)
{
    watcher_t *w = arg;
    char uid[24];
    it_itoa(w->user, uid, sizeof uid);
    while (!atomic_load(&w->stop) && w->n < 4096) {
        char *row = it_db_text("SELECT coalesce(max(id), 0) || ' ' || count(*) FROM notifications "
                               "WHERE user_id = $1::bigint", 1, uid);
        if (row && sscanf(row, "%" SCNd64 " %" SCNd64, &w->max[w->n], &w->count[w->n]) == 2)
            w->n++;
        free(row);
    }
    return NULL;
}

/* Commit order is id order: whenever W's reader saw ids up to M, every row with an id up
 * to M was already visible (none committed later with a smaller id). */
static void
s_assert_id_order(const watcher_t *w)
{
    char tid[24];
    it_itoa(w->user, tid, sizeof tid);
    ck_assert_int_gt(w->n, 0);
    for (int i = 0; i < w->n; i++) {
        char m[24];
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1::bigint "
                                   "AND id <= $2::bigint", -1, 2, tid,
                                   it_itoa(w->max[i], m, sizeof m)), w->count[i]);
    }
}

static int64_t
s_count3(const char *sql, int64_t a, int64_t b, const char *c)
{
    char sa[24], sb[24];
    return it_db_int(sql, -1, 3, it_itoa(a, sa, sizeof sa), it_itoa(b, sb, sizeof sb), c);
}

START_TEST(test_many_senders_one_receiver)
{
    it_user_t to, from[SENDERS];
    IT_USER_REGISTER(&to, "hotinbox");
    for (int i = 0; i < SENDERS; i++)
        IT_USER_REGISTER(&from[i], "hotsender");
    static sender_t s[SENDERS];
    static watcher_t w;
    memset(s, 0, sizeof s);
    memset(&w, 0, sizeof w);
    w.user = to.id;
    pthread_t watcher, threads[SENDERS];
    ck_assert_int_eq(pthread_create(&watcher, NULL, s_watch, &w), 0);
    for (int i = 0; i < SENDERS; i++) {
        s[i].from = &from[i];
        s[i].count = EACH;
        for (int k = 0; k < EACH; k++) {   /* quotes and a backslash: the array literal */
            s[i].to[k] = to.id;
            snprintf(s[i].text[k], sizeof s[i].text[k], "hot %d \\\"%d\\\" \\\\ {x,y}", i, k);
        }
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_send_all, &s[i]), 0);
    }
    for (int i = 0; i < SENDERS; i++)
        pthread_join(threads[i], NULL);
    atomic_store(&w.stop, true);
    pthread_join(watcher, NULL);

    /* Every answer is 201 with its own message: sender and text as sent (the JSON escapes
     * above arrive as a quote and a backslash), ids never shared. */
    int64_t ids[SENDERS * EACH];
    int n = 0;
    for (int i = 0; i < SENDERS; i++)
        for (int k = 0; k < EACH; k++) {
            ck_assert_msg(s[i].status[k] == 201, "sender %d message %d: %ld %s", i, k,
                          s[i].status[k], s[i].error[k]);
            ck_assert_int_eq(s[i].sender_id[k], from[i].id);
            char want[64];
            snprintf(want, sizeof want, "hot %d \"%d\" \\ {x,y}", i, k);
            ck_assert_str_eq(s[i].echoed[k], want);
            for (int j = 0; j < n; j++)
                ck_assert_int_ne(ids[j], s[i].id[k]);
            ids[n++] = s[i].id[k];
            /* Stored as answered, with exactly one notification, for the receiver. */
            ck_assert_int_eq(s_count3("SELECT count(*) FROM messages WHERE id = $1::bigint "
                                      "AND sender_id = $2::bigint AND text = $3", s[i].id[k],
                                      from[i].id, want), 1);
        }
    char tid[24];
    it_itoa(to.id, tid, sizeof tid);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'user' "
                               "AND receiver_id = $1::bigint", -1, 1, tid), SENDERS * EACH);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1::bigint",
                               -1, 1, tid), SENDERS * EACH);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages m WHERE m.receiver_id = $1::bigint "
                               "AND m.receiver_type = 'user' AND (SELECT count(*) FROM "
                               "notifications n WHERE n.message_id = m.id AND n.user_id = "
                               "$1::bigint) <> 1", -1, 1, tid), 0);
    s_assert_id_order(&w);
    it_user_clear(&to);
    for (int i = 0; i < SENDERS; i++)
        it_user_clear(&from[i]);
}
END_TEST

/* A transaction of the test's own holding the advisory lock of USER's inbox: a message to
 * USER then waits in PostgreSQL with its batch open. */
static PGconn *
s_hold_inbox(int64_t user)
{
    char id[24];
    return it_db_hold("SELECT pg_advisory_xact_lock(2020, ($1::bigint % 2147483647)::int)", 1,
                      it_itoa(user, id, sizeof id));
}

static void
s_wait_db(const char *sql, const char *arg, int64_t want)
{
    int64_t until = it_now_ms() + 15000, v = -1;
    while ((v = it_db_int(sql, -1, 1, arg)) < want && it_now_ms() < until)
        it_sleep_ms(20);
    ck_assert_msg(v >= want, "%s: %" PRId64 ", want %" PRId64, sql, v, want);
}

/* The test holds the receiver's advisory lock, so the first sender's write waits in
 * PostgreSQL with the receiver's batch open, and the others, a deleted sender among them,
 * queue behind it; released, they go as one batch, which the deleted sender's foreign key
 * fails, and then one by one: 404 for that one, 201 for each other. */
START_TEST(test_deleted_sender_in_batch)
{
    enum { OTHERS = 5 };
    it_user_t to, first, ghost, others[OTHERS];
    IT_USER_REGISTER(&to, "hotghostto");
    IT_USER_REGISTER(&first, "hotfirst");
    IT_USER_REGISTER(&ghost, "hotghost");
    for (int i = 0; i < OTHERS; i++)
        IT_USER_REGISTER(&others[i], "hotother");
    char gid[24], tid[24], admin[128];
    it_itoa(to.id, tid, sizeof tid);
    it_admin_url("messages", admin, sizeof admin);
    ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING id) "
                               "SELECT count(*) FROM d", -1, 1, it_itoa(ghost.id, gid, sizeof gid)), 1);

    PGconn *hold = s_hold_inbox(to.id);
    double batches0 = it_metric(admin, "messages_send_batches_total");
    double batched0 = it_metric(admin, "messages_send_batched_total");
    ck_assert(batches0 >= 0 && batched0 >= 0);

    static sender_t s[OTHERS + 2];
    memset(s, 0, sizeof s);
    const it_user_t *who[OTHERS + 2] = { &first, &ghost };
    for (int i = 0; i < OTHERS; i++)
        who[2 + i] = &others[i];
    pthread_t threads[OTHERS + 2];
    for (int i = 0; i < OTHERS + 2; i++) {
        s[i].from = who[i];
        s[i].to[0] = to.id;
        s[i].count = 1;
        snprintf(s[i].text[0], sizeof s[i].text[0], "queued %d", i);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_send_all, &s[i]), 0);
        if (i == 0)                    /* the first write waits on the lock in PostgreSQL */
            s_wait_db("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                      "AND classid = 2020 AND objid = $1::bigint", tid, 1);
    }
    /* All in the hot inbox: the first writing (held), the others queued behind it. */
    int64_t until = it_now_ms() + 15000;
    double waiting = -1;
    while ((waiting = it_metric(admin, "messages_send_waiting")) < OTHERS + 2
           && it_now_ms() < until)
        it_sleep_ms(20);
    ck_assert_msg(waiting >= OTHERS + 2, "messages_send_waiting %.0f", waiting);
    it_db_release(&hold);
    for (int i = 0; i < OTHERS + 2; i++)
        pthread_join(threads[i], NULL);

    ck_assert_msg(s[1].status[0] == 404, "ghost: %ld", s[1].status[0]);
    ck_assert_str_eq(s[1].error[0], "User not found");
    for (int i = 0; i < OTHERS + 2; i++) {
        if (i == 1)
            continue;
        ck_assert_msg(s[i].status[0] == 201, "sender %d: %ld %s", i, s[i].status[0],
                      s[i].error[0]);
        ck_assert_str_eq(s[i].echoed[0], s[i].text[0]);
        ck_assert_int_eq(s[i].sender_id[0], who[i]->id);
    }
    /* The others went as one batch (first alone, then the six together). */
    ck_assert(it_metric(admin, "messages_send_batches_total") - batches0 >= 2);
    ck_assert(it_metric(admin, "messages_send_batched_total") - batched0 >= OTHERS + 2);
    /* Stored: one message and one notification per 201, nothing of the ghost's. */
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'user' "
                               "AND receiver_id = $1::bigint", -1, 1, tid), OTHERS + 1);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1::bigint",
                               -1, 1, tid), OTHERS + 1);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE text = 'queued 1' "
                               "AND receiver_id = $1::bigint", -1, 1, tid), 0);
    it_user_clear(&to);
    it_user_clear(&first);
    it_user_clear(&ghost);
    for (int i = 0; i < OTHERS; i++)
        it_user_clear(&others[i]);
}
END_TEST

#define RECEIVERS 8

/* Every new_message and notification frame on WS until it stays silent: per message id
 * of IDS[0 .. N-1], how many of each arrived (and how many frames named another). */
static void
s_count_frames(it_ws_t *ws, const int64_t *ids, int n, int *messages, int *notifications,
               int *strangers)
{
    json_object *f;
    while ((f = it_ws_recv_json(ws, 2000)) != NULL) {
        const char *event = it_json_str(f, "event");
        if (!event)
            event = "";
        json_object *data = json_object_object_get(f, "data");
        int64_t id = 0;
        if (strcmp(event, "new_message") == 0)
            id = it_json_int(data, "id");
        else if (strcmp(event, "notification") == 0)
            id = it_json_int(data, "message_id");
        int k = 0;
        while (k < n && ids[k] != id)
            k++;
        if (id == 0 || k == n)
            (*strangers)++;
        else if (strcmp(event, "new_message") == 0)
            messages[k]++;
        else
            notifications[k]++;
        json_object_put(f);
    }
}

/* Messages spread over RECEIVERS inboxes at once (issue 13's messages_spread): every 201
 * is its own row, stored once with one notification row for its receiver and published
 * once; per receiver, commit order is id order. */
START_TEST(test_many_senders_many_receivers)
{
    it_user_t to[RECEIVERS], from[SENDERS];
    for (int r = 0; r < RECEIVERS; r++)
        IT_USER_REGISTER(&to[r], "spreadinbox");
    for (int i = 0; i < SENDERS; i++)
        IT_USER_REGISTER(&from[i], "spreadsender");
    /* Two receivers listen: every message to them arrives once, its notification once. */
    it_ws_t *ws[2] = { it_chat_open(&to[0], NULL, NULL, 5000),
                       it_chat_open(&to[RECEIVERS - 1], NULL, NULL, 5000) };
    static sender_t s[SENDERS];
    static watcher_t w[2];
    memset(s, 0, sizeof s);
    memset(w, 0, sizeof w);
    pthread_t watchers[2], threads[SENDERS];
    for (int k = 0; k < 2; k++) {
        w[k].user = to[k == 0 ? 0 : RECEIVERS - 1].id;
        ck_assert_int_eq(pthread_create(&watchers[k], NULL, s_watch, &w[k]), 0);
    }
    for (int i = 0; i < SENDERS; i++) {
        s[i].from = &from[i];
        s[i].count = EACH;
        for (int k = 0; k < EACH; k++) {   /* each sender round the receivers */
            s[i].to[k] = to[(i + k) % RECEIVERS].id;
            snprintf(s[i].text[k], sizeof s[i].text[k], "spread %d \\\"%d\\\" {x}", i, k);
        }
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_send_all, &s[i]), 0);
    }
    for (int i = 0; i < SENDERS; i++)
        pthread_join(threads[i], NULL);
    for (int k = 0; k < 2; k++) {
        atomic_store(&w[k].stop, true);
        pthread_join(watchers[k], NULL);
    }

    static int64_t ids[SENDERS * EACH];
    int n = 0;
    for (int i = 0; i < SENDERS; i++)
        for (int k = 0; k < EACH; k++) {
            ck_assert_msg(s[i].status[k] == 201, "sender %d message %d: %ld %s", i, k,
                          s[i].status[k], s[i].error[k]);
            char want[64];
            snprintf(want, sizeof want, "spread %d \"%d\" {x}", i, k);
            ck_assert_str_eq(s[i].echoed[k], want);
            ck_assert_int_eq(s[i].sender_id[k], from[i].id);
            ck_assert_int_eq(s[i].receiver_id[k], s[i].to[k]);
            for (int j = 0; j < n; j++)
                ck_assert_int_ne(ids[j], s[i].id[k]);
            ids[n++] = s[i].id[k];
            /* The row answered is the row stored for this request, with one notification
             * for its receiver. */
            char mid[24], rid[24];
            ck_assert_int_eq(s_count3("SELECT count(*) FROM messages WHERE id = $1::bigint "
                                      "AND sender_id = $2::bigint AND text = $3", s[i].id[k],
                                      from[i].id, want), 1);
            ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages m JOIN notifications n "
                                       "ON n.message_id = m.id WHERE m.id = $1::bigint AND "
                                       "m.receiver_id = $2::bigint AND n.user_id = $2::bigint",
                                       -1, 2, it_itoa(s[i].id[k], mid, sizeof mid),
                                       it_itoa(s[i].to[k], rid, sizeof rid)), 1);
            ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = "
                                       "$1::bigint", -1, 1, mid), 1);
        }
    for (int r = 0; r < RECEIVERS; r++) {
        char rid[24];
        it_itoa(to[r].id, rid, sizeof rid);
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'user' "
                                   "AND receiver_id = $1::bigint", -1, 1, rid),
                         SENDERS * EACH / RECEIVERS);
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1::bigint",
                                   -1, 1, rid), SENDERS * EACH / RECEIVERS);
    }
    for (int k = 0; k < 2; k++)
        s_assert_id_order(&w[k]);
    /* Each listener got each of its messages once, with its notification once. */
    for (int k = 0; k < 2; k++) {
        int64_t mine[SENDERS * EACH];
        int m = 0;
        for (int i = 0; i < SENDERS; i++)
            for (int e = 0; e < EACH; e++)
                if (s[i].to[e] == w[k].user)
                    mine[m++] = s[i].id[e];
        int messages[SENDERS * EACH] = { 0 }, notifications[SENDERS * EACH] = { 0 }, strangers = 0;
        s_count_frames(ws[k], mine, m, messages, notifications, &strangers);
        ck_assert_int_eq(strangers, 0);
        for (int j = 0; j < m; j++) {
            ck_assert_msg(messages[j] == 1, "message %" PRId64 ": %d new_message frames",
                          mine[j], messages[j]);
            ck_assert_msg(notifications[j] == 1, "message %" PRId64 ": %d notification frames",
                          mine[j], notifications[j]);
        }
        it_ws_close(&ws[k]);
    }
    for (int r = 0; r < RECEIVERS; r++)
        it_user_clear(&to[r]);
    for (int i = 0; i < SENDERS; i++)
        it_user_clear(&from[i]);
}
END_TEST

/* One batch across receivers, two of them unknown (accounts deleted), queued in an order
 * that is not the order of their lock keys: the test holds X's lock so that the first
 * send waits in PostgreSQL and the others queue behind it (one lane for all direct
 * messages), and Y's, so that the batch stops at Y's lock. There it must already hold A's
 * (the smallest key, queued after Y), not yet X's (the largest), and must have drawn no id
 * yet. Then: 404 "Receiver not found" for the unknown ones with nothing stored, 201 and
 * its own rows for each other. */
START_TEST(test_batch_across_receivers)
{
    enum { N = 6 };
    it_user_t a, y, x, ghost[2], from[N];
    IT_USER_REGISTER(&a, "spreada");       /* ids in this order: keys A < Y < X */
    IT_USER_REGISTER(&y, "spready");
    IT_USER_REGISTER(&x, "spreadx");
    for (int g = 0; g < 2; g++)
        IT_USER_REGISTER(&ghost[g], "spreadghost");
    for (int i = 0; i < N; i++)
        IT_USER_REGISTER(&from[i], "spreadfrom");
    ck_assert(a.id < y.id && y.id < x.id && x.id < 2147483647);
    for (int g = 0; g < 2; g++) {
        char gid[24];
        ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint "
                                   "RETURNING id) SELECT count(*) FROM d", -1, 1,
                                   it_itoa(ghost[g].id, gid, sizeof gid)), 1);
    }
    char admin[128], aid[24], yid[24], xid[24];
    it_admin_url("messages", admin, sizeof admin);
    it_itoa(a.id, aid, sizeof aid);
    it_itoa(y.id, yid, sizeof yid);
    it_itoa(x.id, xid, sizeof xid);
    double batches0 = it_metric(admin, "messages_send_batches_total");
    double batched0 = it_metric(admin, "messages_send_batched_total");
    ck_assert(batches0 >= 0 && batched0 >= 0);

    PGconn *hold_x = s_hold_inbox(x.id), *hold_y = s_hold_inbox(y.id);
    /* Queue order: X (leads, waits), then Y, ghost, A, ghost, X. */
    const int64_t to[N] = { x.id, y.id, ghost[0].id, a.id, ghost[1].id, x.id };
    static sender_t s[N];
    memset(s, 0, sizeof s);
    pthread_t threads[N];
    for (int i = 0; i < N; i++) {
        s[i].from = &from[i];
        s[i].to[0] = to[i];
        s[i].count = 1;
        snprintf(s[i].text[0], sizeof s[i].text[0], "across %d", i);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_send_all, &s[i]), 0);
        if (i == 0)
            s_wait_db("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                      "AND classid = 2020 AND objid = $1::bigint", xid, 1);
        /* Each queued before the next starts, so the batch's order is the one above. */
        int64_t until = it_now_ms() + 15000;
        double waiting = -1;
        while ((waiting = it_metric(admin, "messages_send_waiting")) < i + 1
               && it_now_ms() < until)
            it_sleep_ms(10);
        ck_assert_msg(waiting >= i + 1, "messages_send_waiting %.0f, want %d", waiting, i + 1);
    }
    it_db_release(&hold_x);           /* the first commits; the five go as one batch */

    /* The batch waits at Y's lock, holding A's and not X's. */
    const char *waits_at_y =
        "SELECT count(*) FROM pg_locks w WHERE w.locktype = 'advisory' AND w.classid = 2020 "
        "AND w.objid = $1::bigint AND NOT w.granted";
    s_wait_db(waits_at_y, yid, 1);
    char *pid = it_db_text("SELECT pid::text FROM pg_locks WHERE locktype = 'advisory' AND "
                           "classid = 2020 AND objid = $1::bigint AND NOT granted", 1, yid);
    ck_assert_ptr_nonnull(pid);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM pg_locks WHERE pid = $1::int AND locktype = "
                               "'advisory' AND classid = 2020 AND objid = $2::bigint AND granted",
                               -1, 2, pid, aid), 1);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM pg_locks WHERE pid = $1::int AND locktype = "
                               "'advisory' AND classid = 2020 AND objid = $2::bigint", -1, 2, pid,
                               xid), 0);
    free(pid);
    /* Ids drawn from now on are larger than these: the batch's must be too. */
    int64_t mid_floor = it_db_int("SELECT nextval('messages_id_seq')", -1, 0);
    int64_t nid_floor = it_db_int("SELECT nextval('notifications_id_seq')", -1, 0);
    ck_assert(mid_floor > 0 && nid_floor > 0);
    it_db_release(&hold_y);
    for (int i = 0; i < N; i++)
        pthread_join(threads[i], NULL);

    for (int i = 0; i < N; i++) {
        if (to[i] == ghost[0].id || to[i] == ghost[1].id) {
            ck_assert_msg(s[i].status[0] == 404, "member %d: %ld", i, s[i].status[0]);
            ck_assert_str_eq(s[i].error[0], "Receiver not found");
            continue;
        }
        ck_assert_msg(s[i].status[0] == 201, "member %d: %ld %s", i, s[i].status[0],
                      s[i].error[0]);
        ck_assert_str_eq(s[i].echoed[0], s[i].text[0]);
        ck_assert_int_eq(s[i].sender_id[0], from[i].id);
        ck_assert_int_eq(s[i].receiver_id[0], to[i]);
        char mid[24], rid[24];
        it_itoa(s[i].id[0], mid, sizeof mid);
        it_itoa(to[i], rid, sizeof rid);
        ck_assert_int_eq(s_count3("SELECT count(*) FROM messages WHERE id = $1::bigint "
                                  "AND sender_id = $2::bigint AND text = $3", s[i].id[0],
                                  from[i].id, s[i].text[0]), 1);
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = "
                                   "$1::bigint AND user_id = $2::bigint", -1, 2, mid, rid), 1);
        if (i > 0) {                   /* the batch's ids: drawn after every lock */
            ck_assert_int_gt(s[i].id[0], mid_floor);
            ck_assert_int_gt(it_db_int("SELECT id FROM notifications WHERE message_id = "
                                       "$1::bigint", -1, 1, mid), nid_floor);
        }
    }
    /* Nothing stored for the unknown receivers. */
    for (int g = 0; g < 2; g++) {
        char gid[24];
        it_itoa(ghost[g].id, gid, sizeof gid);
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'user' "
                                   "AND receiver_id = $1::bigint", -1, 1, gid), 0);
    }
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM messages WHERE receiver_type = 'user' "
                               "AND receiver_id = $1::bigint", -1, 1, xid), 2);
    /* The first alone, then the five together. */
    ck_assert(it_metric(admin, "messages_send_batches_total") - batches0 >= 2);
    ck_assert(it_metric(admin, "messages_send_batched_total") - batched0 >= N);
    it_user_clear(&a);
    it_user_clear(&y);
    it_user_clear(&x);
    for (int g = 0; g < 2; g++)
        it_user_clear(&ghost[g]);
    for (int i = 0; i < N; i++)
        it_user_clear(&from[i]);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("hot_inbox");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_many_senders_one_receiver);
    tcase_add_test(tc, test_deleted_sender_in_batch);
    tcase_add_test(tc, test_many_senders_many_receivers);
    tcase_add_test(tc, test_batch_across_receivers);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
