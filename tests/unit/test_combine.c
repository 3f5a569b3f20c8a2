/* test_combine.c -- the hot inbox's queues with real threads: who leads, what a
 * batch holds (one key, queue order, at most the bound), the hand-off to the first waiter,
 * the full queue that runs alone, every request answered exactly once. */
#include "combine.h"
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES 4096
#define MAX_MEMBERS 64

/* One request of the test: its key, the thread that sent it, how often it was answered. */
typedef struct {
    int64_t key;
    int owner;
    atomic_int answered;
} req_t;

/* A thread of the test (the executor's CTX) and what it sends. */
typedef struct {
    int id;
    combine_t *combine;
    int64_t key;
    int count;                 /* requests, one after the other */
    req_t *reqs;
    bool led;                  /* combine_run returned true (the last request) */
    atomic_bool finished;
    pthread_t thread;
} sender_t;

/* Every batch run: its leader and members (owners, in order). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_batches, g_size[MAX_BATCHES], g_leader[MAX_BATCHES];
static int g_members[MAX_BATCHES][MAX_MEMBERS];
static atomic_bool g_gate_closed;      /* the first batch waits while true */
static atomic_int g_bad;               /* a batch that broke a rule */
static int g_batch_max;

static void
s_reset(int batch_max, bool gate)
{
    g_batches = 0;
    g_batch_max = batch_max;
    atomic_store(&g_gate_closed, gate);
    atomic_store(&g_bad, 0);
}

static void
s_wait_for(atomic_bool *flag, bool value)
{
    for (int i = 0; i < 10000 && atomic_load(flag) != value; i++)
        usleep(1000);
}

static void
s_exec(void *ctx, combine_item_t **items, int n)
{
    sender_t *self = ctx;
    pthread_mutex_lock(&g_lock);
    int b = g_batches++;
    pthread_mutex_unlock(&g_lock);
    if (b == 0)                        /* the first batch holds the lane while others queue */
        s_wait_for(&g_gate_closed, false);
    req_t *first = items[0]->arg;
    if (n < 1 || n > g_batch_max || first->owner != self->id)
        atomic_fetch_add(&g_bad, 1);
    for (int i = 0; i < n; i++) {
        req_t *req = items[i]->arg;
        if (req->key != first->key)
            atomic_fetch_add(&g_bad, 1);
        if (b < MAX_BATCHES && i < MAX_MEMBERS)
            g_members[b][i] = req->owner;
        atomic_fetch_add(&req->answered, 1);
    }
    if (b < MAX_BATCHES) {
        g_size[b] = n;
        g_leader[b] = self->id;
    }
    sched_yield();
}

static void *
s_sender(void *arg)
{
    sender_t *self = arg;
    for (int i = 0; i < self->count; i++) {
        req_t *req = &self->reqs[i];
        req->owner = self->id;
        /* key 0: alternate between keys 1 and 2 */
        req->key = self->key ? self->key : 1 + (self->id + i) % 2;
        combine_item_t item = { .arg = req };
        self->led = combine_run(self->combine, req->key, &item, s_exec, self);
    }
    atomic_store(&self->finished, true);
    return NULL;
}

static void
s_start(sender_t *s, int id, combine_t *combine, int64_t key, int count)
{
    s->id = id;
    s->combine = combine;
    s->key = key;
    s->count = count;
    s->reqs = calloc((size_t) count, sizeof *s->reqs);
    ck_assert_ptr_nonnull(s->reqs);
    atomic_store(&s->finished, false);
    ck_assert_int_eq(pthread_create(&s->thread, NULL, s_sender, s), 0);
}

/* Until KEY has N items queued (bounded: the test fails rather than hang). */
static void
s_wait_queued(combine_t *combine, int64_t key, int n)
{
    for (int i = 0; i < 10000 && combine_waiting(combine, key) != n; i++)
        usleep(1000);
    ck_assert_int_eq(combine_waiting(combine, key), n);
}

static void
s_join(sender_t *s)
{
    pthread_join(s->thread, NULL);
    for (int i = 0; i < s->count; i++)
        ck_assert_int_eq(atomic_load(&s->reqs[i].answered), 1);
    free(s->reqs);
}

START_TEST(test_alone)
{
    s_reset(4, false);
    combine_t *c = combine_new(4, 16);
    sender_t s = { 0 };
    s_start(&s, 1, c, 42, 3);
    s_join(&s);
    ck_assert(s.led);
    ck_assert_int_eq(g_batches, 3);            /* nobody to share with: batches of one */
    for (int b = 0; b < 3; b++)
        ck_assert_int_eq(g_size[b], 1);
    ck_assert_int_eq(combine_waiting(c, 42), 0);
    uint64_t batches, items;
    combine_stats(c, &batches, &items);
    ck_assert_uint_eq(batches, 3);
    ck_assert_uint_eq(items, 3);
    combine_destroy(&c);
    ck_assert_ptr_null(c);
}
END_TEST

/* Thread 0 leads and holds its batch while 1..7 queue one after the other: then 1 leads
 * 1-4 (the bound, 4), hands over to 5, which leads 5-7; nobody else leads. */
START_TEST(test_hand_off_in_order)
{
    s_reset(4, true);
    combine_t *c = combine_new(4, 16);
    sender_t s[8] = { 0 };
    s_start(&s[0], 0, c, 7, 1);
    for (int i = 1; i < 8; i++) {
        if (i == 1)
            for (int k = 0; k < 10000 && g_batches == 0; k++)
                usleep(1000);
        s_start(&s[i], i, c, 7, 1);
        s_wait_queued(c, 7, i);
    }
    atomic_store(&g_gate_closed, false);
    for (int i = 0; i < 8; i++)
        s_join(&s[i]);
    ck_assert_int_eq(atomic_load(&g_bad), 0);
    ck_assert_int_eq(g_batches, 3);
    ck_assert_int_eq(g_size[0], 1);
    ck_assert_int_eq(g_leader[0], 0);
    ck_assert_int_eq(g_size[1], 4);
    ck_assert_int_eq(g_leader[1], 1);
    ck_assert_int_eq(g_size[2], 3);
    ck_assert_int_eq(g_leader[2], 5);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(g_members[1][i], 1 + i);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(g_members[2][i], 5 + i);
    for (int i = 0; i < 8; i++)
        ck_assert(s[i].led == (i == 0 || i == 1 || i == 5));
    ck_assert_int_eq(combine_waiting(c, 7), 0);
    combine_destroy(&c);
}
END_TEST

/* A full queue does not wait: the request runs alone beside the held batch. Another key
 * is never held up by this one. */
START_TEST(test_queue_full_runs_alone)
{
    s_reset(2, true);
    combine_t *c = combine_new(2, 2);
    sender_t s[5] = { 0 };
    s_start(&s[0], 0, c, 9, 1);
    for (int k = 0; k < 10000 && g_batches == 0; k++)
        usleep(1000);
    s_start(&s[1], 1, c, 9, 1);
    s_wait_queued(c, 9, 1);
    s_start(&s[2], 2, c, 9, 1);
    s_wait_queued(c, 9, 2);
    s_start(&s[3], 3, c, 9, 1);                /* the queue is full */
    s_wait_for(&s[3].finished, true);
    ck_assert(atomic_load(&s[3].finished));
    ck_assert(s[3].led);
    s_start(&s[4], 4, c, 10, 1);               /* another key: its own lane */
    s_wait_for(&s[4].finished, true);
    ck_assert(atomic_load(&s[4].finished));
    ck_assert(!atomic_load(&s[1].finished));   /* still queued behind the held batch */
    atomic_store(&g_gate_closed, false);
    for (int i = 0; i < 5; i++)
        s_join(&s[i]);
    ck_assert_int_eq(atomic_load(&g_bad), 0);
    ck_assert_int_eq(g_batches, 4);
    ck_assert_int_eq(g_size[3], 2);            /* 1 and 2, together, after the gate */
    ck_assert_int_eq(g_leader[3], 1);
    ck_assert_int_eq(g_members[3][1], 2);
    combine_destroy(&c);
}
END_TEST

/* 16 threads, 300 requests each, over two keys: every request answered exactly once by
 * a batch of its own key led by the owner of its first member, within the bound. */
START_TEST(test_many_threads)
{
    enum { THREADS = 16, EACH = 300 };
    s_reset(5, false);
    combine_t *c = combine_new(5, 64);
    sender_t s[THREADS];
    memset(s, 0, sizeof s);
    for (int i = 0; i < THREADS; i++)
        s_start(&s[i], i, c, 0, EACH);
    for (int i = 0; i < THREADS; i++)
        s_join(&s[i]);
    ck_assert_int_eq(atomic_load(&g_bad), 0);
    uint64_t batches, items;
    combine_stats(c, &batches, &items);
    ck_assert_uint_eq(items, THREADS * EACH);
    ck_assert_uint_le(batches, items);
    ck_assert_int_eq(combine_waiting(c, 1), 0);
    ck_assert_int_eq(combine_waiting(c, 2), 0);
    combine_destroy(&c);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("combine");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_alone);
    tcase_add_test(tc, test_hand_off_in_order);
    tcase_add_test(tc, test_queue_full_runs_alone);
    tcase_add_test(tc, test_many_threads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
