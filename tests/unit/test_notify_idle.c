/* test_notify_idle.c -- notify's "least recently heard" lists: a silent socket is pinged
 * after the ping time and hung up after the hang-up time, one that answers goes back to the
 * end and is not, sockets come due in the order they were last heard from, the caller may
 * stop at any count, and a long random run matches a plain array's answers. */
#include "notify_idle.h"
#include <check.h>
#include <stdlib.h>

#define PING 30000
#define HANGUP 75000

START_TEST(test_silent_pinged_then_hung_up)
{
    notify_idle_t idle;
    notify_idle_init(&idle, PING, HANGUP);
    notify_idle_node_t a = { 0 };
    notify_idle_action_t act;
    notify_idle_add(&idle, &a, 1000);
    ck_assert_uint_eq(notify_idle_count(&idle), 1);
    ck_assert_ptr_null(notify_idle_next_due(&idle, 1000 + PING - 1, &act));
    ck_assert_int_eq(act, NOTIFY_IDLE_NONE);
    ck_assert_ptr_eq(notify_idle_next_due(&idle, 1000 + PING, &act), &a);
    ck_assert_int_eq(act, NOTIFY_IDLE_PING);
    ck_assert_int_eq(a.where, NOTIFY_IDLE_PINGED);
    /* Pinged once: not again while the answer is awaited. */
    ck_assert_ptr_null(notify_idle_next_due(&idle, 1000 + HANGUP - 1, &act));
    ck_assert_ptr_eq(notify_idle_next_due(&idle, 1000 + HANGUP, &act), &a);
    ck_assert_int_eq(act, NOTIFY_IDLE_HANGUP);
    ck_assert_int_eq(a.where, NOTIFY_IDLE_NOWHERE);
    ck_assert_uint_eq(notify_idle_count(&idle), 0);
    /* Hung up: a late frame or its close does not bring it back. */
    notify_idle_heard(&idle, &a, 200000);
    notify_idle_remove(&idle, &a);
    ck_assert_uint_eq(notify_idle_count(&idle), 0);
    ck_assert_ptr_null(notify_idle_next_due(&idle, 1000000, &act));
}
END_TEST

START_TEST(test_answer_keeps_it)
{
    notify_idle_t idle;
    notify_idle_init(&idle, PING, HANGUP);
    notify_idle_node_t a = { 0 };
    notify_idle_action_t act;
    notify_idle_add(&idle, &a, 0);
    int64_t now = 0;
    for (int round = 0; round < 5; round++) {
        now += PING;
        ck_assert_ptr_eq(notify_idle_next_due(&idle, now, &act), &a);
        ck_assert_int_eq(act, NOTIFY_IDLE_PING);
        now += 10;
        notify_idle_heard(&idle, &a, now);          /* the pong */
        ck_assert_int_eq(a.where, NOTIFY_IDLE_QUIET);
        ck_assert_ptr_null(notify_idle_next_due(&idle, now + PING - 1, &act));
    }
    notify_idle_remove(&idle, &a);
    ck_assert_uint_eq(notify_idle_count(&idle), 0);
}
END_TEST

START_TEST(test_order_and_bounded_sweep)
{
    notify_idle_t idle;
    notify_idle_init(&idle, PING, HANGUP);
    notify_idle_node_t n[6] = { { 0 } };
    notify_idle_action_t act;
    for (int i = 0; i < 6; i++)
        notify_idle_add(&idle, &n[i], i * 100);
    /* Traffic on 0 and 2: they go to the end, in the order heard. */
    notify_idle_heard(&idle, &n[2], 1000);
    notify_idle_heard(&idle, &n[0], 1100);
    notify_idle_heard(&idle, &n[0], 1200);      /* already last */
    int want[] = { 1, 3, 4, 5, 2, 0 };
    int64_t now = 1200 + PING;
    /* Taken two at a time: a sweep may stop anywhere and resume in order. */
    int got = 0;
    while (got < 6) {
        for (int k = 0; k < 2; k++, got++) {
            notify_idle_node_t *d = notify_idle_next_due(&idle, now, &act);
            ck_assert_ptr_eq(d, &n[want[got]]);
            ck_assert_int_eq(act, NOTIFY_IDLE_PING);
        }
    }
    ck_assert_ptr_null(notify_idle_next_due(&idle, now, &act));
    /* One answers, one closes; the others are hung up in the same order, hang-ups before
     * any ping of a socket that became due meanwhile. */
    notify_idle_heard(&idle, &n[4], now);
    notify_idle_remove(&idle, &n[3]);
    notify_idle_node_t late = { 0 };
    notify_idle_add(&idle, &late, now);
    int hung[] = { 1, 5, 2, 0 };
    int64_t later = 1200 + HANGUP;
    for (int k = 0; k < 4; k++) {
        ck_assert_ptr_eq(notify_idle_next_due(&idle, later, &act), &n[hung[k]]);
        ck_assert_int_eq(act, NOTIFY_IDLE_HANGUP);
    }
    ck_assert_ptr_eq(notify_idle_next_due(&idle, later, &act), &n[4]);
    ck_assert_int_eq(act, NOTIFY_IDLE_PING);
    ck_assert_ptr_eq(notify_idle_next_due(&idle, later, &act), &late);
    ck_assert_int_eq(act, NOTIFY_IDLE_PING);
    ck_assert_ptr_null(notify_idle_next_due(&idle, later, &act));
    ck_assert_uint_eq(notify_idle_count(&idle), 2);
}
END_TEST

/* Random joins, traffic, closes and sweeps against a plain array that knows each socket's
 * last-heard time and whether it was pinged: the lists must act on exactly the sockets
 * due, oldest heard first. */
#define REF_N 200
START_TEST(test_matches_reference)
{
    notify_idle_t idle;
    notify_idle_init(&idle, 1000, 2500);
    notify_idle_node_t nodes[REF_N];
    int64_t heard[REF_N];
    int state[REF_N];            /* 0 off, 1 quiet, 2 pinged */
    for (int i = 0; i < REF_N; i++) {
        nodes[i] = (notify_idle_node_t) { 0 };
        state[i] = 0;
    }
    srand(1234);
    int64_t now = 0;
    for (int step = 0; step < 20000; step++) {
        now += rand() % 7;
        int i = rand() % REF_N;
        int op = rand() % 10;
        if (op < 2 && state[i] == 0) {
            notify_idle_add(&idle, &nodes[i], now);
            heard[i] = now;
            state[i] = 1;
        } else if (op < 6) {
            notify_idle_heard(&idle, &nodes[i], now);
            if (state[i]) {
                heard[i] = now;
                state[i] = 1;
            }
        } else if (op < 7) {
            notify_idle_remove(&idle, &nodes[i]);
            state[i] = 0;
        } else {
            int limit = rand() % 4;
            notify_idle_action_t act;
            notify_idle_node_t *d = NULL;
            for (int k = 0; k < limit && (d = notify_idle_next_due(&idle, now, &act)); k++) {
                int j = (int) (d - nodes);
                ck_assert_int_ne(state[j], 0);
                /* No socket is more overdue for the same action than the one given. */
                if (act == NOTIFY_IDLE_HANGUP) {
                    ck_assert_int_eq(state[j], 2);
                    ck_assert(now - heard[j] >= 2500);
                    for (int m = 0; m < REF_N; m++)
                        ck_assert(!(state[m] == 2 && heard[m] < heard[j]));
                    state[j] = 0;
                } else {
                    ck_assert_int_eq(act, NOTIFY_IDLE_PING);
                    ck_assert_int_eq(state[j], 1);
                    ck_assert(now - heard[j] >= 1000);
                    for (int m = 0; m < REF_N; m++) {
                        ck_assert(!(state[m] == 2 && now - heard[m] >= 2500));
                        ck_assert(!(state[m] == 1 && heard[m] < heard[j]));
                    }
                    state[j] = 2;
                }
            }
            if (limit == 3 && !d) {
                /* Nothing left due: the reference agrees. */
                for (int m = 0; m < REF_N; m++) {
                    ck_assert(!(state[m] == 1 && now - heard[m] >= 1000));
                    ck_assert(!(state[m] == 2 && now - heard[m] >= 2500));
                }
            }
        }
        size_t live = 0;
        for (int m = 0; m < REF_N; m++)
            live += state[m] != 0;
        ck_assert_uint_eq(notify_idle_count(&idle), live);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_idle");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);   /* the reference walk is slow under the sanitizers */
    tcase_add_test(tc, test_silent_pinged_then_hung_up);
    tcase_add_test(tc, test_answer_keeps_it);
    tcase_add_test(tc, test_order_and_bounded_sweep);
    tcase_add_test(tc, test_matches_reference);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
