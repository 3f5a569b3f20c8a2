/* orders_app.h -- the orders process's settings and the state each worker thread owns: its
 * PostgreSQL connection. orders calls no other service (whether a user exists is the
 * database's foreign key to answer), so it holds no bus client. */
#ifndef ORDERS_APP_H
#define ORDERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include "db.h"
#include "orders_config.h"
#include "service.h"

typedef struct {
    orders_config_t cfg;           /* the settings (orders_config.h) */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
} orders_app_t;

typedef struct {
    orders_app_t *app;
    db_t *db;
} orders_thread_t;

/* The process's context for CFG (copied). Never NULL: the probe connects lazily. */
orders_app_t *orders_app_new(const orders_config_t *cfg);
void orders_app_destroy(orders_app_t **self_p);

/* service_pool_t thread hooks. NULL, with the reason logged, when the bus client cannot
 * be made (a malformed BUS_CLIENT_ENDPOINT). */
void *orders_thread_new(void *app);
void orders_thread_destroy(void **state_p);
bool orders_app_ready(void *app);

/* The service's methods (create, list, get, update, delete). */
extern const service_method_t orders_methods[];

#endif
