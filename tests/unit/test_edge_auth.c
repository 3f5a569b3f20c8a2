/* test_edge_auth.c -- the edge's use of the shared token rule (common/access_token.h):
 * header first, then the cookie, never ?token= (API.md), and what it accepts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "edge_auth.h"
#include "users_jwt.h"

#define SECRET "unit-test-secret-0123456789abcdef"

static char *
s_sign(token_keys_t *keys, const char *typ, int64_t sub)
{
    token_claims_t c = { .sub = sub, .iat = 1000, .exp = 2000 };
    snprintf(c.typ, sizeof c.typ, "%s", typ);
    strcpy(c.jti, "j1");
    strcpy(c.fam, "f1");
    strcpy(c.role, "user");
    char *t = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(t);
    return t;
}

START_TEST(test_read)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    char *access = s_sign(keys, "access", 7), *other = s_sign(keys, "access", 8);
    char *refresh = s_sign(keys, "refresh", 7);
    char bearer[1024], cookie[1024];
    token_claims_t out;

    snprintf(bearer, sizeof bearer, "Bearer %s", access);
    ck_assert_int_eq(edge_auth_read(keys, NULL, bearer, NULL, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 7);
    snprintf(cookie, sizeof cookie, "theme=dark; access_token=%s; lang=en", access);
    ck_assert_int_eq(edge_auth_read(keys, NULL, NULL, cookie, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_int_eq(edge_auth_read(keys, NULL, "Basic dXNlcg==", cookie, 1500, &out), ACCESS_TOKEN_OK);
    /* the header wins over the cookie */
    snprintf(bearer, sizeof bearer, "bearer %s", other);
    ck_assert_int_eq(edge_auth_read(keys, NULL, bearer, cookie, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 8);
    /* nothing usable: missing; a token in the query string is not the edge's */
    ck_assert_int_eq(edge_auth_read(keys, NULL, NULL, NULL, 1500, &out), ACCESS_TOKEN_MISSING);
    ck_assert_int_eq(edge_auth_read(keys, NULL, "Bearer ", "token=x", 1500, &out), ACCESS_TOKEN_MISSING);
    /* what it refuses, with the contract's messages */
    ck_assert_int_eq(edge_auth_read(keys, NULL, NULL, cookie, 2500, &out), ACCESS_TOKEN_EXPIRED);
    snprintf(bearer, sizeof bearer, "Bearer %s", refresh);
    ck_assert_int_eq(edge_auth_read(keys, NULL, bearer, NULL, 1500, &out), ACCESS_TOKEN_INVALID);
    access[strlen(access) - 2] ^= 1;       /* signature tampered */
    snprintf(bearer, sizeof bearer, "Bearer %s", access);
    ck_assert_int_eq(edge_auth_read(keys, NULL, bearer, NULL, 1500, &out), ACCESS_TOKEN_INVALID);
    char big[ACCESS_TOKEN_MAX + 64];
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "Bearer ", 7);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(edge_auth_read(keys, NULL, big, cookie, 1500, &out), ACCESS_TOKEN_INVALID);
    ck_assert_str_eq(access_token_message(ACCESS_TOKEN_MISSING), "Missing token");
    free(access);
    free(other);
    free(refresh);
    token_keys_destroy(&keys);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_auth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_read);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
