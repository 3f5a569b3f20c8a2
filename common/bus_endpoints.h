/* bus_endpoints.h -- the brokers a process talks to: a configured list of endpoints,
 * expanded to one concrete address per broker and re-resolved now and then.
 *
 * The list is comma-separated ("tcp://10.0.0.5:5555,tcp://10.0.0.6:5555"). An entry whose
 * host is a name ("tcp://broker:5555", on Kubernetes a headless Service) stands for every
 * address the name resolves to: libzmq would connect to the first one only, so the name is
 * resolved here and each address becomes an endpoint of its own. Names are resolved again
 * every BUS_RESOLVE_MS (default 5000; 0: only once), so broker pods that come and go are
 * followed. A name that does not resolve keeps the addresses it had; one that never did is
 * kept as the name itself, and libzmq keeps trying to resolve and connect it.
 *
 * Not thread-safe: each socket owner keeps its own. */
#ifndef COMMON_BUS_ENDPOINTS_H
#define COMMON_BUS_ENDPOINTS_H
#include <stdbool.h>
#include <stddef.h>

#define BUS_ENDPOINTS_MAX       64     /* brokers one process follows, at most */
#define BUS_ENDPOINT_MAX        256    /* bytes of one endpoint */
#define BUS_RESOLVE_MS_DEFAULT  5000

typedef struct bus_endpoints_t bus_endpoints_t;

/* Called for each endpoint that appears in, or leaves, the expanded set. */
typedef void (bus_endpoints_fn)(void *arg, const char *endpoint);

/* Parses LIST. NULL (with the reason logged) when it is empty, longer than
 * BUS_ENDPOINTS_MAX entries, or an entry is malformed. Resolves nothing yet. */
bus_endpoints_t *bus_endpoints_new(const char *list);

void bus_endpoints_destroy(bus_endpoints_t **self_p);

/* True when the re-resolve interval has passed since the last refresh (always true
 * before the first one). Cheap: the socket owners ask it before each call. */
bool bus_endpoints_due(const bus_endpoints_t *self);

/* Resolves the list again and reports the differences with the previous expansion:
 * ADDED for each new endpoint, then REMOVED for each one gone (either may be NULL). The
 * first refresh reports every endpoint as added. Returns the number of endpoints now. */
size_t bus_endpoints_refresh(bus_endpoints_t *self, bus_endpoints_fn *added,
                             bus_endpoints_fn *removed, void *arg);

/* The expanded set, sorted: COUNT endpoints, AT(i) for 0 <= i < COUNT. */
size_t bus_endpoints_count(const bus_endpoints_t *self);
const char *bus_endpoints_at(const bus_endpoints_t *self, size_t index);

/* For one socket that talks to every broker at once (a publisher, a subscriber): when the
 * list is due, refreshes it, connecting ZMQ_HANDLE to each new endpoint and disconnecting
 * it from each one gone. Call it once after making the socket, then now and then (before
 * a publish, on a timer). Returns the number of endpoints connected. */
size_t bus_endpoints_sync(bus_endpoints_t *self, void *zmq_handle);

#endif
