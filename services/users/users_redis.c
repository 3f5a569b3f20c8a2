/* users_redis.c -- the Redis keys the users service writes. */
#include "users_redis.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_login_key(char *key, size_t size, const char *login)
{
    snprintf(key, size, "login_fail:%s", login);
}

int64_t
users_redis_login_failures(redis_conn_t *redis, const char *login, int64_t *ttl_s)
{
    static const char *script =
        "return { redis.call('GET', KEYS[1]) or '0', redis.call('TTL', KEYS[1]) }";
    char key[300];
    s_login_key(key, sizeof key, login);
    const char *argv[] = { "EVAL", script, "1", key };
    size_t lens[] = { 4, strlen(script), 1, strlen(key) };
    redisReply *r = redis_conn_command(redis, 4, argv, lens);
    int64_t n = -1;
    *ttl_s = 0;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2
        && r->element[0]->type == REDIS_REPLY_STRING
        && r->element[1]->type == REDIS_REPLY_INTEGER) {
        n = strtoll(r->element[0]->str, NULL, 10);
        *ttl_s = r->element[1]->integer > 0 ? r->element[1]->integer : 1;
    }
    if (r)
        freeReplyObject(r);
    return n;
}

void
users_redis_login_failed(redis_conn_t *redis, const char *login, int64_t window_s)
{
    /* INCR and the window's EXPIRE in one step, so a count never outlives its window. */
    static const char *script =
        "local n = redis.call('INCR', KEYS[1]) "
        "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n";
    char key[300], ttl[24];
    s_login_key(key, sizeof key, login);
    snprintf(ttl, sizeof ttl, "%" PRId64, window_s);
    const char *argv[] = { "EVAL", script, "1", key, ttl };
    size_t lens[] = { 4, strlen(script), 1, strlen(key), strlen(ttl) };
    redisReply *r = redis_conn_command(redis, 5, argv, lens);
    if (r)
        freeReplyObject(r);
}

void
users_redis_login_succeeded(redis_conn_t *redis, const char *login)
{
    char key[300];
    s_login_key(key, sizeof key, login);
    const char *argv[] = { "DEL", key };
    size_t lens[] = { 3, strlen(key) };
    redisReply *r = redis_conn_command(redis, 2, argv, lens);
    if (r)
        freeReplyObject(r);
}
