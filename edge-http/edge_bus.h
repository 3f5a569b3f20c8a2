/* edge_bus.h -- the pipeline's last stage: the request to its service over the bus. */
#ifndef EDGE_BUS_H
#define EDGE_BUS_H
#include "edge_stage.h"

/* Sends the request as an envelope (caller, body map, Idempotency-Key, deadline) and turns
 * the reply into the answer: the service's error as is, or its body in the success
 * envelope; 503 with no broker or worker, 504 past the route's timeout. Fills the profile
 * cache on a miss (edge_cache_fill). */
int edge_bus_stage(edge_thread_t *t, edge_request_t *r);

#endif
