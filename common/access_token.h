/* access_token.h -- where a request carries its access token, and when the token is
 * accepted: one rule for the edge (every authenticated HTTP route) and notify (the
 * WebSocket handshake), so the two cannot drift (API.md, "Authentication"):
 *   - "Authorization: Bearer <token>" (the scheme in any case) first;
 *   - else the access_token cookie (RFC 6265: "name=value" pairs split by ';', the name
 *     matched exactly, a quoted value unquoted);
 *   - else ?token=, where the caller takes one (notify: browsers cannot set headers on a
 *     WebSocket; the edge passes NULL).
 * A token is accepted when token_verify takes it as an access token at that time and it
 * names its user and its id (a token that cannot be revoked is not accepted). Revocation
 * is read separately (revocation.h), in a round trip each side shapes its own way. */
#ifndef COMMON_ACCESS_TOKEN_H
#define COMMON_ACCESS_TOKEN_H
#include <stddef.h>
#include <stdint.h>
#include "token.h"

/* Longest token taken; a longer one is refused as invalid, never truncated. */
#define ACCESS_TOKEN_MAX 4096

typedef enum {
    ACCESS_TOKEN_OK = 0,
    ACCESS_TOKEN_MISSING,        /* 401 "Missing token" */
    ACCESS_TOKEN_INVALID,        /* 401 "Invalid JWT token" */
    ACCESS_TOKEN_EXPIRED         /* 401 "JWT token expired" */
} access_token_status_t;

/* Where the token came from: a cookie is sent by the browser on its own, so only then
 * does a WebSocket handshake's Origin matter (cross-site WebSocket hijacking). */
typedef enum {
    ACCESS_TOKEN_FROM_NONE = 0, ACCESS_TOKEN_FROM_HEADER, ACCESS_TOKEN_FROM_COOKIE,
    ACCESS_TOKEN_FROM_QUERY
} access_token_source_t;

/* Picks the token from AUTHORIZATION (the header's value), COOKIE (the Cookie header's
 * value) and QUERY_TOKEN (the decoded ?token= value), any of them NULL or "", by the
 * order above. Copies it into OUT (SIZE bytes) and says where it came from in *SOURCE
 * (may be NULL). Returns its length, 0 when there is none, -1 when the chosen one does
 * not fit (which callers treat as invalid). */
int access_token_extract(const char *authorization, const char *cookie, const char *query_token,
                         char *out, size_t size, access_token_source_t *source);

/* The value of cookie NAME in COOKIE (a Cookie header's value, NULL allowed), copied
 * into OUT (SIZE bytes). Returns its length, 0 when absent or empty, -1 when it does not
 * fit. Reads COOKIE once, front to back, and never past its end, whatever it holds. */
int access_token_cookie(const char *cookie, const char *name, char *out, size_t size);

/* Verifies TOKEN as an access token at unix time NOW. Fills *CLAIMS (zeroed otherwise). */
access_token_status_t access_token_accept(const token_keys_t *keys, const char *token,
                                          int64_t now, token_claims_t *claims);

/* access_token_extract, then access_token_accept: MISSING when no token was given,
 * INVALID when it did not fit. The token's copy is wiped before returning. */
access_token_status_t access_token_read(const token_keys_t *keys, const char *authorization,
                                        const char *cookie, const char *query_token,
                                        int64_t now, token_claims_t *claims,
                                        access_token_source_t *source);

/* The contract's 401 message for STATUS (not OK). */
const char *access_token_message(access_token_status_t status);

#endif
