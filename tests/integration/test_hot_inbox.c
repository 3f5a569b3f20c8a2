/* test_hot_inbox.c -- many senders to one receiver at once (services/messages/README.md,
 * "The hot inbox"): every 201 carries its own message, stored once with exactly one
 * notification row; the receiver's notification ids become visible in id order (the
 * WebSocket ?since= replay's premise); a batch holding a message from a sender deleted
 * meanwhile answers that one 404 "User not found" and the others 201. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_metrics.h"
#include "it_users.h"

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
    int64_t to;
    int count;
    char text[EACH][64];
    long status[EACH];
    int64_t id[EACH], sender_id[EACH];
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
                                    "\"receiver_id\":%" PRId64 "}", s->text[i], s->to);
        s->status[i] = r->status;
        json_object *v;
        json_object *data;
        if (r->status == 201 && r->json && json_object_object_get_ex(r->json, "data", &data)) {
            if (json_object_object_get_ex(data, "id", &v))
                s->id[i] = json_object_get_int64(v);
            if (json_object_object_get_ex(data, "sender_id", &v))
                s->sender_id[i] = json_object_get_int64(v);
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
        s[i].to = to.id;
        s[i].count = EACH;
        for (int k = 0; k < EACH; k++)     /* quotes and a backslash: the array literal */
            snprintf(s[i].text[k], sizeof s[i].text[k], "hot %d \\\"%d\\\" \\\\ {x,y}", i, k);
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
    /* Commit order is id order: whenever a reader saw ids up to M, every row with an id
     * up to M was already visible (none committed later with a smaller id). */
    ck_assert_int_gt(w.n, 0);
    for (int i = 0; i < w.n; i++) {
        char m[24];
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE user_id = $1::bigint "
                                   "AND id <= $2::bigint", -1, 2, tid,
                                   it_itoa(w.max[i], m, sizeof m)), w.count[i]);
    }
    it_user_clear(&to);
    for (int i = 0; i < SENDERS; i++)
        it_user_clear(&from[i]);
}
END_TEST

/* The messages process's admin URL, from TEST_ADMIN_PORTS. */
static const char *
s_messages_admin(char *out, size_t size)
{
    const char *ports = strstr(it_env_require("TEST_ADMIN_PORTS"), "messages=");
    ck_assert_ptr_nonnull(ports);
    snprintf(out, size, "http://127.0.0.1:%d", atoi(ports + strlen("messages=")));
    return out;
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
    s_messages_admin(admin, sizeof admin);
    ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING id) "
                               "SELECT count(*) FROM d", -1, 1, it_itoa(ghost.id, gid, sizeof gid)), 1);

    PGconn *hold = PQconnectdb(it_env_require("TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(hold), CONNECTION_OK);
    const char *lock_params[] = { tid };
    PGresult *res = PQexec(hold, "BEGIN");
    PQclear(res);
    res = PQexecParams(hold, "SELECT pg_advisory_xact_lock(2020, ($1::bigint % 2147483647)::int)",
                       1, NULL, lock_params, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
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
        s[i].to = to.id;
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
    res = PQexec(hold, "COMMIT");
    PQclear(res);
    PQfinish(hold);
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

int
main(void)
{
    Suite *s = suite_create("hot_inbox");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_many_senders_one_receiver);
    tcase_add_test(tc, test_deleted_sender_in_batch);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
