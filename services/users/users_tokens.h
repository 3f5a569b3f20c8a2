/* users_tokens.h -- issuing an access/refresh pair and packing the auth answer
 * {access_token, refresh_token, token_type, expires_in, user}.
 *
 * The access token names its refresh family (fam), so logout can revoke the session the
 * caller is in. The refresh token's jti is recorded, so each one is exchanged once only. */
#ifndef USERS_TOKENS_H
#define USERS_TOKENS_H
#include <msgpack.h>
#include "users_app.h"
#include "users_row.h"

typedef struct {
    char *access;
    char *refresh;
    char family[64];
} users_pair_t;

typedef enum { USERS_ISSUE_OK = 0, USERS_ISSUE_DB, USERS_ISSUE_SIGN } users_issue_t;

/* Signs a pair for ROW in FAMILY, or in a new family (a new session) when FAMILY is NULL,
 * and stores the family (when new) and the refresh jti through T's connection. Run it in
 * the caller's transaction. On USERS_ISSUE_DB the connection holds the SQL error. */
users_issue_t users_tokens_issue(users_thread_t *t, const users_row_t *row, const char *family,
                                 users_pair_t *out);

/* Frees the token strings of PAIR. */
void users_pair_release(users_pair_t *pair);

/* Packs the auth answer for PAIR and ROW (the owner's full view). */
void users_tokens_pack(msgpack_packer *pk, const users_app_t *app, const users_pair_t *pair,
                       const users_row_t *row);

/* Copies S into OUT (SIZE bytes) whole, or cut at a UTF-8 character boundary when it does
 * not fit, so a long name never becomes invalid UTF-8 in a claim. */
void users_copy_utf8(char *out, size_t size, const char *s);

#endif
