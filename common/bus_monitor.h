/* bus_monitor.h -- libzmq's socket monitor on a bus socket, reduced to the two facts its
 * owner acts on: a connection to a broker came up (its handshake succeeded), or one that
 * was up was lost. bus_link watches its DEALER with it; notify watches its SUB (one socket
 * connected to every broker: the events name the broker's endpoint). */
#ifndef COMMON_BUS_MONITOR_H
#define COMMON_BUS_MONITOR_H

#define BUS_MONITOR_UP    1
#define BUS_MONITOR_LOST  2

typedef struct bus_monitor_t bus_monitor_t;

/* Called for each event read: BUS_MONITOR_UP or BUS_MONITOR_LOST, and the endpoint. */
typedef void (bus_monitor_fn)(void *arg, int event, const char *endpoint);

/* Watches the libzmq socket HANDLE (before it connects, so no event is missed). NULL
 * when libzmq refuses. */
bus_monitor_t *bus_monitor_new(void *handle);

/* Stops watching; call it before closing the watched socket. */
void bus_monitor_destroy(bus_monitor_t **self_p);

/* The raw PAIR socket the events arrive on, to poll for POLLIN (or read its ZMQ_FD, which
 * is edge-triggered: call bus_monitor_read after every wake-up). */
void *bus_monitor_socket(bus_monitor_t *self);

/* Reads every pending event without blocking, calling FN (may be NULL) for each. Returns
 * the BUS_MONITOR_UP and/or BUS_MONITOR_LOST bits seen. */
int bus_monitor_read(bus_monitor_t *self, bus_monitor_fn *fn, void *arg);

#endif
