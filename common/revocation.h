/* revocation.h -- is an access token still good? The one home of the revocation marks in
 * Redis: the users service writes them with revocation_mark_*, and every token-checking
 * process (edge, notify) reads them with revocation_check or REVOCATION_LUA, so writer
 * and readers cannot spell a key or a value differently:
 *   revoked:<jti>             "1": one access token (logout);
 *   revoked_fam:<family>      "1": every access token of a session (logout, refresh-token
 *                             reuse), not only the one presented;
 *   revoked_before:<user id>  unix ms: every token of the user issued at or before it
 *                             (a password change, a role change, a deletion).
 * Each mark lives as long as the tokens it refuses could (its TTL is the writer's).
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

/* The writer's side (users): marks one access token (JTI), a session (FAMILY), or every
 * token of USER_ID issued until NOW_MS, for TTL_S seconds (at least 1). Return 0, or -1
 * when the id cannot be ours or Redis did not confirm (the caller then answers 503 and
 * changes nothing, so a client never believes a revocation that did not stick). */
int revocation_mark_jti(redis_conn_t *redis, const char *jti, int64_t ttl_s);
int revocation_mark_family(redis_conn_t *redis, const char *family, int64_t ttl_s);
int revocation_mark_user(redis_conn_t *redis, int64_t user_id, int64_t now_ms, int64_t ttl_s);

#endif
