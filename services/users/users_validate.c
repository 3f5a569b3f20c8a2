/* users_validate.c -- the rules for each user field, as pure functions on strings. */
#include "users_validate.h"
#include "form.h"
#include <string.h>

/* True when S has a byte below 0x20 or DEL: no field of ours takes control characters,
 * and they are a favourite of log and header injection. */
static bool
s_has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            return true;
    return false;
}

static bool
s_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

const char *
users_check_name(const char *s)
{
    if (!s || s_blank(s))
        return "name should not be empty";
    long n = form_utf8_count(s, strlen(s));
    if (n < 0 || s_has_control(s))
        return "name must be a valid string";
    if (n > USERS_NAME_MAX)
        return "name must be shorter than or equal to 100 characters";
    return NULL;
}

static bool
s_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The local part of an address: the dot-atom of RFC 5322 (no quoted strings, no comments:
 * nobody registers with those, and they are a parsing hazard for every system downstream). */
static bool
s_email_local_ok(const char *s, size_t len)
{
    if (len < 1 || len > 64 || s[0] == '.' || s[len - 1] == '.')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.' && s[i + 1] == '.')
            return false;
        if (!s_is_alnum(c) && !strchr(".!#$%&'*+/=?^_`{|}~-", c))
            return false;
    }
    return true;
}

/* A host name with at least two labels and a top-level label that is not all digits. */
static bool
s_email_domain_ok(const char *s, size_t len)
{
    if (len < 3 || len > 253)
        return false;
    size_t start = 0, labels = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            if (!s_is_alnum(s[i]) && s[i] != '-')
                return false;
            continue;
        }
        size_t llen = i - start;
        if (llen < 1 || llen > 63 || s[start] == '-' || s[i - 1] == '-')
            return false;
        labels++;
        if (i == len) {
            bool letter = false;
            for (size_t k = start; k < i; k++)
                if ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z')
                    letter = true;
            if (llen < 2 || !letter)
                return false;
        }
        start = i + 1;
    }
    return labels >= 2;
}

const char *
users_check_email(const char *s)
{
    if (!s || !*s)
        return "email should not be empty";
    size_t len = strlen(s);
    if (len > USERS_EMAIL_MAX)
        return "email must be shorter than or equal to 254 characters";
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@'))
        return "email must be an email";
    if (!s_email_local_ok(s, (size_t) (at - s))
        || !s_email_domain_ok(at + 1, len - (size_t) (at - s) - 1))
        return "email must be an email";
    return NULL;
}

const char *
users_check_phone(const char *s)
{
    static const char *msg = "phone must be a valid phone number in E.164 format";
    if (!s || !*s)
        return "phone should not be empty";
    /* E.164: '+', a country code that never starts with 0, at most 15 digits in all. */
    size_t len = strlen(s);
    if (len < 3 || len > USERS_PHONE_MAX || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return msg;
    for (size_t i = 2; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return msg;
    return NULL;
}

const char *
users_check_password(const char *s)
{
    static const char *msg =
        "password must be 8 to 72 bytes with at least one letter and one digit";
    if (!s || !*s)
        return "password should not be empty";
    size_t bytes = strlen(s);
    long n = form_utf8_count(s, bytes);
    if (n < USERS_PASSWORD_MIN || bytes > USERS_PASSWORD_MAX_BYTES)
        return msg;
    bool letter = false, digit = false;
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = true;
        /* Any non-ASCII character counts as a letter, so passwords in other scripts
         * ("пароль12") meet the rule too. */
        else if (((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || *p >= 0x80)
            letter = true;
    }
    if (!letter || !digit)
        return msg;
    return NULL;
}

const char *
users_check_login_password(const char *s)
{
    if (!s || !*s)
        return "password should not be empty";
    long n = form_utf8_count(s, strlen(s));
    if (n < 0 || n > USERS_PASSWORD_MAX)
        return "password must be shorter than or equal to 128 characters";
    return NULL;
}

const char *
users_check_username(const char *s)
{
    static const char *msg = "username must be 3 to 32 characters of a-z, 0-9 and _";
    if (!s || !*s)
        return "username should not be empty";
    size_t len = strlen(s);
    if (len < USERS_USERNAME_MIN || len > USERS_USERNAME_MAX)
        return msg;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return msg;
    return NULL;
}

const char *
users_check_role(const char *s)
{
    if (s && (!strcmp(s, "user") || !strcmp(s, "moderator") || !strcmp(s, "admin")))
        return NULL;
    return "role must be one of: user, moderator, admin";
}

const char *
users_check_refresh_token(const char *s)
{
    if (!s || !*s)
        return "refresh_token should not be empty";
    if (s_has_control(s))
        return "refresh_token must be a jwt string";
    return NULL;
}

void
users_lowercase(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char) (*s + ('a' - 'A'));
}
