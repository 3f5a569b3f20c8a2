/* test_chat_failures.c -- the messages service dies while clients send, and nothing it
 * acknowledged is lost (docs/ARCHITECTURE.md, "Failure semantics": the 201 goes only after
 * COMMIT; a dead service answers 503 at once, a request that waits too long 504).
 *
 * Several sender threads POST /api/messages (direct and group) without pause while the
 * test stops the messages service (SIGTERM through the stack script, or SIGKILL by its
 * PID file) and starts it again. Every 201's message id is kept; afterwards each must be
 * in the messages table with exactly its notification rows, every other answer must have
 * been a clean 503/504 error envelope within the bus timeout, and sending works again.
 * The teardown (it_stack_restore) restarts the service should a test die half-way. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"

#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENDERS 4
#define KEPT_FAILURES 512        /* non-201 answers kept per thread for the envelope checks */

/* BUS_TIMEOUT_MS as the stack runs with it (scripts/test.sh exports 5000). */
static int64_t
s_bus_timeout_ms(void)
{
    const char *t = getenv("BUS_TIMEOUT_MS");
    int64_t v = t && *t ? strtoll(t, NULL, 10) : 30000;
    return v > 0 ? v : 30000;
}

/* The longest any answer may take: the bus timeout, plus a generous allowance for the
 * edge, a loaded CI machine and a sanitizer build. Anything slower is a hang. */
static int64_t
s_answer_bound_ms(void)
{
    return s_bus_timeout_ms() + 10000;
}

/* --- the sender threads ---------------------------------------------------------- */

typedef struct {
    int index;                   /* names the texts: "t<index>-<n>" */
    const it_user_t *sender;
    int64_t receiver_id;         /* direct messages go here */
    int64_t group_id;            /* group messages here, alternating with direct */
    atomic_bool *stop;
    /* results, read by the test after the join */
    int64_t *direct, *group;     /* acknowledged ids by kind */
    size_t direct_count, group_count, cap;
    atomic_long acked;           /* 201s so far, read while running */
    long refused;                /* non-201 answers */
    it_response_t *failures[KEPT_FAILURES];
    int failure_count;
    char oom[64];                /* set when out of memory: the test fails on it */
} sender_t;

/* The body of message N of thread INDEX to (TYPE, ID). */
static void
s_body(char *out, size_t size, int index, long n, const char *type, int64_t id)
{
    snprintf(out, size, "{\"text\":\"t%d-%ld\",\"receiver_type\":\"%s\",\"receiver_id\":%" PRId64 "}",
             index, n, type, id);
}

/* No Check assertion here: a failure in a second thread would end the test's process
 * without a clear report. Everything is kept and asserted after the join. */
static void *
s_sender_run(void *arg)
{
    sender_t *self = arg;
    char body[160];
    for (long n = 0; !atomic_load(&self->stop[0]); n++) {
        bool group = n % 2 == 1;
        s_body(body, sizeof body, self->index, n, group ? "group" : "user",
               group ? self->group_id : self->receiver_id);
        it_response_t *r = it_request_ex(&(it_req_t) {
            .method = "POST", .path = "/api/messages", .token = self->sender->access,
            .content_type = "application/json", .body = body,
            .timeout_ms = s_answer_bound_ms() });
        if (r->status == 201) {
            int64_t id = it_json_int(json_object_object_get(r->json, "data"), "id");
            if (self->direct_count == self->cap || self->group_count == self->cap) {
                size_t cap = self->cap ? self->cap * 2 : 256;
                int64_t *d = realloc(self->direct, cap * sizeof *d);
                if (d)
                    self->direct = d;
                int64_t *g = realloc(self->group, cap * sizeof *g);
                if (g)
                    self->group = g;
                if (!d || !g) {
                    snprintf(self->oom, sizeof self->oom, "out of memory after %ld sends", n);
                    it_response_destroy(&r);
                    break;
                }
                self->cap = cap;
            }
            if (group)
                self->group[self->group_count++] = id;
            else
                self->direct[self->direct_count++] = id;
            atomic_fetch_add(&self->acked, 1);
            it_response_destroy(&r);
            continue;
        }
        self->refused++;
        if (self->failure_count < KEPT_FAILURES)
            self->failures[self->failure_count++] = r;
        else
            it_response_destroy(&r);
        /* A refused client backs off a little, as a real one would; it also keeps a fast
         * stream of 503s from filling the kept answers in the first milliseconds. */
        it_sleep_ms(20);
    }
    return NULL;
}

static long
s_acked_min(sender_t *senders)
{
    long min = -1;
    for (int i = 0; i < SENDERS; i++) {
        long a = atomic_load(&senders[i].acked);
        if (min < 0 || a < min)
            min = a;
    }
    return min;
}

/* Waits until every thread has at least TARGET acknowledged sends, up to MS. */
static bool
s_wait_acked(sender_t *senders, long target, int64_t ms)
{
    int64_t until = it_now_ms() + ms;
    while (s_acked_min(senders) < target) {
        if (it_now_ms() > until)
            return false;
        it_sleep_ms(50);
    }
    return true;
}

static long
s_refused_total(sender_t *senders)
{
    long total = 0;
    for (int i = 0; i < SENDERS; i++)
        total += senders[i].refused;
    return total;
}

/* --- database checks ----------------------------------------------------------------- */

/* IDS as a PostgreSQL array literal "{1,2,3}" (caller frees). */
static char *
s_array(const int64_t *ids, size_t count)
{
    size_t cap = 3 + count * 21;
    char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    size_t n = (size_t) snprintf(out, cap, "{");
    for (size_t i = 0; i < count; i++)
        n += (size_t) snprintf(out + n, cap - n, "%s%" PRId64, i ? "," : "", ids[i]);
    snprintf(out + n, cap - n, "}");
    return out;
}

/* Every id in IDS is a message of SENDER to (TYPE, RECEIVER) with one notification per
 * user in RECIPIENTS ("{3,4}") and none for anybody else. */
static void
s_assert_stored(const int64_t *ids, size_t count, int64_t sender, const char *type,
                int64_t receiver, const char *recipients, int recipient_count)
{
    if (count == 0)
        return;
    char *arr = s_array(ids, count);
    char s[24], rcv[24];
    it_itoa(sender, s, sizeof s);
    it_itoa(receiver, rcv, sizeof rcv);
    int64_t stored = it_db_int("SELECT count(*) FROM messages WHERE id = ANY($1::bigint[]) "
                               "AND sender_id = $2 AND receiver_type = $3 AND receiver_id = $4",
                               -1, 4, arr, s, type, rcv);
    ck_assert_msg(stored == (int64_t) count, "%s messages: %zu acknowledged, %lld stored",
                  type, count, (long long) stored);
    /* Exactly one row per (message, recipient): a lost or a doubled notification shows. */
    int64_t wrong = it_db_int(
        "SELECT count(*) FROM unnest($1::bigint[]) AS m(id) "
        "CROSS JOIN unnest($2::bigint[]) AS u(id) "
        "WHERE (SELECT count(*) FROM notifications n WHERE n.message_id = m.id "
        "AND n.user_id = u.id) <> 1", -1, 2, arr, recipients);
    ck_assert_msg(wrong == 0, "%s messages: %lld (message, recipient) pairs without exactly "
                  "one notification", type, (long long) wrong);
    int64_t total = it_db_int("SELECT count(*) FROM notifications WHERE message_id = ANY($1::bigint[])",
                              -1, 1, arr);
    ck_assert_int_eq(total, (int64_t) count * recipient_count);
    free(arr);
}

/* --- the test -------------------------------------------------------------------- */

typedef enum { STOP_TERM, STOP_KILL } stop_how_t;

static void
s_send_through_outage(stop_how_t how)
{
    it_user_t a, b, c, d;
    IT_USER_REGISTER(&a, "outagesender");
    IT_USER_REGISTER(&b, "outagedirect");
    IT_USER_REGISTER(&c, "outagememberc");
    IT_USER_REGISTER(&d, "outagememberd");
    char body[128];
    snprintf(body, sizeof body, "{\"name\":\"Outage\",\"member_ids\":[%" PRId64 ",%" PRId64 "]}",
             c.id, d.id);
    it_response_t *r = it_request("POST", "/api/groups", a.access, NULL, body);
    int64_t gid = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    it_response_destroy(&r);

    atomic_bool stop = false;
    sender_t senders[SENDERS];
    pthread_t threads[SENDERS];
    memset(senders, 0, sizeof senders);
    for (int i = 0; i < SENDERS; i++) {
        senders[i] = (sender_t) { .index = i, .sender = &a, .receiver_id = b.id,
                                  .group_id = gid, .stop = &stop };
        atomic_init(&senders[i].acked, 0);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, s_sender_run, &senders[i]), 0);
    }

    /* Traffic flows before the service goes, so some requests are in flight when it does. */
    bool flowing = s_wait_acked(senders, 3, 20000);
    int stopped = -1, started = -1;
    long refused_before = 0, refused_down = 0;
    bool recovered = false;
    if (flowing) {
        refused_before = s_refused_total(senders);
        stopped = how == STOP_TERM ? it_stack_stop("messages") : it_stack_kill("messages");
        /* Down for a while: the senders meet the outage. */
        it_sleep_ms(1500);
        refused_down = s_refused_total(senders) - refused_before;
        started = it_stack_start("messages");
        /* Every thread gets its sends through again. */
        recovered = s_wait_acked(senders, s_acked_min(senders) + 3, 30000);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < SENDERS; i++)
        pthread_join(threads[i], NULL);

    ck_assert_msg(flowing, "the senders got no 201s before the outage");
    ck_assert_msg(stopped == 0, "%s of the messages service failed (%d)",
                  how == STOP_TERM ? "stop-one" : "SIGKILL", stopped);
    ck_assert_msg(started == 0, "start-one messages failed (%d)", started);
    ck_assert_msg(refused_down > 0, "no request was refused while the messages service was down");
    ck_assert_msg(recovered, "sends did not succeed again after the restart");

    /* Every refusal was a clean, prompt 503 or 504 envelope: never a 500, never a hang. */
    size_t direct = 0, group = 0;
    for (int i = 0; i < SENDERS; i++) {
        ck_assert_msg(!senders[i].oom[0], "%s", senders[i].oom);
        for (int k = 0; k < senders[i].failure_count; k++) {
            it_response_t *f = senders[i].failures[k];
            ck_assert_msg(f->status == 503 || f->status == 504, "refused send: %s%s%s",
                          it_describe(f), f->status ? "" : " ", f->status ? "" : f->error);
            IT_ASSERT_ERROR(f, f->status, f->status == 503 ? "SERVICE_UNAVAILABLE" : "GATEWAY_TIMEOUT",
                            NULL);
            ck_assert_msg(f->elapsed_ms < (double) s_answer_bound_ms(),
                          "%ld after %.0f ms (bus timeout %lld ms)", f->status, f->elapsed_ms,
                          (long long) s_bus_timeout_ms());
            it_response_destroy(&senders[i].failures[k]);
        }
        direct += senders[i].direct_count;
        group += senders[i].group_count;
    }

    fprintf(stderr, "test_chat_failures (%s): %zu direct and %zu group sends acknowledged, "
            "%ld refused (%ld while down)\n", how == STOP_TERM ? "SIGTERM" : "SIGKILL", direct,
            group, s_refused_total(senders), refused_down);

    /* Nothing acknowledged was lost: every 201's message is there with its rows. */
    int64_t *ids_direct = calloc(direct + 1, sizeof *ids_direct);
    int64_t *ids_group = calloc(group + 1, sizeof *ids_group);
    ck_assert(ids_direct && ids_group);
    size_t nd = 0, ng = 0;
    for (int i = 0; i < SENDERS; i++) {
        memcpy(ids_direct + nd, senders[i].direct, senders[i].direct_count * sizeof *ids_direct);
        nd += senders[i].direct_count;
        memcpy(ids_group + ng, senders[i].group, senders[i].group_count * sizeof *ids_group);
        ng += senders[i].group_count;
        free(senders[i].direct);
        free(senders[i].group);
    }
    char direct_recipients[32], group_recipients[64];
    snprintf(direct_recipients, sizeof direct_recipients, "{%" PRId64 "}", b.id);
    snprintf(group_recipients, sizeof group_recipients, "{%" PRId64 ",%" PRId64 "}", c.id, d.id);
    s_assert_stored(ids_direct, nd, a.id, "user", b.id, direct_recipients, 1);
    s_assert_stored(ids_group, ng, a.id, "group", gid, group_recipients, 2);
    free(ids_direct);
    free(ids_group);

    /* And the service is whole again: a plain send, stored with its notification. */
    snprintf(body, sizeof body, "{\"text\":\"after the restart\",\"receiver_type\":\"group\","
             "\"receiver_id\":%" PRId64 "}", gid);
    r = it_request("POST", "/api/messages", a.access, NULL, body);
    int64_t mid = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    it_response_destroy(&r);
    char m[24];
    ck_assert_int_eq(it_db_int("SELECT count(*) FROM notifications WHERE message_id = $1", -1, 1,
                               it_itoa(mid, m, sizeof m)), 2);
    it_user_clear(&a);
    it_user_clear(&b);
    it_user_clear(&c);
    it_user_clear(&d);
}

START_TEST(test_messages_stopped_mid_send)
{
    s_send_through_outage(STOP_TERM);
}
END_TEST

START_TEST(test_messages_killed_mid_send)
{
    s_send_through_outage(STOP_KILL);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("chat_failures");
    TCase *tc = tcase_create("messages_outage");
    /* Start, outage and recovery, twice the 10 s SIGTERM grace at worst, plus the checks. */
    tcase_set_timeout(tc, 180);
    /* Unchecked: runs in the runner process after the test case, even when the test's
     * child died on a failed assertion, so a stopped service never outlives its test. */
    tcase_add_unchecked_fixture(tc, NULL, it_stack_restore);
    /* And before each test, so one test's failure never leaves the next without service. */
    tcase_add_checked_fixture(tc, it_stack_restore, NULL);
    tcase_add_test(tc, test_messages_stopped_mid_send);
    tcase_add_test(tc, test_messages_killed_mid_send);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
