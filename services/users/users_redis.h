/* users_redis.h -- the Redis keys that are the users service's alone (the revocation marks
 * it writes are common/revocation.h's, the profile cache entries it deletes
 * common/profile_cache.h's: their readers use the same code):
 *   login_fail:<login>       failed logins of one account (email or phone) in the current
 *                            window, which starts at the first failure. */
#ifndef USERS_REDIS_H
#define USERS_REDIS_H
#include <stdint.h>
#include "redis_conn.h"

/* Failed logins of account LOGIN so far in this window, and in *TTL_S the seconds the
 * window has left; -1 when Redis did not answer (the login then goes on: the
 * per-address limit at the edge still holds). */
int64_t users_redis_login_failures(redis_conn_t *redis, const char *login, int64_t *ttl_s);

/* Counts one more failure of LOGIN; the window of WINDOW_S starts at the first. */
void users_redis_login_failed(redis_conn_t *redis, const char *login, int64_t window_s);

/* A successful login clears the count. */
void users_redis_login_succeeded(redis_conn_t *redis, const char *login);

#endif
