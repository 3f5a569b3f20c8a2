/* test_users_validate.c -- the users service's field rules (the body reader, UTF-8 counting,
 * ids, limits and cursors are common/form and common/cursor, tested in test_form.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "users_validate.h"

START_TEST(test_name)
{
    ck_assert_ptr_null(users_check_name("Jane Doe"));
    ck_assert_str_eq(users_check_name(""), "name should not be empty");
    ck_assert_str_eq(users_check_name("   "), "name should not be empty");
    ck_assert_ptr_nonnull(users_check_name("bad\x01name"));
    char s[402];
    memset(s, 'a', 100); s[100] = '\0';
    ck_assert_ptr_null(users_check_name(s));
    memset(s, 'a', 101); s[101] = '\0';
    ck_assert_str_eq(users_check_name(s), "name must be shorter than or equal to 100 characters");
    /* 100 two-byte characters: 200 bytes, still 100 characters. */
    for (int i = 0; i < 100; i++) { s[2 * i] = '\xc3'; s[2 * i + 1] = '\xa9'; }
    s[200] = '\0';
    ck_assert_ptr_null(users_check_name(s));
}
END_TEST

START_TEST(test_email)
{
    ck_assert_ptr_null(users_check_email("jane@example.com"));
    ck_assert_ptr_null(users_check_email("Jane.Doe+tag@mail.example.co.uk"));
    const char *bad[] = { "jane", "jane@", "@example.com", "jane@example", "jane@@example.com",
                          "ja ne@example.com", "jane@exa_mple.com", ".jane@example.com",
                          "ja..ne@example.com", "jane@-example.com", "jane@example.123",
                          "jane@example..com", "jane@example.com.", "a@b.c", NULL };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(users_check_email(bad[i]) != NULL, "accepted %s", bad[i]);
    ck_assert_str_eq(users_check_email("nope"), "email must be an email");
    ck_assert_str_eq(users_check_email(""), "email should not be empty");
    char s[300];
    memset(s, 'a', 250);
    strcpy(s + 250, "@x.io");
    ck_assert_str_eq(users_check_email(s), "email must be shorter than or equal to 254 characters");
}
END_TEST

START_TEST(test_phone)
{
    ck_assert_ptr_null(users_check_phone("+84901234567"));
    ck_assert_ptr_null(users_check_phone("+123456789012345"));     /* 15 digits */
    ck_assert_ptr_nonnull(users_check_phone("+1234567890123456"));  /* 16 digits */
    ck_assert_ptr_nonnull(users_check_phone("84901234567"));
    ck_assert_ptr_nonnull(users_check_phone("+0123456"));
    ck_assert_ptr_nonnull(users_check_phone("+849 0123"));
    ck_assert_ptr_nonnull(users_check_phone("+1"));
}
END_TEST

START_TEST(test_password)
{
    const char *msg = "password must be 8 to 72 bytes with at least one letter and one digit";
    ck_assert_ptr_null(users_check_password("secret12"));
    ck_assert_ptr_null(users_check_password("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c" "12"));
    ck_assert_str_eq(users_check_password("secret1"), msg);      /* 7 */
    ck_assert_str_eq(users_check_password("secretsecret"), msg); /* no digit */
    ck_assert_str_eq(users_check_password("1234567890"), msg);   /* no letter */
    ck_assert_str_eq(users_check_password(""), "password should not be empty");
    /* bcrypt's 72 bytes, not characters: 72 ASCII pass, 73 do not, nor 36 two-byte
     * letters and a digit (73 bytes) */
    char s[200];
    memset(s, 'a', 72); s[0] = '1'; s[72] = '\0';
    ck_assert_ptr_null(users_check_password(s));
    s[72] = 'a'; s[73] = '\0';
    ck_assert_str_eq(users_check_password(s), msg);
    for (int i = 0; i < 36; i++)
        memcpy(s + 2 * i, "\xd0\xbf", 2);
    strcpy(s + 72, "1");
    ck_assert_str_eq(users_check_password(s), msg);
    s[70] = '1';
    s[71] = '\0';
    ck_assert_ptr_null(users_check_password(s));     /* 35 such letters and a digit: 71 */
    ck_assert_ptr_null(users_check_login_password("x"));
    ck_assert_ptr_nonnull(users_check_login_password(""));
}
END_TEST

START_TEST(test_username_role_token)
{
    ck_assert_ptr_null(users_check_username("john_doe42"));
    ck_assert_ptr_nonnull(users_check_username("jo"));
    ck_assert_ptr_nonnull(users_check_username("John"));
    ck_assert_ptr_nonnull(users_check_username("john-doe"));
    ck_assert_ptr_nonnull(users_check_username("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
    ck_assert_ptr_null(users_check_role("moderator"));
    ck_assert_str_eq(users_check_role("root"), "role must be one of: user, moderator, admin");
    ck_assert_ptr_nonnull(users_check_role(NULL));
    ck_assert_ptr_null(users_check_refresh_token("a.b.c"));
    ck_assert_str_eq(users_check_refresh_token(""), "refresh_token should not be empty");
    ck_assert_ptr_nonnull(users_check_refresh_token("a.b\n.c"));
    char e[] = "Jane@Example.COM";
    users_lowercase(e);
    ck_assert_str_eq(e, "jane@example.com");
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("users_validate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_name);
    tcase_add_test(tc, test_email);
    tcase_add_test(tc, test_phone);
    tcase_add_test(tc, test_password);
    tcase_add_test(tc, test_username_role_token);
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
