/* test_notify_dedup.c -- notify's recent event ids: a twin is dropped, distinct ids pass,
 * ids expire after the TTL and are evicted oldest first past the bound, and the hash
 * table's deletions keep every remembered id findable (checked against a plain list). */
#include "notify_dedup.h"
#include <check.h>
#include <stdlib.h>

START_TEST(test_twin_dropped)
{
    notify_dedup_t *d = notify_dedup_new(16, 1000);
    ck_assert(!notify_dedup_seen(d, 42, 0));
    ck_assert(notify_dedup_seen(d, 42, 5));        /* the copy through the other broker */
    ck_assert(notify_dedup_seen(d, 42, 6));        /* and a third */
    ck_assert(!notify_dedup_seen(d, 43, 7));
    ck_assert_uint_eq(notify_dedup_size(d), 2);
    /* no id: never a duplicate, never remembered */
    ck_assert(!notify_dedup_seen(d, 0, 8));
    ck_assert(!notify_dedup_seen(d, 0, 9));
    ck_assert_uint_eq(notify_dedup_size(d), 2);
    notify_dedup_destroy(&d);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_expiry)
{
    notify_dedup_t *d = notify_dedup_new(16, 1000);
    ck_assert(!notify_dedup_seen(d, 7, 100));
    ck_assert(!notify_dedup_seen(d, 8, 600));
    ck_assert(notify_dedup_seen(d, 7, 1099));      /* just inside its window */
    ck_assert(!notify_dedup_seen(d, 7, 1100));     /* forgotten: delivered again */
    ck_assert(notify_dedup_seen(d, 8, 1599));
    ck_assert(!notify_dedup_seen(d, 8, 1600));
    notify_dedup_destroy(&d);
}
END_TEST

START_TEST(test_bound_evicts_oldest)
{
    notify_dedup_t *d = notify_dedup_new(100, 1000000);
    for (uint64_t id = 1; id <= 150; id++)
        ck_assert(!notify_dedup_seen(d, id, 0));
    ck_assert_uint_eq(notify_dedup_size(d), 100);
    /* the newest 100 are remembered (asking again does not add anything) */
    for (uint64_t id = 51; id <= 150; id++)
        ck_assert(notify_dedup_seen(d, id, 0));
    /* the 50 oldest were forgotten: each is new again, evicting the then-oldest */
    ck_assert(!notify_dedup_seen(d, 1, 0));
    ck_assert(!notify_dedup_seen(d, 51, 0));       /* 51 was the oldest: gone (52 now) */
    ck_assert(notify_dedup_seen(d, 53, 0));
    ck_assert(notify_dedup_seen(d, 1, 0));

    notify_dedup_destroy(&d);
}
END_TEST

/* Random ids, random TTL crossings, a small bound: the filter must answer exactly what a
 * plain list of (id, time) answers. Sequential runs collide in the table on purpose. */
START_TEST(test_matches_reference)
{
    enum { MAX = 64, TTL = 50, STEPS = 50000 };
    notify_dedup_t *d = notify_dedup_new(MAX, TTL);
    uint64_t ids[MAX];
    int64_t at[MAX];
    size_t head = 0, count = 0;
    srand(12345);
    int64_t now = 0;
    for (int step = 0; step < STEPS; step++) {
        now += rand() % 3;
        uint64_t eid = (uint64_t) (rand() % 300) + 1;
        if (step % 1000 < 10)
            eid = (uint64_t) step;                  /* some runs of neighbours */
        if (eid == 0)
            continue;
        while (count > 0 && at[head] + TTL <= now) {
            head = (head + 1) % MAX;
            count--;
        }
        bool expect = false;
        for (size_t k = 0; k < count; k++)
            if (ids[(head + k) % MAX] == eid)
                expect = true;
        if (!expect) {
            if (count == MAX) {
                head = (head + 1) % MAX;
                count--;
            }
            ids[(head + count) % MAX] = eid;
            at[(head + count) % MAX] = now;
            count++;
        }
        ck_assert_msg(notify_dedup_seen(d, eid, now) == expect, "step %d id %llu", step,
                      (unsigned long long) eid);
        ck_assert_uint_eq(notify_dedup_size(d), count);
    }
    notify_dedup_destroy(&d);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_dedup");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);   /* the reference walk is slow under the sanitizers */
    tcase_add_test(tc, test_twin_dropped);
    tcase_add_test(tc, test_expiry);
    tcase_add_test(tc, test_bound_evicts_oldest);
    tcase_add_test(tc, test_matches_reference);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
