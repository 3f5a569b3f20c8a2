/* users_validate.h -- the rules for each user field, as pure functions on strings.
 *
 * Each users_check_* takes a NUL-terminated string S and returns NULL when it is valid,
 * else the detail message for the client ("name should not be empty"). The returned
 * message is a static string. Nothing here touches the network or allocates. */
#ifndef USERS_VALIDATE_H
#define USERS_VALIDATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERS_NAME_MAX          100   /* characters */
#define USERS_EMAIL_MAX         254
#define USERS_PHONE_MAX         16    /* '+' and 15 digits */
#define USERS_USERNAME_MIN      3
#define USERS_USERNAME_MAX      32
#define USERS_PASSWORD_MIN      8
#define USERS_PASSWORD_MAX      128   /* characters (a login's password) */
/* bcrypt reads the first 72 bytes and ignores the rest: a longer new password would be
 * stored as its 72-byte prefix, so it is refused instead (docs/SECURITY.md). */
#define USERS_PASSWORD_MAX_BYTES 72

const char *users_check_name(const char *s);
const char *users_check_email(const char *s);
const char *users_check_phone(const char *s);
const char *users_check_password(const char *s);        /* the policy, for new passwords */
const char *users_check_login_password(const char *s);  /* login: only present and bounded */
const char *users_check_username(const char *s);
const char *users_check_role(const char *s);
const char *users_check_refresh_token(const char *s);

/* Lower-cases the ASCII letters of S in place (emails are stored lower-cased). */
void users_lowercase(char *s);

#endif
