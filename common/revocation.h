/* revocation.h -- is an access token revoked? The keys the users service writes and every
 * token-checking process (edge, notify) reads, in one place:
 *   revoked:<jti>          one access token (logout);
 *   revoked_fam:<family>   every access token of a session (logout, refresh-token reuse). */
#ifndef COMMON_REVOCATION_H
#define COMMON_REVOCATION_H
#include "redis_conn.h"
#include "token.h"

#define REVOCATION_KEY_MAX 96

/* Writes the keys to look up for CLAIMS into KEYS; returns how many (0 when the jti cannot
 * be one we issued, which callers treat as revoked). */
int revocation_keys(const token_claims_t *claims, char keys[2][REVOCATION_KEY_MAX]);

/* EXISTS on those keys, one round trip: 1 revoked, 0 not, -1 Redis did not answer (the
 * callers fail closed). */
int revocation_check(redis_conn_t *redis, const token_claims_t *claims);

#endif
