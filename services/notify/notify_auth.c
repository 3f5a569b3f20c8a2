/* notify_auth.c -- authenticating the WebSocket upgrade: the edge's JWT rules, the same
 * code (common/access_token.h: the token from the Authorization header, the access_token
 * cookie or ?token=; an access token, not expired; then not revoked) before any WebSocket
 * exists. A refusal is a plain HTTP answer with the contract's error envelope, so
 * browsers and tests can read its status. */
#include "notify_app.h"
#include "clock.h"
#include "log.h"
#include "notify_token.h"
#include "revocation.h"
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Answers STATUS with a small error envelope. The connection then ends as HTTP. */
static void
s_refuse(struct lws *wsi, int status, const char *code, const char *message)
{
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);
    json_object *root = json_object_new_object();
    json_object_object_add(root, "success", json_object_new_boolean(0));
    json_object_object_add(root, "statusCode", json_object_new_int(status));
    json_object_object_add(root, "error", json_object_new_string(code));
    json_object_object_add(root, "message", json_object_new_string(message));
    json_object_object_add(root, "timestamp", json_object_new_string(ts));
    json_object_object_add(root, "path", json_object_new_string("/ws"));
    json_object_object_add(root, "method", json_object_new_string("GET"));
    const char *body = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN
                                                                | JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t body_len = strlen(body);

    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (lws_add_http_common_headers(wsi, (unsigned int) status, "application/json", body_len,
                                    &p, end)
        || (status == 401
            && lws_add_http_header_by_name(wsi, (const unsigned char *) "www-authenticate:",
                                           (const unsigned char *) "Bearer", 6, &p, end))
        || lws_add_http_header_by_name(wsi, (const unsigned char *) "cache-control:",
                                       (const unsigned char *) "no-store", 8, &p, end)
        || lws_finalize_write_http_header(wsi, start, &p, end))
        goto cleanup;
    if (body_len + LWS_PRE <= sizeof buf) {
        memcpy(buf + LWS_PRE, body, body_len);
        lws_write(wsi, buf + LWS_PRE, body_len, LWS_WRITE_HTTP_FINAL);
    }
cleanup:
    json_object_put(root);
}

/* Header NAME of WSI into OUT; "" when absent; -1 when it does not fit. */
static int
s_header(struct lws *wsi, enum lws_token_indexes name, char *out, int size)
{
    out[0] = '\0';
    int len = lws_hdr_total_length(wsi, name);
    if (len <= 0)
        return 0;
    if (len >= size)
        return -1;
    return lws_hdr_copy(wsi, out, size, name) < 0 ? -1 : len;
}

int
notify_auth_query(struct lws *wsi, notify_query_t *q)
{
    /* One service thread: the buffer is reused, never shared. */
    static char arg[NOTIFY_QUERY_ARG_MAX + 1];
    notify_query_init(q);
    for (int i = 0;; i++) {
        if (lws_hdr_copy_fragment(wsi, arg, sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) < 0)
            /* past the last argument, or one too long to copy */
            return lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i) > 0 ? -1 : 0;
        notify_query_take(q, arg);
    }
}

int
notify_auth_read(notify_app_t *app, struct lws *wsi, notify_handshake_t *hs)
{
    /* One service thread: these buffers are reused, never shared. */
    static char authz[ACCESS_TOKEN_MAX + 16], cookie[ACCESS_TOKEN_MAX + 1024];
    memset(&hs->claims, 0, sizeof hs->claims);
    hs->source = ACCESS_TOKEN_FROM_NONE;
    hs->status = ACCESS_TOKEN_INVALID;
    if (notify_auth_query(wsi, &hs->query) != 0)
        return NOTIFY_HS_QUERY_TOO_LONG;
    if (hs->query.bad_since)
        return NOTIFY_HS_BAD_SINCE;
    /* A header too long to copy, or ?token= too long or given twice: invalid, as the
     * edge answers a token that does not fit. */
    if (s_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, authz, sizeof authz) < 0
        || s_header(wsi, WSI_TOKEN_HTTP_COOKIE, cookie, sizeof cookie) < 0
        || hs->query.token_len < 0)
        return NOTIFY_HS_OK;
    hs->status = access_token_read(app->keys, authz, cookie, hs->query.token,
                                   (int64_t) time(NULL), &hs->claims, &hs->source);
    return hs->status == ACCESS_TOKEN_MISSING ? NOTIFY_HS_NO_TOKEN : NOTIFY_HS_OK;
}

/* Sockets user UID already holds on this replica. */
static int
s_user_sockets(notify_app_t *app, int64_t uid)
{
    notify_user_t *user = notify_idmap_get(app->users, uid);
    int n = 0;
    for (notify_session_t *ss = user ? user->sessions : NULL; ss; ss = ss->next)
        n++;
    return n;
}

int64_t
notify_auth_upgrade(notify_app_t *app, struct lws *wsi)
{
    static notify_handshake_t hs;
    char uri[16], origin[512];

    /* Stopping: the client should open its socket on another replica. */
    if (app->stop && *app->stop) {
        s_refuse(wsi, 503, "SERVICE_UNAVAILABLE", "Server is shutting down");
        return 0;
    }

    if (s_header(wsi, WSI_TOKEN_GET_URI, uri, sizeof uri) <= 0 || strcmp(uri, "/ws") != 0) {
        s_refuse(wsi, 404, "NOT_FOUND", "Not found");
        return 0;
    }
    switch (notify_auth_read(app, wsi, &hs)) {
    case NOTIFY_HS_QUERY_TOO_LONG:
        s_refuse(wsi, 400, "BAD_REQUEST", "query argument too long");
        return 0;
    case NOTIFY_HS_BAD_SINCE:
        s_refuse(wsi, 400, "BAD_REQUEST", "since must be a notification id");
        return 0;
    case NOTIFY_HS_NO_TOKEN:
        metric_add(app->m.refused_missing, 1);
        s_refuse(wsi, 401, "UNAUTHORIZED", access_token_message(ACCESS_TOKEN_MISSING));
        return 0;
    default:
        break;
    }
    if (hs.status != ACCESS_TOKEN_OK) {
        metric_add(hs.status == ACCESS_TOKEN_EXPIRED ? app->m.refused_expired
                                                     : app->m.refused_invalid, 1);
        s_refuse(wsi, 401, "UNAUTHORIZED", access_token_message(hs.status));
        return 0;
    }
    /* A browser sends the cookie to us whatever page opened the socket: only pages of the
     * allowed origins may use it (cross-site WebSocket hijacking). A header or ?token= is
     * something the page itself had to hold. */
    if (hs.source == ACCESS_TOKEN_FROM_COOKIE) {
        int olen = s_header(wsi, WSI_TOKEN_ORIGIN, origin, sizeof origin);
        if (olen != 0 && (olen < 0 || !notify_origin_allowed(app->cfg.allowed_origins, origin))) {
            metric_add(app->m.refused_origin, 1);
            s_refuse(wsi, 403, "FORBIDDEN", "Origin not allowed");
            return 0;
        }
    }
    if (s_user_sockets(app, hs.claims.sub) >= app->cfg.max_sockets_per_user) {
        metric_add(app->m.refused_busy, 1);
        s_refuse(wsi, 429, "RATE_LIMIT_EXCEEDED", "Too many open sockets for this user");
        return 0;
    }
    switch (revocation_check(app->redis, &hs.claims)) {
    case 0:
        return hs.claims.sub;
    case 1:
        metric_add(app->m.refused_invalid, 1);
        s_refuse(wsi, 401, "UNAUTHORIZED", access_token_message(ACCESS_TOKEN_INVALID));
        return 0;
    default:
        /* Fail closed: a revoked token must never slip through while Redis is away. */
        metric_add(app->m.refused_unavailable, 1);
        log_warn(NULL, "redis_unavailable", "revocation check failed: upgrade refused");
        s_refuse(wsi, 503, "SERVICE_UNAVAILABLE", "Service unavailable");
        return 0;
    }
}
