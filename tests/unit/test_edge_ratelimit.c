/* test_edge_ratelimit.c -- window specs, route overrides, the reply of the script, the
 * memory fallback, and the Lua script itself against a private redis-server (started by
 * the test). Without /usr/bin/redis-server the script's test does not run and the suite
 * exits 77, which ctest reports as skipped (tests/CMakeLists.txt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edge_ratelimit.h"
#include "redis_harness.h"
#include "revocation.h"

static edge_ratelimit_t *
s_limiter(const char *windows, const char *routes, edge_rl_fallback_t fallback)
{
    edge_rl_config_t cfg = { .enabled = true, .windows = windows, .per_second = 3,
                             .per_minute = 100, .routes = routes, .fallback = fallback };
    return edge_ratelimit_new(&cfg, edge_routes());
}

static const edge_route_t *
s_route(const char *method, const char *path)
{
    for (const edge_route_t *r = edge_routes(); r->method; r++)
        if (!strcmp(r->method, method) && !strcmp(r->path, path))
            return r;
    return NULL;
}

START_TEST(test_spec)
{
    edge_rl_spec_t s;
    ck_assert_int_eq(edge_rl_spec_parse("3/1s,100/60s", &s), 0);
    ck_assert_int_eq(s.count, 2);
    ck_assert_int_eq(s.w[0].limit, 3);
    ck_assert_int_eq(s.w[0].window_s, 1);
    ck_assert_int_eq(s.w[1].window_s, 60);
    ck_assert_int_eq(edge_rl_spec_parse("5/1m, 1000/1h", &s), 0);
    ck_assert_int_eq(s.w[0].window_s, 60);
    ck_assert_int_eq(s.w[1].window_s, 3600);
    ck_assert_int_eq(edge_rl_spec_parse("10/30", &s), 0);
    ck_assert_int_eq(s.w[0].window_s, 30);
    ck_assert_int_eq(edge_rl_spec_parse("", &s), -1);
    ck_assert_int_eq(edge_rl_spec_parse("0/1s", &s), -1);
    ck_assert_int_eq(edge_rl_spec_parse("3/0s", &s), -1);
    ck_assert_int_eq(edge_rl_spec_parse("3/1x", &s), -1);
    ck_assert_int_eq(edge_rl_spec_parse("abc", &s), -1);
    ck_assert_int_eq(edge_rl_spec_parse("1/1s,1/2s,1/3s,1/4s,1/5s", &s), -1);
}
END_TEST

START_TEST(test_new)
{
    edge_ratelimit_t *rl = s_limiter(NULL, "/api/auth/login=5/60s", EDGE_RL_FALLBACK_MEMORY);
    ck_assert_ptr_nonnull(rl);
    ck_assert(edge_ratelimit_enabled(rl));
    edge_ratelimit_destroy(&rl);
    ck_assert_ptr_null(rl);
    ck_assert_ptr_null(s_limiter("nonsense", NULL, EDGE_RL_FALLBACK_MEMORY));
    ck_assert_ptr_null(s_limiter(NULL, "/api/nowhere=5/60s", EDGE_RL_FALLBACK_MEMORY));
    ck_assert_ptr_null(s_limiter(NULL, "/api/auth/login", EDGE_RL_FALLBACK_MEMORY));
}
END_TEST

START_TEST(test_memory)
{
    edge_ratelimit_t *rl = s_limiter("3/1s,5/60s", "/api/auth/login=2/60s",
                                     EDGE_RL_FALLBACK_MEMORY);
    const edge_route_t *get = s_route("GET", "/api/users/:id");
    const edge_route_t *login = s_route("POST", "/api/auth/login");
    edge_rl_result_t res;
    int64_t now = 1700000040000LL;                  /* a whole second, a whole minute */
    for (int i = 0; i < 3; i++) {
        edge_ratelimit_check_memory(rl, get, "10.0.0.1", 7, now + 100, &res);
        ck_assert(res.allowed && res.limited);
        ck_assert_int_eq(res.limit, 3);
        ck_assert_int_eq(res.remaining, 2 - i);
    }
    edge_ratelimit_check_memory(rl, get, "10.0.0.1", 7, now + 200, &res);
    ck_assert(!res.allowed);
    ck_assert_int_eq(res.remaining, 0);
    ck_assert_int_eq(res.retry_after_s, 1);
    ck_assert_int_eq(res.reset_s, now / 1000 + 1);
    /* another user, another key */
    edge_ratelimit_check_memory(rl, get, "10.0.0.1", 8, now + 200, &res);
    ck_assert(res.allowed);
    /* next second: allowed again; then the minute window (5) is the closest */
    edge_ratelimit_check_memory(rl, get, "10.0.0.1", 7, now + 1100, &res);
    ck_assert(res.allowed);
    edge_ratelimit_check_memory(rl, get, "10.0.0.1", 7, now + 1200, &res);
    ck_assert(res.allowed);
    ck_assert_int_eq(res.limit, 5);
    ck_assert_int_eq(res.remaining, 0);
    edge_ratelimit_check_memory(rl, get, "10.0.0.1", 7, now + 2100, &res);
    ck_assert(!res.allowed);
    ck_assert_int_ge(res.retry_after_s, 57);
    /* the login route has its own windows and counter */
    edge_ratelimit_check_memory(rl, login, "10.0.0.1", 0, now, &res);
    edge_ratelimit_check_memory(rl, login, "10.0.0.1", 0, now, &res);
    ck_assert(res.allowed);
    ck_assert_int_eq(res.limit, 2);
    edge_ratelimit_check_memory(rl, login, "10.0.0.1", 0, now, &res);
    ck_assert(!res.allowed);
    edge_ratelimit_destroy(&rl);
}
END_TEST

static redisReply *
s_int(long long v)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = REDIS_REPLY_INTEGER;
    r->integer = v;
    return r;
}

START_TEST(test_read_reply)
{
    edge_ratelimit_t *rl = s_limiter("3/1s,100/60s", NULL, EDGE_RL_FALLBACK_MEMORY);
    const edge_route_t *get = s_route("GET", "/api/users/:id");
    redisReply arr = { .type = REDIS_REPLY_ARRAY, .elements = 6 };
    long long v[6] = { 0, 0, 3, 400, 50, 30000 };
    redisReply *el[6];
    for (int i = 0; i < 6; i++)
        el[i] = s_int(v[i]);
    arr.element = el;
    edge_rl_result_t res = { 0 };
    ck_assert_int_eq(edge_ratelimit_read_reply(rl, get, &arr, 1000000, &res), 0);
    ck_assert(!res.allowed);
    ck_assert_int_eq(res.revoked, 0);
    ck_assert_int_eq(res.limit, 3);
    ck_assert_int_eq(res.remaining, 0);
    ck_assert_int_eq(res.retry_after_s, 1);
    ck_assert_int_eq(res.reset_s, 1001);
    el[0]->integer = 1;                     /* revoked: nothing else read */
    ck_assert_int_eq(edge_ratelimit_read_reply(rl, get, &arr, 1000000, &res), 0);
    ck_assert_int_eq(res.revoked, 1);
    el[0]->integer = 0;
    arr.elements = 5;                       /* malformed */
    ck_assert_int_eq(edge_ratelimit_read_reply(rl, get, &arr, 1000000, &res), -1);
    for (int i = 0; i < 6; i++)
        free(el[i]);
    edge_ratelimit_destroy(&rl);
}
END_TEST

/* --- against a real Redis ------------------------------------------------------------ */

/* The suite's redis-server; main stops it too, should the test end early (CK_FORK=no). */
static redis_harness_t *s_redis;

START_TEST(test_redis_script)
{
    s_redis = redis_harness_new(30000, NULL);   /* test_redis_conn's range starts at 32000 */
    ck_assert_msg(s_redis, "the private redis-server did not start");
    edge_ratelimit_t *rl = s_limiter("2/10s,3/60s", NULL, EDGE_RL_FALLBACK_CLOSED);
    redis_conn_t *redis = redis_conn_new();
    const edge_route_t *get = s_route("GET", "/api/users/:id");
    token_claims_t claims;
    memset(&claims, 0, sizeof claims);
    claims.sub = 42;
    strcpy(claims.jti, "testjti");
    strcpy(claims.fam, "testfam");
    claims.iat_ms = 1700000000000LL;
    revocation_t rev, *revoke = &rev;
    ck_assert_int_eq(revocation_prepare(&claims, &rev), 3);
    edge_rl_result_t res;
    int64_t now = 1700000000000LL;
    /* first call: NOSCRIPT, then EVAL */
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 42, revoke, now, &res);
    ck_assert_int_eq(res.revoked, 0);
    ck_assert(res.allowed);
    ck_assert_int_eq(res.remaining, 1);
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 42, revoke, now, &res);
    ck_assert(res.allowed);
    ck_assert_int_eq(res.remaining, 0);
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 42, revoke, now, &res);
    ck_assert(!res.allowed);
    ck_assert_int_ge(res.retry_after_s, 9);
    ck_assert_int_le(res.retry_after_s, 10);
    /* the refused request did not count in the minute window */
    const char *argv[2] = { "GET", "rl:127.0.0.9:42:60s" };
    redisReply *r = redis_conn_command(redis, 2, argv, (size_t[]) { 3, strlen(argv[1]) });
    ck_assert_str_eq(r->str, "2");
    freeReplyObject(r);
    /* a revoked family (marked as the users service marks it): refused as revoked, not
     * counted */
    ck_assert_int_eq(revocation_mark_family(redis, "testfam", 60), 0);
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 42, revoke, now, &res);
    ck_assert_int_eq(res.revoked, 1);
    /* the user's not-before mark: a token issued at or before it is revoked, a later
     * one (another session, no family) is not, and neither is counted */
    claims.fam[0] = '\0';
    strcpy(claims.jti, "otherjti");
    ck_assert_int_eq(revocation_prepare(&claims, &rev), 2);
    ck_assert_int_eq(revocation_mark_user(redis, 42, 1700000000000LL, 60), 0);
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 42, revoke, now, &res);
    ck_assert_int_eq(res.revoked, 1);
    ck_assert_int_eq(revocation_check(redis, &claims), 1);
    claims.iat_ms = 1700000000001LL;
    revocation_prepare(&claims, &rev);
    ck_assert_int_eq(revocation_check(redis, &claims), 0);
    edge_ratelimit_check(rl, redis, get, "127.0.0.10", 42, revoke, now, &res);
    ck_assert_int_eq(res.revoked, 0);
    ck_assert(res.allowed);
    /* a token of the old format (seconds only) counts from the start of its second */
    claims.iat_ms = 0;
    claims.iat = 1700000000;
    ck_assert_int_eq(revocation_check(redis, &claims), 1);
    claims.iat = 1700000001;
    ck_assert_int_eq(revocation_check(redis, &claims), 0);
    redis_conn_destroy(&redis);

    /* Redis gone: closed fallback answers unavailable, promptly */
    redis_harness_destroy(&s_redis);
    redis = redis_conn_new();
    edge_ratelimit_check(rl, redis, get, "127.0.0.9", 43, NULL, now, &res);
    ck_assert_int_eq(res.revoked, -1);
    ck_assert(res.unavailable);
    redis_conn_destroy(&redis);
    edge_ratelimit_destroy(&rl);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_ratelimit");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_spec);
    tcase_add_test(tc, test_new);
    tcase_add_test(tc, test_memory);
    tcase_add_test(tc, test_read_reply);
    bool have_redis = redis_harness_available();
    if (have_redis)
        tcase_add_test(tc, test_redis_script);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    redis_harness_destroy(&s_redis);
    if (failed)
        return 1;
    if (!have_redis) {
        fprintf(stderr, "test_edge_ratelimit: no /usr/bin/redis-server: the script's test "
                        "did not run; skipped\n");
        return 77;
    }
    return 0;
}
