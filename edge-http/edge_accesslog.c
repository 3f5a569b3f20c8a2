/* edge_accesslog.c -- the request-in and request-out lines (the request-in stage). */
#include "edge_accesslog.h"
#include <inttypes.h>
#include <stdio.h>
#include <civetweb.h>
#include "edge_thread.h"
#include "log.h"

void
edge_accesslog_in(const edge_accesslog_t *self, const edge_accesslog_entry_t *e)
{
    if (!self->enabled || !log_enabled(e->probe ? LOG_DEBUG : LOG_INFO))
        return;                      /* nothing formatted for a line not written */
    /* Escaped and bounded: path and user agent are the client's text. */
    char path[256], ua[256], ip[64], extra[700];
    log_escape(e->path ? e->path : "", path, sizeof path);
    log_escape(e->user_agent ? e->user_agent : "", ua, sizeof ua);
    log_escape(e->ip ? e->ip : "", ip, sizeof ip);
    snprintf(extra, sizeof extra,
             "\"method\":\"%s\",\"path\":\"%s\",\"ip\":\"%s\",\"user_agent\":\"%s\"",
             e->method, path, ip, ua);
    log_line(e->probe ? LOG_DEBUG : LOG_INFO, e->rid, "http_request_in", extra, "%s %s",
             e->method, e->route);
}

void
edge_accesslog_out(const edge_accesslog_t *self, const edge_accesslog_entry_t *e)
{
    bool slow = e->ms > self->slow_ms;
    log_level_t level = slow ? LOG_WARN : e->probe ? LOG_DEBUG : LOG_INFO;
    if ((!self->enabled && !slow) || !log_enabled(level))
        return;
    char extra[400], code[64];
    log_escape(e->code ? e->code : "", code, sizeof code);
    snprintf(extra, sizeof extra,
             "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,"
             "\"user_id\":%" PRId64 "%s%s%s",
             e->method, e->route, e->status, e->ms, e->user_id,
             e->code ? ",\"error\":\"" : "", code, e->code ? "\"" : "");
    log_line(level, e->rid, slow ? "http_request_slow" : "http_request", extra, "%s %s %d",
             e->method, e->route, e->status);
}

void
edge_accesslog_entry(edge_thread_t *t, const edge_request_t *r, edge_accesslog_entry_t *e)
{
    *e = (edge_accesslog_entry_t) {
        .rid = r->rid,
        .method = r->method,
        .path = r->path,
        .route = r->route ? r->route->path : "unmatched",
        .ip = edge_stage_client_ip(t, (edge_request_t *) r),
        .probe = edge_route_is_probe(r->route),
        .status = r->status,
        .code = r->code,
        .user_id = r->authed ? r->claims.sub : 0,
    };
}

/* The request line of the log, once the request got past the checks that refuse it. */
int
edge_accesslog_stage_in(edge_thread_t *t, edge_request_t *r)
{
    if (!t->app->accesslog.enabled || !log_enabled(LOG_INFO))
        return EDGE_STAGE_NEXT;          /* a probe's debug line is off whenever info is */
    edge_accesslog_entry_t e;
    edge_accesslog_entry(t, r, &e);
    e.user_agent = mg_get_header(r->conn, "User-Agent");
    edge_accesslog_in(&t->app->accesslog, &e);
    return EDGE_STAGE_NEXT;
}
