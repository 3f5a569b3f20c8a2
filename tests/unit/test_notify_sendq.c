/* test_notify_sendq.c -- the bounded per-socket send queue. */
#include "notify_sendq.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_fifo_and_headroom)
{
    notify_sendq_t q;
    notify_sendq_init(&q);
    ck_assert_ptr_null(notify_sendq_peek(&q));
    ck_assert_int_eq(notify_sendq_push(&q, "one", 3, 1, 16, 10, 100), 0);
    ck_assert_int_eq(notify_sendq_push(&q, "two!", 4, 2, 16, 10, 100), 0);
    ck_assert_uint_eq(q.count, 2);
    ck_assert_uint_eq(q.bytes, 7);
    notify_frame_t *f = notify_sendq_peek(&q);
    ck_assert_uint_eq(f->headroom, 16);
    ck_assert_int_eq(memcmp(f->buf + f->headroom, "one", 3), 0);
    ck_assert_int_eq(f->tag, 1);
    free(notify_sendq_take(&q));
    f = notify_sendq_take(&q);
    ck_assert_int_eq(memcmp(f->buf + 16, "two!", 4), 0);
    ck_assert_uint_eq(q.count, 0);
    ck_assert_uint_eq(q.bytes, 0);
    ck_assert_ptr_null(notify_sendq_take(&q));
    /* A taken frame moves to another queue whatever that queue's bounds. */
    notify_sendq_t other;
    notify_sendq_init(&other);
    notify_sendq_append(&other, f);
    ck_assert_uint_eq(other.count, 1);
    ck_assert_uint_eq(other.bytes, 4);
    notify_sendq_clear(&other);
    ck_assert_uint_eq(other.count, 0);
    ck_assert_ptr_null(other.head);
    ck_assert_ptr_null(other.tail);
}
END_TEST

START_TEST(test_frame_bound)
{
    notify_sendq_t q;
    notify_sendq_init(&q);
    for (int i = 0; i < 256; i++)
        ck_assert_int_eq(notify_sendq_push(&q, "x", 1, 0, 0, 256, 1 << 20), 0);
    ck_assert_int_eq(notify_sendq_push(&q, "x", 1, 0, 0, 256, 1 << 20), -1);
    ck_assert_uint_eq(q.count, 256);
    free(notify_sendq_take(&q));
    ck_assert_int_eq(notify_sendq_push(&q, "x", 1, 0, 0, 256, 1 << 20), 0);
    notify_sendq_clear(&q);
}
END_TEST

START_TEST(test_byte_bound)
{
    notify_sendq_t q;
    notify_sendq_init(&q);
    char big[600];
    memset(big, 'a', sizeof big);
    ck_assert_int_eq(notify_sendq_push(&q, big, 600, 0, 0, 100, 1000), 0);
    ck_assert_int_eq(notify_sendq_push(&q, big, 600, 0, 0, 100, 1000), -1);   /* 1200 > 1000 */
    ck_assert_int_eq(notify_sendq_push(&q, big, 400, 0, 0, 100, 1000), 0);   /* exactly 1000 */
    ck_assert_int_eq(notify_sendq_push(&q, big, 1, 0, 0, 100, 1000), -1);
    ck_assert_int_eq(notify_sendq_push(&q, big, 1001, 0, 0, 100, 1000), -1);  /* alone too big */
    ck_assert_uint_eq(q.bytes, 1000);
    ck_assert_int_eq(notify_sendq_push(&q, big, 1, 0, 0, NOTIFY_SENDQ_UNBOUNDED,
                                       NOTIFY_SENDQ_UNBOUNDED), 0);
    notify_sendq_clear(&q);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_sendq");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fifo_and_headroom);
    tcase_add_test(tc, test_frame_bound);
    tcase_add_test(tc, test_byte_bound);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
