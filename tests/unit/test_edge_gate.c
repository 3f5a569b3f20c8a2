/* test_edge_gate.c -- the edge's CPU slots: never more holders than slots, waiters served
 * in arrival order, resuming requests ahead of new ones, no gate at 0. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "edge_gate.h"

#define MAX_ORDER 16

typedef struct {
    edge_gate_t *gate;
    pthread_mutex_t mutex;
    int order[MAX_ORDER];         /* who got a slot, in the order they got it */
    int served;
    atomic_int holders, most_holders;
} s_shared_t;

typedef struct {
    s_shared_t *sh;
    int id;
    bool resuming;
    bool leave;                   /* give the slot back at once (else the test does) */
    pthread_t thread;
} s_worker_t;

static void *
s_worker(void *arg)
{
    s_worker_t *w = arg;
    edge_gate_waiter_t waiter;
    edge_gate_waiter_init(&waiter);
    edge_gate_enter(w->sh->gate, &waiter, w->resuming);
    int now = atomic_fetch_add(&w->sh->holders, 1) + 1;
    int most = atomic_load(&w->sh->most_holders);
    while (now > most && !atomic_compare_exchange_weak(&w->sh->most_holders, &most, now))
        ;
    pthread_mutex_lock(&w->sh->mutex);
    w->sh->order[w->sh->served++] = w->id;
    pthread_mutex_unlock(&w->sh->mutex);
    struct timespec ts = { 0, 200000 };          /* hold it a little: others pile up */
    nanosleep(&ts, NULL);
    atomic_fetch_sub(&w->sh->holders, 1);
    if (w->leave)
        edge_gate_leave(w->sh->gate);
    edge_gate_waiter_fini(&waiter);
    return NULL;
}

/* Starts worker W and returns once it waits in the gate (WAITING waiters in all). */
static void
s_start_waiting(s_worker_t *w, int waiting)
{
    pthread_create(&w->thread, NULL, s_worker, w);
    for (int i = 0; i < 5000 && edge_gate_waiting(w->sh->gate) < waiting; i++) {
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(edge_gate_waiting(w->sh->gate), waiting);
}

START_TEST(test_never_more_than_slots)
{
    s_shared_t sh = { .gate = edge_gate_new(3), .mutex = PTHREAD_MUTEX_INITIALIZER };
    ck_assert_ptr_nonnull(sh.gate);
    s_worker_t w[12];
    for (int i = 0; i < 12; i++) {
        w[i] = (s_worker_t) { .sh = &sh, .id = i, .leave = true };
        pthread_create(&w[i].thread, NULL, s_worker, &w[i]);
    }
    for (int i = 0; i < 12; i++)
        pthread_join(w[i].thread, NULL);
    ck_assert_int_eq(sh.served, 12);
    ck_assert_int_le(atomic_load(&sh.most_holders), 3);
    ck_assert_int_ge(atomic_load(&sh.most_holders), 1);
    ck_assert_int_eq(edge_gate_waiting(sh.gate), 0);
    edge_gate_destroy(&sh.gate);
    ck_assert_ptr_null(sh.gate);
}
END_TEST

START_TEST(test_arrival_order_and_resumers_first)
{
    s_shared_t sh = { .gate = edge_gate_new(1), .mutex = PTHREAD_MUTEX_INITIALIZER };
    edge_gate_waiter_t me;
    edge_gate_waiter_init(&me);
    edge_gate_enter(sh.gate, &me, false);         /* the test holds the only slot */
    /* new 1, new 2, resuming 3, new 4, resuming 5 arrive in that order */
    s_worker_t w[5];
    bool resuming[5] = { false, false, true, false, true };
    for (int i = 0; i < 5; i++) {
        w[i] = (s_worker_t) { .sh = &sh, .id = i + 1, .resuming = resuming[i], .leave = true };
        s_start_waiting(&w[i], i + 1);
    }
    edge_gate_leave(sh.gate);                     /* hand-off chain: each passes it on */
    for (int i = 0; i < 5; i++)
        pthread_join(w[i].thread, NULL);
    int want[5] = { 3, 5, 1, 2, 4 };              /* resumers in their order, then the rest */
    ck_assert_int_eq(sh.served, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(sh.order[i], want[i]);
    /* a free slot with nobody waiting is taken at once */
    edge_gate_enter(sh.gate, &me, false);
    ck_assert_int_eq(edge_gate_waiting(sh.gate), 0);
    edge_gate_leave(sh.gate);
    edge_gate_waiter_fini(&me);
    edge_gate_destroy(&sh.gate);
}
END_TEST

START_TEST(test_no_gate)
{
    ck_assert_ptr_null(edge_gate_new(0));
    edge_gate_waiter_t me;
    edge_gate_waiter_init(&me);
    for (int i = 0; i < 3; i++)                   /* NULL: nothing waits, nothing counts */
        edge_gate_enter(NULL, &me, false);
    edge_gate_leave(NULL);
    ck_assert_int_eq(edge_gate_waiting(NULL), 0);
    edge_gate_waiter_fini(&me);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_gate");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_never_more_than_slots);
    tcase_add_test(tc, test_arrival_order_and_resumers_first);
    tcase_add_test(tc, test_no_gate);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
