/* test_orders_batch.c -- the group commit of POST /api/orders (services/orders/README.md,
 * "Group commit"): many users' orders at once, each 201 its own row (user, product and
 * amount as sent, in the database too), batches of more than one seen in the metrics; a
 * batch holding the order of a user deleted meanwhile answers that one 404 "User not
 * found", stores nothing for it, and 201 for each other; a batch whose connection is lost
 * before its COMMIT answers every member 503 and stores nothing. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USERS 8
#define THREADS 16                     /* two per user */
#define EACH 12

/* One client thread's orders and what came back (asserted on the main thread). */
typedef struct {
    const it_user_t *who;
    int count;
    char product[EACH][64];
    char amount[EACH][16];
    long status[EACH];
    int64_t id[EACH], user_id[EACH];
    char echoed_product[EACH][64];
    char echoed_amount[EACH][16];
    char error[EACH][64];
} client_t;

static void
s_copy(json_object *data, const char *key, char *out, size_t size)
{
    json_object *v;
    if (json_object_object_get_ex(data, key, &v))
        snprintf(out, size, "%s", json_object_get_string(v));
}

static void *
s_order_all(void *arg)
{
    client_t *c = arg;
    for (int i = 0; i < c->count; i++) {
        /* The product goes into the body as JSON: its quote and backslash escaped. */
        char escaped[128], *p = escaped;
        for (const char *s = c->product[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p = '\0';
        it_response_t *r = it_callf(c->who, "POST", "/api/orders",
                                    "{\"product\":\"%s\",\"amount\":%s}", escaped, c->amount[i]);
        c->status[i] = r->status;
        json_object *v, *data;
        if (r->status == 201 && r->json && json_object_object_get_ex(r->json, "data", &data)) {
            if (json_object_object_get_ex(data, "id", &v))
                c->id[i] = json_object_get_int64(v);
            if (json_object_object_get_ex(data, "user_id", &v))
                c->user_id[i] = json_object_get_int64(v);
            s_copy(data, "product", c->echoed_product[i], sizeof c->echoed_product[i]);
            s_copy(data, "amount", c->echoed_amount[i], sizeof c->echoed_amount[i]);
        }
        else if (r->json)
            s_copy(r->json, "message", c->error[i], sizeof c->error[i]);
        it_response_destroy(&r);
    }
    return NULL;
}

/* A transaction of the test's own holding USER's row FOR UPDATE: an order of USER then
 * waits in PostgreSQL (its foreign key check wants a KEY SHARE lock on that row) with
 * its batch open, and the orders after it queue behind that batch. */
static PGconn *
s_hold_user(int64_t user)
{
    char uid[24];
    return it_db_hold("SELECT id FROM users WHERE id = $1::bigint FOR UPDATE", 1,
                      it_itoa(user, uid, sizeof uid));
}

/* Waits until at least WANT orders are in the group commit's queue or its running batch. */
static void
s_wait_queued(const char *admin, double want)
{
    int64_t until = it_now_ms() + 15000;
    double waiting = -1;
    while ((waiting = it_metric(admin, "orders_create_waiting")) < want && it_now_ms() < until)
        it_sleep_ms(20);
    ck_assert_msg(waiting >= want, "orders_create_waiting %.0f, want %.0f", waiting, want);
}

/* Stored exactly as answered: the row with ID belongs to USER with PRODUCT and AMOUNT. */
static int64_t
s_stored(int64_t id, int64_t user, const char *product, const char *amount)
{
    char sid[24], suser[24];
    return it_db_int("SELECT count(*) FROM orders WHERE id = $1::bigint AND user_id = $2::bigint "
                     "AND product = $3 AND amount::text = $4", -1, 4,
                     it_itoa(id, sid, sizeof sid), it_itoa(user, suser, sizeof suser), product,
                     amount);
}

START_TEST(test_many_users_at_once)
{
    it_user_t gate, users[USERS];
    IT_USER_REGISTER(&gate, "obgate");
    for (int i = 0; i < USERS; i++)
        IT_USER_REGISTER(&users[i], "obuser");
    char admin[128];
    it_admin_url("orders", admin, sizeof admin);
    double batches0 = it_metric(admin, "orders_create_batches_total");
    double batched0 = it_metric(admin, "orders_create_batched_total");
    ck_assert(batches0 >= 0 && batched0 >= 0);

    /* The gate's order waits on its row while the clients' orders queue behind it, so
     * batches of more than one are certain, not a matter of timing; once released, the
     * rest runs freely. */
    PGconn *hold = s_hold_user(gate.id);
    static client_t gate_client, c[THREADS];
    memset(&gate_client, 0, sizeof gate_client);
    memset(c, 0, sizeof c);
    gate_client.who = &gate;
    gate_client.count = 1;
    snprintf(gate_client.product[0], sizeof gate_client.product[0], "gate");
    snprintf(gate_client.amount[0], sizeof gate_client.amount[0], "1.00");
    pthread_t gate_thread, threads[THREADS];
    ck_assert_int_eq(pthread_create(&gate_thread, NULL, s_order_all, &gate_client), 0);
    it_db_wait_blocked(hold, 15000);   /* the held user's order is being written */
    for (int t = 0; t < THREADS; t++) {
        c[t].who = &users[t % USERS];
        c[t].count = EACH;
        for (int k = 0; k < EACH; k++) {
            /* quotes, a backslash, braces and a comma: the array literal's escaping */
            snprintf(c[t].product[k], sizeof c[t].product[k], "ob %d \"%d\" \\ {x,y}", t, k);
            snprintf(c[t].amount[k], sizeof c[t].amount[k], "%d.%02d", t + 1, k + 1);
        }
        ck_assert_int_eq(pthread_create(&threads[t], NULL, s_order_all, &c[t]), 0);
    }
    s_wait_queued(admin, 8);
    it_db_release(&hold);
    pthread_join(gate_thread, NULL);
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    ck_assert_msg(gate_client.status[0] == 201, "gate: %ld %s", gate_client.status[0],
                  gate_client.error[0]);

    /* Every answer is 201 with its own order, as sent; ids never shared; each stored as
     * answered (a row matched to the wrong request fails here). */
    static int64_t ids[THREADS * EACH];
    int n = 0;
    for (int t = 0; t < THREADS; t++)
        for (int k = 0; k < EACH; k++) {
            ck_assert_msg(c[t].status[k] == 201, "client %d order %d: %ld %s", t, k,
                          c[t].status[k], c[t].error[k]);
            ck_assert_int_eq(c[t].user_id[k], c[t].who->id);
            ck_assert_str_eq(c[t].echoed_product[k], c[t].product[k]);
            ck_assert_str_eq(c[t].echoed_amount[k], c[t].amount[k]);
            for (int j = 0; j < n; j++)
                ck_assert_int_ne(ids[j], c[t].id[k]);
            ids[n++] = c[t].id[k];
            ck_assert_msg(s_stored(c[t].id[k], c[t].who->id, c[t].product[k],
                                   c[t].amount[k]) == 1,
                          "order %" PRId64 " (client %d, %d) not stored as answered",
                          c[t].id[k], t, k);
        }
    for (int u = 0; u < USERS; u++) {
        char uid[24];
        ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE user_id = $1::bigint", -1,
                                   1, it_itoa(users[u].id, uid, sizeof uid)),
                         EACH * THREADS / USERS);
    }
    /* Batching happened: more orders than transactions. */
    double batches = it_metric(admin, "orders_create_batches_total") - batches0;
    double batched = it_metric(admin, "orders_create_batched_total") - batched0;
    ck_assert_msg(batched == THREADS * EACH + 1, "batched %.0f", batched);
    ck_assert_msg(batches < batched, "batches %.0f, batched %.0f", batches, batched);
    it_user_clear(&gate);
    for (int i = 0; i < USERS; i++)
        it_user_clear(&users[i]);
}
END_TEST

/* The first order waits on its user's row with its batch open; the others, a deleted
 * user's among them, queue behind it; released, they go as one batch, which the deleted
 * user's foreign key fails, and then one by one: 404 for that one, 201 for each other. */
START_TEST(test_deleted_user_in_batch)
{
    enum { OTHERS = 5 };
    it_user_t first, ghost, others[OTHERS];
    IT_USER_REGISTER(&first, "obfirst");
    IT_USER_REGISTER(&ghost, "obghost");
    for (int i = 0; i < OTHERS; i++)
        IT_USER_REGISTER(&others[i], "obother");
    char gid[24], admin[128];
    it_admin_url("orders", admin, sizeof admin);
    ck_assert_int_eq(it_db_int("WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING id) "
                               "SELECT count(*) FROM d", -1, 1, it_itoa(ghost.id, gid, sizeof gid)),
                     1);
    PGconn *hold = s_hold_user(first.id);
    double batches0 = it_metric(admin, "orders_create_batches_total");
    double batched0 = it_metric(admin, "orders_create_batched_total");
    ck_assert(batches0 >= 0 && batched0 >= 0);

    static client_t c[OTHERS + 2];
    memset(c, 0, sizeof c);
    const it_user_t *who[OTHERS + 2] = { &first, &ghost };
    for (int i = 0; i < OTHERS; i++)
        who[2 + i] = &others[i];
    pthread_t threads[OTHERS + 2];
    for (int i = 0; i < OTHERS + 2; i++) {
        c[i].who = who[i];
        c[i].count = 1;
        snprintf(c[i].product[0], sizeof c[i].product[0], "queued %d %s", i, gid);
        snprintf(c[i].amount[0], sizeof c[i].amount[0], "%d.50", i + 1);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_order_all, &c[i]), 0);
        if (i == 0)                    /* the first order waits on its user's row */
            it_db_wait_blocked(hold, 15000);   /* the held user's order is being written */
    }
    /* All in the queue: the first writing (held), the others behind it. */
    s_wait_queued(admin, OTHERS + 2);
    it_db_release(&hold);
    for (int i = 0; i < OTHERS + 2; i++)
        pthread_join(threads[i], NULL);

    ck_assert_msg(c[1].status[0] == 404, "ghost: %ld", c[1].status[0]);
    ck_assert_str_eq(c[1].error[0], "User not found");
    for (int i = 0; i < OTHERS + 2; i++) {
        if (i == 1)
            continue;
        ck_assert_msg(c[i].status[0] == 201, "client %d: %ld %s", i, c[i].status[0],
                      c[i].error[0]);
        ck_assert_str_eq(c[i].echoed_product[0], c[i].product[0]);
        ck_assert_int_eq(c[i].user_id[0], who[i]->id);
        ck_assert_int_eq(s_stored(c[i].id[0], who[i]->id, c[i].product[0], c[i].amount[0]), 1);
    }
    /* Two transactions: the first alone, then the six together (which failed on the
     * ghost's row and were then written one by one, beyond these counters). */
    ck_assert_int_eq((int64_t) (it_metric(admin, "orders_create_batches_total") - batches0), 2);
    ck_assert_int_eq((int64_t) (it_metric(admin, "orders_create_batched_total") - batched0),
                     OTHERS + 2);
    /* Nothing stored for the ghost: no row with its product, whoever it might belong to. */
    char ghost_product[64];
    snprintf(ghost_product, sizeof ghost_product, "queued 1 %s", gid);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE product = $1", -1, 1,
                               ghost_product), 0);
    it_user_clear(&first);
    it_user_clear(&ghost);
    for (int i = 0; i < OTHERS; i++)
        it_user_clear(&others[i]);
}
END_TEST

/* A batch whose connection is lost before its COMMIT: the first order waits on its user's
 * row alone; the others queue behind it, the second's user row held too, so that once the
 * first is released they go as one batch and wait on that row, where the test ends the
 * batch's backend. Every member of it is answered 503 "Database unavailable" (none 201,
 * none 500) with nothing of theirs stored, the first 201; the next order is served. */
START_TEST(test_batch_loses_its_connection)
{
    enum { OTHERS = 4 };
    it_user_t first, second, others[OTHERS];
    IT_USER_REGISTER(&first, "oblfirst");
    IT_USER_REGISTER(&second, "oblsecond");
    for (int i = 0; i < OTHERS; i++)
        IT_USER_REGISTER(&others[i], "oblother");
    char admin[128], tag[32];
    it_admin_url("orders", admin, sizeof admin);
    snprintf(tag, sizeof tag, "lost %" PRId64, first.id);
    PGconn *hold_first = s_hold_user(first.id), *hold_second = s_hold_user(second.id);
    double batches0 = it_metric(admin, "orders_create_batches_total");
    double batched0 = it_metric(admin, "orders_create_batched_total");
    ck_assert(batches0 >= 0 && batched0 >= 0);

    static client_t c[OTHERS + 2];
    memset(c, 0, sizeof c);
    const it_user_t *who[OTHERS + 2] = { &first, &second };
    for (int i = 0; i < OTHERS; i++)
        who[2 + i] = &others[i];
    pthread_t threads[OTHERS + 2];
    for (int i = 0; i < OTHERS + 2; i++) {
        c[i].who = who[i];
        c[i].count = 1;
        snprintf(c[i].product[0], sizeof c[i].product[0], "%s %d", tag, i);
        snprintf(c[i].amount[0], sizeof c[i].amount[0], "%d.25", i + 1);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_order_all, &c[i]), 0);
        if (i == 0)
            it_db_wait_blocked(hold_first, 15000);
    }
    s_wait_queued(admin, OTHERS + 2);
    it_db_release(&hold_first);
    pthread_join(threads[0], NULL);
    ck_assert_msg(c[0].status[0] == 201, "first: %ld %s", c[0].status[0], c[0].error[0]);
    /* The rest, one batch, waits on the second's row: end that backend. */
    it_db_wait_blocked(hold_second, 15000);
    char pid[24];
    snprintf(pid, sizeof pid, "%d", PQbackendPID(hold_second));
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) "
                               "FROM pg_stat_activity "
                               "WHERE $1::int = ANY (pg_blocking_pids(pid))) t", -1, 1, pid), 1);
    for (int i = 1; i < OTHERS + 2; i++)
        pthread_join(threads[i], NULL);
    it_db_release(&hold_second);

    for (int i = 1; i < OTHERS + 2; i++) {
        ck_assert_msg(c[i].status[0] == 503, "client %d: %ld %s", i, c[i].status[0],
                      c[i].error[0]);
        ck_assert_str_eq(c[i].error[0], "Database unavailable");
    }
    char like[40];
    snprintf(like, sizeof like, "%s %%", tag);
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM orders WHERE product LIKE $1", -1, 1, like),
                     1);                          /* the first's only */
    ck_assert_int_eq((int64_t) (it_metric(admin, "orders_create_batches_total") - batches0), 2);
    ck_assert_int_eq((int64_t) (it_metric(admin, "orders_create_batched_total") - batched0),
                     OTHERS + 2);
    /* The thread that led the lost batch reconnects: the next orders are served. */
    static client_t after;
    memset(&after, 0, sizeof after);
    after.who = &second;
    after.count = 1;
    snprintf(after.product[0], sizeof after.product[0], "%s after", tag);
    snprintf(after.amount[0], sizeof after.amount[0], "9.99");
    s_order_all(&after);
    ck_assert_msg(after.status[0] == 201, "after: %ld %s", after.status[0], after.error[0]);
    it_user_clear(&first);
    it_user_clear(&second);
    for (int i = 0; i < OTHERS; i++)
        it_user_clear(&others[i]);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("orders_batch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_many_users_at_once);
    tcase_add_test(tc, test_deleted_user_in_batch);
    tcase_add_test(tc, test_batch_loses_its_connection);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
