/* revocation.c -- the revocation keys of tokens and their one-round-trip check. */
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

int
revocation_key_jti(const char *jti, char out[REVOCATION_KEY_MAX])
{
    return s_key(out, "revoked:", jti);
}

int
revocation_key_family(const char *family, char out[REVOCATION_KEY_MAX])
{
    return s_key(out, "revoked_fam:", family);
}

int
revocation_key_user(int64_t user_id, char out[REVOCATION_KEY_MAX])
{
    snprintf(out, REVOCATION_KEY_MAX, "revoked_before:%" PRId64, user_id);
    return user_id > 0 ? 0 : -1;
}

int
revocation_prepare(const token_claims_t *claims, revocation_t *out)
{
    memset(out, 0, sizeof *out);
    if (revocation_key_jti(claims->jti, out->keys[0]) != 0
        || revocation_key_user(claims->sub, out->keys[2]) != 0)
        return 0;
    int n = 1;
    if (claims->fam[0] && revocation_key_family(claims->fam, out->keys[1]) == 0)
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
