/* orders_app.c -- settings, the group commit's queue and per-thread state of the orders
 * process. */
#include "service.h"
#include "orders_app.h"
#include "orders_sql.h"
#include "log.h"
#include "mem.h"
#include <stdlib.h>

orders_app_t *
orders_app_new(const orders_config_t *cfg, metrics_t *metrics)
{
    orders_app_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->metrics = metrics;
    self->probe = db_probe_new(self->cfg.service.database_url);
    /* Queue bound: four batches' worth, as messages' hot inbox; with ORDERS_THREADS
     * workers at most that many wait anyway. */
    if (self->cfg.create_batch > 1)
        self->combine = combine_new(self->cfg.create_batch, 4 * self->cfg.create_batch);
    return self;
}

void
orders_app_destroy(orders_app_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    orders_app_t *self = *self_p;
    db_probe_destroy(&self->probe);
    combine_destroy(&self->combine);
    free(self);
    *self_p = NULL;
}

void *
orders_thread_new(void *app)
{
    orders_thread_t *self = mem_calloc(1, sizeof *self);
    self->app = app;
    self->db = db_new(self->app->cfg.service.database_url, orders_statements);
    batch_metrics_init(&self->create_metrics, self->app->metrics, "orders_create", "Orders");
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
