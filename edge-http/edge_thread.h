/* edge_thread.h -- a worker thread's own state: ZeroMQ sockets and hiredis contexts are not
 * thread-safe, so each CivetWeb worker owns its bus client, Redis connection and buffers,
 * and the request it is serving. */
#ifndef EDGE_THREAD_H
#define EDGE_THREAD_H
#include <stdbool.h>
#include "bus_client.h"
#include "edge_app.h"
#include "edge_body.h"
#include "edge_buf.h"
#include "edge_clientip.h"
#include "edge_metrics.h"
#include "edge_request.h"
#include "edge_stage.h"
#include "edge_tokcache.h"
#include "redis_conn.h"

struct edge_thread {
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
    edge_tokcache_t *tokcache;       /* tokens this thread verified; NULL: none kept */
    edge_gate_waiter_t gate_waiter;  /* how this thread waits for a CPU slot */
    /* The connection this thread serves (CivetWeb: one thread per connection), as
     * counted by the connection limit at its first request; "" when not counted. */
    char conn_addr[EDGE_CLIENTIP_MAX];
    bool conn_over_limit;
    edge_request_t req;
};

/* A worker thread's state: bus client, Redis connection, buffers. Never NULL. */
edge_thread_t *edge_thread_new(edge_app_t *app);
void edge_thread_destroy(edge_thread_t **self_p);

#endif
