/* edge_auth.c -- the caller's token by the rule shared with notify (common/access_token.h:
 * header or cookie, no query), and the revocation check: the auth stage. */
#define _DEFAULT_SOURCE              /* explicit_bzero */
#include "edge_auth.h"
#include <string.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_thread.h"
#include "log.h"

access_token_status_t
edge_auth_read(const token_keys_t *keys, edge_tokcache_t *cache, const char *authorization,
               const char *cookie_header, int64_t now, token_claims_t *claims)
{
    if (!cache)
        return access_token_read(keys, authorization, cookie_header, NULL, now, claims, NULL);
    char token[ACCESS_TOKEN_MAX + 1];
    int len = access_token_extract(authorization, cookie_header, NULL, token, sizeof token, NULL);
    access_token_status_t st;
    edge_tokcache_key_t key;
    if (len < 0) {
        memset(claims, 0, sizeof *claims);
        st = ACCESS_TOKEN_INVALID;
    } else if (len == 0) {
        st = access_token_accept(keys, token, now, claims);     /* missing */
    } else {
        edge_tokcache_key(cache, token, (size_t) len, &key);
        switch (edge_tokcache_get(cache, &key, now, claims)) {
        case EDGE_TOKCACHE_HIT:
            st = ACCESS_TOKEN_OK;
            break;
        case EDGE_TOKCACHE_EXPIRED:
            memset(claims, 0, sizeof *claims);
            st = ACCESS_TOKEN_EXPIRED;
            break;
        default:
            /* Only an accepted token is remembered: a refused one is verified (and
             * refused) again every time, as without the cache. */
            st = access_token_accept(keys, token, now, claims);
            if (st == ACCESS_TOKEN_OK)
                edge_tokcache_put(cache, &key, claims);
            break;
        }
    }
    explicit_bzero(token, sizeof token);
    return st;
}

int
edge_auth_stage(edge_thread_t *t, edge_request_t *r)
{
    if (r->route->is_public)
        return EDGE_STAGE_NEXT;
    const edge_app_t *app = t->app;
    int64_t now_ms = clock_wall_ms();
    access_token_status_t st = edge_auth_read(app->keys, t->tokcache,
                                              mg_get_header(r->conn, "Authorization"),
                                              mg_get_header(r->conn, "Cookie"), now_ms / 1000,
                                              &r->claims);
    if (st != ACCESS_TOKEN_OK)
        return edge_stage_fail(r, ERR_UNAUTHORIZED, access_token_message(st));

    /* Revocation, the rate limit with it when it applies, and the profile cache read when
     * the route is cached: one Redis round trip. */
    bool prefetch = edge_cache_request_key(t, r)
                    && redis_conn_prefetch(t->redis, r->cache_key) == 0;
    int revoked;
    if (edge_ratelimit_applies(t, r)) {
        revocation_t rev;
        if (revocation_prepare(&r->claims, &rev) == 0)
            return edge_stage_fail(r, ERR_UNAUTHORIZED, access_token_message(ACCESS_TOKEN_INVALID));
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
        return edge_stage_fail(r, ERR_UNAUTHORIZED, access_token_message(ACCESS_TOKEN_INVALID));
    r->authed = true;
    return EDGE_STAGE_NEXT;
}
