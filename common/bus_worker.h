/* bus_worker.h -- the worker side of the bus: register a service with the broker, take
 * one request at a time, answer it, heartbeat, and re-register on its own when the broker
 * restarts. One bus_worker_t per thread (ZeroMQ sockets are not thread-safe). */
#ifndef COMMON_BUS_WORKER_H
#define COMMON_BUS_WORKER_H
#include <signal.h>
#include "envelope.h"

typedef struct bus_worker_t bus_worker_t;

/* Handles REQ and fills REPLY (already a 200 reply to REQ). Returns nothing: errors are
 * written into REPLY with envelope_set_error(). STATE is the thread's own state. */
typedef void (bus_handler_fn)(void *state, const envelope_t *req, envelope_t *reply);

/* Connects to the broker's worker endpoint (e.g. "tcp://127.0.0.1:5556") and registers
 * SERVICE. Heartbeat interval and liveness come from BUS_HEARTBEAT_MS / BUS_LIVENESS.
 * Returns NULL on failure. */
bus_worker_t *bus_worker_new(const char *endpoint, const char *service);

/* Sends DISCONNECT, closes the socket, frees, sets *self_p to NULL. Accepts NULL. */
void bus_worker_destroy(bus_worker_t **self_p);

/* Serves requests until *STOP becomes non-zero: each decoded request whose deadline has
 * not passed goes to HANDLER; a request whose deadline passed is answered
 * GATEWAY_TIMEOUT without calling HANDLER; a malformed one is dropped and counted.
 * Returns 0 on a clean stop. */
int bus_worker_run(bus_worker_t *self, bus_handler_fn *handler, void *state,
                   volatile sig_atomic_t *stop);

#endif
