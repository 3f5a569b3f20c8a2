/* edge_metrics.h -- the edge's series, with a per-thread cache of series pointers so the
 * hot path does not look a series up by its label string on every request.
 *
 * Cache keys compare pointers: ROUTE, METHOD and SERVICE must be static strings (the route
 * table's, or literals), which also keeps label cardinality bounded. */
#ifndef EDGE_METRICS_H
#define EDGE_METRICS_H
#include "metrics.h"

#define EDGE_METRICS_CACHE 96

typedef struct {
    int kind;                /* which series family */
    const char *a, *b;       /* label values (pointers) */
    int status;
    metric_t *metric;
} edge_metric_slot_t;

typedef struct {
    metrics_t *metrics;
    edge_metric_slot_t slots[EDGE_METRICS_CACHE];
    int count;
} edge_metrics_cache_t;

void edge_metrics_cache_init(edge_metrics_cache_t *self, metrics_t *metrics);

/* http_requests_total{method,route,status} += 1 and
 * http_request_duration_seconds{route} observes SECONDS. */
void edge_metrics_request(edge_metrics_cache_t *self, const char *method, const char *route,
                          int status, double seconds);

/* bus_roundtrip_seconds{service} observes SECONDS. */
void edge_metrics_bus(edge_metrics_cache_t *self, const char *service, double seconds);

/* The method as a static label: one of the HTTP methods, or "OTHER". */
const char *edge_metrics_method(const char *method);

#endif
