/* admin.h -- every process's admin HTTP port: /health/live, /health/ready, /metrics. */
#ifndef COMMON_ADMIN_H
#define COMMON_ADMIN_H
#include <stdbool.h>
#include "metrics.h"

typedef struct admin_t admin_t;

/* True when the process can do its work (database reachable, broker joined, ...). */
typedef bool (admin_ready_fn)(void *arg);

/* Listens on 127.0.0.1:PORT (ADMIN_BIND overrides the address) with two threads. PORT 0
 * disables the admin port (returns a valid, inert object). NULL on failure to listen.
 * Adds the process-wide collectors to METRICS whatever PORT is (process_* from /proc,
 * dependency_up and dependency_errors_total: process_metrics.h, dep_health.h), so every
 * page rendered from METRICS, the edge's public /metrics included, has them. */
admin_t *admin_new(int port, metrics_t *metrics, admin_ready_fn *ready, void *arg);
void admin_destroy(admin_t **self_p);

#endif
