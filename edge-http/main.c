/* main.c -- the HTTP edge: CivetWeb in front, the bus behind. Runs until SIGTERM/SIGINT,
 * then stops accepting and lets the requests in flight finish (mg_stop). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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
    log_info(NULL, "edge_stop", "signal %d: finishing requests in flight", sig);
    /* Drain before mg_stop: once it starts, CivetWeb drops every write. A request can
     * wait on the bus for at most BUS_TIMEOUT_MS. */
    atomic_store(&app.draining, true);
    int64_t deadline = clock_mono_ms() + app.cfg.bus_timeout_ms + 1000;
    while (atomic_load(&app.active) > 0 && clock_mono_ms() < deadline) {
        struct timespec pause = { 0, 20 * 1000000L };
        nanosleep(&pause, NULL);
    }
    rc = 0;

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
