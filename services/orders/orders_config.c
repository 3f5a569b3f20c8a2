/* orders_config.c -- the environment table of the orders process. */
#include "orders_config.h"
#include "admin.h"
#include "config.h"

void
orders_config_load(orders_config_t *cfg)
{
    service_config_load(&cfg->service, ADMIN_DEFAULT_PORT_ORDERS);
    /* A thread waits for its batch's COMMIT to be flushed, and the threads that queue
     * meanwhile form the next batch: on a disk taking 3 ms per flush, 16 threads made
     * batches of ~8 and ~1,350 orders/s, 32 threads ~2,000 (and 2-9% fewer without the
     * delay, where the CPU decides: docs/BENCHMARKS.md, "orders: 32 threads"). */
    cfg->threads = (int) config_int("ORDERS_THREADS", 32, 1, 64);
    /* The group commit of create (README.md): how many orders may share a transaction.
     * Waiting threads are at most ORDERS_THREADS anyway. */
    cfg->create_batch = (int) config_int("ORDERS_CREATE_BATCH", 64, 0, 256);
}
