/* it_users.h -- test users: a fresh, unique user per test, registered over HTTP like any
 * client, with its tokens. Suites never share users, so they run in any order. */
#ifndef IT_USERS_H
#define IT_USERS_H
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    char name[64];
    char email[128];
    char username[40];
    char password[64];
    char *access;            /* current access token (owned) */
    char *refresh;           /* current refresh token (owned) */
} it_user_t;

/* Writes PREFIX followed by a suffix unique to this run, process and call, lowercase
 * [a-z0-9] only (fits usernames and email local parts). */
void it_unique(const char *prefix, char *out, size_t size);

/* A unique E.164 phone number ("+1" and 10 digits) into OUT (at least 16 bytes). */
void it_unique_phone(char *out, size_t size);

/* A register body {name, email, password[, username]} (USERNAME NULL: none). */
json_object *it_register_body(const char *name, const char *email, const char *password,
                              const char *username);

/* Registers a new user named after TAG, with a unique email and username, asserting the
 * 201 answer, and keeps its id and tokens in *U (which it overwrites). */
#define IT_USER_REGISTER(u, tag) it_user_register_at(__FILE__, __LINE__, (u), (tag))
void it_user_register_at(const char *file, int line, it_user_t *u, const char *tag);

/* Logs in with U's email and password, asserting 200, and replaces U's tokens. */
#define IT_USER_LOGIN(u) it_user_login_at(__FILE__, __LINE__, (u))
void it_user_login_at(const char *file, int line, it_user_t *u);

/* Logs in as the bootstrap admin (TEST_ADMIN_EMAIL, TEST_ADMIN_PASSWORD). */
#define IT_ADMIN_LOGIN(u) it_admin_login_at(__FILE__, __LINE__, (u))
void it_admin_login_at(const char *file, int line, it_user_t *u);

/* Takes the tokens and the user id from an auth answer's data into U. */
void it_user_take_tokens(it_user_t *u, json_object *data);

/* Frees U's tokens. */
void it_user_clear(it_user_t *u);

/* "/api/users/<id>" into OUT. */
const char *it_user_path(int64_t id, char *out, size_t size);

#endif
