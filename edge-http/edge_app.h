/* edge_app.h -- the edge process's context: shared by every worker thread, read-only once
 * started. A thread's own state is in edge_thread.h, the request's in edge_request.h. */
#ifndef EDGE_APP_H
#define EDGE_APP_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "edge_accesslog.h"
#include "edge_cache.h"
#include "edge_clientip.h"
#include "edge_config.h"
#include "edge_connlimit.h"
#include "edge_cors.h"
#include "edge_health.h"
#include "edge_ratelimit.h"
#include "edge_route.h"
#include "edge_sanitize.h"
#include "edge_gate.h"
#include "edge_watchdog.h"
#include "metrics.h"
#include "token.h"

typedef struct {
    edge_config_t cfg;
    const edge_route_t *routes;
    token_keys_t *keys;              /* verify only: the edge never signs */
    metrics_t *metrics;
    metric_t *in_flight;             /* http_requests_in_flight */
    edge_health_t *health;
    int64_t started_ms;              /* monotonic, for uptime_s */
    atomic_int active;               /* requests being served, for the drain on SIGTERM */
    atomic_bool draining;            /* SIGTERM seen: refuse new requests, finish the rest */

    /* the later stages, all set up by edge_app_init */
    edge_sanitize_cache_t *sanitize_cache;
    edge_ratelimit_t *ratelimit;     /* NULL when RATE_LIMIT_ENABLED=false */
    edge_cache_t *cache;
    edge_cors_t cors;
    edge_clientip_t clientip;
    edge_accesslog_t accesslog;
    metric_t *rl_rejections;         /* rate_limit_rejections_total */
    edge_connlimit_t *connlimit;     /* NULL: EDGE_MAX_CONNECTIONS_PER_ADDRESS=0 */
    edge_watchdog_t *watchdog;       /* cuts off bodies past their deadline */
    edge_gate_t *gate;               /* CPU slots (EDGE_CPU_SLOTS); NULL: no gate */
    metric_t *conn_refusals;         /* connections refused for their address's count */
    int route_timeout_ms[EDGE_RL_MAX_ROUTES];   /* ROUTE_TIMEOUTS; 0: BUS_TIMEOUT_MS */
    int64_t route_max_body[EDGE_RL_MAX_ROUTES]; /* ROUTE_BODY_LIMITS; 0: MAX_BODY_BYTES */
    int64_t body_buf_size;           /* the largest of those: each thread's body buffer */
} edge_app_t;

/* Builds the stages' shared state from APP->cfg (after edge_config_load, with routes and
 * metrics set). Returns 0, or -1 on a setting that does not parse (logged). */
int edge_app_init(edge_app_t *app);
void edge_app_fini(edge_app_t *app);

#endif
