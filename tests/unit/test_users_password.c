/* test_users_password.c -- bcrypt hashing and verification of the users service. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "users_password.h"

START_TEST(test_hash_and_verify)
{
    struct crypt_data *cd = users_password_scratch_new();
    ck_assert_ptr_nonnull(cd);
    char h1[USERS_HASH_SIZE], h2[USERS_HASH_SIZE];
    ck_assert_int_eq(users_password_hash(cd, 10, "secret12", h1, sizeof(h1)), 0);
    ck_assert_int_eq(users_password_hash(cd, 10, "secret12", h2, sizeof(h2)), 0);
    ck_assert(strncmp(h1, "$2b$10$", 7) == 0);
    ck_assert_int_eq((int) strlen(h1), 60);
    ck_assert_str_ne(h1, h2);                         /* fresh salt each time */
    ck_assert(users_password_verify(cd, "secret12", h1));
    ck_assert(users_password_verify(cd, "secret12", h2));
    ck_assert(!users_password_verify(cd, "secret13", h1));
    ck_assert(!users_password_verify(cd, "", h1));
    free(cd);
}
END_TEST

START_TEST(test_cost_floor)
{
    struct crypt_data *cd = users_password_scratch_new();
    char h[USERS_HASH_SIZE];
    ck_assert_int_eq(users_password_hash(cd, 4, "secret12", h, sizeof(h)), 0);
    ck_assert(strncmp(h, "$2b$10$", 7) == 0);         /* never below 10 */
    free(cd);
}
END_TEST

START_TEST(test_malformed_hash)
{
    struct crypt_data *cd = users_password_scratch_new();
    ck_assert(!users_password_verify(cd, "secret12", ""));
    ck_assert(!users_password_verify(cd, "secret12", "*0"));
    ck_assert(!users_password_verify(cd, "secret12", "$2b$10$short"));
    ck_assert(!users_password_verify(cd, "secret12", "plaintext"));
    ck_assert(!users_password_verify(cd, "secret12", "$1$abc$def"));
    ck_assert(!users_password_verify(cd, NULL, "$2b$10$x"));
    char small[8];
    ck_assert_int_eq(users_password_hash(cd, 10, "secret12", small, sizeof(small)), -1);
    free(cd);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("users_password");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hash_and_verify);
    tcase_add_test(tc, test_cost_floor);
    tcase_add_test(tc, test_malformed_hash);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
