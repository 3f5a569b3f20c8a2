/* redis_harness.h -- a private redis-server for the unit suites that need a real Redis
 * (test_redis_conn, test_edge_ratelimit): started on a port of the suite's own range, no
 * persistence, optionally with a password; REDIS_HOST/REDIS_PORT/REDIS_RETRY_MS point
 * redis_conn at it. */
#ifndef TESTS_UNIT_REDIS_HARNESS_H
#define TESTS_UNIT_REDIS_HARNESS_H
#include <stdbool.h>

typedef struct redis_harness redis_harness_t;

/* Whether /usr/bin/redis-server is here: without it a suite skips (exit 77). */
bool redis_harness_available(void);

/* A redis-server on PORT_BASE + (pid % 2000), so that two runs of one suite do not
 * collide; PASSWORD_OR_NULL becomes its requirepass. Waits (bounded, 5 s) until it
 * answers; NULL if redis-server is missing or did not start. Exports REDIS_HOST,
 * REDIS_PORT and REDIS_RETRY_MS=0 (fail fast once it is stopped). */
redis_harness_t *redis_harness_new(int port_base, const char *password_or_null);

/* Stops the server (SIGTERM, reaped) and frees; *SELF becomes NULL. NULL is fine. */
void redis_harness_destroy(redis_harness_t **self);

int redis_harness_port(const redis_harness_t *self);

#endif
