/* revocation.h -- is an access token still good? The keys the users service writes and
 * every token-checking process (edge, notify) reads, in one place:
 *   revoked:<jti>             one access token (logout);
 *   revoked_fam:<family>      every access token of a session (logout, refresh-token reuse);
 *   revoked_before:<user id>  unix ms: every token of the user issued at or before it
 *                             (a password change, a role change, a deletion).
 * All of them are read in one round trip, by a Lua fragment that scripts doing other work
 * in the same trip (the edge's rate limit) embed as well. */
#ifndef COMMON_REVOCATION_H
#define COMMON_REVOCATION_H
#include <stdint.h>
#include "redis_conn.h"
#include "token.h"

#define REVOCATION_KEY_MAX  96
#define REVOCATION_KEYS_MAX 3

/* What to read for one token: COUNT keys, the last the user's not-before key, and the
 * token's issue time to compare with it. */
typedef struct {
    char keys[REVOCATION_KEYS_MAX][REVOCATION_KEY_MAX];
    int count;
    int64_t iat_ms;
} revocation_t;

/* Fills *OUT for CLAIMS. Returns the key count, 0 when the token cannot be one we issued
 * (no jti, or one too long), which callers treat as revoked. */
int revocation_prepare(const token_claims_t *claims, revocation_t *out);

/* One round trip: 1 revoked, 0 not, -1 Redis did not answer (the callers fail closed). */
int revocation_check(redis_conn_t *redis, const token_claims_t *claims);

/* The decision in Lua, for a script in which the locals `r` (the first r KEYS are a
 * revocation_t's keys, 0 for none) and `iat` (its iat_ms) are set: the script returns
 * {1, 0} when the token is revoked, and goes on otherwise. */
#define REVOCATION_LUA                                                                  \
    "if r > 0 then\n"                                                                   \
    "  if r > 1 and redis.call('EXISTS', unpack(KEYS, 1, r - 1)) > 0 then return {1, 0} end\n" \
    "  local nbf = redis.call('GET', KEYS[r])\n"                                        \
    "  if nbf and tonumber(nbf) >= iat then return {1, 0} end\n"                        \
    "end\n"

/* The keys, for the writer (users) and the readers alike. Return 0, or -1 when the id
 * does not fit (it cannot be ours). */
int revocation_key_jti(const char *jti, char out[REVOCATION_KEY_MAX]);
int revocation_key_family(const char *family, char out[REVOCATION_KEY_MAX]);
int revocation_key_user(int64_t user_id, char out[REVOCATION_KEY_MAX]);

#endif
