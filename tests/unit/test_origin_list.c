/* test_origin_list.c -- the one reading of an allowed-origins list (common/origin_list.h):
 * empty items, blanks, "*", the item and count bounds, exact matching, and the copy-free
 * check giving the same answers as the parsed list. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "origin_list.h"

START_TEST(test_items_and_blanks)
{
    origin_list_t l;
    ck_assert_int_eq(origin_list_parse(&l, NULL), 0);
    ck_assert_int_eq(l.count, 0);
    ck_assert(!l.any);
    ck_assert_int_eq(origin_list_parse(&l, ""), 0);
    ck_assert_int_eq(l.count, 0);
    ck_assert_int_eq(origin_list_parse(&l, " , ,,\t,  "), 0);    /* only empty items */
    ck_assert_int_eq(l.count, 0);
    ck_assert_int_eq(origin_list_parse(&l, ",https://a.test ,, \thttps://b.test\t,"), 0);
    ck_assert_int_eq(l.count, 2);
    ck_assert_str_eq(l.items[0], "https://a.test");
    ck_assert_str_eq(l.items[1], "https://b.test");
    ck_assert(!l.any);
    /* a blank inside an item is kept: it is not an origin any browser sends */
    ck_assert_int_eq(origin_list_parse(&l, "https://a .test"), 0);
    ck_assert_str_eq(l.items[0], "https://a .test");
}
END_TEST

START_TEST(test_any)
{
    origin_list_t l;
    ck_assert_int_eq(origin_list_parse(&l, "https://a.test, * "), 0);
    ck_assert(l.any);
    ck_assert_int_eq(l.count, 1);
    /* "*" is a flag, not an item: has() and contains() never match on it */
    ck_assert(!origin_list_has(&l, "*"));
    ck_assert(!origin_list_has(&l, "https://x.test"));
    ck_assert(!origin_list_contains("*", "https://x.test"));
    ck_assert(!origin_list_contains("*", "*"));
    ck_assert_int_eq(origin_list_parse(&l, "**"), 0);   /* not the wildcard */
    ck_assert(!l.any);
    ck_assert_int_eq(l.count, 1);
}
END_TEST

START_TEST(test_bounds)
{
    origin_list_t l;
    char csv[(ORIGIN_LIST_MAX + 3) * 32];
    size_t off = 0;
    for (int i = 0; i < ORIGIN_LIST_MAX + 3; i++)
        off += (size_t) snprintf(csv + off, sizeof csv - off, "https://o%d.test,", i);
    ck_assert_int_eq(origin_list_parse(&l, csv), 3);          /* three too many */
    ck_assert_int_eq(l.count, ORIGIN_LIST_MAX);
    char last[32];
    snprintf(last, sizeof last, "https://o%d.test", ORIGIN_LIST_MAX - 1);
    ck_assert(origin_list_has(&l, last));
    ck_assert(origin_list_contains(csv, last));
    snprintf(last, sizeof last, "https://o%d.test", ORIGIN_LIST_MAX);
    ck_assert(!origin_list_has(&l, last));
    ck_assert(!origin_list_contains(csv, last));

    /* one item of ORIGIN_LIST_ITEM_MAX - 1 characters fits, one more does not */
    char longest[ORIGIN_LIST_ITEM_MAX + 1], longer[ORIGIN_LIST_ITEM_MAX + 1];
    memset(longest, 'a', ORIGIN_LIST_ITEM_MAX - 1);
    longest[ORIGIN_LIST_ITEM_MAX - 1] = '\0';
    memset(longer, 'b', ORIGIN_LIST_ITEM_MAX);
    longer[ORIGIN_LIST_ITEM_MAX] = '\0';
    char two[2 * ORIGIN_LIST_ITEM_MAX + 32];
    snprintf(two, sizeof two, "%s, %s, https://c.test", longer, longest);
    ck_assert_int_eq(origin_list_parse(&l, two), 1);
    ck_assert_int_eq(l.count, 2);
    ck_assert_str_eq(l.items[0], longest);
    ck_assert(origin_list_has(&l, longest));
    ck_assert(!origin_list_has(&l, longer));
    ck_assert(origin_list_has(&l, "https://c.test"));
    ck_assert(origin_list_contains(two, longest));
    ck_assert(!origin_list_contains(two, longer));
    ck_assert(origin_list_contains(two, "https://c.test"));
    /* skipped items do not use up the count */
    snprintf(csv, sizeof csv, "*, %s", longer);
    ck_assert_int_eq(origin_list_parse(&l, csv), 1);
    ck_assert(l.any);
    ck_assert_int_eq(l.count, 0);
}
END_TEST

START_TEST(test_exact)
{
    const char *csv = "https://app.test, https://admin.test";
    origin_list_t l;
    origin_list_parse(&l, csv);
    const char *yes[] = { "https://app.test", "https://admin.test" };
    const char *no[] = { "https://app.test.evil", "https://app.tes", "HTTPS://APP.TEST",
                         "https://app.test ", " https://app.test", "", NULL };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        ck_assert_msg(origin_list_has(&l, yes[i]), "%s", yes[i]);
        ck_assert_msg(origin_list_contains(csv, yes[i]), "%s", yes[i]);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        ck_assert_msg(!origin_list_has(&l, no[i]), "%s", no[i] ? no[i] : "NULL");
        ck_assert_msg(!origin_list_contains(csv, no[i]), "%s", no[i] ? no[i] : "NULL");
    }
    ck_assert(!origin_list_contains(NULL, "https://app.test"));
    ck_assert(!origin_list_contains("", "https://app.test"));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("origin_list");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_items_and_blanks);
    tcase_add_test(tc, test_any);
    tcase_add_test(tc, test_bounds);
    tcase_add_test(tc, test_exact);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
