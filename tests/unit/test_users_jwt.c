/* test_users_jwt.c -- the users service mints the system's tokens: what it signs verifies
 * with common/token.h, and an access token carries its role's permissions. */
#include "users_jwt.h"
#include "users_roles.h"
#include <check.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "unit-test-secret-0123456789abcdef"

/* The "permissions" claim of TOKEN as JSON text (caller frees). */
static char *
s_permissions(const char *token)
{
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_decode(&jwt, token, (const unsigned char *) SECRET, strlen(SECRET)), 0);
    char *json = jwt_get_grants_json(jwt, "permissions");
    jwt_free(jwt);
    return json;
}

START_TEST(test_sign_by_role)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_claims_t c = { .sub = 3, .iat = 1000, .exp = 2000 };
    strcpy(c.typ, "access");
    strcpy(c.jti, "j3");
    strcpy(c.role, "admin");
    char *tok = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(tok);
    token_claims_t out;
    ck_assert_int_eq(token_verify(keys, tok, "access", 1500, &out), TOKEN_OK);
    ck_assert_str_eq(out.role, "admin");
    char *perms = s_permissions(tok);
    ck_assert_ptr_nonnull(strstr(perms, "\"users:admin\""));
    ck_assert_ptr_nonnull(strstr(perms, "\"orders:admin\""));
    free(perms);
    free(tok);

    strcpy(c.role, "moderator");
    tok = users_jwt_sign(keys, &c);
    perms = s_permissions(tok);
    ck_assert_ptr_nonnull(strstr(perms, "\"messages:moderate\""));
    ck_assert_ptr_null(strstr(perms, "admin"));
    free(perms);
    free(tok);

    /* refresh tokens carry no profile and no permissions */
    strcpy(c.typ, "refresh");
    tok = users_jwt_sign(keys, &c);
    ck_assert_int_eq(token_verify(keys, tok, "refresh", 1500, &out), TOKEN_OK);
    ck_assert_ptr_null(s_permissions(tok));
    free(tok);
    token_keys_destroy(&keys);

    /* verify-only keys (the edge's, notify's) cannot sign */
    keys = token_keys_new("HS256", SECRET, NULL);
    ck_assert_ptr_null(users_jwt_sign(keys, &c));
    token_keys_destroy(&keys);
}
END_TEST

START_TEST(test_role_table)
{
    ck_assert_str_eq(users_roles_permissions_json("user"), "{\"permissions\":[\"users:read\"]}");
    /* an unknown role gets no more than a user */
    ck_assert_str_eq(users_roles_permissions_json("root"), users_roles_permissions_json("user"));
    ck_assert_str_eq(users_roles_permissions_json(NULL), users_roles_permissions_json("user"));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("users_jwt");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sign_by_role);
    tcase_add_test(tc, test_role_table);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
