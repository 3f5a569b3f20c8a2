/* edge_accesslog.c -- the request-in and request-out lines. */
#include "edge_accesslog.h"
#include <inttypes.h>
#include <stdio.h>
#include "log.h"

void
edge_accesslog_in(const edge_accesslog_t *self, const edge_accesslog_entry_t *e)
{
    if (!self->enabled)
        return;
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
    if (!self->enabled && !slow)
        return;
    char extra[400], code[64];
    log_escape(e->code ? e->code : "", code, sizeof code);
    snprintf(extra, sizeof extra,
             "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f,"
             "\"user_id\":%" PRId64 "%s%s%s",
             e->method, e->route, e->status, e->ms, e->user_id,
             e->code ? ",\"error\":\"" : "", code, e->code ? "\"" : "");
    log_level_t level = slow ? LOG_WARN : e->probe ? LOG_DEBUG : LOG_INFO;
    log_line(level, e->rid, slow ? "http_request_slow" : "http_request", extra, "%s %s %d",
             e->method, e->route, e->status);
}
