/* test_edge_connlimit.c -- open connections per client address: the limit per address,
 * addresses counted apart, a close giving the place back, and no limit at 0. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "edge_connlimit.h"

START_TEST(test_limit_per_address)
{
    edge_connlimit_t *cl = edge_connlimit_new(3);
    ck_assert_ptr_nonnull(cl);
    for (int i = 0; i < 3; i++)
        ck_assert(edge_connlimit_open(cl, "10.0.0.1"));
    ck_assert(!edge_connlimit_open(cl, "10.0.0.1"));      /* the fourth: over */
    ck_assert(edge_connlimit_open(cl, "10.0.0.2"));       /* another address: its own count */
    /* the refused one is counted too, and closes like any other */
    edge_connlimit_close(cl, "10.0.0.1");
    ck_assert(!edge_connlimit_open(cl, "10.0.0.1"));      /* 3 open again + this one */
    edge_connlimit_close(cl, "10.0.0.1");
    edge_connlimit_close(cl, "10.0.0.1");
    ck_assert(edge_connlimit_open(cl, "10.0.0.1"));       /* 2 + 1: within */
    /* every address back to none: its entry is gone, a new count starts from 0 */
    for (int i = 0; i < 3; i++)
        edge_connlimit_close(cl, "10.0.0.1");
    edge_connlimit_close(cl, "10.0.0.1");                 /* one too many: harmless */
    for (int i = 0; i < 3; i++)
        ck_assert(edge_connlimit_open(cl, "10.0.0.1"));
    ck_assert(!edge_connlimit_open(cl, "10.0.0.1"));
    /* unusable addresses are never refused */
    ck_assert(edge_connlimit_open(cl, ""));
    ck_assert(edge_connlimit_open(cl, NULL));
    edge_connlimit_destroy(&cl);
    ck_assert_ptr_null(cl);
}
END_TEST

START_TEST(test_many_addresses_and_off)
{
    edge_connlimit_t *cl = edge_connlimit_new(1);
    char addr[32];
    for (int i = 0; i < 5000; i++) {              /* more addresses than buckets */
        snprintf(addr, sizeof addr, "10.%d.%d.1", i / 250, i % 250);
        ck_assert(edge_connlimit_open(cl, addr));
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.1", i / 250, i % 250);
        ck_assert(!edge_connlimit_open(cl, addr));
    }
    edge_connlimit_destroy(&cl);                  /* frees what is still counted */
    ck_assert_ptr_null(edge_connlimit_new(0));    /* 0: no limit at all */
    ck_assert(edge_connlimit_open(NULL, "10.0.0.1"));
    edge_connlimit_close(NULL, "10.0.0.1");
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_connlimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_limit_per_address);
    tcase_add_test(tc, test_many_addresses_and_off);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
