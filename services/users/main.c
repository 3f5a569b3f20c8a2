/* main.c -- the users process: services `auth` (register, login, refresh, logout; a small
 * pool, because bcrypt is slow) and `users` (profiles; a larger pool), one process. */
#include "users_app.h"
#include "users_bootstrap.h"
#include "users_config.h"
#include "users_handlers.h"
#include "log.h"
#include "metrics.h"
#include "service.h"

int
main(void)
{
    int rc = 1;
    log_init("users");
    users_config_t cfg;
    users_config_load(&cfg);
    metrics_t *metrics = metrics_new();
    users_app_t *app = users_app_new(&cfg);            /* logs why it cannot */
    users_bootstrap_t *boot = NULL;
    if (!app)
        goto cleanup;
    service_pool_t pools[] = {
        { "auth", cfg.auth_threads, users_auth_methods, users_thread_new, users_thread_destroy },
        { "users", cfg.users_threads, users_users_methods, users_thread_new,
          users_thread_destroy },
    };
    boot = users_bootstrap_start(app);
    rc = service_run("users", pools, 2, app, metrics, &cfg.service, users_app_ready);
    service_stop = 1;   /* service_run may return early (admin port taken): end the retries */
cleanup:
    users_bootstrap_destroy(&boot);
    users_app_destroy(&app);
    metrics_destroy(&metrics);
    return rc;
}
