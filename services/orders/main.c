/* main.c -- the orders service: one pool of workers registered as "orders". */
#include "service.h"
#include "log.h"
#include "orders_app.h"

int
main(void)
{
    log_init("orders");
    orders_app_t *app = orders_app_new();
    metrics_t *metrics = metrics_new();
    service_pool_t pools[] = {
        { "orders", app->threads, orders_methods, orders_thread_new, orders_thread_destroy },
    };
    int rc = service_run("orders", pools, 1, app, metrics, 9102, orders_app_ready);
    metrics_destroy(&metrics);
    orders_app_destroy(&app);
    return rc;
}
