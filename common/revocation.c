/* revocation.c -- the revocation keys of access tokens and their one-round-trip check. */
#include "revocation.h"
#include <stdio.h>
#include <string.h>

int
revocation_keys(const token_claims_t *claims, char keys[2][REVOCATION_KEY_MAX])
{
    int n = 0;
    int len = snprintf(keys[n], REVOCATION_KEY_MAX, "revoked:%s", claims->jti);
    if (!claims->jti[0] || len <= 0 || len >= REVOCATION_KEY_MAX)
        return 0;
    n++;
    if (claims->fam[0]) {
        len = snprintf(keys[n], REVOCATION_KEY_MAX, "revoked_fam:%s", claims->fam);
        if (len > 0 && len < REVOCATION_KEY_MAX)
            n++;
    }
    return n;
}

int
revocation_check(redis_conn_t *redis, const token_claims_t *claims)
{
    char keys[2][REVOCATION_KEY_MAX];
    int n = revocation_keys(claims, keys);
    if (n == 0)
        return 1;
    /* EXISTS counts every key that exists: both checks in one round trip. */
    const char *argv[3] = { "EXISTS", keys[0], keys[1] };
    size_t argvlen[3] = { 6, strlen(keys[0]), n > 1 ? strlen(keys[1]) : 0 };
    redisReply *reply = redis_conn_command(redis, n + 1, argv, argvlen);
    if (!reply)
        return -1;
    int rc = reply->type == REDIS_REPLY_INTEGER ? (reply->integer > 0) : -1;
    freeReplyObject(reply);
    return rc;
}
