/* test_edge_auth.c -- where the edge finds the token, and what it accepts. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "edge_auth.h"

START_TEST(test_extract)
{
    char tok[64];
    ck_assert_int_eq(edge_auth_extract("Bearer abc.def.ghi", NULL, tok, sizeof tok), 11);
    ck_assert_str_eq(tok, "abc.def.ghi");
    ck_assert_int_eq(edge_auth_extract("bearer   xyz", "access_token=c", tok, sizeof tok), 3);
    ck_assert_str_eq(tok, "xyz");
    /* no usable header: the cookie */
    ck_assert_int_eq(edge_auth_extract("Basic dXNlcg==", "a=1; access_token=cook; b=2", tok,
                                       sizeof tok), 4);
    ck_assert_str_eq(tok, "cook");
    ck_assert_int_eq(edge_auth_extract("Bearer ", "access_token=c2", tok, sizeof tok), 2);
    ck_assert_int_eq(edge_auth_extract(NULL, NULL, tok, sizeof tok), 0);
    ck_assert_int_eq(edge_auth_extract(NULL, "other=1", tok, sizeof tok), 0);
    char big[200];
    memset(big, 'x', sizeof big);
    memcpy(big, "Bearer ", 7);
    big[sizeof big - 1] = '\0';
    ck_assert_int_eq(edge_auth_extract(big, NULL, tok, sizeof tok), -1);
}
END_TEST

START_TEST(test_check)
{
    token_keys_t *keys = token_keys_new("HS256", "unit-test-secret-0123456789abcdef", 
                                        "unit-test-secret-0123456789abcdef");
    ck_assert_ptr_nonnull(keys);
    token_claims_t c = { .sub = 7, .iat = 1000, .exp = 2000 };
    strcpy(c.typ, "access");
    strcpy(c.jti, "j1");
    strcpy(c.fam, "f1");
    strcpy(c.role, "user");
    char *access = token_sign(keys, &c);
    strcpy(c.typ, "refresh");
    char *refresh = token_sign(keys, &c);
    ck_assert_ptr_nonnull(access);
    ck_assert_ptr_nonnull(refresh);

    token_claims_t out;
    ck_assert_int_eq(edge_auth_verify(keys, access, 1500, &out), EDGE_AUTH_OK);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_str_eq(out.role, "user");
    ck_assert_int_eq(edge_auth_verify(keys, access, 2500, &out), EDGE_AUTH_EXPIRED);
    ck_assert_int_eq(edge_auth_verify(keys, refresh, 1500, &out), EDGE_AUTH_INVALID);
    ck_assert_int_eq(edge_auth_verify(keys, "", 1500, &out), EDGE_AUTH_MISSING);
    ck_assert_int_eq(edge_auth_verify(keys, "a.b.c", 1500, &out), EDGE_AUTH_INVALID);
    /* alg none */
    ck_assert_int_eq(edge_auth_verify(keys,
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOjcsInR5cCI6ImFjY2VzcyJ9.", 1500, &out),
        EDGE_AUTH_INVALID);
    access[strlen(access) - 2] ^= 1;       /* signature tampered */
    ck_assert_int_eq(edge_auth_verify(keys, access, 1500, &out), EDGE_AUTH_INVALID);
    ck_assert_str_eq(edge_auth_message(EDGE_AUTH_MISSING), "Missing token");
    ck_assert_str_eq(edge_auth_message(EDGE_AUTH_EXPIRED), "JWT token expired");
    ck_assert_str_eq(edge_auth_message(EDGE_AUTH_INVALID), "Invalid JWT token");
    free(access);
    free(refresh);
    token_keys_destroy(&keys);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_auth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_extract);
    tcase_add_test(tc, test_check);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
