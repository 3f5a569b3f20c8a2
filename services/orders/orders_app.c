/* orders_app.c -- settings and per-thread state of the orders process. */
#include "service.h"
#include "orders_app.h"
#include "orders_sql.h"
#include "config.h"
#include <stdlib.h>

orders_app_t *
orders_app_new(void)
{
    orders_app_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->conninfo = config_str("DATABASE_URL", "host=127.0.0.1 port=55432 dbname=busd user=busd");
    /* Each thread waits for its own COMMIT's flush: with 4, a disk taking 3 ms per flush
     * capped orders at ~4 / 3 ms. 16 commits in flight share PostgreSQL's flushes (group
     * commit); docs/BENCHMARKS.md ("Writes on a slow disk") has the measurements. */
    self->threads = (int) config_int("ORDERS_THREADS", 16, 1, 64);
    self->probe = db_probe_new(self->conninfo);
    return self;
}

void
orders_app_destroy(orders_app_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    orders_app_t *self = *self_p;
    db_probe_destroy(&self->probe);
    free(self);
    *self_p = NULL;
}

void *
orders_thread_new(void *app)
{
    orders_thread_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->app = app;
    self->db = db_new(self->app->conninfo, orders_statements);
    return self;
}

void
orders_thread_destroy(void **state_p)
{
    if (!state_p || !*state_p)
        return;
    orders_thread_t *self = *state_p;
    db_destroy(&self->db);
    free(self);
    *state_p = NULL;
}

bool
orders_app_ready(void *arg)
{
    orders_app_t *self = arg;
    return db_probe_ok(self->probe);
}
