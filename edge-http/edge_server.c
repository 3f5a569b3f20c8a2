/* edge_server.c -- CivetWeb glue: start, stop, thread state, the catch-all handler, the
 * drain stage. */
#define _GNU_SOURCE                          /* pthread_timedjoin_np */
#include "edge_server.h"
#include "mem.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_pipeline.h"
#include "edge_reply.h"
#include "edge_reqid.h"
#include "edge_thread.h"
#include "log.h"

struct edge_server_t {
    struct mg_context *ctx;
};

/* CivetWeb calls this in each new thread; worker threads (type 1) get their state. */
static void *
s_init_thread(const struct mg_context *ctx, int thread_type)
{
    if (thread_type != 1)
        return NULL;
    return edge_thread_new(mg_get_user_data(ctx));
}

static void
s_exit_thread(const struct mg_context *ctx, int thread_type, void *thread_pointer)
{
    (void) ctx;
    if (thread_type == 1) {
        edge_thread_t *t = thread_pointer;
        edge_thread_destroy(&t);
    }
}

/* A new connection on this thread: nothing counted for it yet (edge_connlimit_stage counts
 * it at its first request, when its address is known: CivetWeb has none to tell before). */
static int
s_init_connection(const struct mg_connection *conn, void **conn_data)
{
    (void) conn_data;
    edge_thread_t *t = mg_get_thread_pointer(conn);
    if (t) {
        t->conn_addr[0] = '\0';
        t->conn_over_limit = false;
    }
    return 0;
}

/* The connection ends: its address holds one less. Same thread as its requests. */
static void
s_connection_close(const struct mg_connection *conn)
{
    edge_thread_t *t = mg_get_thread_pointer(conn);
    if (t && t->conn_addr[0]) {
        edge_connlimit_close(t->app->connlimit, t->conn_addr);
        t->conn_addr[0] = '\0';
    }
}

/* CivetWeb's own complaints (bad requests it refused, socket errors) as our log lines. */
static int
s_log_message(const struct mg_connection *conn, const char *message)
{
    (void) conn;
    log_warn(NULL, "civetweb", "%s", message);
    return 1;
}

/* Errors CivetWeb answers itself, before any handler runs (a request line or headers over
 * max_request_size, a malformed request): the contract's error envelope and headers
 * instead of CivetWeb's plain-text page. The connection is closed after it, as CivetWeb
 * would. Returns 0: handled. */
static int
s_http_error(struct mg_connection *conn, int status, const char *errmsg)
{
    (void) errmsg;   /* CivetWeb's wording; clients get the contract's */
    if (status < 400 || status > 599)
        return 1;
    char rid[64], ts[32];
    int64_t now = clock_wall_ms();
    edge_reqid_generate(now, rid, sizeof rid);
    clock_iso8601(now, ts, sizeof ts);
    err_code_t code = status == 413 ? ERR_PAYLOAD_TOO_LARGE
                    : status >= 500 ? ERR_INTERNAL : ERR_BAD_REQUEST;
    edge_buf_t body = { 0 }, out = { 0 };
    const struct mg_request_info *info = mg_get_request_info(conn);
    int rc = edge_reply_error_json(&body, err_status(code), err_name(code),
                                   code == ERR_BAD_REQUEST ? "Malformed request"
                                                           : err_default_message(code),
                                   NULL, 0, ts, "", info && info->request_method
                                   ? info->request_method : "", rid);
    edge_reply_head_t head = { .request_id = rid, .connection = "close" };
    if (rc == 0)
        rc = edge_reply_http(&out, err_status(code), &head, body.data, body.len);
    if (rc == 0)
        mg_write(conn, out.data, out.len);
    edge_buf_free(&body);
    edge_buf_free(&out);
    return rc == 0 ? 0 : 1;
}

static int
s_handle(struct mg_connection *conn, void *cbdata)
{
    (void) cbdata;
    edge_thread_t *t = mg_get_thread_pointer(conn);
    if (!t) {
        /* Out of memory when the thread started: answer without the pipeline. */
        mg_send_http_error(conn, 503, "Service unavailable");
        return 503;
    }
    return edge_pipeline_handle(t, conn);
}

/* CivetWeb's own authorization, replaced: without a handler it looks for a .htpasswd
 * file (a stat on the file system) on every request. Who may call what is the pipeline's
 * (the auth and roles stages), never a file's. */
static int
s_authorize(struct mg_connection *conn, void *cbdata)
{
    (void) conn;
    (void) cbdata;
    return 1;
}

edge_server_t *
edge_server_new(edge_app_t *app)
{
    const edge_config_t *cfg = &app->cfg;
    char ports[128], threads[16], req_to[16], ka_to[16], max_req[16], backlog[16], queue[16];
    snprintf(ports, sizeof ports, "%s:%d", cfg->bind, cfg->port);
    snprintf(threads, sizeof threads, "%d", cfg->threads);
    snprintf(req_to, sizeof req_to, "%d", cfg->request_timeout_ms);
    snprintf(ka_to, sizeof ka_to, "%d", cfg->keep_alive_timeout_ms);
    snprintf(max_req, sizeof max_req, "%d", cfg->max_request_size);
    snprintf(backlog, sizeof backlog, "%d", cfg->listen_backlog);
    /* Accepted connections wait here for a free worker; as many as there are workers. */
    snprintf(queue, sizeof queue, "%d", cfg->threads);
    const char *options[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "enable_keep_alive", "yes",          /* CivetWeb's default is no */
        "tcp_nodelay", "1",                  /* small JSON answers: do not wait for Nagle */
        "request_timeout_ms", req_to,
        "keep_alive_timeout_ms", ka_to,
        "max_request_size", max_req,
        "listen_backlog", backlog,
        "connection_queue", queue,
        /* CivetWeb answers CORS preflights itself, for any origin ("*"), before any
         * handler runs, unless this is empty: CORS is edge_cors.c's, from CORS_ORIGINS. */
        "access_control_allow_origin", "",
        NULL
    };
    /* No document_root: the edge serves no files and needs only the HTTP core. An IPv6
     * bind address needs a build with IPv6 (Debian's has none): say so instead of failing
     * obscurely inside mg_start. */
    if (strchr(cfg->bind, ':') && !mg_check_feature(8)) {
        log_error(NULL, "edge_listen", "EDGE_BIND %s is IPv6; this CivetWeb has no IPv6",
                  cfg->bind);
        return NULL;
    }
    log_info(NULL, "civetweb_features", "civetweb %s features 0x%x", mg_version(),
             mg_check_feature(0x3ff));

    edge_server_t *self = mem_calloc(1, sizeof *self);
    struct mg_callbacks callbacks;
    memset(&callbacks, 0, sizeof callbacks);
    callbacks.init_thread = s_init_thread;
    callbacks.exit_thread = s_exit_thread;
    callbacks.log_message = s_log_message;
    callbacks.http_error = s_http_error;
    callbacks.init_connection = s_init_connection;
    callbacks.connection_close = s_connection_close;
    self->ctx = mg_start(&callbacks, app, options);
    if (!self->ctx) {
        log_error(NULL, "edge_listen", "cannot listen on %s", ports);
        free(self);
        return NULL;
    }
    mg_set_auth_handler(self->ctx, "/", s_authorize, NULL);
    mg_set_request_handler(self->ctx, "/", s_handle, NULL);
    log_info(NULL, "edge_listen", "listening on %s with %d threads", ports, cfg->threads);
    return self;
}

void
edge_server_destroy(edge_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_server_t *self = *self_p;
    mg_stop(self->ctx);
    free(self);
    *self_p = NULL;
}

static void *
s_stop_run(void *arg)
{
    edge_server_t *self = arg;
    mg_stop(self->ctx);
    return NULL;
}

int
edge_server_stop(edge_server_t **self_p, int timeout_ms)
{
    if (!self_p || !*self_p)
        return 0;
    edge_server_t *self = *self_p;
    *self_p = NULL;
    pthread_t thread;
    if (pthread_create(&thread, NULL, s_stop_run, self) != 0) {
        mg_stop(self->ctx);
        free(self);
        return 0;
    }
    /* pthread_timedjoin_np takes a CLOCK_REALTIME time: a clock step only moves the
     * bound, and the bound is a backstop. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long) (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (pthread_timedjoin_np(thread, NULL, &until) != 0) {
        /* SELF stays with the stopping thread: the process is about to exit. */
        pthread_detach(thread);
        return -1;
    }
    free(self);
    return 0;
}

/* During the drain on SIGTERM: new requests are turned away (a load balancer retries them
 * on another replica) so that the ones in flight can finish before mg_stop, which drops
 * any write made after it starts. */
int
edge_server_stage_drain(edge_thread_t *t, edge_request_t *r)
{
    if (!atomic_load(&t->app->draining))
        return EDGE_STAGE_NEXT;
    r->must_close = true;
    return edge_stage_fail(r, ERR_SERVICE_UNAVAILABLE, "Server is shutting down");
}
