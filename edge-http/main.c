/* main.c -- the HTTP edge: CivetWeb in front, the bus behind. Runs until SIGTERM/SIGINT,
 * then drains (README "Shutdown") and stops. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <civetweb.h>
#include "admin.h"
#include "clock.h"
#include "edge_server.h"
#include "bus_security.h"
#include "log.h"

/* Admin /health/ready: the broker answers, and we are not shutting down. */
static bool
s_ready(void *arg)
{
    edge_app_t *app = arg;
    return !atomic_load(&app->draining) && edge_health_ready(app->health);
}

/* The drain: not ready at once (the admin port's and the public /health/ready answer
 * 503), new requests answered 503 and every answer closes its connection (the pipeline
 * reads app->draining), until the requests in flight are done and MIN_UNTIL has passed,
 * or DEADLINE passes (both monotonic ms), or a second signal comes. MIN_UNTIL lets a
 * load balancer see the readiness before mg_stop: a request it sends on a kept-alive
 * connection during mg_stop is cut without an answer. Returns true when it ended on a
 * signal. */
static bool
s_drain(edge_app_t *app, const sigset_t *signals, int64_t min_until, int64_t deadline)
{
    atomic_store(&app->draining, true);
    while (atomic_load(&app->active) > 0 || clock_mono_ms() < min_until) {
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0)
            break;
        struct timespec pause = { 0, (left < 20 ? left : 20) * 1000000L };
        int sig = sigtimedwait(signals, NULL, &pause);
        if (sig > 0) {
            log_warn(NULL, "edge_stop", "signal %d again: not waiting for %d requests", sig,
                     atomic_load(&app->active));
            return true;
        }
    }
    return false;
}

int
main(void)
{
    int rc = 1;
    edge_app_t app = { 0 };
    admin_t *admin = NULL;
    edge_server_t *server = NULL;

    log_init("edge");
    edge_config_load(&app.cfg);
    app.routes = edge_routes();
    app.started_ms = clock_mono_ms();

    /* Every thread started from here on inherits this mask, so the signals reach only the
     * sigwait() below, whatever handlers a library installs. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    const char *err = NULL;
    app.keys = token_keys_from_env(false, &err);
    if (!app.keys) {
        log_error(NULL, "edge_config", "JWT keys: %s", err ? err : "missing");
        goto cleanup;
    }
    if (bus_security_init("edge", &err) != 0) {
        log_error(NULL, "bus_security", "%s", err);
        goto cleanup;
    }
    app.metrics = metrics_new();
    app.in_flight = metrics_get(app.metrics, METRIC_GAUGE, "http_requests_in_flight",
                                "HTTP requests being served", "");
    if (edge_app_init(&app) != 0)
        goto cleanup;
    app.health = edge_health_new(app.cfg.bus_endpoint, app.cfg.health_interval_ms);
    if (!app.health)
        goto cleanup;
    admin = admin_new(app.cfg.admin_port, app.metrics, s_ready, &app);
    if (!admin) {
        log_error(NULL, "edge_admin", "cannot listen on admin port %d", app.cfg.admin_port);
        goto cleanup;
    }
    mg_init_library(0);
    server = edge_server_new(&app);
    if (!server)
        goto cleanup;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    int64_t t0 = clock_mono_ms(), deadline = t0 + app.cfg.shutdown_grace_ms;
    log_info(NULL, "edge_stop", "signal %d: draining %d requests in flight (grace %d ms)", sig,
             atomic_load(&app.active), app.cfg.shutdown_grace_ms);
    /* Drain before mg_stop: once it starts, CivetWeb drops every write. */
    bool forced = s_drain(&app, &stop_signals, t0 + app.cfg.shutdown_delay_ms, deadline);
    /* What is still running now loses its answer: mg_stop drops its write. */
    int cut = atomic_load(&app.active);
    /* mg_stop also waits for idle keep-alive connections and for any request still
     * running: what is left of the grace, and at least 1 s (idle ones end in that). */
    int64_t left = deadline - clock_mono_ms();
    if (forced || left < 1000)
        left = 1000;
    if (edge_server_stop(&server, (int) left) != 0) {
        log_warn(NULL, "edge_stop", "CivetWeb not stopped in %lld ms: exiting with %d requests "
                 "unfinished", (long long) left, cut);
        _exit(cut > 0 ? 1 : 0);
    }
    rc = cut > 0 ? 1 : 0;
    log_info(NULL, "edge_stop", "drained in %lld ms, %d requests cut",
             (long long) (clock_mono_ms() - t0), cut);

cleanup:
    edge_server_destroy(&server);
    admin_destroy(&admin);
    edge_health_destroy(&app.health);
    edge_app_fini(&app);
    metrics_destroy(&app.metrics);
    token_keys_destroy(&app.keys);
    bus_security_fini();
    mg_exit_library();
    if (rc == 0)
        log_info(NULL, "edge_stop", "stopped");
    return rc;
}
