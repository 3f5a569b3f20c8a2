/* users_redis.h -- the Redis keys the users service writes, shared with the edge and
 * notify (the revocation keys are named in common/revocation.h):
 *   revoked:<jti>            "1" until the access token would expire anyway (logout);
 *   revoked_fam:<family>     "1" for one access-token lifetime: every access token of a
 *                            session dies with it (logout, refresh-token reuse), not only
 *                            the one presented;
 *   revoked_before:<id>      unix ms, for the longest token lifetime: every token of the
 *                            user issued until then is dead (password, role, deletion);
 *   user:profile:<id>[:view] the edge's cache of GET /api/users/:id (deleted on change);
 *   login_fail:<login>       failed logins of one account (email or phone) in the current
 *                            window, which starts at the first failure.
 * Both functions return 0, or -1 when Redis did not confirm (the caller answers 503 and
 * changes nothing, so a client never believes a revocation or write that did not stick). */
#ifndef USERS_REDIS_H
#define USERS_REDIS_H
#include <stdint.h>
#include "redis_conn.h"

int users_redis_revoke_jti(redis_conn_t *redis, const char *jti, int64_t ttl_s);
int users_redis_revoke_family(redis_conn_t *redis, const char *family, int64_t ttl_s);
int users_redis_forget_profile(redis_conn_t *redis, int64_t user_id);
int users_redis_revoke_user(redis_conn_t *redis, int64_t user_id, int64_t now_ms, int64_t ttl_s);

/* Failed logins of account LOGIN so far in this window, and in *TTL_S the seconds the
 * window has left; -1 when Redis did not answer (the login then goes on: the
 * per-address limit at the edge still holds). */
int64_t users_redis_login_failures(redis_conn_t *redis, const char *login, int64_t *ttl_s);

/* Counts one more failure of LOGIN; the window of WINDOW_S starts at the first. */
void users_redis_login_failed(redis_conn_t *redis, const char *login, int64_t window_s);

/* A successful login clears the count. */
void users_redis_login_succeeded(redis_conn_t *redis, const char *login);

#endif
