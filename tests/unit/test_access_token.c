/* test_access_token.c -- the one rule for where a request's access token is and when it
 * is accepted (edge and notify), and the cookie parser under hostile input. */
#include "access_token.h"
#include "users_jwt.h"
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "unit-test-secret-0123456789abcdef"

START_TEST(test_header_first)
{
    char out[64];
    access_token_source_t src;
    ck_assert_int_eq(access_token_extract("Bearer abc.def.ghi", "access_token=cookie", "query",
                                          out, sizeof out, &src), 11);
    ck_assert_str_eq(out, "abc.def.ghi");
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_HEADER);
    ck_assert_int_eq(access_token_extract("bearer   xyz", NULL, NULL, out, sizeof out, NULL), 3);
    ck_assert_str_eq(out, "xyz");
    ck_assert_int_eq(access_token_extract("BEARER t\r\n", NULL, NULL, out, sizeof out, NULL), 1);
}
END_TEST

START_TEST(test_cookie_then_query)
{
    char out[64];
    access_token_source_t src;
    /* Not a bearer header: the cookie decides. */
    ck_assert_int_eq(access_token_extract("Basic dXNlcg==", "a=1; access_token=tok; b=2", "q",
                                          out, sizeof out, &src), 3);
    ck_assert_str_eq(out, "tok");
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_COOKIE);
    ck_assert_int_eq(access_token_extract("Bearer ", "access_token=\"quoted\"", NULL, out,
                                          sizeof out, NULL), 6);
    ck_assert_str_eq(out, "quoted");
    /* A cookie whose name merely ends (or starts) with access_token is another cookie. */
    ck_assert_int_eq(access_token_extract(NULL, "my_access_token=no; access_token_x=no",
                                          "fromquery", out, sizeof out, &src), 9);
    ck_assert_str_eq(out, "fromquery");
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_QUERY);
    ck_assert_int_eq(access_token_extract("", "", "", out, sizeof out, &src), 0);
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_NONE);
    ck_assert_int_eq(access_token_extract(NULL, NULL, NULL, out, sizeof out, NULL), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_too_long)
{
    char out[8];
    ck_assert_int_eq(access_token_extract("Bearer 0123456789", NULL, NULL, out, sizeof out, NULL),
                     -1);
    ck_assert_int_eq(access_token_extract(NULL, "access_token=0123456789", NULL, out, sizeof out,
                                          NULL), -1);
    ck_assert_int_eq(access_token_extract(NULL, NULL, "0123456789", out, sizeof out, NULL), -1);
    ck_assert_int_eq(access_token_extract(NULL, NULL, "1234567", out, sizeof out, NULL), 7);
    ck_assert_int_eq(access_token_extract(NULL, NULL, "1", out, 0, NULL), -1);
}
END_TEST

START_TEST(test_cookie)
{
    char out[32];
    ck_assert_int_eq(access_token_cookie("x=1;y=2", "y", out, sizeof out), 1);
    ck_assert_str_eq(out, "2");
    ck_assert_int_eq(access_token_cookie("x=1; y=", "y", out, sizeof out), 0);
    ck_assert_int_eq(access_token_cookie("x=1", "y", out, sizeof out), 0);
    ck_assert_int_eq(access_token_cookie(";;; y=3 ;", "y", out, sizeof out), 1);
    ck_assert_str_eq(out, "3");
    ck_assert_int_eq(access_token_cookie("Y=1", "y", out, sizeof out), 0);       /* exact name */
    ck_assert_int_eq(access_token_cookie("y=a=b", "y", out, sizeof out), 3);     /* '=' in value */
    ck_assert_str_eq(out, "a=b");
    ck_assert_int_eq(access_token_cookie("y=1; y=2", "y", out, sizeof out), 1);  /* the first */
    ck_assert_str_eq(out, "1");
    ck_assert_int_eq(access_token_cookie(NULL, "y", out, sizeof out), 0);
}
END_TEST

/* What a hostile client may send: no '=', lone quotes, only separators, a name without a
 * value, a value exactly the size of the buffer, a header of a megabyte. The parser
 * answers within bounds and never reads or writes past them. */
START_TEST(test_cookie_hostile)
{
    char out[8];
    static const char *const nothing[] = {
        "", ";", ";;;;", "   ", "\t;\t", "access_token", "access_token;", "=", "==;=",
        "access_token=", "access_token=;", "access_token= \t", "access_token=\"\"",
        "access_tokenx=1", "access_token =1", "\"access_token\"=1",
    };
    for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++)
        ck_assert_msg(access_token_cookie(nothing[i], "access_token", out, sizeof out) == 0,
                      "case %zu: %s", i, nothing[i]);
    ck_assert_int_eq(access_token_cookie("access_token=\"", "access_token", out, sizeof out), 1);
    ck_assert_str_eq(out, "\"");
    ck_assert_int_eq(access_token_cookie("access_token=1234567", "access_token", out, sizeof out),
                     7);
    ck_assert_int_eq(access_token_cookie("access_token=12345678", "access_token", out,
                                         sizeof out), -1);
    ck_assert_int_eq(access_token_cookie("access_token=1", "access_token", out, 0), -1);
    ck_assert_int_eq(access_token_cookie("access_token=1", "access_token", out, 1), -1);

    size_t big = 1 << 20;
    char *header = malloc(big + 32);
    memset(header, ';', big);
    strcpy(header + big, "access_token=deep");
    ck_assert_int_eq(access_token_cookie(header, "access_token", out, sizeof out), 4);
    ck_assert_str_eq(out, "deep");
    memset(header, 'a', big);                     /* one enormous pair, no '=' near it */
    header[big] = '\0';
    ck_assert_int_eq(access_token_cookie(header, "access_token", out, sizeof out), 0);
    memcpy(header, "access_token=", 13);          /* and as a value: too long, refused */
    ck_assert_int_eq(access_token_cookie(header, "access_token", out, sizeof out), -1);
    free(header);
}
END_TEST

START_TEST(test_accept)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    ck_assert_ptr_nonnull(keys);
    token_claims_t c = { .sub = 7, .iat = 1000, .exp = 2000 };
    strcpy(c.typ, "access");
    strcpy(c.jti, "j1");
    strcpy(c.fam, "f1");
    strcpy(c.role, "user");
    char *access = users_jwt_sign(keys, &c);
    strcpy(c.typ, "refresh");
    char *refresh = users_jwt_sign(keys, &c);
    strcpy(c.typ, "access");
    c.jti[0] = '\0';
    char *no_jti = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(access);
    ck_assert_ptr_nonnull(refresh);
    ck_assert_ptr_nonnull(no_jti);

    token_claims_t out;
    ck_assert_int_eq(access_token_accept(keys, access, 1500, &out), ACCESS_TOKEN_OK);
    ck_assert_int_eq(out.sub, 7);
    ck_assert_str_eq(out.role, "user");
    ck_assert_int_eq(access_token_accept(keys, access, 2500, &out), ACCESS_TOKEN_EXPIRED);
    ck_assert_int_eq(access_token_accept(keys, refresh, 1500, &out), ACCESS_TOKEN_INVALID);
    ck_assert_int_eq(access_token_accept(keys, no_jti, 1500, &out), ACCESS_TOKEN_INVALID);
    ck_assert_int_eq(access_token_accept(keys, "", 1500, &out), ACCESS_TOKEN_MISSING);
    ck_assert_int_eq(access_token_accept(keys, NULL, 1500, &out), ACCESS_TOKEN_MISSING);
    ck_assert_int_eq(access_token_accept(keys, "a.b.c", 1500, &out), ACCESS_TOKEN_INVALID);
    ck_assert_int_eq(access_token_accept(keys,
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOjcsInR5cCI6ImFjY2VzcyJ9.", 1500, &out),
        ACCESS_TOKEN_INVALID);                                        /* alg none */
    ck_assert_int_eq(out.sub, 0);                                      /* nothing left over */

    /* read = extract + accept: a token that does not fit is invalid, none is missing */
    char header[ACCESS_TOKEN_MAX + 64];
    memset(header, 'x', sizeof header - 1);
    memcpy(header, "Bearer ", 7);
    header[sizeof header - 1] = '\0';
    ck_assert_int_eq(access_token_read(keys, header, NULL, NULL, 1500, &out, NULL),
                     ACCESS_TOKEN_INVALID);
    ck_assert_int_eq(access_token_read(keys, NULL, NULL, NULL, 1500, &out, NULL),
                     ACCESS_TOKEN_MISSING);
    access_token_source_t src;
    ck_assert_int_eq(access_token_read(keys, NULL, NULL, access, 1500, &out, &src),
                     ACCESS_TOKEN_OK);
    ck_assert_int_eq(src, ACCESS_TOKEN_FROM_QUERY);

    ck_assert_str_eq(access_token_message(ACCESS_TOKEN_MISSING), "Missing token");
    ck_assert_str_eq(access_token_message(ACCESS_TOKEN_EXPIRED), "JWT token expired");
    ck_assert_str_eq(access_token_message(ACCESS_TOKEN_INVALID), "Invalid JWT token");
    free(access);
    free(refresh);
    free(no_jti);
    token_keys_destroy(&keys);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("access_token");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_header_first);
    tcase_add_test(tc, test_cookie_then_query);
    tcase_add_test(tc, test_too_long);
    tcase_add_test(tc, test_cookie);
    tcase_add_test(tc, test_cookie_hostile);
    tcase_add_test(tc, test_accept);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
