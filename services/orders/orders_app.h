/* orders_app.h -- the orders process's settings and the state each worker thread owns: its
 * PostgreSQL connection and its own bus client for calls to the users service. */
#ifndef ORDERS_APP_H
#define ORDERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include "bus_client.h"
#include "db.h"
#include "service.h"

typedef struct {
    const char *conninfo;          /* DATABASE_URL */
    const char *bus_endpoint;      /* BUS_CLIENT_ENDPOINT, for users.get_user_by_id */
    int users_timeout_ms;          /* ORDERS_USERS_TIMEOUT_MS: cap of the inner call */
    int threads;                   /* ORDERS_THREADS */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
} orders_app_t;

typedef struct {
    orders_app_t *app;
    db_t *db;
    bus_client_t *bus;
} orders_thread_t;

orders_app_t *orders_app_new(void);
void orders_app_destroy(orders_app_t **self_p);

void *orders_thread_new(void *app);
void orders_thread_destroy(void **state_p);
bool orders_app_ready(void *app);

/* The service's methods (create, list, get, update, delete). */
extern const service_method_t orders_methods[];

#endif
