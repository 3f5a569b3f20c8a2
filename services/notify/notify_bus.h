/* notify_bus.h -- notify's two bus sockets, both owned by the lws thread: the SUB socket
 * (connected to the broker's XPUB, BUS_SUB_ENDPOINT) whose subscriptions follow the users
 * connected here, and a PUB socket (BUS_PUB_ENDPOINT) for the sync markers notify sends
 * itself (schemas/events.md). The SUB socket is driven by the lws loop through its
 * ZMQ_FD, which is edge-triggered: notify_bus_drain must run after every wake-up and after
 * every other operation on the socket, and reads until ZMQ_EVENTS has no POLLIN. */
#ifndef NOTIFY_BUS_H
#define NOTIFY_BUS_H
#include <stddef.h>
#include <stdint.h>

typedef struct notify_bus_t notify_bus_t;

/* Called for each [topic, payload] event read. */
typedef void (notify_bus_fn)(const char *topic, size_t topic_len, const void *payload,
                             size_t size, void *arg);

/* NULL on failure. REPLICA names this process in sync topics. */
notify_bus_t *notify_bus_new(const char *sub_endpoint, const char *pub_endpoint,
                             const char *replica);
void notify_bus_destroy(notify_bus_t **self_p);

/* The SUB socket's ZMQ_FD, to poll for reading; -1 on error. Owned by libzmq. */
int notify_bus_fd(notify_bus_t *self);

/* The ZMQ_FD of the SUB socket's monitor (its connections to brokers coming and going),
 * edge-triggered like the SUB's; -1 on error. Owned by libzmq. */
int notify_bus_monitor_fd(notify_bus_t *self);

#define NOTIFY_BUS_UP    1       /* a connection to a broker came up (a handshake) */
#define NOTIFY_BUS_LOST  2       /* a connection that was up was lost, or its broker left
                                    the list (events may have gone by meanwhile) */

/* Reads the monitor's pending events (after every wake-up, like notify_bus_drain).
 * Returns NOTIFY_BUS_UP and/or NOTIFY_BUS_LOST bits; *UP gets the brokers up now. */
int notify_bus_links(notify_bus_t *self, int *up);

/* Re-resolves the broker list when it is due (bus_endpoints.h): connects the SUB to new
 * brokers, disconnects it from those gone. Call it on a timer. */
void notify_bus_follow(notify_bus_t *self);

/* Subscribes to / unsubscribes from TOPIC (a NUL-terminated prefix). 0 or -1. */
int notify_bus_subscribe(notify_bus_t *self, const char *topic);
int notify_bus_unsubscribe(notify_bus_t *self, const char *topic);

/* Writes this replica's sync topic for marker N into OUT. -1 if it does not fit. */
int notify_bus_sync_topic(const notify_bus_t *self, uint64_t n, char *out, size_t size);

/* True when TOPIC (LEN bytes) is one of this replica's sync topics. */
int notify_bus_is_own_sync(const notify_bus_t *self, const char *topic, size_t len);

/* Publishes the sync marker N on this replica's sync topic. 0, or -1 (dropped: the
 * caller retries later). */
int notify_bus_publish_sync(notify_bus_t *self, uint64_t n);

/* Reads every event waiting (at most MAX, then returns 1 so the caller comes back soon),
 * calling FN for each. Returns the events read, or -1 on a socket error. */
int notify_bus_drain(notify_bus_t *self, int max, notify_bus_fn *fn, void *arg);

#endif
