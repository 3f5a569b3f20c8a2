/* test_notify_token.c -- where the WebSocket handshake's token comes from. */
#include "notify_token.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_header_first)
{
    char out[64];
    ck_assert_int_eq(notify_token_pick("Bearer abc.def.ghi", "access_token=cookie", "query",
                                       out, sizeof out, NULL), 11);
    ck_assert_str_eq(out, "abc.def.ghi");
    ck_assert_int_eq(notify_token_pick("bearer   xyz", NULL, NULL, out, sizeof out, NULL), 3);
    ck_assert_str_eq(out, "xyz");
}
END_TEST

START_TEST(test_cookie_then_query)
{
    char out[64];
    /* Not a bearer header: the cookie decides. */
    ck_assert_int_eq(notify_token_pick("Basic dXNlcg==", "a=1; access_token=tok; b=2", "q",
                                       out, sizeof out, NULL), 3);
    ck_assert_str_eq(out, "tok");
    ck_assert_int_eq(notify_token_pick("Bearer ", "access_token=\"quoted\"", NULL, out,
                                       sizeof out, NULL), 6);
    ck_assert_str_eq(out, "quoted");
    /* A cookie whose name merely ends in access_token is another cookie. */
    ck_assert_int_eq(notify_token_pick(NULL, "my_access_token=no", "fromquery", out,
                                       sizeof out, NULL), 9);
    ck_assert_str_eq(out, "fromquery");
    ck_assert_int_eq(notify_token_pick("", "", "", out, sizeof out, NULL), 0);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, NULL, out, sizeof out, NULL), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_too_long)
{
    char out[8];
    ck_assert_int_eq(notify_token_pick("Bearer 0123456789", NULL, NULL, out, sizeof out, NULL), -1);
    ck_assert_int_eq(notify_token_pick(NULL, "access_token=0123456789", NULL, out, sizeof out, NULL),
                     -1);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, "0123456789", out, sizeof out, NULL), -1);
    ck_assert_int_eq(notify_token_pick(NULL, NULL, "1234567", out, sizeof out, NULL), 7);
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

/* The source decides whether Origin matters; the origin list is exact. */
START_TEST(test_source_and_origin)
{
    char out[64];
    notify_token_source_t src;
    notify_token_pick("Bearer h", "access_token=c", "q", out, sizeof out, &src);
    ck_assert_int_eq(src, NOTIFY_TOKEN_HEADER);
    notify_token_pick(NULL, "access_token=c", "q", out, sizeof out, &src);
    ck_assert_int_eq(src, NOTIFY_TOKEN_COOKIE);
    notify_token_pick(NULL, "other=c", "q", out, sizeof out, &src);
    ck_assert_int_eq(src, NOTIFY_TOKEN_QUERY);
    notify_token_pick(NULL, NULL, NULL, out, sizeof out, &src);
    ck_assert_int_eq(src, NOTIFY_TOKEN_NONE);

    const char *allowed = "https://app.test, https://admin.test";
    ck_assert(notify_origin_allowed(allowed, "https://app.test"));
    ck_assert(notify_origin_allowed(allowed, "https://admin.test"));
    ck_assert(!notify_origin_allowed(allowed, "https://app.test.evil"));
    ck_assert(!notify_origin_allowed(allowed, "https://app.tes"));
    ck_assert(!notify_origin_allowed(allowed, ""));
    ck_assert(!notify_origin_allowed("", "https://app.test"));
    ck_assert(!notify_origin_allowed(NULL, "https://app.test"));

    ck_assert_uint_eq(notify_token_id_hash(""), 0);
    ck_assert_uint_ne(notify_token_id_hash("a"), notify_token_id_hash("b"));
    ck_assert_uint_eq(notify_token_id_hash("abc"), notify_token_id_hash("abc"));
}
END_TEST

/* The arguments of a query, in any order, among unknown ones, read the same way. */
static void
s_query(notify_query_t *q, const char *const *args)
{
    notify_query_init(q);
    for (; *args; args++)
        notify_query_take(q, *args);
}

START_TEST(test_query_any_order)
{
    static const char *const orders[][5] = {
        { "token=tok.en.x", "since=42", NULL },
        { "since=42", "token=tok.en.x", NULL },
        { "x=1", "since=42", "utm=abc", "token=tok.en.x", NULL },
        { "token=tok.en.x", "tokens=no", "since=42", "sincere=7", NULL },
    };
    for (size_t i = 0; i < sizeof orders / sizeof orders[0]; i++) {
        notify_query_t q;
        s_query(&q, orders[i]);
        ck_assert_msg(q.token_len == 8, "order %zu: token_len %d", i, q.token_len);
        ck_assert_str_eq(q.token, "tok.en.x");
        ck_assert(q.has_since);
        ck_assert(!q.bad_since);
        ck_assert_int_eq(q.since, 42);
    }
}
END_TEST

START_TEST(test_query_refusals)
{
    notify_query_t q;
    /* A malformed since, wherever it stands, is the contract's 400. */
    static const char *const bad[][4] = {
        { "token=t", "since=abc", NULL }, { "since=-1", "token=t", NULL },
        { "since=", NULL },               { "since", "token=t", NULL },
        { "since=1", "since=2", NULL },   /* two cursors: ambiguous */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_query(&q, bad[i]);
        ck_assert_msg(q.bad_since && !q.has_since, "case %zu", i);
    }
    /* Two tokens are refused, not chosen between. */
    static const char *const two[] = { "token=a", "since=1", "token=b", NULL };
    s_query(&q, two);
    ck_assert_int_eq(q.token_len, -1);
    ck_assert_str_eq(q.token, "");
    /* Neither: nothing set, nothing refused. */
    static const char *const none[] = { "a=b", "", NULL };
    s_query(&q, none);
    ck_assert_int_eq(q.token_len, 0);
    ck_assert(!q.has_since && !q.bad_since);
    /* An empty ?token= is no token (the header or cookie may still carry one). */
    static const char *const empty[] = { "token=", NULL };
    s_query(&q, empty);
    ck_assert_int_eq(q.token_len, 0);
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
    tcase_add_test(tc, test_source_and_origin);
    tcase_add_test(tc, test_query_any_order);
    tcase_add_test(tc, test_query_refusals);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
