/* edge_pipeline.c -- one request, as a row of small stages (API.md's pipeline order):
 *
 *   request id, then: drain -> route -> query -> body limits and JSON -> [sanitize]
 *   -> auth -> roles -> [rate limit] -> [cache] -> local routes -> bus;
 *   then respond (one write), metrics, log
 *
 * Each stage returns S_NEXT to go on or S_DONE once the answer is decided (an error, or a
 * body ready in thread->body). Stages in brackets are not written yet: they slot into
 * s_stages[] without touching the others. */
#define _GNU_SOURCE                  /* strcasestr */
#include "edge_app.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_auth.h"
#include "edge_json.h"
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

static int
s_stage_body(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    long long cl = r->ri->content_length;
    const char *te = mg_get_header(r->conn, "Transfer-Encoding");
    bool chunked = te && strcasestr(te, "chunked");
    if (cl <= 0 && !chunked)
        return S_NEXT;                       /* no body */
    r->body_pending = true;
    if (cl > app->cfg.max_body)
        return s_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if (!s_json_content_type(mg_get_header(r->conn, "Content-Type")))
        return s_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    if (!t->req_body && !(t->req_body = malloc((size_t) app->cfg.max_body + 1)))
        return s_fail(r, ERR_INTERNAL, NULL);

    /* Bounded read: never more than max_body + 1 bytes, whatever the headers claimed. */
    size_t limit = (size_t) app->cfg.max_body + 1, got = 0;
    while (got < limit) {
        int n = mg_read(r->conn, t->req_body + got, limit - got);
        if (n <= 0)
            break;
        got += (size_t) n;
        if (cl > 0 && got >= (size_t) cl)
            break;
    }
    if (got > (size_t) app->cfg.max_body)
        return s_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if (cl > 0 && got < (size_t) cl)
        return s_fail(r, ERR_BAD_REQUEST, "Incomplete request body");
    r->body_pending = false;
    if (got == 0)
        return S_NEXT;                       /* an empty chunked body */

    edge_json_err_t jerr = edge_json_parse_object(t->req_body, got, &r->body);
    if (jerr != EDGE_JSON_OK)
        return s_fail(r, ERR_BAD_REQUEST, edge_json_err_message(jerr));
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

static int
s_stage_auth(edge_thread_t *t, edge_request_t *r)
{
    if (r->route->is_public)
        return S_NEXT;
    char token[EDGE_AUTH_MAX_TOKEN];
    int len = edge_auth_extract(mg_get_header(r->conn, "Authorization"),
                                mg_get_header(r->conn, "Cookie"), token, sizeof token);
    edge_auth_status_t st = len < 0 ? EDGE_AUTH_INVALID
                          : edge_auth_check(t->app->keys, t->redis, token,
                                            clock_wall_ms() / 1000, &r->claims);
    if (st == EDGE_AUTH_UNAVAILABLE) {
        log_error(r->rid, "revocation_unavailable", "Redis did not answer; refusing");
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    }
    if (st != EDGE_AUTH_OK)
        return s_fail(r, ERR_UNAUTHORIZED, edge_auth_message(st));
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
        char *text = metrics_render(app->metrics);
        if (!text)
            return s_fail(r, ERR_INTERNAL, NULL);
        edge_buf_append(&t->body, text, strlen(text));
        free(text);
        r->content_type = "text/plain; version=0.0.4; charset=utf-8";
        break;
    }
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
    edge_body_pack(envelope_body_packer(req), &r->match, &r->query, r->body);

    int64_t t0 = clock_mono_us();
    err_code_t rc = bus_client_call(t->bus, req, app->cfg.bus_timeout_ms, &r->reply);
    edge_metrics_bus(&t->mcache, route->service, (double) (clock_mono_us() - t0) / 1e6);
    envelope_destroy(&req);
    if (rc == ERR_GATEWAY_TIMEOUT)
        return s_fail(r, ERR_GATEWAY_TIMEOUT, NULL);
    if (rc != ERR_NONE || !r->reply)
        return s_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    return s_take_reply(t, r);
}

/* Every stage, in order. The sanitizer goes after s_stage_body, the rate limiter after
 * s_stage_roles, the response cache before s_stage_bus. */
static s_stage_fn *const s_stages[] = {
    s_stage_drain,
    s_stage_route,
    s_stage_query,
    s_stage_body,
    s_stage_auth,
    s_stage_roles,
    s_stage_local,
    s_stage_bus,
    NULL
};

/* --- the answer ------------------------------------------------------------------- */

static const char *
s_connection(const edge_request_t *r)
{
    if (r->body_pending || r->must_close)
        return "close";                      /* unread bytes would be taken as a request */
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
        if (edge_reply_error_json(&t->body, r->status, r->code, r->message, r->details,
                                  r->detail_count, ts, r->path, r->ri->request_method,
                                  r->rid) != 0)
            edge_buf_reset(&t->body);
    }
    /* Everything under /api carries user data or tokens: never cached by anyone. */
    bool is_api = strncmp(r->path, "/api/", 5) == 0 || r->authed;
    edge_reply_head_t head = {
        .request_id = r->rid,
        .no_store = is_api,
        .hsts = t->app->cfg.hsts,
        .allow = r->status == 405 && r->match.allow[0] ? r->match.allow : NULL,
        .connection = s_connection(r),
        .content_type = r->content_type,
    };
    edge_buf_reset(&t->out);
    if (edge_reply_http(&t->out, r->status, &head, t->body.data, t->body.len) == 0)
        mg_write(r->conn, t->out.data, t->out.len);
}

static void
s_log(edge_thread_t *t, edge_request_t *r, double seconds)
{
    const char *route = r->route ? r->route->path : "unmatched";
    char extra[320];
    snprintf(extra, sizeof extra,
             "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,"
             "\"user_id\":%lld",
             r->method, route, r->status, seconds * 1000.0,
             (long long) (r->authed ? r->claims.sub : 0));
    log_level_t level = LOG_INFO;
    if (seconds * 1000.0 > t->app->cfg.slow_ms)
        level = LOG_WARN;
    else if (r->route && r->route->local != EDGE_LOCAL_NONE)
        level = LOG_DEBUG;                   /* probes and scrapes: not one line each */
    log_line(level, r->rid, level == LOG_WARN ? "http_request_slow" : "http_request", extra,
             "%s %s %d", r->method, route, r->status);
}

int
edge_pipeline_handle(edge_thread_t *t, struct mg_connection *conn)
{
    edge_app_t *app = t->app;
    edge_request_t *r = &t->req;
    memset(r, 0, offsetof(edge_request_t, query));
    r->query.count = 0;

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
    s_log(t, r, seconds);

    json_object_put(r->body);
    r->body = NULL;
    envelope_destroy(&r->reply);
    return r->status;
}
