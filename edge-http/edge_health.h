/* edge_health.h -- what /health reports, kept fresh by one background thread that asks
 * the broker ("mmi.service") every interval whether each service has live workers. The
 * HTTP threads only read the last answer, so /health costs no bus round trip.
 *
 * Readiness follows the signal that makes requests fail fast, not only the last probe:
 * the probe client's connection events (bus_client_wait_event) turn it off the moment
 * the last broker connection drops, and a request that found no broker to send to marks
 * it down too
 * (edge_health_mark_down), so an edge that can only refuse is never reported ready. */
#ifndef EDGE_HEALTH_H
#define EDGE_HEALTH_H
#include <stdbool.h>
#include <stdint.h>
#include "edge_buf.h"

#define EDGE_HEALTH_SERVICES 4   /* users, auth, orders, messages */

typedef struct {
    bool broker_ok;                  /* the broker answered the last probe */
    bool up[EDGE_HEALTH_SERVICES];   /* users, auth, orders, messages */
    int64_t checked_ms;              /* monotonic ms of the last probe; 0: none yet */
} edge_health_snapshot_t;

typedef struct edge_health_t edge_health_t;

/* Starts the probe thread against the broker's client ENDPOINT. NULL on failure. */
edge_health_t *edge_health_new(const char *endpoint, int interval_ms);

/* Stops and joins the thread, frees, sets *self_p to NULL. Accepts NULL. */
void edge_health_destroy(edge_health_t **self_p);

/* Copies the last probe's result. */
void edge_health_get(edge_health_t *self, edge_health_snapshot_t *out);

/* A request could not be sent for want of a broker connection: not ready from now until
 * a probe that starts after this call succeeds. Cheap when already down. */
void edge_health_mark_down(edge_health_t *self);

/* Ready: the broker answered within the last three intervals and no loss of the connection
 * was seen since. An admin_ready_fn. */
bool edge_health_ready(void *self);

/* Appends {"status":"ok"|"degraded","services":{...},"uptime_s":N} to OUT: "ok" only when
 * every service is up. Returns 0 or -1. */
int edge_health_render(const edge_health_snapshot_t *snap, int64_t uptime_s, edge_buf_t *out);

#endif
