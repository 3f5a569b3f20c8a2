/* admin.c -- the admin HTTP port of every process: liveness, readiness, metrics. */
#include "admin.h"
#include "mem.h"
#include "config.h"
#include "dep_health.h"
#include "log.h"
#include "process_metrics.h"
#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct admin_t {
    struct mg_context *ctx;
    metrics_t *metrics;
    admin_ready_fn *ready;
    void *arg;
};

static void
s_send(struct mg_connection *conn, int status, const char *type, const char *body)
{
    size_t n = strlen(body);
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\n",
              status, status == 200 ? "OK" : "Service Unavailable", type, n);
    mg_write(conn, body, n);
}

static int
s_live(struct mg_connection *conn, void *cbdata)
{
    s_send(conn, 200, "application/json", "{\"status\":\"ok\"}");
    return 200;
}

static int
s_ready(struct mg_connection *conn, void *cbdata)
{
    admin_t *self = cbdata;
    bool ok = !self->ready || self->ready(self->arg);
    s_send(conn, ok ? 200 : 503, "application/json",
           ok ? "{\"status\":\"ok\"}" : "{\"status\":\"not ready\"}");
    return ok ? 200 : 503;
}

static int
s_metrics(struct mg_connection *conn, void *cbdata)
{
    admin_t *self = cbdata;
    char *text = self->metrics ? metrics_render(self->metrics) : mem_strdup("");
    s_send(conn, 200, "text/plain; version=0.0.4; charset=utf-8", text);
    free(text);
    return 200;
}

admin_t *
admin_new(int port, metrics_t *metrics, admin_ready_fn *ready, void *arg)
{
    admin_t *self = mem_calloc(1, sizeof *self);
    self->metrics = metrics;
    self->ready = ready;
    self->arg = arg;
    /* Every scrape of this registry (here, or the edge's public /metrics) carries them. */
    if (metrics) {
        metrics_add_collector(metrics, process_metrics_collect, NULL);
        metrics_add_collector(metrics, dep_health_collect, NULL);
    }
    if (port == 0)
        return self;
    char listen[300];
    snprintf(listen, sizeof listen, "%s:%d", config_str("ADMIN_BIND", "127.0.0.1"), port);
    const char *options[] = {
        "listening_ports", listen,
        "num_threads", "2",
        "enable_keep_alive", "yes",
        "request_timeout_ms", "5000",
        NULL
    };
    mg_init_library(0);
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    self->ctx = mg_start(&callbacks, NULL, options);
    if (!self->ctx) {
        log_error(NULL, "admin_listen", "cannot listen on %s", listen);
        mg_exit_library();
        free(self);
        return NULL;
    }
    mg_set_request_handler(self->ctx, "/health/live$", s_live, self);
    mg_set_request_handler(self->ctx, "/health/ready$", s_ready, self);
    mg_set_request_handler(self->ctx, "/metrics$", s_metrics, self);
    return self;
}

void
admin_destroy(admin_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    admin_t *self = *self_p;
    if (self->ctx) {
        mg_stop(self->ctx);
        mg_exit_library();
    }
    free(self);
    *self_p = NULL;
}
