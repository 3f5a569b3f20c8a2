/* edge_local.h -- the stage of the routes the edge answers itself (the route table's
 * `local` column): /health, /health/live, /health/ready, /metrics, /api/openapi.json. */
#ifndef EDGE_LOCAL_H
#define EDGE_LOCAL_H
#include "edge_stage.h"

/* Answers a local route (200, or 503 not ready, 404 when METRICS_PUBLIC=false, 304 on a
 * matching If-None-Match); any other route goes on. */
int edge_local_stage(edge_thread_t *t, edge_request_t *r);

#endif
