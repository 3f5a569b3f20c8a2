/* edge_thread.c -- per-worker-thread state: ZeroMQ sockets and hiredis contexts are not
 * thread-safe, so each CivetWeb worker owns its own. */
#include "edge_thread.h"
#include "mem.h"
#include <stdlib.h>
#include "log.h"

#define EDGE_THREAD_CONNECT_WAIT_MS 2000

edge_thread_t *
edge_thread_new(edge_app_t *app)
{
    edge_thread_t *self = mem_calloc(1, sizeof *self);
    self->app = app;
    if (edge_gate_waiter_init(&self->gate_waiter) != 0) {
        free(self);
        return NULL;
    }
    /* A failed connect is retried on the first request that needs the bus. */
    self->bus = bus_client_new(app->cfg.bus_endpoint);
    if (!self->bus)
        log_warn(NULL, "bus_client_new", "cannot create a bus client; will retry");
    /* CivetWeb gives this thread no request before this returns: let its bus connection
     * (a CURVE handshake, 128 of them at once at start) be made first, so the first
     * request is not a 503. A broker that is down costs the start this long, once. */
    else if (bus_client_wait_connected(self->bus, EDGE_THREAD_CONNECT_WAIT_MS) != 0)
        log_debug(NULL, "bus_client_connect", "bus not connected yet; requests will try");
    self->redis = redis_conn_new();
    edge_metrics_cache_init(&self->mcache, app->metrics);
    if (app->cfg.token_cache)
        self->tokcache = edge_tokcache_new();
    return self;
}

void
edge_thread_destroy(edge_thread_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_thread_t *self = *self_p;
    bus_client_destroy(&self->bus);
    redis_conn_destroy(&self->redis);
    edge_tokcache_destroy(&self->tokcache);
    edge_buf_free(&self->body);
    edge_buf_free(&self->out);
    edge_buf_free(&self->san_out);
    edge_buf_free(&self->san_scratch);
    free(self->req_body);
    edge_gate_waiter_fini(&self->gate_waiter);
    free(self);
    *self_p = NULL;
}
