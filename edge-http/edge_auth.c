/* edge_auth.c -- token extraction, verification and the revocation check: the auth stage. */
#include "edge_auth.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_thread.h"
#include "log.h"

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

const char *
edge_auth_message(edge_auth_status_t status)
{
    switch (status) {
    case EDGE_AUTH_MISSING:     return "Missing token";
    case EDGE_AUTH_EXPIRED:     return "JWT token expired";
    default:                    return "Invalid JWT token";
    }
}

int
edge_auth_stage(edge_thread_t *t, edge_request_t *r)
{
    if (r->route->is_public)
        return EDGE_STAGE_NEXT;
    const edge_app_t *app = t->app;
    char token[EDGE_AUTH_MAX_TOKEN];
    int len = edge_auth_extract(mg_get_header(r->conn, "Authorization"),
                                mg_get_header(r->conn, "Cookie"), token, sizeof token);
    int64_t now_ms = clock_wall_ms();
    edge_auth_status_t st = len < 0 ? EDGE_AUTH_INVALID
                          : edge_auth_verify(app->keys, token, now_ms / 1000, &r->claims);
    if (st != EDGE_AUTH_OK)
        return edge_stage_fail(r, ERR_UNAUTHORIZED, edge_auth_message(st));

    /* Revocation, the rate limit with it when it applies, and the profile cache read when
     * the route is cached: one Redis round trip. */
    bool prefetch = edge_cache_request_key(t, r)
                    && redis_conn_prefetch(t->redis, r->cache_key) == 0;
    int revoked;
    if (edge_ratelimit_applies(t, r)) {
        revocation_t rev;
        if (revocation_prepare(&r->claims, &rev) == 0)
            return edge_stage_fail(r, ERR_UNAUTHORIZED, edge_auth_message(EDGE_AUTH_INVALID));
        edge_ratelimit_check(app->ratelimit, t->redis, r->route, edge_stage_client_ip(t, r),
                             r->claims.sub, &rev, now_ms, &r->rl);
        r->rl_done = true;
        revoked = r->rl.revoked;
    }
    else
        revoked = revocation_check(t->redis, &r->claims);
    if (prefetch) {
        redisReply *cached = redis_conn_prefetched(t->redis);
        if (cached)
            r->cache_prefetch = edge_cache_take(app->cache, cached, &t->san_out) ? 2 : 1;
    }
    if (revoked < 0) {
        /* Fails closed: a logged-out token is never let through on a guess. */
        log_error(r->rid, "revocation_unavailable", "Redis did not answer; refusing");
        return edge_stage_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    }
    if (revoked > 0)
        return edge_stage_fail(r, ERR_UNAUTHORIZED, edge_auth_message(EDGE_AUTH_INVALID));
    r->authed = true;
    return EDGE_STAGE_NEXT;
}
