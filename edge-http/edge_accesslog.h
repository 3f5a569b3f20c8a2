/* edge_accesslog.h -- the per-request log lines: one when a request is taken in (method,
 * path, client address, user agent, request id) and one when it is answered (status,
 * duration, user id, the error code of an error). Never tokens, passwords, bodies or
 * query strings (a query may carry a token: ?token= on WebSocket handshakes).
 *
 * ACCESS_LOG=false turns both lines off (benchmarks); a request slower than EDGE_SLOW_MS
 * is logged as a warning whatever ACCESS_LOG says. Probes and scrapes (health, metrics)
 * log at debug level, so they do not flood the log. */
#ifndef EDGE_ACCESSLOG_H
#define EDGE_ACCESSLOG_H
#include <stdbool.h>
#include <stdint.h>
#include "edge_stage.h"

typedef struct {
    bool enabled;            /* ACCESS_LOG, true */
    int slow_ms;             /* EDGE_SLOW_MS, 1000 */
} edge_accesslog_t;

typedef struct {
    const char *rid;
    const char *method;      /* label: GET ... or OTHER */
    const char *path;        /* raw path, no query */
    const char *route;       /* template, or "unmatched" */
    const char *ip;
    const char *user_agent;  /* may be NULL */
    bool probe;              /* health or metrics: debug level */
    int status;
    const char *code;        /* error code or NULL */
    double ms;
    int64_t user_id;         /* 0: anonymous */
} edge_accesslog_entry_t;

void edge_accesslog_in(const edge_accesslog_t *self, const edge_accesslog_entry_t *e);
void edge_accesslog_out(const edge_accesslog_t *self, const edge_accesslog_entry_t *e);

/* The log entry of request R as far as it went. */
void edge_accesslog_entry(edge_thread_t *t, const edge_request_t *r, edge_accesslog_entry_t *e);

/* The stage: the request-in line, once the request got past the checks that refuse it. */
int edge_accesslog_stage_in(edge_thread_t *t, edge_request_t *r);

#endif
