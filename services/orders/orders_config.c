/* orders_config.c -- the environment table of the orders process. */
#include "orders_config.h"
#include "admin.h"
#include "config.h"

void
orders_config_load(orders_config_t *cfg)
{
    service_config_load(&cfg->service, ADMIN_DEFAULT_PORT_ORDERS);
    cfg->bus_endpoint = config_str("BUS_CLIENT_ENDPOINT", "tcp://127.0.0.1:5555");
    cfg->users_timeout_ms = (int) config_int("ORDERS_USERS_TIMEOUT_MS", 5000, 50, 60000);
    /* Each thread waits for its own COMMIT's flush: with 4, a disk taking 3 ms per flush
     * capped orders at ~4 / 3 ms. 16 commits in flight share PostgreSQL's flushes (group
     * commit); docs/BENCHMARKS.md ("Writes on a slow disk") has the measurements. */
    cfg->threads = (int) config_int("ORDERS_THREADS", 16, 1, 64);
}
