/* orders_config.h -- the orders process's settings, read once from the environment at
 * start (orders_config.c is the table: name, default, bounds). */
#ifndef ORDERS_CONFIG_H
#define ORDERS_CONFIG_H
#include "service.h"

typedef struct {
    service_config_t service;      /* ADMIN_PORT (9102), BUS_WORKER_ENDPOINT, DATABASE_URL */
    int threads;                   /* ORDERS_THREADS, 32 */
    int create_batch;              /* ORDERS_CREATE_BATCH, 64: orders (of any users) per
                                      transaction; 0 or 1 turns batching off */
} orders_config_t;

/* Fills *CFG from the environment (bounded; bad values fall back to the defaults). */
void orders_config_load(orders_config_t *cfg);

#endif
