/* test_notify_token.c -- where the WebSocket handshake's token comes from. */
#include "notify_token.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_header_first)
{
    char out[64];
    ck_assert_int_eq(notify_token_pick("Bearer abc.def.ghi", "access_token=cookie", "query",
                                       out, sizeof out), 11);
    ck_assert_str_eq(out, "abc.def.ghi");
    ck_assert_int_eq(notify_token_pick("bearer   xyz", NULL, NULL, out, sizeof out), 3);
    ck_assert_str_eq(out, "xyz");
}
END_TEST

START_TEST(test_cookie_then_query)
{
    char out[64];
    /* Not a bearer header: the cookie decides. */
    ck_assert_int_eq(notify_token_pick("Basic dXNlcg==", "a=1; access_token=tok; b=2", "q",
                                       out, sizeof out), 3);
    ck_assert_str_eq(out, "tok");
    ck_assert_int_eq(notify_token_pick("Bearer ", "access_token=\"quoted\"", NULL, out,
                                       sizeof out), 6);
    ck_assert_str_eq(out, "quoted");
    /* A cookie whose name merely ends in access_token is another cookie. */
    ck_assert_int_eq(notify_token_pick(NULL, "my_access_token=no", "fromquery", out,
                                       sizeof out), 9);
    ck_assert_str_eq(out, "fromquery");
    ck_assert_int_eq(notify_token_pick("", "", "", out, sizeof out), 0);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, NULL, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_too_long)
{
    char out[8];
    ck_assert_int_eq(notify_token_pick("Bearer 0123456789", NULL, NULL, out, sizeof out), -1);
    ck_assert_int_eq(notify_token_pick(NULL, "access_token=0123456789", NULL, out, sizeof out),
                     -1);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, "0123456789", out, sizeof out), -1);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, "1234567", out, sizeof out), 7);
}
END_TEST

START_TEST(test_cookie_get)
{
    char out[32];
    ck_assert_int_eq(notify_cookie_get("x=1;y=2", "y", out, sizeof out), 1);
    ck_assert_str_eq(out, "2");
    ck_assert_int_eq(notify_cookie_get("x=1; y=", "y", out, sizeof out), 0);
    ck_assert_int_eq(notify_cookie_get("x=1", "y", out, sizeof out), 0);
    ck_assert_int_eq(notify_cookie_get(";;; y=3 ;", "y", out, sizeof out), 1);
    ck_assert_str_eq(out, "3");
}
END_TEST

START_TEST(test_since)
{
    int64_t v;
    ck_assert(notify_since_parse("0", &v));
    ck_assert_int_eq(v, 0);
    ck_assert(notify_since_parse("123456", &v));
    ck_assert_int_eq(v, 123456);
    ck_assert(!notify_since_parse("", &v));
    ck_assert(!notify_since_parse("-1", &v));
    ck_assert(!notify_since_parse("12a", &v));
    ck_assert(!notify_since_parse("1234567890123456789", &v));
    ck_assert(!notify_since_parse(NULL, &v));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_token");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_header_first);
    tcase_add_test(tc, test_cookie_then_query);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_cookie_get);
    tcase_add_test(tc, test_since);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
