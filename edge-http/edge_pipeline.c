/* edge_pipeline.c -- one request, as a row of small stages (API.md's pipeline order):
 *
 *   request id, then: drain -> connection limit -> CORS (preflight) -> route -> query ->
 *   body limits (from the headers) -> auth (+ revocation) -> roles -> rate limit -> body
 *   read and JSON -> Idempotency-Key -> sanitize -> request log line -> local routes ->
 *   response cache -> bus (per-route timeout);
 *   then respond (one write), metrics, response log line (slow-request warning)
 *
 * Each stage returns EDGE_STAGE_NEXT to go on or EDGE_STAGE_DONE once the answer is
 * decided (an error, or a body ready in thread->body) (edge_stage.h). This file holds the
 * order; each stage lives in the module of its job, declared in that module's header
 * (the table below names them). Redis: an authenticated request makes one round trip for
 * revocation and rate limit together (edge_ratelimit.h), plus one GET on the cached
 * route.
 *
 * The body is read after the rate limit, not before authentication as API.md's pipeline
 * lists it: nothing a client sends is read, parsed or sanitized until it has shown a
 * valid token (or asked a public route) and passed its limit, so the cost of hostile
 * bodies falls on clients the limit already counts (docs/SECURITY.md). */
#define _GNU_SOURCE                  /* strcasestr */
#include "edge_pipeline.h"
#include <stddef.h>
#include <string.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_accesslog.h"
#include "edge_auth.h"
#include "edge_body.h"
#include "edge_bus.h"
#include "edge_cache.h"
#include "edge_connlimit.h"
#include "edge_cors.h"
#include "edge_idem.h"
#include "edge_local.h"
#include "edge_ratelimit.h"
#include "edge_reply.h"
#include "edge_route.h"
#include "edge_sanitize.h"
#include "edge_server.h"
#include "edge_stage.h"

/* Every stage, in API.md's order. */
static edge_stage_fn *const s_stages[] = {
    edge_server_stage_drain,
    edge_connlimit_stage,
    edge_cors_stage,
    edge_route_stage,
    edge_body_stage_query,
    edge_body_stage_check,
    edge_auth_stage,
    edge_route_stage_roles,
    edge_ratelimit_stage,
    edge_body_stage_read,
    edge_idem_stage,
    edge_sanitize_stage,
    edge_accesslog_stage_in,
    edge_local_stage,
    edge_cache_stage,
    edge_bus_stage,
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

/* --- the CPU slot (edge_gate.h) ---------------------------------------------------- */

void
edge_stage_wait_begin(edge_thread_t *t, edge_request_t *r)
{
    if (r->in_gate) {
        edge_gate_leave(t->app->gate);
        r->in_gate = false;
    }
}

/* RESUMING: a request coming back from a wait goes ahead of new ones. */
static void
s_gate_enter(edge_thread_t *t, edge_request_t *r, bool resuming)
{
    if (!r->in_gate) {
        edge_gate_enter(t->app->gate, &t->gate_waiter, resuming);
        r->in_gate = true;
    }
}

void
edge_stage_wait_end(edge_thread_t *t, edge_request_t *r)
{
    s_gate_enter(t, r, true);
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

    s_gate_enter(t, r, false);
    for (int i = 0; s_stages[i]; i++)
        if (s_stages[i](t, r) == EDGE_STAGE_DONE)
            break;
    if (r->status == 0)
        edge_stage_fail(r, ERR_INTERNAL, NULL);   /* a stage forgot to answer */
    edge_stage_wait_begin(t, r);             /* a slow reader must not hold the slot */
    s_respond(t, r);

    double seconds = (double) (clock_mono_us() - r->t0_us) / 1e6;
    edge_metrics_request(&t->mcache, r->route ? r->route->method : r->method,
                         r->route ? r->route->path : "unmatched", r->status, seconds);
    if (app->in_flight)
        metric_add(app->in_flight, -1);
    atomic_fetch_sub(&app->active, 1);
    edge_accesslog_entry_t e;
    edge_accesslog_entry(t, r, &e);
    e.ms = seconds * 1000.0;
    edge_accesslog_out(&app->accesslog, &e);

    json_object_put(r->body);
    r->body = NULL;
    envelope_destroy(&r->reply);
    return r->status;
}
