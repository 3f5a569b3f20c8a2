/* bus_client.h -- the client side of the bus: send a request envelope to a service through
 * one of the brokers and wait for its reply, with a deadline. Used by the edge (one client
 * per HTTP worker thread) and by services that call other services. Not thread-safe: one
 * client per thread.
 *
 * With several brokers (bus_endpoints.h) the client holds a link to each, spreads calls
 * over the live ones in turn, and moves off one the moment its connection drops (or its
 * heartbeats stop: bus_socket.h). A call goes to another broker when that is safe: always
 * when the broker says the request never reached a worker (its reply is "undelivered":
 * no worker there, queue full, the broker stopping); and, for a call marked
 * BUS_CALL_RETRYABLE (a read, or a write carrying an Idempotency-Key), also when the link
 * carrying it is lost while it is in flight. A write without a key whose broker is lost
 * in flight ends in ERR_GATEWAY_TIMEOUT at once: its outcome is unknown. */
#ifndef COMMON_BUS_CLIENT_H
#define COMMON_BUS_CLIENT_H
#include <stddef.h>
#include "bus_link.h"
#include "envelope.h"

typedef struct bus_client_t bus_client_t;

/* Connects to the brokers' client endpoints (ENDPOINTS: a list, see bus_endpoints.h, e.g.
 * "tcp://127.0.0.1:5555"). A link only queues messages to a completed connection
 * (ZMQ_IMMEDIATE), so a dead broker is reported at once instead of swallowing requests.
 * Returns NULL on failure (a malformed list). */
bus_client_t *bus_client_new(const char *endpoints);

void bus_client_destroy(bus_client_t **self_p);

/* Waits at most TIMEOUT_MS for a connection to a broker to be made (its handshake done).
 * 0 when one is, -1 otherwise. For a process that makes many clients at start (the edge's
 * threads): their first requests then never meet a socket still connecting. */
int bus_client_wait_connected(bus_client_t *self, int timeout_ms);

/* Waits at most TIMEOUT_MS for a link to come up or be lost (the edge's readiness
 * watch). Returns BUS_LINK_UP / BUS_LINK_LOST bits (bus_link.h), 0 when nothing
 * happened. */
int bus_client_wait_event(bus_client_t *self, int timeout_ms);

/* How many brokers the client is connected to now (as of its last call or wait). */
size_t bus_client_live(const bus_client_t *self);

/* bus_client_call flags. */
#define BUS_CALL_RETRYABLE 1   /* safe to send again if its broker is lost in flight */

/* Sends REQ (its service, method, request id and caller must be set; its deadline is set
 * here from TIMEOUT_MS) and waits at most TIMEOUT_MS in all for the matching reply,
 * through another broker when that is safe (above; FLAGS: BUS_CALL_RETRYABLE or 0). On
 * success returns 0 and a reply in *REPLY_P (owned by the caller; it may be an error
 * reply, e.g. 503 SERVICE_UNAVAILABLE from the broker). Otherwise returns
 * ERR_SERVICE_UNAVAILABLE (no broker to send to) or ERR_GATEWAY_TIMEOUT (no reply in
 * time, or the broker lost with the outcome unknown); *REPLY_P is NULL. */
err_code_t bus_client_call(bus_client_t *self, envelope_t *req, int timeout_ms, int flags,
                           envelope_t **reply_p);

#endif
