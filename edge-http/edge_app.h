/* edge_app.h -- the edge process's context (shared, read-only once started), each worker
 * thread's own state, and the state of the request a thread is serving. */
#ifndef EDGE_APP_H
#define EDGE_APP_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "bus_client.h"
#include "edge_accesslog.h"
#include "edge_body.h"
#include "edge_buf.h"
#include "edge_cache.h"
#include "edge_clientip.h"
#include "edge_config.h"
#include "edge_connlimit.h"
#include "edge_cors.h"
#include "edge_health.h"
#include "edge_idem.h"
#include "edge_metrics.h"
#include "edge_ratelimit.h"
#include "edge_reqid.h"
#include "edge_route.h"
#include "edge_sanitize.h"
#include "edge_watchdog.h"
#include "envelope.h"
#include "metrics.h"
#include "redis_conn.h"
#include "token.h"

struct mg_connection;
struct mg_request_info;

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
    metric_t *conn_refusals;         /* connections refused for their address's count */
    int route_timeout_ms[EDGE_RL_MAX_ROUTES];   /* ROUTE_TIMEOUTS; 0: BUS_TIMEOUT_MS */
    int64_t route_max_body[EDGE_RL_MAX_ROUTES]; /* ROUTE_BODY_LIMITS; 0: MAX_BODY_BYTES */
    int64_t body_buf_size;           /* the largest of those: each thread's body buffer */
} edge_app_t;

/* Builds the stages' shared state from APP->cfg (after edge_config_load, with routes and
 * metrics set). Returns 0, or -1 on a setting that does not parse (logged). */
int edge_app_init(edge_app_t *app);
void edge_app_fini(edge_app_t *app);

/* One request being served, reset for each request. Lives in the thread state, not on the
 * stack: CivetWeb threads have small fixed stacks. */
typedef struct {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    int64_t t0_us;
    const char *method;              /* static label (edge_metrics_method) */
    const char *path;
    char rid[EDGE_REQID_MAX + 1];
    edge_match_t match;
    const edge_route_t *route;       /* NULL until matched */
    json_object *body;               /* the parsed JSON body, or NULL */
    bool body_pending;               /* body left unread on the socket: close after */
    bool must_close;                 /* answer with Connection: close */
    bool authed;
    token_claims_t claims;
    envelope_t *reply;               /* the service's reply, if any */

    /* the answer */
    int status;
    const char *code;                /* error code name; NULL for a success */
    const char *message;
    const envelope_detail_t *details;
    int detail_count;
    const char *content_type;        /* NULL: JSON */
    const char *cache_control;       /* NULL: no-store under /api, else none */
    bool body_ready;                 /* thread->body already holds the response body */
    int64_t retry_after;             /* 429: seconds, in the body too; else -1 */

    char ip[EDGE_CLIENTIP_MAX];      /* the client address, once needed ("" before) */
    edge_rl_result_t rl;             /* the rate-limit verdict, once taken */
    bool rl_done;
    bool cache_fill;                 /* a cache miss: store a 200 answer under cache_key */
    int cache_prefetch;              /* read with the revocation check: 0 not read, 1 miss,
                                        2 hit (the value in the thread's san_out) */
    char cache_key[PROFILE_CACHE_KEY_MAX];
    size_t body_len;                 /* bytes of the body read into thread->req_body */
    /* Idempotency-Key (edge_idem.h): has_idem_key says the request carries a valid one
     * on a creating route, which makes a retry of its bus call safe (the service answers
     * a repeat from its store); idem is what travels in the envelope. */
    bool has_idem_key;
    envelope_idem_t idem;
    size_t extra_len;                /* header lines in extra (CORS, rate limit) */

    edge_query_t query;              /* last: large, not cleared between requests */
    char extra[1024];                /* extra_len bytes of header lines, each with CRLF */
} edge_request_t;

typedef struct {
    edge_app_t *app;
    bus_client_t *bus;               /* NULL until the first successful connect */
    redis_conn_t *redis;
    edge_buf_t body;                 /* response body */
    edge_buf_t out;                  /* head + body, written at once */
    char *req_body;                  /* max_body + 1 bytes, allocated on first use */
    edge_buf_t san_out, san_scratch; /* the sanitizer's buffers; the cache's value too */
    /* sanitized query values: escaping can make a value up to 4 times longer */
    char qsan[4 * EDGE_QUERY_MAX_TEXT + EDGE_QUERY_MAX_PARAMS];
    edge_metrics_cache_t mcache;
    /* The connection this thread serves (CivetWeb: one thread per connection), as
     * counted by the connection limit at its first request; "" when not counted. */
    char conn_addr[EDGE_CLIENTIP_MAX];
    bool conn_over_limit;
    edge_request_t req;
} edge_thread_t;

/* A worker thread's state: bus client, Redis connection, buffers. NULL on out-of-memory. */
edge_thread_t *edge_thread_new(edge_app_t *app);
void edge_thread_destroy(edge_thread_t **self_p);

/* Serves one request on CONN with the thread's state. Returns the HTTP status. */
int edge_pipeline_handle(edge_thread_t *thread, struct mg_connection *conn);

#endif
