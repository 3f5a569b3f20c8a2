/* notify_server.h -- the notify process: a libwebsockets server on NOTIFY_BIND:NOTIFY_PORT
 * (path /ws) with one event-driven service thread that also drives the bus SUB socket,
 * and a database worker thread. */
#ifndef NOTIFY_SERVER_H
#define NOTIFY_SERVER_H
#include <signal.h>
#include <stdbool.h>
#include "metrics.h"
#include "notify_config.h"
#include "token.h"

typedef struct notify_server_t notify_server_t;

/* Listens and connects to the bus. KEYS is borrowed (must outlive the server). NULL on
 * failure (port taken, bus endpoint invalid), with the reason logged. */
notify_server_t *notify_server_new(const notify_config_t *cfg, metrics_t *metrics,
                                   token_keys_t *keys);

/* Serves until *STOP becomes non-zero (readiness and new upgrades answer 503 from then
 * on), goes on serving the open sockets for NOTIFY_SHUTDOWN_DELAY_MS, then closes every
 * socket with 1001 (going away) and waits up to
 * NOTIFY_SHUTDOWN_GRACE_MS for the closes to go out, or until *STOP reaches 2 (a second
 * signal). Returns 0. */
int notify_server_run(notify_server_t *self, volatile sig_atomic_t *stop);

void notify_server_destroy(notify_server_t **self_p);

/* admin_ready_fn: the database answered its last query, and no stop signal came. */
bool notify_server_ready(void *self);

#endif
