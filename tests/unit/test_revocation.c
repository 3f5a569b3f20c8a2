/* test_revocation.c -- the revocation keys shared by the edge, notify and the users
 * service. (The EXISTS round trip itself is exercised against the real Redis by the
 * logout and refresh-reuse integration tests.) */
#include "revocation.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_keys)
{
    token_claims_t c;
    memset(&c, 0, sizeof c);
    c.sub = 7;
    c.iat = 1700000000;
    strcpy(c.jti, "abc");
    revocation_t rev;
    /* jti, then the user's not-before mark last */
    ck_assert_int_eq(revocation_prepare(&c, &rev), 2);
    ck_assert_str_eq(rev.keys[0], "revoked:abc");
    ck_assert_str_eq(rev.keys[1], "revoked_before:7");
    ck_assert_int_eq(rev.iat_ms, 1700000000000LL);      /* seconds only: its second */
    strcpy(c.fam, "f1");
    c.iat_ms = 1700000000123LL;
    ck_assert_int_eq(revocation_prepare(&c, &rev), 3);
    ck_assert_str_eq(rev.keys[1], "revoked_fam:f1");
    ck_assert_str_eq(rev.keys[2], "revoked_before:7");
    ck_assert_int_eq(rev.iat_ms, 1700000000123LL);
    /* No jti, one too long to be ours, or no user: nothing to read, which callers read
     * as revoked. */
    c.jti[0] = '\0';
    ck_assert_int_eq(revocation_prepare(&c, &rev), 0);
    memset(c.jti, 'j', sizeof c.jti - 1);
    c.jti[sizeof c.jti - 1] = '\0';
    ck_assert_int_gt(revocation_prepare(&c, &rev), 0);   /* 63 chars still fit */
    c.sub = 0;
    ck_assert_int_eq(revocation_prepare(&c, &rev), 0);
}
END_TEST

START_TEST(test_unreachable_redis_fails_closed)
{
    setenv("REDIS_PORT", "1", 1);          /* nothing listens there */
    setenv("REDIS_TIMEOUT_MS", "100", 1);
    redis_conn_t *redis = redis_conn_new();
    token_claims_t c;
    memset(&c, 0, sizeof c);
    c.sub = 7;
    strcpy(c.jti, "abc");
    ck_assert_int_eq(revocation_check(redis, &c), -1);
    c.jti[0] = '\0';
    ck_assert_int_eq(revocation_check(redis, &c), 1);
    /* The writer's side: nothing confirmed, nothing claimed. */
    ck_assert_int_eq(revocation_mark_jti(redis, "abc", 60), -1);
    ck_assert_int_eq(revocation_mark_family(redis, "f1", 60), -1);
    ck_assert_int_eq(revocation_mark_user(redis, 7, 1700000000000LL, 60), -1);
    ck_assert_int_eq(revocation_mark_jti(redis, "", 60), -1);
    ck_assert_int_eq(revocation_mark_user(redis, 0, 1700000000000LL, 60), -1);
    redis_conn_destroy(&redis);
    ck_assert_ptr_null(redis);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("revocation");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_unreachable_redis_fails_closed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
