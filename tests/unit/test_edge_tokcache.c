/* test_edge_tokcache.c -- the thread's cache of verified tokens (edge_tokcache.h) and the
 * edge's token read through it: hits give the claims verified, expiry is honoured on a
 * hit, different tokens never share an entry, refused tokens are never kept. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edge_auth.h"
#include "edge_tokcache.h"
#include "users_jwt.h"

#define SECRET "unit-test-secret-0123456789abcdef"

static char *
s_sign(token_keys_t *keys, int64_t sub, const char *jti, int64_t exp)
{
    token_claims_t c = { .sub = sub, .iat = 1000, .exp = exp };
    strcpy(c.typ, "access");
    snprintf(c.jti, sizeof c.jti, "%s", jti);
    strcpy(c.role, "user");
    char *t = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(t);
    return t;
}

static edge_tokcache_result_t
s_get(edge_tokcache_t *cache, const char *token, int64_t now, token_claims_t *out)
{
    edge_tokcache_key_t key;
    edge_tokcache_key(cache, token, strlen(token), &key);
    ck_assert(key.ok);
    return edge_tokcache_get(cache, &key, now, out);
}

static void
s_put(edge_tokcache_t *cache, const char *token, int64_t sub, const char *jti, int64_t exp)
{
    token_claims_t c = { .sub = sub, .exp = exp };
    snprintf(c.jti, sizeof c.jti, "%s", jti);
    edge_tokcache_key_t key;
    edge_tokcache_key(cache, token, strlen(token), &key);
    edge_tokcache_put(cache, &key, &c);
}

START_TEST(test_cache_entries)
{
    edge_tokcache_t *cache = edge_tokcache_new();
    ck_assert_ptr_nonnull(cache);
    token_claims_t out;
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 1500, &out), EDGE_TOKCACHE_MISS);
    s_put(cache, "aaa.bbb.ccc", 7, "j7", 2000);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 1500, &out), EDGE_TOKCACHE_HIT);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_str_eq(out.jti, "j7");
    /* one byte different, a prefix, a longer one: never the same entry */
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccd", 1500, &out), EDGE_TOKCACHE_MISS);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.cc", 1500, &out), EDGE_TOKCACHE_MISS);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc.", 1500, &out), EDGE_TOKCACHE_MISS);
    s_put(cache, "aaa.bbb.ccd", 8, "j8", 2000);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccd", 1500, &out), EDGE_TOKCACHE_HIT);
    ck_assert_int_eq(out.sub, 8);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 1500, &out), EDGE_TOKCACHE_HIT);
    ck_assert_int_eq(out.sub, 7);
    /* exp is honoured on a hit: at exp the entry is expired, then gone */
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 1999, &out), EDGE_TOKCACHE_HIT);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 2000, &out), EDGE_TOKCACHE_EXPIRED);
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccc", 1500, &out), EDGE_TOKCACHE_MISS);
    /* bounded: the oldest entry gives way */
    char tok[32];
    for (int i = 0; i < EDGE_TOKCACHE_ENTRIES; i++) {
        snprintf(tok, sizeof tok, "t%d", i);
        s_put(cache, tok, 100 + i, "j", 2000);
    }
    ck_assert_int_eq(s_get(cache, "aaa.bbb.ccd", 1500, &out), EDGE_TOKCACHE_MISS);
    for (int i = 0; i < EDGE_TOKCACHE_ENTRIES; i++) {
        snprintf(tok, sizeof tok, "t%d", i);
        ck_assert_int_eq(s_get(cache, tok, 1500, &out), EDGE_TOKCACHE_HIT);
        ck_assert_int_eq(out.sub, 100 + i);
    }
    edge_tokcache_destroy(&cache);
    ck_assert_ptr_null(cache);
    edge_tokcache_destroy(&cache);           /* twice is harmless */
}
END_TEST

START_TEST(test_read_through_cache)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_keys_t *other_keys = token_keys_new("HS256", SECRET "-other", SECRET "-other");
    edge_tokcache_t *cache = edge_tokcache_new();
    char *a = s_sign(keys, 7, "ja", 2000), *b = s_sign(keys, 8, "jb", 2000);
    char *forged = s_sign(other_keys, 7, "ja", 2000);
    char bearer[2048];
    token_claims_t out;

    snprintf(bearer, sizeof bearer, "Bearer %s", a);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_int_eq(s_get(cache, a, 1500, &out), EDGE_TOKCACHE_HIT);   /* it was kept */
    /* the second read is the cache's, with the same claims */
    memset(&out, 0, sizeof out);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_str_eq(out.jti, "ja");
    ck_assert_int_eq(out.exp, 2000);
    /* another token of the same thread: its own claims */
    snprintf(bearer, sizeof bearer, "Bearer %s", b);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 8);
    ck_assert_str_eq(out.jti, "jb");
    /* a token signed with another key, whose claims equal a cached one's: refused, and
     * refused again (a refusal is never kept) */
    snprintf(bearer, sizeof bearer, "Bearer %s", forged);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 1500, &out), ACCESS_TOKEN_INVALID);
    ck_assert_int_eq(s_get(cache, forged, 1500, &out), EDGE_TOKCACHE_MISS);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 1500, &out), ACCESS_TOKEN_INVALID);
    /* a cached token past its exp: expired, as verification would say */
    snprintf(bearer, sizeof bearer, "Bearer %s", a);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 2000, &out), ACCESS_TOKEN_EXPIRED);
    ck_assert_int_eq(out.sub, 0);
    ck_assert_int_eq(edge_auth_read(keys, cache, bearer, NULL, 2500, &out), ACCESS_TOKEN_EXPIRED);
    /* missing stays missing */
    ck_assert_int_eq(edge_auth_read(keys, cache, NULL, NULL, 1500, &out), ACCESS_TOKEN_MISSING);
    free(a);
    free(b);
    free(forged);
    edge_tokcache_destroy(&cache);
    token_keys_destroy(&keys);
    token_keys_destroy(&other_keys);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_tokcache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_cache_entries);
    tcase_add_test(tc, test_read_through_cache);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
