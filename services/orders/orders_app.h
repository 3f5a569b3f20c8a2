/* orders_app.h -- the orders process's settings, the group commit's queue, and the state
 * each worker thread owns: its PostgreSQL connection and metrics. orders calls no other
 * service (whether a user exists is the database's foreign key to answer), so it holds no
 * bus client. */
#ifndef ORDERS_APP_H
#define ORDERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include "batch.h"
#include "combine.h"
#include "db.h"
#include "metrics.h"
#include "orders_config.h"
#include "service.h"

typedef struct {
    orders_config_t cfg;           /* the settings (orders_config.h) */
    metrics_t *metrics;            /* the process's registry (not owned) */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
    combine_t *combine;            /* the group commit's queue (orders_create_batch.c); NULL
                                      when ORDERS_CREATE_BATCH is 0 or 1 */
} orders_app_t;

typedef struct {
    orders_app_t *app;
    db_t *db;
    batch_metrics_t create_metrics;    /* orders_create_{waiting,batches_total,batched_total} */
} orders_thread_t;

/* The process's context for CFG (copied); METRICS is kept for the threads. Never NULL:
 * the probe connects lazily. */
orders_app_t *orders_app_new(const orders_config_t *cfg, metrics_t *metrics);
void orders_app_destroy(orders_app_t **self_p);

/* service_pool_t thread hooks. Never NULL: the connection is made lazily. */
void *orders_thread_new(void *app);
void orders_thread_destroy(void **state_p);
bool orders_app_ready(void *app);

/* The service's methods (create, list, get, update, delete). */
extern const service_method_t orders_methods[];

#endif
