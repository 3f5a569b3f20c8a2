/* bus_client.h -- the client side of the bus: send a request envelope to a service through
 * the broker and wait for its reply, with a deadline. Used by the edge (one client per
 * HTTP worker thread) and by services that call other services. Not thread-safe: one
 * client per thread. */
#ifndef COMMON_BUS_CLIENT_H
#define COMMON_BUS_CLIENT_H
#include "envelope.h"

typedef struct bus_client_t bus_client_t;

/* Connects to the broker's client endpoint (e.g. "tcp://127.0.0.1:5555"). The socket
 * only queues messages to a completed connection (ZMQ_IMMEDIATE), so a dead broker is
 * reported at once instead of swallowing requests. Returns NULL on failure. */
bus_client_t *bus_client_new(const char *endpoint);

void bus_client_destroy(bus_client_t **self_p);

/* Waits at most TIMEOUT_MS for the connection to the broker to be made (its handshake
 * done). 0 when it is, -1 otherwise. For a process that makes many clients at start
 * (the edge's threads): their first requests then never meet a socket still connecting. */
int bus_client_wait_connected(bus_client_t *self, int timeout_ms);

/* The client's DEALER (a zsock_t *), for a zmonitor that watches its connection to the
 * broker (the edge's readiness). The client keeps owning it. */
void *bus_client_zsock(bus_client_t *self);

/* Sends REQ (its service, method, request id and caller must be set; its deadline is set
 * here from TIMEOUT_MS) and waits at most TIMEOUT_MS for the matching reply. On success
 * returns 0 and a reply in *REPLY_P (owned by the caller; it may be an error reply, e.g.
 * 503 SERVICE_UNAVAILABLE from the broker). Otherwise returns ERR_SERVICE_UNAVAILABLE
 * (no broker to send to) or ERR_GATEWAY_TIMEOUT (no reply in time); *REPLY_P is NULL. */
err_code_t bus_client_call(bus_client_t *self, envelope_t *req, int timeout_ms,
                           envelope_t **reply_p);

#endif
