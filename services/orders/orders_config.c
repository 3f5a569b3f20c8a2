/* orders_config.c -- the environment table of the orders process. */
#include "orders_config.h"
#include "admin.h"
#include "config.h"

void
orders_config_load(orders_config_t *cfg)
{
    service_config_load(&cfg->service, ADMIN_DEFAULT_PORT_ORDERS);
    /* Each thread waits for its own COMMIT's flush: with 4, a disk taking 3 ms per flush
     * capped orders at ~4 / 3 ms. 16 commits in flight share PostgreSQL's flushes (group
     * commit); docs/BENCHMARKS.md ("Writes on a slow disk") has the measurements. */
    cfg->threads = (int) config_int("ORDERS_THREADS", 16, 1, 64);
    /* The group commit of create (README.md): how many orders may share a transaction.
     * Waiting threads are at most ORDERS_THREADS anyway. */
    cfg->create_batch = (int) config_int("ORDERS_CREATE_BATCH", 64, 0, 256);
}
