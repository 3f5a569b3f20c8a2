/* main.c -- the orders service: one pool of workers registered as "orders". */
#include "service.h"
#include "log.h"
#include "orders_app.h"
#include "orders_config.h"

int
main(void)
{
    log_init("orders");
    orders_config_t cfg;
    orders_config_load(&cfg);
    metrics_t *metrics = metrics_new();
    orders_app_t *app = orders_app_new(&cfg, metrics);
    service_pool_t pools[] = {
        { "orders", cfg.threads, orders_methods, orders_thread_new, orders_thread_destroy },
    };
    int rc = service_run("orders", pools, 1, app, metrics, &cfg.service, orders_app_ready);
    orders_app_destroy(&app);
    metrics_destroy(&metrics);
    return rc;
}
