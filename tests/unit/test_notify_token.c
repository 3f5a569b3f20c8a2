/* test_notify_token.c -- the WebSocket handshake: its token, query, Origin and id digests. */
#include "notify_token.h"
#include "users_jwt.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "unit-test-secret-0123456789abcdef"

/* notify's use of the shared token rule (common/access_token.h): a handshake's ?token=
 * as notify_query_take reads it is the last resort after the header and the cookie, and
 * where the token came from decides whether its Origin matters. */
START_TEST(test_handshake_token)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_claims_t c = { .sub = 9, .iat = 1000, .exp = 2000 };
    strcpy(c.typ, "access");
    strcpy(c.jti, "j9");
    char *tok = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(tok);
    char arg[1024], cookie[1024], bearer[1024];
    snprintf(arg, sizeof arg, "token=%s", tok);
    snprintf(cookie, sizeof cookie, "theme=dark; access_token=%s", tok);
    snprintf(bearer, sizeof bearer, "Bearer %s", tok);
    notify_query_t q;
    notify_query_init(&q);
    notify_query_take(&q, "since=5");
    notify_query_take(&q, arg);
    token_claims_t out;
    access_token_source_t src;
    ck_assert_int_eq(access_token_read(keys, "", "", q.token, 1500, &out, &src), ACCESS_TOKEN_OK);
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_QUERY);
    ck_assert_int_eq(out.sub, 9);
    ck_assert_int_eq(access_token_read(keys, "", cookie, q.token, 1500, &out, &src),
                     ACCESS_TOKEN_OK);
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_COOKIE);             /* Origin is checked */
    ck_assert_int_eq(access_token_read(keys, bearer, cookie, q.token, 1500, &out, &src),
                     ACCESS_TOKEN_OK);
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_HEADER);
    ck_assert_int_eq(access_token_read(keys, "", "", q.token, 2500, &out, &src),
                     ACCESS_TOKEN_EXPIRED);
    /* no token anywhere: the 401 "Missing token" */
    notify_query_init(&q);
    notify_query_take(&q, "token=");
    ck_assert_int_eq(access_token_read(keys, "", "other=1", q.token, 1500, &out, &src),
                     ACCESS_TOKEN_MISSING);
    free(tok);
    token_keys_destroy(&keys);
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

/* The origin list is exact. */
START_TEST(test_source_and_origin)
{
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
    /* A token longer than any we take is refused whole; one that just fits is read. */
    static char arg[ACCESS_TOKEN_MAX + 16];
    memcpy(arg, "token=", 6);
    memset(arg + 6, 't', ACCESS_TOKEN_MAX + 1);
    arg[6 + ACCESS_TOKEN_MAX + 1] = '\0';
    notify_query_init(&q);
    notify_query_take(&q, arg);
    ck_assert_int_eq(q.token_len, -1);
    ck_assert_str_eq(q.token, "");
    arg[6 + ACCESS_TOKEN_MAX] = '\0';
    notify_query_init(&q);
    notify_query_take(&q, arg);
    ck_assert_int_eq(q.token_len, ACCESS_TOKEN_MAX);
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
    tcase_add_test(tc, test_handshake_token);
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
