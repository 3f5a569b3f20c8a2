/* main.c -- the broker process: configuration from the environment, the admin port,
 * signals, then the broker loop until SIGTERM or SIGINT. */
#include <signal.h>
#include <string.h>
#include <czmq.h>
#include "broker.h"
#include "broker_zap.h"
#include "bus_security.h"
#include "bus_proto.h"
#include "admin.h"
#include "config.h"
#include "metrics.h"
#include "log.h"

static volatile sig_atomic_t s_stop = 0;   /* the process's only global: the stop flag */

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static bool
s_ready(void *arg)
{
    (void) arg;
    /* bound and looping is all a broker needs to serve; stopping, it drains (new calls
     * are answered "undelivered" and go to another broker) and is not ready */
    return !s_stop;
}

int
main(void)
{
    log_init("broker");
    /* the process owns its signals: keep CZMQ from installing its own handler, which
     * would swallow SIGTERM into zsys_interrupted instead of our flag */
    bus_zsys_setup();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 1;
    metrics_t *metrics = metrics_new();
    admin_t *admin = NULL;
    broker_t *broker = NULL;
    zactor_t *zap = NULL;
    broker_config_t cfg;
    broker_config_from_env(&cfg);
    cfg.metrics = metrics;

    const char *err = NULL;
    if (bus_security_init("broker", &err) != 0) {
        log_error(NULL, "bus_security", "%s", err);
        goto cleanup;
    }
    /* The ZAP handler first: a CURVE socket must never take a connection without it. */
    if (bus_security_on()
        && (!(zap = zactor_new(broker_zap_actor, (void *) bus_security_public_dir()))
            || !broker_zap_serving())) {
        log_error(NULL, "bus_security", "cannot start the ZAP handler");
        goto cleanup;
    }
    broker = broker_new(&cfg);
    if (!broker)
        goto cleanup;
    admin = admin_new((int) config_int("ADMIN_PORT", ADMIN_DEFAULT_PORT_BROKER, 0, 65535),
                      metrics, s_ready, NULL);
    if (!admin) {
        log_error(NULL, "admin_failed", "cannot open the admin port");
        goto cleanup;
    }
    rc = broker_run(broker, &s_stop) == 0 ? 0 : 1;

cleanup:
    broker_destroy(&broker);
    zactor_destroy(&zap);
    bus_security_fini();
    admin_destroy(&admin);
    metrics_destroy(&metrics);
    log_info(NULL, "broker_exit", "exit code %d", rc);
    return rc;
}
