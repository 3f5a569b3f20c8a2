/* revocation.c -- the revocation marks of tokens: written by users, checked in one round
 * trip by the edge and notify. */
#include "revocation.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int
s_key(char out[REVOCATION_KEY_MAX], const char *prefix, const char *id)
{
    int len = snprintf(out, REVOCATION_KEY_MAX, "%s%s", prefix, id);
    return id[0] && len > 0 && len < REVOCATION_KEY_MAX ? 0 : -1;
}

static int
s_key_jti(const char *jti, char out[REVOCATION_KEY_MAX])
{
    return s_key(out, "revoked:", jti);
}

static int
s_key_family(const char *family, char out[REVOCATION_KEY_MAX])
{
    return s_key(out, "revoked_fam:", family);
}

static int
s_key_user(int64_t user_id, char out[REVOCATION_KEY_MAX])
{
    snprintf(out, REVOCATION_KEY_MAX, "revoked_before:%" PRId64, user_id);
    return user_id > 0 ? 0 : -1;
}

int
revocation_prepare(const token_claims_t *claims, revocation_t *out)
{
    memset(out, 0, sizeof *out);
    if (s_key_jti(claims->jti, out->keys[0]) != 0
        || s_key_user(claims->sub, out->keys[2]) != 0)
        return 0;
    int n = 1;
    if (claims->fam[0] && s_key_family(claims->fam, out->keys[1]) == 0)
        n++;
    if (n == 1)
        memcpy(out->keys[1], out->keys[2], REVOCATION_KEY_MAX);
    out->count = n + 1;
    /* Tokens from before iat_ms existed carry seconds only: the start of their second. */
    out->iat_ms = claims->iat_ms > 0 ? claims->iat_ms : claims->iat * 1000;
    return out->count;
}

int
revocation_check(redis_conn_t *redis, const token_claims_t *claims)
{
    static const char script[] =
        "local r, iat = #KEYS, tonumber(ARGV[1])\n" REVOCATION_LUA "return {0, 0}\n";
    revocation_t rev;
    if (revocation_prepare(claims, &rev) == 0)
        return 1;
    char numkeys[4], iat[24];
    snprintf(numkeys, sizeof numkeys, "%d", rev.count);
    snprintf(iat, sizeof iat, "%" PRId64, rev.iat_ms);
    const char *argv[4 + REVOCATION_KEYS_MAX] = { "EVAL", script, numkeys };
    size_t lens[4 + REVOCATION_KEYS_MAX] = { 4, sizeof script - 1, strlen(numkeys) };
    int argc = 3;
    for (int i = 0; i < rev.count; i++) {
        argv[argc] = rev.keys[i];
        lens[argc++] = strlen(rev.keys[i]);
    }
    argv[argc] = iat;
    lens[argc++] = strlen(iat);
    redisReply *reply = redis_conn_command(redis, argc, argv, lens);
    if (!reply)
        return -1;
    int rc = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
             && reply->element[0]->type == REDIS_REPLY_INTEGER
             ? reply->element[0]->integer != 0 : -1;
    freeReplyObject(reply);
    return rc;
}

/* SET KEY VALUE EX TTL. */
static int
s_mark(redis_conn_t *redis, const char *key, const char *value, int64_t ttl_s)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%" PRId64, ttl_s > 0 ? ttl_s : 1);
    const char *argv[] = { "SET", key, value, "EX", ttl };
    size_t lens[] = { 3, strlen(key), strlen(value), 2, strlen(ttl) };
    redisReply *r = redis_conn_command(redis, 5, argv, lens);
    int rc = r && r->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (r)
        freeReplyObject(r);
    return rc;
}

int
revocation_mark_jti(redis_conn_t *redis, const char *jti, int64_t ttl_s)
{
    char key[REVOCATION_KEY_MAX];
    return s_key_jti(jti, key) == 0 ? s_mark(redis, key, "1", ttl_s) : -1;
}

int
revocation_mark_family(redis_conn_t *redis, const char *family, int64_t ttl_s)
{
    char key[REVOCATION_KEY_MAX];
    return s_key_family(family, key) == 0 ? s_mark(redis, key, "1", ttl_s) : -1;
}

int
revocation_mark_user(redis_conn_t *redis, int64_t user_id, int64_t now_ms, int64_t ttl_s)
{
    char key[REVOCATION_KEY_MAX], value[24];
    snprintf(value, sizeof value, "%" PRId64, now_ms);
    return s_key_user(user_id, key) == 0 ? s_mark(redis, key, value, ttl_s) : -1;
}
