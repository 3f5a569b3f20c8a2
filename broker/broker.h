/* broker.h -- the bus broker: routes client requests to workers by service name, with
 * heartbeats, bounded queues and clean error replies; forwards events XSUB -> XPUB.
 * The protocol is in common/bus_proto.h; failure behaviour in broker/README.md. */
#ifndef BROKER_BROKER_H
#define BROKER_BROKER_H
#include <signal.h>
#include <stdint.h>
#include "metrics.h"

typedef struct broker_t broker_t;

typedef struct {
    const char *client_bind;   /* ROUTER for clients, e.g. tcp://127.0.0.1:5555 */
    const char *worker_bind;   /* ROUTER for workers, tcp://127.0.0.1:5556 */
    const char *xsub_bind;     /* publishers connect here; NULL or "" disables the proxy */
    const char *xpub_bind;     /* subscribers connect here */
    int heartbeat_ms;          /* BUS_HEARTBEAT_MS */
    int liveness;              /* BUS_LIVENESS */
    int queue_max;             /* BROKER_QUEUE_MAX: queued requests per service */
    int queue_wait_ms;         /* longest wait in a queue for a request without deadline */
    int drain_ms;              /* on stop, how long in-flight requests may still finish */
    metrics_t *metrics;        /* where to count; NULL: the broker keeps its own */
} broker_config_t;

/* Counters for tests and logs; a snapshot, read from any thread. */
typedef struct {
    uint64_t routed;        /* requests handed to a worker */
    uint64_t replied;       /* worker replies forwarded to clients */
    uint64_t unavailable;   /* 503 answers (no worker, queue full, worker died) */
    uint64_t timeouts;      /* 504 answers */
    uint64_t dropped;       /* sends that failed: EHOSTUNREACH or EAGAIN */
    uint64_t malformed;     /* frames dropped as malformed, both sides */
    uint64_t refused;       /* requests, READYs and events beyond their key's role */
    uint64_t expired;       /* workers removed: silent, unreachable or stuck */
    uint64_t workers;       /* live workers now, all services */
    uint64_t events;        /* event messages forwarded XSUB -> XPUB */
} broker_stats_t;

/* Fills CFG with the defaults of broker/README.md, then the environment overrides. */
void broker_config_from_env(broker_config_t *cfg);

/* Binds every socket. Returns NULL (logged) when a bind fails. The sockets belong to the
 * calling thread: call broker_run and broker_destroy from that thread too. */
broker_t *broker_new(const broker_config_t *cfg);

/* Sends DISCONNECT to every worker, closes, frees, sets *self_p to NULL. Accepts NULL. */
void broker_destroy(broker_t **self_p);

/* Serves until *STOP becomes non-zero, then stops taking requests (new ones get 503),
 * lets in-flight ones finish for up to drain_ms, and returns 0. */
int broker_run(broker_t *self, volatile sig_atomic_t *stop);

/* A snapshot of the counters; safe from any thread while the broker runs. */
void broker_stats(const broker_t *self, broker_stats_t *out);

#endif
