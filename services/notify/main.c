/* main.c -- the notify service: WebSocket push of bus events (ws://127.0.0.1:8081/ws),
 * admin port 9104. */
#include "admin.h"
#include "bus_security.h"
#include "log.h"
#include "metrics.h"
#include "notify_config.h"
#include "notify_server.h"
#include "token.h"
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

/* Signals seen: 1 starts the shutdown, 2 cuts its wait short. */
static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    if (s_stop < 2)
        s_stop = s_stop + 1;
}

/* Thousands of sockets need thousands of descriptors: take the whole hard limit. */
static void
s_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int
main(void)
{
    log_init("notify");
    int rc = 1;
    metrics_t *metrics = NULL;
    notify_server_t *server = NULL;
    admin_t *admin = NULL;
    const char *err = NULL;
    token_keys_t *keys = token_keys_from_env(false, &err);
    if (!keys) {
        log_error(NULL, "config_failed", "JWT keys: %s", err ? err : "unavailable");
        goto cleanup;
    }
    if (bus_security_init("notify", &err) != 0) {
        log_error(NULL, "bus_security", "%s", err);
        goto cleanup;
    }
    s_raise_nofile();
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    notify_config_t cfg;
    notify_config_load(&cfg);
    metrics = metrics_new();
    server = notify_server_new(&cfg, metrics, keys);
    if (!server)
        goto cleanup;
    admin = admin_new(cfg.admin_port, metrics, notify_server_ready, server);
    if (!admin) {
        log_error(NULL, "admin_failed", "cannot listen on admin port %d", cfg.admin_port);
        goto cleanup;
    }
    rc = notify_server_run(server, &s_stop);
    log_info(NULL, "stopped", "notify stopped");
cleanup:
    admin_destroy(&admin);
    notify_server_destroy(&server);
    metrics_destroy(&metrics);
    token_keys_destroy(&keys);
    bus_security_fini();
    return rc;
}
