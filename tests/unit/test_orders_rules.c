/* test_orders_rules.c -- exact amounts and the order life cycle. */
#include "orders_amount.h"
#include "orders_status.h"
#include <check.h>
#include <stdlib.h>

static void
s_ok(const char *in, const char *want)
{
    char out[32];
    orders_amount_status_t st = orders_amount_parse(in, out, sizeof out);
    ck_assert_msg(st == AMOUNT_OK, "%s refused (%d)", in, st);
    ck_assert_str_eq(out, want);
}

static void
s_bad(const char *in, orders_amount_status_t want)
{
    char out[32];
    ck_assert_msg(orders_amount_parse(in, out, sizeof out) == want, "%s: wrong verdict",
                  in ? in : "(null)");
}

START_TEST(test_amounts_accepted)
{
    s_ok("10", "10.00");
    s_ok("10.5", "10.50");
    s_ok("10.50", "10.50");
    s_ok("0.01", "0.01");
    s_ok("0.3", "0.30");             /* 0.1 + 0.2 never happens: text in, text out */
    s_ok("1000000000", "1000000000.00");
    s_ok("1000000000.00", "1000000000.00");
    s_ok("1.5e2", "150.00");
    s_ok("15E-1", "1.50");
    s_ok("1e-2", "0.01");
    s_ok("12.340", "12.34");         /* a trailing zero adds no precision */
    s_ok("999999999.99", "999999999.99");
}
END_TEST

START_TEST(test_amounts_refused)
{
    s_bad("0", AMOUNT_NOT_POSITIVE);
    s_bad("0.00", AMOUNT_NOT_POSITIVE);
    s_bad("-1", AMOUNT_NOT_POSITIVE);
    s_bad("-0", AMOUNT_NOT_POSITIVE);
    s_bad("0.001", AMOUNT_TOO_PRECISE);
    s_bad("10.555", AMOUNT_TOO_PRECISE);
    s_bad("1e-3", AMOUNT_TOO_PRECISE);
    s_bad("1e-99", AMOUNT_TOO_PRECISE);
    s_bad("1000000000.01", AMOUNT_TOO_LARGE);
    s_bad("1000000001", AMOUNT_TOO_LARGE);
    s_bad("1e10", AMOUNT_TOO_LARGE);
    s_bad("1e99", AMOUNT_TOO_LARGE);
    s_bad("", AMOUNT_NOT_A_NUMBER);
    s_bad("abc", AMOUNT_NOT_A_NUMBER);
    s_bad("01", AMOUNT_NOT_A_NUMBER);
    s_bad("1.", AMOUNT_NOT_A_NUMBER);
    s_bad(".5", AMOUNT_NOT_A_NUMBER);
    s_bad("1e", AMOUNT_NOT_A_NUMBER);
    s_bad("1.5x", AMOUNT_NOT_A_NUMBER);
    s_bad("NaN", AMOUNT_NOT_A_NUMBER);
    s_bad("Infinity", AMOUNT_NOT_A_NUMBER);
    s_bad(NULL, AMOUNT_NOT_A_NUMBER);
    s_bad("11111111111111111111111111111111111111111111111111111111111111111", AMOUNT_NOT_A_NUMBER);
    ck_assert_str_eq(orders_amount_message(AMOUNT_TOO_PRECISE),
                     "amount must have at most 2 decimal places");
}
END_TEST

START_TEST(test_life_cycle)
{
    ck_assert(orders_status_can_move("pending", "paid"));
    ck_assert(orders_status_can_move("paid", "shipped"));
    ck_assert(orders_status_can_move("pending", "cancelled"));
    ck_assert(orders_status_can_move("paid", "cancelled"));
    ck_assert(!orders_status_can_move("shipped", "cancelled"));
    ck_assert(!orders_status_can_move("cancelled", "paid"));
    ck_assert(!orders_status_can_move("pending", "shipped"));
    ck_assert(!orders_status_can_move("paid", "pending"));
    ck_assert(!orders_status_can_move("paid", "paid"));
    ck_assert(orders_status_valid("shipped"));
    ck_assert(!orders_status_valid("lost"));
    ck_assert(!orders_status_valid(NULL));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("orders_rules");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_amounts_accepted);
    tcase_add_test(tc, test_amounts_refused);
    tcase_add_test(tc, test_life_cycle);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
