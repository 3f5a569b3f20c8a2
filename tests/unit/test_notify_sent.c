/* test_notify_sent.c -- a socket's sent ids: the window, its floor, and the invariant a
 * resync relies on (every id added is in the window or at or below the floor). */
#include "notify_sent.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The window is ascending, bounded, and above the floor. (Plain loops, one assertion:
 * every Check assertion writes to a pipe, too slow for the random walk below.) */
static bool
s_shape_ok(const notify_sent_t *s)
{
    if (s->count > NOTIFY_SENT_MAX)
        return false;
    for (uint16_t i = 0; i < s->count; i++)
        if (s->ids[i] <= s->floor || (i > 0 && s->ids[i - 1] >= s->ids[i]))
            return false;
    return true;
}

static void
s_check_shape(const notify_sent_t *s)
{
    ck_assert_msg(s_shape_ok(s), "the window is out of order, too long or below its floor");
}

START_TEST(test_in_order)
{
    notify_sent_t s = { 0 };
    ck_assert(!notify_sent_has(&s, 1));
    ck_assert(!notify_sent_has(&s, 0));
    for (int64_t id = 1; id <= NOTIFY_SENT_MAX; id++)
        notify_sent_add(&s, id * 10);
    ck_assert_int_eq(s.floor, 0);
    ck_assert_uint_eq(s.count, NOTIFY_SENT_MAX);
    ck_assert(notify_sent_has(&s, 10));
    ck_assert(!notify_sent_has(&s, 15));         /* never sent, above the floor */
    notify_sent_add(&s, (NOTIFY_SENT_MAX + 1) * 10);
    ck_assert_int_eq(s.floor, 10);                /* the smallest left: the floor */
    ck_assert(notify_sent_has(&s, 5));
    ck_assert(!notify_sent_has(&s, 15));
    ck_assert(notify_sent_has(&s, (NOTIFY_SENT_MAX + 1) * 10));
    s_check_shape(&s);
    notify_sent_add(&s, 20);                      /* a twin: nothing changes */
    ck_assert_uint_eq(s.count, NOTIFY_SENT_MAX);
    ck_assert_int_eq(s.floor, 10);
    notify_sent_clear(&s);
    ck_assert_uint_eq(s.count, 0);
    ck_assert_int_eq(s.floor, 10);                /* the floor stays */
}
END_TEST

/* The chaos run's case (user 4): a full window, then 296 before 294. Recording 294 must
 * keep 296, the largest id sent: a resync reading after the floor would send it again
 * (then 319 the same way, as 296 re-entered the middle of the window). */
START_TEST(test_out_of_order_on_full_window)
{
    notify_sent_t s = { 0 };
    int64_t id = 100;
    for (int i = 0; i < NOTIFY_SENT_MAX - 1; i++)
        notify_sent_add(&s, id += 3);
    notify_sent_add(&s, 296 + id);
    notify_sent_add(&s, 294 + id);                /* the later commit of an earlier id */
    ck_assert(notify_sent_has(&s, 296 + id));
    ck_assert(notify_sent_has(&s, 294 + id));
    s_check_shape(&s);
    for (int i = 0; i < 10; i++) {                /* and it stays searchable as it slides */
        notify_sent_add(&s, 400 + id + i);
        ck_assert(notify_sent_has(&s, 296 + id));
        ck_assert(notify_sent_has(&s, 294 + id));
        s_check_shape(&s);
    }
    notify_sent_clear(&s);
}
END_TEST

/* An id below the whole full window becomes the floor itself. */
START_TEST(test_older_than_window)
{
    notify_sent_t s = { .floor = 5 };
    for (int64_t id = 100; id < 100 + NOTIFY_SENT_MAX; id++)
        notify_sent_add(&s, id);
    ck_assert(!notify_sent_has(&s, 50));
    notify_sent_add(&s, 50);
    ck_assert_int_eq(s.floor, 50);
    ck_assert(notify_sent_has(&s, 50));
    ck_assert_uint_eq(s.count, NOTIFY_SENT_MAX);
    ck_assert(notify_sent_has(&s, 100));          /* the window is untouched */
    s_check_shape(&s);
    notify_sent_clear(&s);
}
END_TEST

/* Random near-ascending ids (the bus's order: mostly ascending, a few behind) against a
 * reference set of every id added: each one counts as sent, in the window or at or below
 * the floor, and any id that counts as sent without being added lies at or below the
 * floor (the documented bound: never in the window by mistake). */
START_TEST(test_invariant_random)
{
    enum { N = 20000, SPAN = N + 200 };
    static bool added[SPAN + 1];
    memset(added, 0, sizeof added);
    notify_sent_t s = { 0 };
    unsigned seed = 12345;
    int64_t next = 1;
    for (int step = 0; step < N; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) & 0x7fff;
        int64_t id;
        if (r % 5 == 0 && next > 8)
            id = next - 1 - (int64_t) (r % 90);   /* late: up to 90 behind */
        else
            id = next++;
        if (id < 1)
            id = 1;
        if (r % 7 == 0)
            continue;                             /* another user's id: never added */
        notify_sent_add(&s, id);
        added[id] = true;
        if (!notify_sent_has(&s, id) || !s_shape_ok(&s))
            ck_abort_msg("step %d: id %lld just added, or the window is broken", step,
                         (long long) id);
        for (int64_t k = s.floor + 1; k < next; k++) {   /* at or below the floor: both hold */
            if (added[k] && !notify_sent_has(&s, k))
                ck_abort_msg("step %d: id %lld added, then forgotten", step, (long long) k);
            if (!added[k] && notify_sent_has(&s, k))
                ck_abort_msg("step %d: id %lld never added, in the window", step, (long long) k);
        }
    }
    notify_sent_clear(&s);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_sent");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_in_order);
    tcase_add_test(tc, test_out_of_order_on_full_window);
    tcase_add_test(tc, test_older_than_window);
    tcase_add_test(tc, test_invariant_random);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
