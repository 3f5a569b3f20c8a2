/* orders_app.h -- the orders process's settings and the state each worker thread owns: its
 * PostgreSQL connection. orders calls no other service (whether a user exists is the
 * database's foreign key to answer), so it holds no bus client. */
#ifndef ORDERS_APP_H
#define ORDERS_APP_H
#include <pthread.h>
#include <stdbool.h>
#include "db.h"
#include "service.h"

typedef struct {
    const char *conninfo;          /* DATABASE_URL */
    int threads;                   /* ORDERS_THREADS */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
} orders_app_t;

typedef struct {
    orders_app_t *app;
    db_t *db;
} orders_thread_t;

orders_app_t *orders_app_new(void);
void orders_app_destroy(orders_app_t **self_p);

void *orders_thread_new(void *app);
void orders_thread_destroy(void **state_p);
bool orders_app_ready(void *app);

/* The service's methods (create, list, get, update, delete). */
extern const service_method_t orders_methods[];

#endif
