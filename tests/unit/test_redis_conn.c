/* test_redis_conn.c -- redis_conn against a private redis-server that wants a password
 * (requirepass, as a managed Redis or the Kubernetes Secret's REDIS_PASSWORD): AUTH with
 * the right one works, none gets Redis's NOAUTH, a wrong one counts as unreachable.
 * Without /usr/bin/redis-server the suite exits 77: skipped (tests/CMakeLists.txt). */
#include "redis_conn.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "redis_harness.h"

#define PASSWORD "k8s-test-password"

/* PING through a fresh redis_conn made with REDIS_PASSWORD = PASSWORD_OR_NULL (unset). */
static redisReply *
s_ping(const char *password_or_null)
{
    if (password_or_null)
        setenv("REDIS_PASSWORD", password_or_null, 1);
    else
        unsetenv("REDIS_PASSWORD");
    redis_conn_t *redis = redis_conn_new();
    const char *argv[1] = { "PING" };
    redisReply *r = redis_conn_command(redis, 1, argv, (size_t[]) { 4 });
    redis_conn_destroy(&redis);
    return r;
}

START_TEST(test_auth_right_password)
{
    redisReply *r = s_ping(PASSWORD);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->str, "PONG");
    freeReplyObject(r);
}
END_TEST

START_TEST(test_auth_no_password)
{
    /* Without AUTH the server answers every command with NOAUTH: returned as is. */
    redisReply *r = s_ping(NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_ptr_nonnull(strstr(r->str, "NOAUTH"));
    freeReplyObject(r);
}
END_TEST

START_TEST(test_auth_wrong_password)
{
    /* A refused AUTH drops the connection: the caller sees Redis as unreachable. */
    ck_assert_ptr_null(s_ping("not-the-password"));
}
END_TEST

int
main(void)
{
    /* A port range of its own (test_edge_ratelimit's starts at 30000). */
    redis_harness_t *server = redis_harness_new(32000, PASSWORD);
    if (!server) {
        fprintf(stderr, "test_redis_conn: no redis-server here; skipped\n");
        return 77;
    }
    Suite *s = suite_create("redis_conn");
    TCase *tc = tcase_create("auth");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_auth_right_password);
    tcase_add_test(tc, test_auth_no_password);
    tcase_add_test(tc, test_auth_wrong_password);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    redis_harness_destroy(&server);
    return failed ? 1 : 0;
}
