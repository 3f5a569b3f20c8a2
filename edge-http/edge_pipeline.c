/* edge_pipeline.c -- one request, as a row of small stages (API.md's pipeline order):
 *
 *   request id, then: drain -> CORS (preflight) -> route -> query -> body limits (from the
 *   headers) -> auth (+ revocation) -> roles -> rate limit -> body read and JSON ->
 *   Idempotency-Key -> sanitize -> request log line -> local routes -> response cache ->
 *   bus (per-route timeout);
 *   then respond (one write), metrics, response log line (slow-request warning)
 *
 * Each stage returns S_NEXT to go on or S_DONE once the answer is decided (an error, or a
 * body ready in thread->body). Redis: an authenticated request makes one round trip for
 * revocation and rate limit together (edge_ratelimit.h), plus one GET on the cached
 * route.
 *
 * The body is read after the rate limit, not before authentication as API.md's pipeline
 * lists it: nothing a client sends is read, parsed or sanitized until it has shown a
 * valid token (or asked a public route) and passed its limit, so the cost of hostile
 * bodies falls on clients the limit already counts (docs/SECURITY.md). */
#define _GNU_SOURCE                  /* strcasestr */
#include "edge_app.h"
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>
#include "clock.h"
#include <inttypes.h>
#include "edge_auth.h"
#include "edge_json.h"
#include "edge_openapi.h"
#include "edge_reply.h"
#include "errors.h"
#include "log.h"

enum { S_NEXT = 0, S_DONE = 1 };

typedef int (s_stage_fn)(edge_thread_t *t, edge_request_t *r);

static int
s_fail(edge_request_t *r, err_code_t err, const char *message)
{
    r->status = err_status(err);
    r->code = err_name(err);
    r->message = message ? message : err_default_message(err);
    r->details = NULL;
    r->detail_count = 0;
    return S_DONE;
}

/* --- stages ----------------------------------------------------------------------- */

/* During the drain on SIGTERM: new requests are turned away (a load balancer retries them
 * on another replica) so that the ones in flight can finish before mg_stop, which drops
 * any write made after it starts. */
static int
s_stage_drain(edge_thread_t *t, edge_request_t *r)
{
    if (!atomic_load(&t->app->draining))
        return S_NEXT;
    r->must_close = true;
    return s_fail(r, ERR_SERVICE_UNAVAILABLE, "Server is shutting down");
}

/* A connection its address opened beyond EDGE_MAX_CONNECTIONS_PER_ADDRESS: counted at its
 * first request (edge_server.c uncounts it when it closes), refused and closed, which
 * frees its thread. A trusted proxy's address is not limited. */
static int
s_stage_connlimit(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    const char *peer = r->ri->remote_addr;
    if (!app->connlimit || edge_clientip_trusted(&app->clientip, peer))
        return S_NEXT;
    if (!t->conn_addr[0] && peer[0] && strlen(peer) < sizeof t->conn_addr) {
        t->conn_over_limit = !edge_connlimit_open(app->connlimit, peer);
        strcpy(t->conn_addr, peer);
    }
    if (!t->conn_over_limit)
        return S_NEXT;
    r->must_close = true;
    if (app->conn_refusals)
        metric_add(app->conn_refusals, 1);
    return s_fail(r, ERR_RATE_LIMIT_EXCEEDED, "Too many connections from this address");
}

/* Appends header lines to the answer; silently drops what does not fit (the buffer is
 * sized for CORS plus the rate-limit lines, so that never happens). */
static void
s_extra(edge_request_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
s_extra(edge_request_t *r, const char *fmt, ...)
{
    size_t room = sizeof r->extra - r->extra_len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->extra + r->extra_len, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t) n < room)
        r->extra_len += (size_t) n;
    else
        r->extra[r->extra_len] = '\0';
}

static const char *
s_client_ip(edge_thread_t *t, edge_request_t *r)
{
    if (!r->ip[0])
        edge_clientip_pick(&t->app->clientip, r->ri->remote_addr,
                           t->app->clientip.count ? mg_get_header(r->conn, "X-Forwarded-For")
                                                  : NULL,
                           r->ip, sizeof r->ip);
    return r->ip;
}

/* CORS headers for an allowed Origin on every answer; a preflight is answered here,
 * before routing (the table has no OPTIONS routes). */
static int
s_stage_cors(edge_thread_t *t, edge_request_t *r)
{
    const edge_cors_t *cors = &t->app->cors;
    if (!edge_cors_enabled(cors))
        return S_NEXT;
    const char *origin = mg_get_header(r->conn, "Origin");
    if (!origin)
        return S_NEXT;
    bool preflight = edge_cors_is_preflight(r->ri->request_method, origin,
                                            mg_get_header(r->conn, "Access-Control-Request-Method"));
    int n = edge_cors_headers(cors, origin, preflight, r->extra + r->extra_len,
                              sizeof r->extra - r->extra_len);
    if (n > 0)
        r->extra_len += (size_t) n;
    if (!preflight)
        return S_NEXT;
    r->status = 204;
    r->body_ready = true;                    /* no body */
    return S_DONE;
}

static int
s_stage_route(edge_thread_t *t, edge_request_t *r)
{
    switch (edge_route_match(t->app->routes, r->ri->request_method, r->path, &r->match)) {
    case EDGE_MATCH_OK:
        r->route = r->match.route;
        return S_NEXT;
    case EDGE_MATCH_METHOD:
        return s_fail(r, ERR_METHOD_NOT_ALLOWED, "Method not allowed");
    case EDGE_MATCH_BAD_PARAM:
        r->route = r->match.route;
        /* "id must be a valid id": the parameter names come from the route table. */
        return s_fail(r, ERR_BAD_REQUEST,
                      strcmp(r->match.bad_param, "user_id") == 0 ? "user_id must be a valid id"
                                                                 : "id must be a valid id");
    default:
        return s_fail(r, ERR_NOT_FOUND, "Route not found");
    }
}

/* application/json, optionally with parameters; a charset other than UTF-8 is refused. */
static bool
s_json_content_type(const char *ct)
{
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    const char *rest = ct + 16;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    const char *cs = strcasestr(rest, "charset=");
    if (!cs)
        return true;
    cs += 8;
    if (*cs == '"')
        cs++;
    return strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0;
}

/* The route's body limit: ROUTE_BODY_LIMITS, else MAX_BODY_BYTES. Before the route is
 * known (a 404 to come), the general one. */
static int64_t
s_body_limit(const edge_app_t *app, const edge_request_t *r)
{
    long index = r->route ? r->route - app->routes : -1;
    if (index >= 0 && index < EDGE_RL_MAX_ROUTES && app->route_max_body[index] > 0)
        return app->route_max_body[index];
    return app->cfg.max_body;
}

/* Reads the body into T->req_body: at most LIMIT + 1 bytes, whatever the headers claim,
 * and within one deadline for the whole body (EDGE_REQUEST_TIMEOUT_MS), which the
 * watchdog enforces (edge_watchdog.h): CivetWeb's mg_read alone would wait as long as
 * bytes keep trickling in. *CUT says whether the deadline cut it short. */
static size_t
s_body_read(edge_thread_t *t, edge_request_t *r, long long cl, size_t limit, bool *cut)
{
    size_t got = 0;
    int64_t deadline = clock_mono_ms() + t->app->cfg.request_timeout_ms;
    int slot = edge_watchdog_watch(t->app->watchdog, r->ri->remote_addr, r->ri->remote_port,
                                   deadline);
    while (got < limit && clock_mono_ms() < deadline) {
        size_t want = cl > 0 ? (size_t) cl - got : limit - got;
        if (want > limit - got)
            want = limit - got;
        int n = mg_read(r->conn, t->req_body + got, want);
        if (n <= 0)
            break;
        got += (size_t) n;
        if (cl > 0 && got >= (size_t) cl)
            break;
    }
    *cut = edge_watchdog_done(t->app->watchdog, slot) || clock_mono_ms() >= deadline;
    return got;
}

/* What the headers say of the body, before any of it is read: its size against the
 * route's limit (413) and its type (415). The body itself waits until the client has
 * passed authentication and the rate limit (s_stage_body). */
static int
s_stage_body_check(edge_thread_t *t, edge_request_t *r)
{
    long long cl = r->ri->content_length;
    const char *te = mg_get_header(r->conn, "Transfer-Encoding");
    bool chunked = te && strcasestr(te, "chunked");
    if (cl <= 0 && !chunked)
        return S_NEXT;                       /* no body */
    r->body_pending = true;                  /* unread: the connection closes after */
    if (cl > s_body_limit(t->app, r))
        return s_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if (!s_json_content_type(mg_get_header(r->conn, "Content-Type")))
        return s_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    return S_NEXT;
}

/* Reads and parses the body s_stage_body_check let through, its JSON structure counted
 * (JSON_MAX_TOKENS) before json-c builds anything. */
static int
s_stage_body(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    if (!r->body_pending)
        return S_NEXT;
    long long cl = r->ri->content_length;
    int64_t max_body = s_body_limit(app, r);
    if (!t->req_body && !(t->req_body = malloc((size_t) app->body_buf_size + 1)))
        return s_fail(r, ERR_INTERNAL, NULL);

    bool cut = false;
    size_t got = s_body_read(t, r, cl, (size_t) max_body + 1, &cut);
    if (got > (size_t) max_body)
        return s_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if ((cl > 0 && got < (size_t) cl) || (cut && cl <= 0)) {
        r->must_close = true;
        return s_fail(r, ERR_BAD_REQUEST, cut ? "Request body not received in time"
                                              : "Incomplete request body");
    }
    r->body_pending = false;
    r->body_len = got;
    if (got == 0)
        return S_NEXT;                       /* an empty chunked body */

    edge_json_err_t jerr = edge_json_parse_object(t->req_body, got,
                                                  (size_t) app->cfg.json_max_tokens, &r->body);
    if (jerr == EDGE_JSON_TOO_MANY)
        return s_fail(r, ERR_PAYLOAD_TOO_LARGE, edge_json_err_message(jerr));
    if (jerr != EDGE_JSON_OK)
        return s_fail(r, ERR_BAD_REQUEST, edge_json_err_message(jerr));
    return S_NEXT;
}

/* Idempotency-Key on a creating route: checked (400 when malformed), then the caller's
 * scope and the fingerprint of the exact body bytes, for the service (edge_idem.h). Runs
 * after the body is read and before it is sanitized, so the fingerprint is of what the
 * client sent. Other routes ignore the header. */
static int
s_stage_idempotency(edge_thread_t *t, edge_request_t *r)
{
    if (!r->route->creates)
        return S_NEXT;
    const char *header = mg_get_header(r->conn, "Idempotency-Key");
    switch (edge_idem_check(header)) {
    case EDGE_IDEM_NONE:
        return S_NEXT;
    case EDGE_IDEM_INVALID:
        return s_fail(r, ERR_BAD_REQUEST,
                      "Idempotency-Key must be 1 to 128 visible ASCII characters");
    case EDGE_IDEM_OK:
        break;
    }
    if (edge_idem_fill(&r->idem, header, r->authed ? r->claims.sub : 0, s_client_ip(t, r),
                       r->ri->request_method, r->path, t->req_body, r->body_len) != 0)
        return s_fail(r, ERR_INTERNAL, NULL);
    r->has_idem_key = true;
    return S_NEXT;
}

static int
s_stage_query(edge_thread_t *t, edge_request_t *r)
{
    (void) t;
    if (edge_query_parse(r->ri->query_string, &r->query) != 0)
        return s_fail(r, ERR_BAD_REQUEST, "Invalid query string");
    return S_NEXT;
}

/* Every string of the body and the query, as API.md says (edge_sanitize.h). */
static int
s_stage_sanitize(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    if (!app->cfg.sanitize)
        return S_NEXT;
    edge_sanitize_rc_t rc = EDGE_SANITIZE_SAME;
    if (r->body)
        rc = edge_sanitize_json(app->sanitize_cache, r->body, &t->san_out, &t->san_scratch);
    size_t used = 0;
    for (int i = 0; rc >= 0 && i < r->query.count; i++) {
        edge_query_param_t *q = &r->query.params[i];
        rc = edge_sanitize_cached(app->sanitize_cache, q->value, q->value_len, &t->san_out,
                                  &t->san_scratch);
        if (rc != EDGE_SANITIZE_CHANGED)
            continue;
        if (t->san_out.len + 1 > sizeof t->qsan - used)
            return s_fail(r, ERR_BAD_REQUEST, "Invalid query string");
        memcpy(t->qsan + used, t->san_out.data, t->san_out.len + 1);
        q->value = t->qsan + used;
        q->value_len = t->san_out.len;
        used += t->san_out.len + 1;
    }
    if (rc == EDGE_SANITIZE_HOSTILE)
        return s_fail(r, ERR_BAD_REQUEST, "Request contains disallowed markup");
    if (rc == EDGE_SANITIZE_NOMEM)
        return s_fail(r, ERR_INTERNAL, NULL);
    return S_NEXT;
}

static bool
s_rate_limited_route(const edge_thread_t *t, const edge_request_t *r)
{
    return edge_ratelimit_enabled(t->app->ratelimit) && r->route
        && !edge_route_is_probe(r->route);       /* health and metrics are never limited */
}

/* Names the profile cache entry of this request in r->cache_key when its route is cached
 * (the view follows the caller's role: an admin's view is never served to anyone else).
 * False when nothing is cached for it. */
static bool
s_cache_key(edge_thread_t *t, edge_request_t *r)
{
    return r->match.param_count > 0
           && edge_cache_key(t->app->cache, r->route, r->match.params[0].value, r->claims.role,
                             r->cache_key, sizeof r->cache_key);
}

static int
s_stage_auth(edge_thread_t *t, edge_request_t *r)
{
    if (r->route->is_public)
        return S_NEXT;
    const edge_app_t *app = t->app;
    int64_t now_ms = clock_wall_ms();
    access_token_status_t st = edge_auth_read(app->keys, mg_get_header(r->conn, "Authorization"),
                                              mg_get_header(r->conn, "Cookie"), now_ms / 1000,
                                              &r->claims);
    if (st != ACCESS_TOKEN_OK)
        return s_fail(r, ERR_UNAUTHORIZED, access_token_message(st));

    /* Revocation, the rate limit with it when it applies, and the profile cache read when
     * the route is cached: one Redis round trip. */
    bool prefetch = s_cache_key(t, r) && redis_conn_prefetch(t->redis, r->cache_key) == 0;
    int revoked;
    if (s_rate_limited_route(t, r)) {
        revocation_t rev;
        if (revocation_prepare(&r->claims, &rev) == 0)
            return s_fail(r, ERR_UNAUTHORIZED, access_token_message(ACCESS_TOKEN_INVALID));
        edge_ratelimit_check(app->ratelimit, t->redis, r->route, s_client_ip(t, r),
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
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    }
    if (revoked > 0)
        return s_fail(r, ERR_UNAUTHORIZED, access_token_message(ACCESS_TOKEN_INVALID));
    r->authed = true;
    return S_NEXT;
}

static int
s_stage_roles(edge_thread_t *t, edge_request_t *r)
{
    (void) t;
    if (!edge_route_role_ok(r->route, r->authed ? r->claims.role : NULL))
        return s_fail(r, ERR_FORBIDDEN, "Insufficient permissions");
    return S_NEXT;
}

static int
s_stage_ratelimit(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    if (!s_rate_limited_route(t, r))
        return S_NEXT;
    if (!r->rl_done) {
        /* public routes: anonymous, no revocation keys */
        edge_ratelimit_check(app->ratelimit, t->redis, r->route, s_client_ip(t, r),
                             r->authed ? r->claims.sub : 0, NULL, clock_wall_ms(), &r->rl);
        r->rl_done = true;
    }
    if (r->rl.unavailable)
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);   /* RATE_LIMIT_FALLBACK=closed */
    if (!r->rl.limited)
        return S_NEXT;                                      /* fallback open */
    s_extra(r, "X-RateLimit-Limit: %" PRId64 "\r\nX-RateLimit-Remaining: %" PRId64
               "\r\nX-RateLimit-Reset: %" PRId64 "\r\n",
            r->rl.limit, r->rl.remaining, r->rl.reset_s);
    if (r->rl.allowed)
        return S_NEXT;
    s_extra(r, "Retry-After: %" PRId64 "\r\n", r->rl.retry_after_s);
    r->retry_after = r->rl.retry_after_s;
    if (app->rl_rejections)
        metric_add(app->rl_rejections, 1);
    return s_fail(r, ERR_RATE_LIMIT_EXCEEDED, "Too many requests, please try again later");
}

static void
s_log_entry(edge_thread_t *t, const edge_request_t *r, edge_accesslog_entry_t *e)
{
    *e = (edge_accesslog_entry_t) {
        .rid = r->rid,
        .method = r->method,
        .path = r->path,
        .route = r->route ? r->route->path : "unmatched",
        .ip = s_client_ip(t, (edge_request_t *) r),
        .probe = edge_route_is_probe(r->route),
        .status = r->status,
        .code = r->code,
        .user_id = r->authed ? r->claims.sub : 0,
    };
}

/* The request line of the log, once the request got past the checks that refuse it. */
static int
s_stage_log_start(edge_thread_t *t, edge_request_t *r)
{
    if (!t->app->accesslog.enabled)
        return S_NEXT;
    edge_accesslog_entry_t e;
    s_log_entry(t, r, &e);
    e.user_agent = mg_get_header(r->conn, "User-Agent");
    edge_accesslog_in(&t->app->accesslog, &e);
    return S_NEXT;
}

static int
s_stage_cache(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    if (!r->authed || !r->cache_key[0])
        return S_NEXT;
    bool hit = r->cache_prefetch
               ? r->cache_prefetch == 2
               : edge_cache_get(app->cache, t->redis, r->cache_key, &t->san_out);
    if (!hit) {
        r->cache_fill = true;
        return S_NEXT;
    }
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);
    edge_buf_reset(&t->body);
    if (edge_buf_append(&t->body, "{\"success\":true,\"data\":", 23) != 0
        || edge_buf_append(&t->body, t->san_out.data, t->san_out.len) != 0
        || edge_buf_printf(&t->body, ",\"timestamp\":\"%s\"}", ts) != 0)
        return s_fail(r, ERR_INTERNAL, NULL);
    r->status = 200;
    r->body_ready = true;
    return S_DONE;
}

/* A 200 answer of a cached route goes into the cache as its "data" JSON. */
static void
s_cache_fill(edge_thread_t *t, edge_request_t *r)
{
    if (!r->cache_fill || r->status != 200 || !r->reply || !r->reply->body_obj)
        return;
    json_object *data = NULL;
    if (edge_json_from_msgpack(r->reply->body_obj, ENVELOPE_MAX_DEPTH, &data) != 0)
        return;
    size_t len = 0;
    const char *text = edge_json_text(data, &len);
    if (text)
        edge_cache_put(t->app->cache, t->redis, r->cache_key, text, len);
    json_object_put(data);
}

static int
s_stage_local(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    edge_health_snapshot_t snap;
    switch (r->route->local) {
    case EDGE_LOCAL_NONE:
        return S_NEXT;
    case EDGE_LOCAL_HEALTH:
        edge_health_get(app->health, &snap);
        if (edge_health_render(&snap, (clock_mono_ms() - app->started_ms) / 1000, &t->body))
            return s_fail(r, ERR_INTERNAL, NULL);
        break;
    case EDGE_LOCAL_LIVE:
        edge_buf_append(&t->body, "{\"status\":\"ok\"}", 15);
        break;
    case EDGE_LOCAL_READY:
        if (!edge_health_ready(app->health)) {
            edge_buf_append(&t->body, "{\"status\":\"unavailable\"}", 24);
            r->status = 503;
            r->body_ready = true;
            return S_DONE;
        }
        edge_buf_append(&t->body, "{\"status\":\"ok\"}", 15);
        break;
    case EDGE_LOCAL_METRICS: {
        /* METRICS_PUBLIC=false (the production overlay): only the admin port has them. */
        if (!app->cfg.public_metrics)
            return s_fail(r, ERR_NOT_FOUND, "Not found");
        char *text = metrics_render(app->metrics);
        if (!text)
            return s_fail(r, ERR_INTERNAL, NULL);
        edge_buf_append(&t->body, text, strlen(text));
        free(text);
        r->content_type = "text/plain; version=0.0.4; charset=utf-8";
        break;
    }
    case EDGE_LOCAL_OPENAPI:
        /* Public and the same for everyone: cacheable, revalidated by its ETag. */
        r->cache_control = EDGE_OPENAPI_CACHE_CONTROL;
        s_extra(r, "ETag: %s\r\n", edge_openapi_etag);
        if (edge_openapi_not_modified(mg_get_header(r->conn, "If-None-Match"))) {
            r->status = 304;
            r->body_ready = true;            /* no body */
            return S_DONE;
        }
        if (edge_buf_append(&t->body, (const char *) edge_openapi_doc, edge_openapi_doc_len))
            return s_fail(r, ERR_INTERNAL, NULL);
        break;
    }
    r->status = 200;
    r->body_ready = true;
    return S_DONE;
}

static void
s_fill_caller(const edge_request_t *r, envelope_caller_t *caller)
{
    if (!r->authed)
        return;
    caller->user_id = r->claims.sub;
    snprintf(caller->role, sizeof caller->role, "%s", r->claims.role);
    snprintf(caller->jti, sizeof caller->jti, "%s", r->claims.jti);
    snprintf(caller->family, sizeof caller->family, "%s", r->claims.fam);
    caller->exp = r->claims.exp;
}

/* The service's reply into the answer: its error as is, or its body in the success
 * envelope. A status outside 200..599 is the service's bug: 500. */
static int
s_take_reply(edge_thread_t *t, edge_request_t *r)
{
    envelope_t *rep = r->reply;
    int status = rep->status;
    if (status < 200 || status > 599)
        return s_fail(r, ERR_INTERNAL, NULL);
    if (status >= 400 || rep->code[0]) {
        r->status = status >= 400 ? status : 500;
        r->code = rep->code[0] ? rep->code : err_name(ERR_INTERNAL);
        r->message = rep->message[0] ? rep->message : err_default_message(err_from_name(r->code));
        r->details = rep->details;
        r->detail_count = rep->detail_count;
        /* A service's own limit (users' per-account login failures) says when to retry
         * in its body: {"retry_after": seconds} (schemas/envelope.md). */
        const msgpack_object *ra = status == 429 && rep->body_obj
                                 ? envelope_map_get(rep->body_obj, "retry_after") : NULL;
        if (ra && ra->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ra->via.u64 <= 86400) {
            r->retry_after = (int64_t) ra->via.u64;
            s_extra(r, "Retry-After: %" PRId64 "\r\n", r->retry_after);
        }
        return S_DONE;
    }
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);
    if (edge_reply_success_json(&t->body, rep->body_obj, ts) != 0) {
        edge_buf_reset(&t->body);
        log_error(r->rid, "reply_not_json", "reply body of %s.%s cannot be shown as JSON",
                  rep->service, rep->method);
        return s_fail(r, ERR_INTERNAL, NULL);
    }
    r->status = status == 204 ? 200 : status;    /* the envelope always has a body */
    r->body_ready = true;
    return S_DONE;
}

static int
s_stage_bus(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    const edge_route_t *route = r->route;
    if (!t->bus && !(t->bus = bus_client_new(app->cfg.bus_endpoint)))
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);

    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "%s", r->rid);
    snprintf(req->service, sizeof req->service, "%s", route->service);
    snprintf(req->method, sizeof req->method, "%s", route->bus_method);
    s_fill_caller(r, &req->caller);
    /* A valid Idempotency-Key: the service stores the answer with the write and answers a
     * repeat from that store, so this call, like a GET, is safe to retry elsewhere. */
    if (r->has_idem_key)
        req->idem = r->idem;
    edge_body_pack(envelope_body_packer(req), &r->match, &r->query, r->body);

    /* The deadline travels in the envelope (deadline_ms): a worker that takes the request
     * after it answers 504 without running it (bus_worker.c). */
    long index = route - app->routes;
    int timeout_ms = index >= 0 && index < EDGE_RL_MAX_ROUTES && app->route_timeout_ms[index]
                   ? app->route_timeout_ms[index] : app->cfg.bus_timeout_ms;
    /* A broker lost with the call in flight: a read may be sent again through another;
     * a write only when it carries an Idempotency-Key (bus_client.h) */
    int flags = strcmp(r->method, "GET") == 0 || r->has_idem_key ? BUS_CALL_RETRYABLE : 0;
    int64_t t0 = clock_mono_us();
    err_code_t rc = bus_client_call(t->bus, req, timeout_ms, flags, &r->reply);
    edge_metrics_bus(&t->mcache, route->service, (double) (clock_mono_us() - t0) / 1e6);
    envelope_destroy(&req);
    if (rc == ERR_GATEWAY_TIMEOUT)
        return s_fail(r, ERR_GATEWAY_TIMEOUT, NULL);
    if (rc == ERR_SERVICE_UNAVAILABLE)
        edge_health_mark_down(app->health);     /* before the 503 leaves: see edge_health.h */
    if (rc != ERR_NONE || !r->reply)
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    int done = s_take_reply(t, r);
    s_cache_fill(t, r);
    return done;
}

/* Every stage, in API.md's order. */
static s_stage_fn *const s_stages[] = {
    s_stage_drain,
    s_stage_connlimit,
    s_stage_cors,
    s_stage_route,
    s_stage_query,
    s_stage_body_check,
    s_stage_auth,
    s_stage_roles,
    s_stage_ratelimit,
    s_stage_body,
    s_stage_idempotency,
    s_stage_sanitize,
    s_stage_log_start,
    s_stage_local,
    s_stage_cache,
    s_stage_bus,
    NULL
};

/* --- the answer ------------------------------------------------------------------- */

static const char *
s_connection(const edge_thread_t *t, const edge_request_t *r)
{
    if (r->body_pending || r->must_close)
        return "close";                      /* unread bytes would be taken as a request */
    /* Draining: keep-alive clients and load balancers take their next request elsewhere. */
    if (atomic_load(&t->app->draining))
        return "close";
    const char *c = mg_get_header(r->conn, "Connection");
    if (c && strcasestr(c, "close"))
        return "close";
    if (r->ri->http_version && strcmp(r->ri->http_version, "1.0") == 0)
        return c && strcasestr(c, "keep-alive") ? "keep-alive" : "close";
    return NULL;
}

static void
s_respond(edge_thread_t *t, edge_request_t *r)
{
    if (!r->body_ready) {
        char ts[32];
        clock_iso8601(clock_wall_ms(), ts, sizeof ts);
        edge_buf_reset(&t->body);
        if (edge_reply_error_json_retry(&t->body, r->status, r->code, r->message, r->details,
                                        r->detail_count, ts, r->path, r->ri->request_method,
                                        r->rid, r->retry_after) != 0)
            edge_buf_reset(&t->body);
    }
    /* Everything under /api carries user data or tokens: never cached by anyone. */
    bool is_api = strncmp(r->path, "/api/", 5) == 0 || r->authed;
    edge_reply_head_t head = {
        .request_id = r->rid,
        .no_store = is_api && !r->cache_control,
        .cache_control = r->cache_control,
        .hsts = t->app->cfg.hsts,
        .allow = r->status == 405 && r->match.allow[0] ? r->match.allow : NULL,
        .connection = s_connection(t, r),
        .content_type = r->content_type,
        .extra = r->extra_len ? r->extra : NULL,
    };
    edge_buf_reset(&t->out);
    if (edge_reply_http(&t->out, r->status, &head, t->body.data, t->body.len) == 0)
        mg_write(r->conn, t->out.data, t->out.len);
}

int
edge_pipeline_handle(edge_thread_t *t, struct mg_connection *conn)
{
    edge_app_t *app = t->app;
    edge_request_t *r = &t->req;
    memset(r, 0, offsetof(edge_request_t, query));
    r->query.count = 0;
    r->extra_len = 0;
    r->extra[0] = '\0';
    r->retry_after = -1;

    r->conn = conn;
    r->ri = mg_get_request_info(conn);
    r->t0_us = clock_mono_us();
    r->method = edge_metrics_method(r->ri->request_method);
    r->path = r->ri->local_uri ? r->ri->local_uri : "/";
    edge_reqid_pick(mg_get_header(conn, "X-Request-ID"), mg_get_header(conn, "X-Correlation-ID"),
                    clock_wall_ms(), r->rid, sizeof r->rid);
    edge_buf_reset(&t->body);
    atomic_fetch_add(&app->active, 1);
    if (app->in_flight)
        metric_add(app->in_flight, 1);

    for (int i = 0; s_stages[i]; i++)
        if (s_stages[i](t, r) == S_DONE)
            break;
    if (r->status == 0)
        s_fail(r, ERR_INTERNAL, NULL);       /* a stage forgot to answer */
    s_respond(t, r);

    double seconds = (double) (clock_mono_us() - r->t0_us) / 1e6;
    edge_metrics_request(&t->mcache, r->route ? r->route->method : r->method,
                         r->route ? r->route->path : "unmatched", r->status, seconds);
    if (app->in_flight)
        metric_add(app->in_flight, -1);
    atomic_fetch_sub(&app->active, 1);
    edge_accesslog_entry_t e;
    s_log_entry(t, r, &e);
    e.ms = seconds * 1000.0;
    edge_accesslog_out(&app->accesslog, &e);

    json_object_put(r->body);
    r->body = NULL;
    envelope_destroy(&r->reply);
    return r->status;
}
