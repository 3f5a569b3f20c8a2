/* admin.h -- every process's admin HTTP port: /health/live, /health/ready, /metrics. */
#ifndef COMMON_ADMIN_H
#define COMMON_ADMIN_H
#include <stdbool.h>
#include "metrics.h"

/* Each process's default admin port, named once: ADMIN_PORT overrides it. Two processes
 * on one machine never share a default; scripts/lib/env.sh (ADMIN_PORT_<PROCESS> of each
 * stack) and deploy/ follow the same plan. */
#define ADMIN_DEFAULT_PORT_EDGE      9099
#define ADMIN_DEFAULT_PORT_BROKER    9100
#define ADMIN_DEFAULT_PORT_USERS     9101
#define ADMIN_DEFAULT_PORT_ORDERS    9102
#define ADMIN_DEFAULT_PORT_MESSAGES  9103
#define ADMIN_DEFAULT_PORT_NOTIFY    9104

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
