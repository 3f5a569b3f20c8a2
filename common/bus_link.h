/* bus_link.h -- one DEALER to one broker, with a watch on its connection.
 *
 * A process that talks to several brokers holds one link per broker (bus_client,
 * bus_worker). The watch is libzmq's socket monitor, reduced to the two facts a caller
 * acts on: the link came up (its handshake succeeded) and the link was lost (a request
 * sent on it will never be answered, even if the broker is back a moment later). */
#ifndef COMMON_BUS_LINK_H
#define COMMON_BUS_LINK_H
#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>
#include "bus_monitor.h"

typedef struct bus_link_t bus_link_t;

/* What bus_link_events saw. */
#define BUS_LINK_UP    BUS_MONITOR_UP
#define BUS_LINK_LOST  BUS_MONITOR_LOST

/* A DEALER made by bus_socket_new, watched, connecting to ENDPOINT. IMMEDIATE: queue only
 * on a completed connection (clients: a send with no broker fails at once); workers leave
 * it off so READY waits for the broker. NULL when libzmq refuses. */
bus_link_t *bus_link_new(const char *endpoint, bool immediate);

void bus_link_destroy(bus_link_t **self_p);

const char *bus_link_endpoint(const bus_link_t *self);

/* The DEALER, for sends, receives and polls; the link keeps owning it. */
zsock_t *bus_link_sock(bus_link_t *self);

/* The raw monitor socket, to poll for POLLIN beside the DEALER. */
void *bus_link_monitor(bus_link_t *self);

/* Reads every pending connection event. Returns BUS_LINK_UP and/or BUS_LINK_LOST bits. */
int bus_link_events(bus_link_t *self);

/* True between a handshake and the next loss (as of the last bus_link_events). */
bool bus_link_up(const bus_link_t *self);

/* The broker said it is stopping: callers prefer other links until this one is lost or
 * made again (then it is another broker, or the same one back). */
void bus_link_set_draining(bus_link_t *self);
bool bus_link_draining(const bus_link_t *self);

/* How many times the link was lost so far (as of the last bus_link_events). */
uint64_t bus_link_losses(const bus_link_t *self);

#endif
