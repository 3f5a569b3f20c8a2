/* dep_health.h -- whether this process reaches PostgreSQL and Redis, as a scrape sees it. */
#ifndef COMMON_DEP_HEALTH_H
#define COMMON_DEP_HEALTH_H
#include <stdbool.h>
#include "metrics.h"

typedef enum { DEP_POSTGRESQL, DEP_REDIS, DEP_COUNT } dep_t;

/* The outcome of one attempt to use DEP (a connect, a statement, a command): REACHABLE
 * false for a refused or timed-out connection or one lost mid-use, true for anything the
 * server answered (an SQL error included). Process-wide, thread-safe, one atomic store. */
void dep_health_report(dep_t dep, bool reachable);

/* A metrics_collect_fn (ARG unused): for every dependency this process has used,
 *   dependency_up{dependency="postgresql"|"redis"}  1 or 0, the last attempt's outcome
 *   dependency_errors_total{dependency=...}          attempts that found it unreachable
 * A process that never used a dependency (the broker) shows nothing for it. */
void dep_health_collect(void *arg, metrics_out_t *out);

#endif
