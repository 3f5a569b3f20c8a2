/* service.c -- the skeleton every service process shares: bus worker pools, per-thread
 * state, the admin port, SIGTERM, method dispatch. */
#include "service.h"
#include "bus_security.h"
#include "clock.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "mem.h"
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t service_stop = 0;

/* What one worker thread needs. */
typedef struct {
    const service_pool_t *pool;
    void *app;
    void *state;
    metrics_t *metrics;
    const char *endpoint;
    pthread_t thread;
    bool failed;                  /* its state or its worker could not be made */
} s_thread_t;

static void
s_on_signal(int sig)
{
    (void) sig;
    service_stop = 1;
}

/* The service's own readiness, and never ready once stopping: the load balancer and
 * Kubernetes stop sending while the workers finish what they hold and leave the brokers. */
static admin_ready_fn *s_service_ready;

static bool
s_ready(void *arg)
{
    return !service_stop && (!s_service_ready || s_service_ready(arg));
}

void
service_dispatch(const service_method_t *methods, void *state, const envelope_t *req,
                 envelope_t *reply)
{
    for (const service_method_t *m = methods; m && m->method; m++)
        if (strcmp(m->method, req->method) == 0) {
            m->fn(state, req, reply);
            return;
        }
    envelope_set_error(reply, ERR_BAD_REQUEST, "Unknown method");
}

static void
s_handle(void *arg, const envelope_t *req, envelope_t *reply)
{
    s_thread_t *t = arg;
    int64_t start = clock_mono_us();
    service_dispatch(t->pool->methods, t->state, req, reply);
    double secs = (double) (clock_mono_us() - start) / 1e6;

    /* A method outside the table is labelled "unknown": what a peer sends must not
     * create series without bound. */
    const char *method = "unknown";
    for (const service_method_t *m = t->pool->methods; m && m->method; m++)
        if (strcmp(m->method, req->method) == 0)
            method = m->method;
    char labels[160];
    snprintf(labels, sizeof labels, "service=\"%s\",method=\"%s\",status=\"%d\"",
             t->pool->service, method, reply->status);
    metric_add(metrics_get(t->metrics, METRIC_COUNTER, "service_requests_total",
                           "Requests handled by method and status", labels), 1);
    snprintf(labels, sizeof labels, "service=\"%s\",method=\"%s\"", t->pool->service, method);
    metric_observe(metrics_get(t->metrics, METRIC_HISTOGRAM, "service_request_duration_seconds",
                               "Time spent handling a request, by method", labels), secs);
    if (reply->status >= 500)
        log_warn(req->request_id, "request_failed", "%s.%s answered %d %s", req->service,
                 req->method, reply->status, reply->code);
    else
        log_debug(req->request_id, "request", "%s.%s answered %d in %.1f ms", req->service,
                  req->method, reply->status, secs * 1000);
}

static void *
s_thread_main(void *arg)
{
    s_thread_t *t = arg;
    bus_worker_t *worker = NULL;
    t->state = t->pool->thread_new ? t->pool->thread_new(t->app) : NULL;
    if (t->pool->thread_new && !t->state) {
        /* thread_new logged why; a pool short of a thread would serve on, degraded,
         * without anyone noticing: stop, and let the orchestrator say so. */
        log_error(NULL, "worker_start", "cannot set up a worker thread of %s", t->pool->service);
        t->failed = true;
        service_stop = 1;
    }
    else if (!(worker = bus_worker_new(t->endpoint, t->pool->service))) {
        log_error(NULL, "worker_start", "cannot connect worker for %s to %s", t->pool->service,
                  t->endpoint);
        t->failed = true;
        service_stop = 1;
    }
    else
        bus_worker_run(worker, s_handle, t, &service_stop);
    bus_worker_destroy(&worker);
    if (t->pool->thread_destroy)
        t->pool->thread_destroy(&t->state);
    return NULL;
}

void
service_config_load(service_config_t *cfg, int default_admin_port)
{
    cfg->admin_port = (int) config_int("ADMIN_PORT", default_admin_port, 0, 65535);
    cfg->worker_endpoint = config_str("BUS_WORKER_ENDPOINT", "tcp://127.0.0.1:5556");
    cfg->database_url = config_str("DATABASE_URL", DB_CONNINFO_DEFAULT);
}

int
service_run(const char *process, const service_pool_t *pools, int pool_count, void *app,
            metrics_t *metrics, const service_config_t *cfg, admin_ready_fn *ready)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* The process's role on the bus is its name (users, orders, messages). */
    const char *err = NULL;
    if (bus_security_init(process, &err) != 0) {
        log_error(NULL, "bus_security", "%s", err);
        return 1;
    }
    const char *endpoint = cfg->worker_endpoint;
    int admin_port = cfg->admin_port;
    s_service_ready = ready;
    admin_t *admin = admin_new(admin_port, metrics, s_ready, app);
    if (!admin) {
        bus_security_fini();
        return 1;
    }

    int total = 0;
    for (int p = 0; p < pool_count; p++)
        total += pools[p].threads;
    s_thread_t *threads = mem_calloc((size_t) total, sizeof *threads);
    int n = 0, rc = 0;
    for (int p = 0; p < pool_count; p++)
        for (int i = 0; i < pools[p].threads; i++, n++) {
            threads[n] = (s_thread_t) { .pool = &pools[p], .app = app, .metrics = metrics,
                                        .endpoint = endpoint };
            if (pthread_create(&threads[n].thread, NULL, s_thread_main, &threads[n]) != 0) {
                log_error(NULL, "thread_start", "cannot start thread %d", n);
                service_stop = 1;
                rc = 1;
                break;
            }
        }
    log_info(NULL, "started", "%s serving on %s with %d threads, admin port %d", process,
             endpoint, n, admin_port);
    for (int i = 0; i < n; i++) {
        pthread_join(threads[i].thread, NULL);
        if (threads[i].failed)
            rc = 1;
    }
    free(threads);
    admin_destroy(&admin);
    bus_security_fini();
    log_info(NULL, "stopped", "%s stopped", process);
    return rc;
}
