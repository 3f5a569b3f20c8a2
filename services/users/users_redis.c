/* users_redis.c -- the Redis keys the users service writes. */
#include "users_redis.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* SET <prefix><id> 1 EX <ttl>: a revocation flag that lives as long as the tokens it
 * refuses could. */
static int
s_flag(redis_conn_t *redis, const char *prefix, const char *id, int64_t ttl_s)
{
    char key[96], ttl[24];
    snprintf(key, sizeof(key), "%s%s", prefix, id);
    snprintf(ttl, sizeof(ttl), "%" PRId64, ttl_s > 0 ? ttl_s : 1);
    const char *argv[] = { "SET", key, "1", "EX", ttl };
    size_t lens[] = { 3, strlen(key), 1, 2, strlen(ttl) };
    redisReply *r = redis_conn_command(redis, 5, argv, lens);
    int rc = r && r->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (r)
        freeReplyObject(r);
    return rc;
}

int
users_redis_revoke_jti(redis_conn_t *redis, const char *jti, int64_t ttl_s)
{
    return s_flag(redis, "revoked:", jti, ttl_s);
}

int
users_redis_revoke_family(redis_conn_t *redis, const char *family, int64_t ttl_s)
{
    return s_flag(redis, "revoked_fam:", family, ttl_s);
}

int
users_redis_forget_profile(redis_conn_t *redis, int64_t user_id)
{
    /* The edge may keep one entry per visibility (admins see more fields); every form
     * of the key goes, so no view outlives a change. */
    char k0[48], k1[56], k2[56];
    snprintf(k0, sizeof(k0), "user:profile:%" PRId64, user_id);
    snprintf(k1, sizeof(k1), "%s:admin", k0);
    snprintf(k2, sizeof(k2), "%s:public", k0);
    const char *argv[] = { "DEL", k0, k1, k2 };
    size_t lens[] = { 3, strlen(k0), strlen(k1), strlen(k2) };
    redisReply *r = redis_conn_command(redis, 4, argv, lens);
    int rc = r && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r)
        freeReplyObject(r);
    return rc;
}
