/* edge_auth.c -- token extraction, verification and the revocation check. */
#include "edge_auth.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>

int
edge_auth_extract(const char *authorization, const char *cookie_header, char *out,
                  size_t size)
{
    out[0] = '\0';
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0) {
        const char *t = authorization + 7;
        while (*t == ' ')
            t++;
        size_t len = strcspn(t, " \t\r\n");
        if (len > 0) {
            if (len >= size)
                return -1;
            memcpy(out, t, len);
            out[len] = '\0';
            return (int) len;
        }
    }
    if (cookie_header) {
        int len = mg_get_cookie(cookie_header, "access_token", out, size);
        if (len == -2 || len == -3)
            return -1;                   /* too long for the buffer */
        if (len > 0)
            return len;
        out[0] = '\0';
    }
    return 0;
}

edge_auth_status_t
edge_auth_verify(const token_keys_t *keys, const char *token, int64_t now,
                 token_claims_t *claims)
{
    if (!token || !*token)
        return EDGE_AUTH_MISSING;
    memset(claims, 0, sizeof *claims);
    switch (token_verify(keys, token, "access", now, claims)) {
    case TOKEN_OK:
        break;
    case TOKEN_EXPIRED:
        return EDGE_AUTH_EXPIRED;
    default:
        return EDGE_AUTH_INVALID;
    }
    if (!claims->jti[0] || claims->sub <= 0)
        return EDGE_AUTH_INVALID;        /* a token that cannot be revoked is not accepted */
    return EDGE_AUTH_OK;
}

edge_auth_status_t
edge_auth_check(const token_keys_t *keys, redis_conn_t *redis, const char *token, int64_t now,
                token_claims_t *claims)
{
    edge_auth_status_t st = edge_auth_verify(keys, token, now, claims);
    if (st != EDGE_AUTH_OK || !redis)
        return st;
    switch (revocation_check(redis, claims)) {
    case 0:
        return EDGE_AUTH_OK;
    case 1:
        return EDGE_AUTH_INVALID;
    default:
        return EDGE_AUTH_UNAVAILABLE;
    }
}

const char *
edge_auth_message(edge_auth_status_t status)
{
    switch (status) {
    case EDGE_AUTH_MISSING:     return "Missing token";
    case EDGE_AUTH_EXPIRED:     return "JWT token expired";
    case EDGE_AUTH_UNAVAILABLE: return "Service temporarily unavailable";
    default:                    return "Invalid JWT token";
    }
}
