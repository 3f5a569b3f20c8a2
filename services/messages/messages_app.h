/* messages_app.h -- the messages process's settings and the state each worker thread owns:
 * its PostgreSQL connection and its own PUB socket for events (ZeroMQ sockets are not
 * thread-safe, so one per thread). */
#ifndef MESSAGES_APP_H
#define MESSAGES_APP_H
#include <pthread.h>
#include <stdbool.h>
#include "db.h"
#include "events.h"
#include "batch.h"
#include "combine.h"
#include "messages_config.h"
#include "metrics.h"
#include "service.h"

typedef struct {
    messages_config_t cfg;         /* the settings (messages_config.h) */
    metrics_t *metrics;            /* the process's registry (not owned) */
    db_probe_t *probe;            /* /health/ready, on an admin thread */
    combine_t *combine;            /* the hot inbox's queues (messages_send_batch.c); NULL
                                      when MESSAGES_SEND_BATCH is 1 */
} messages_app_t;

typedef struct {
    messages_app_t *app;
    db_t *db;
    events_t *events;              /* NULL when the PUB socket could not be made */
    metric_t *sent_user;           /* messages_sent_total{receiver_type="user"} */
    metric_t *sent_group;          /* messages_sent_total{receiver_type="group"} */
    batch_metrics_t send_metrics;  /* messages_send_{waiting,batches_total,batched_total} */
} messages_thread_t;

/* The process's context for CFG (copied); METRICS is kept for the threads. Never NULL:
 * the probe connects lazily. */
messages_app_t *messages_app_new(const messages_config_t *cfg, metrics_t *metrics);
void messages_app_destroy(messages_app_t **self_p);

/* service_pool_t thread hooks. Never NULL: the connection is made lazily and the events
 * socket is optional. */
void *messages_thread_new(void *app);
void messages_thread_destroy(void **state_p);
bool messages_app_ready(void *app);

/* The service's methods (groups, messages, notifications), NULL-terminated. */
extern const service_method_t messages_methods[];

#endif
