/* test_notify_topics.c -- subscription refcounts of the notify service, the topics it
 * subscribes to, and its id map. */
#include "notify_idmap.h"
#include "notify_topics.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_refcount)
{
    notify_topics_t *t = notify_topics_new();
    /* Two sockets of user 7: subscribe once, unsubscribe after the second leaves. */
    ck_assert(notify_topics_acquire(t, EVENT_TOPIC_USER, 7));
    ck_assert(!notify_topics_acquire(t, EVENT_TOPIC_USER, 7));
    ck_assert_int_eq(notify_topics_count(t, EVENT_TOPIC_USER, 7), 2);
    /* Group 7 is another topic than user 7. */
    ck_assert(notify_topics_acquire(t, EVENT_TOPIC_GROUP, 7));
    ck_assert_uint_eq(notify_topics_size(t), 2);
    ck_assert(!notify_topics_release(t, EVENT_TOPIC_USER, 7));
    ck_assert(notify_topics_release(t, EVENT_TOPIC_USER, 7));
    ck_assert_int_eq(notify_topics_count(t, EVENT_TOPIC_USER, 7), 0);
    /* Releasing what nobody holds changes nothing. */
    ck_assert(!notify_topics_release(t, EVENT_TOPIC_USER, 7));
    ck_assert(!notify_topics_release(t, EVENT_TOPIC_USER, 99));
    ck_assert(notify_topics_release(t, EVENT_TOPIC_GROUP, 7));
    ck_assert_uint_eq(notify_topics_size(t), 0);
    notify_topics_destroy(&t);
    ck_assert_ptr_null(t);
    notify_topics_destroy(&t);            /* accepts NULL */
}
END_TEST

START_TEST(test_many)
{
    notify_topics_t *t = notify_topics_new();
    for (int64_t id = 1; id <= 5000; id++)
        ck_assert(notify_topics_acquire(t, EVENT_TOPIC_GROUP, id));
    for (int64_t id = 1; id <= 5000; id++)
        ck_assert(!notify_topics_acquire(t, EVENT_TOPIC_GROUP, id));
    ck_assert_uint_eq(notify_topics_size(t), 5000);
    for (int64_t id = 1; id <= 5000; id++) {
        ck_assert(!notify_topics_release(t, EVENT_TOPIC_GROUP, id));
        ck_assert(notify_topics_release(t, EVENT_TOPIC_GROUP, id));
    }
    ck_assert_uint_eq(notify_topics_size(t), 0);
    notify_topics_destroy(&t);
}
END_TEST

/* The text notify subscribes to is the publishers' (common/event_topic.h): the same
 * function builds both, and these are the strings of schemas/events.md. */
START_TEST(test_subscription_text)
{
    char buf[EVENT_TOPIC_MAX], other[EVENT_TOPIC_MAX];
    ck_assert_int_eq(event_topic_format(EVENT_TOPIC_USER, 12, buf, sizeof buf), 5);
    ck_assert_str_eq(buf, "u:12|");
    ck_assert_int_eq(event_topic_format(EVENT_TOPIC_GROUP, 3, buf, sizeof buf), 4);
    ck_assert_str_eq(buf, "g:3|");
    /* ZeroMQ matches by prefix: user 1's subscription must not receive user 12's events. */
    event_topic_format(EVENT_TOPIC_USER, 1, buf, sizeof buf);
    event_topic_format(EVENT_TOPIC_USER, 12, other, sizeof other);
    ck_assert_int_ne(strncmp(other, buf, strlen(buf)), 0);
    ck_assert_int_eq(event_topic_format(EVENT_TOPIC_USER, INT64_MAX, buf, sizeof buf), 22);
    ck_assert_int_eq(event_topic_format(EVENT_TOPIC_GROUP, 123456, buf, 5), -1);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(event_topic_format(EVENT_TOPIC_USER, 0, buf, sizeof buf), -1);
}
END_TEST

static void
s_sum(int64_t key, void *value, void *arg)
{
    *(int64_t *) arg += key;
}

START_TEST(test_idmap)
{
    notify_idmap_t *m = notify_idmap_new();
    static int values[3000];
    for (int i = 0; i < 3000; i++)
        notify_idmap_put(m, i + 1, &values[i]);
    ck_assert_uint_eq(notify_idmap_size(m), 3000);
    ck_assert_ptr_eq(notify_idmap_get(m, 1234), &values[1233]);
    ck_assert_ptr_null(notify_idmap_get(m, 0));
    notify_idmap_put(m, 5, &values[0]);                             /* replace */
    ck_assert_uint_eq(notify_idmap_size(m), 3000);
    ck_assert_ptr_eq(notify_idmap_get(m, 5), &values[0]);
    int64_t sum = 0;
    notify_idmap_each(m, s_sum, &sum);
    ck_assert_int_eq(sum, 3000LL * 3001 / 2);
    for (int i = 0; i < 3000; i += 2)
        ck_assert_ptr_nonnull(notify_idmap_remove(m, i + 1));
    ck_assert_ptr_null(notify_idmap_remove(m, 1));
    ck_assert_uint_eq(notify_idmap_size(m), 1500);
    ck_assert_ptr_null(notify_idmap_get(m, 1));
    ck_assert_ptr_eq(notify_idmap_get(m, 2), &values[1]);
    notify_idmap_destroy(&m);
    ck_assert_ptr_null(m);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_topics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_refcount);
    tcase_add_test(tc, test_many);
    tcase_add_test(tc, test_subscription_text);
    tcase_add_test(tc, test_idmap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
