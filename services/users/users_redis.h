/* users_redis.h -- the Redis keys the users service writes, shared with the edge:
 *   revoked:<jti>            "1" until the access token would expire anyway (logout);
 *   revoked_fam:<family>     "1" for one access-token lifetime: every access token of a
 *                            session dies with it (logout, refresh-token reuse), not only
 *                            the one presented; the edge checks both keys in one EXISTS;
 *   user:profile:<id>[:view] the edge's cache of GET /api/users/:id (deleted on change).
 * Both functions return 0, or -1 when Redis did not confirm (the caller answers 503 and
 * changes nothing, so a client never believes a revocation or write that did not stick). */
#ifndef USERS_REDIS_H
#define USERS_REDIS_H
#include <stdint.h>
#include "redis_conn.h"

int users_redis_revoke_jti(redis_conn_t *redis, const char *jti, int64_t ttl_s);
int users_redis_revoke_family(redis_conn_t *redis, const char *family, int64_t ttl_s);
int users_redis_forget_profile(redis_conn_t *redis, int64_t user_id);

#endif
