/* test_notify_dbarray.c -- the array literals of the batched reads: shape, extremes, and a
 * buffer too small is an error, never a truncated literal PostgreSQL would misread. */
#include "notify_dbarray.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_empty)
{
    char buf[8];
    ck_assert_int_eq(notify_dbarray_format(NULL, 0, buf, sizeof buf), 2);
    ck_assert_str_eq(buf, "{}");
}
END_TEST

START_TEST(test_values)
{
    int64_t v[] = { 1, -2, 0, 9223372036854775807LL, (-9223372036854775807LL - 1) };
    char buf[NOTIFY_DBARRAY_SIZE(5)];
    int n = notify_dbarray_format(v, 5, buf, sizeof buf);
    ck_assert_str_eq(buf, "{1,-2,0,9223372036854775807,-9223372036854775808}");
    ck_assert_int_eq(n, (int) strlen(buf));
}
END_TEST

START_TEST(test_worst_case_fits)
{
    /* The bound the worker sizes its buffers with holds the longest values. */
    enum { N = 64 };
    int64_t v[N];
    for (int i = 0; i < N; i++)
        v[i] = -9223372036854775807LL - 1;
    char *buf = malloc(NOTIFY_DBARRAY_SIZE(N));
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_gt(notify_dbarray_format(v, N, buf, NOTIFY_DBARRAY_SIZE(N)), 0);
    free(buf);
}
END_TEST

START_TEST(test_too_small)
{
    int64_t v[] = { 12345, 67890 };
    char buf[8];
    ck_assert_int_eq(notify_dbarray_format(v, 2, buf, sizeof buf), -1);
    ck_assert_str_eq(buf, "");
    /* Exactly the room it needs (13 characters and the NUL) is enough. */
    char fit[14];
    ck_assert_int_eq(notify_dbarray_format(v, 2, fit, sizeof fit), 13);
    ck_assert_str_eq(fit, "{12345,67890}");
    ck_assert_int_eq(notify_dbarray_format(v, 2, fit, sizeof fit - 1), -1);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("notify_dbarray");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_worst_case_fits);
    tcase_add_test(tc, test_too_small);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
