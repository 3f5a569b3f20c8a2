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
    strcpy(c.jti, "abc");
    char keys[2][REVOCATION_KEY_MAX];
    ck_assert_int_eq(revocation_keys(&c, keys), 1);
    ck_assert_str_eq(keys[0], "revoked:abc");
    strcpy(c.fam, "f1");
    ck_assert_int_eq(revocation_keys(&c, keys), 2);
    ck_assert_str_eq(keys[1], "revoked_fam:f1");
    /* No jti, or one too long to be ours: no key, which callers read as revoked. */
    c.jti[0] = '\0';
    ck_assert_int_eq(revocation_keys(&c, keys), 0);
    memset(c.jti, 'j', sizeof c.jti - 1);
    c.jti[sizeof c.jti - 1] = '\0';
    ck_assert_int_gt(revocation_keys(&c, keys), 0);   /* 63 chars still fit */
}
END_TEST

START_TEST(test_unreachable_redis_fails_closed)
{
    setenv("REDIS_PORT", "1", 1);          /* nothing listens there */
    setenv("REDIS_TIMEOUT_MS", "100", 1);
    redis_conn_t *redis = redis_conn_new();
    token_claims_t c;
    memset(&c, 0, sizeof c);
    strcpy(c.jti, "abc");
    ck_assert_int_eq(revocation_check(redis, &c), -1);
    c.jti[0] = '\0';
    ck_assert_int_eq(revocation_check(redis, &c), 1);
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
