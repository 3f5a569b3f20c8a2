/* edge_metrics.c -- cached access to the edge's metric series. */
#include "edge_metrics.h"
#include <stdio.h>
#include <string.h>

enum { S_REQUESTS = 1, S_DURATION, S_BUS };

void
edge_metrics_cache_init(edge_metrics_cache_t *self, metrics_t *metrics)
{
    memset(self, 0, sizeof *self);
    self->metrics = metrics;
}

static metric_t *
s_lookup(edge_metrics_cache_t *self, int kind, const char *a, const char *b, int status)
{
    for (int i = 0; i < self->count; i++) {
        edge_metric_slot_t *s = &self->slots[i];
        if (s->kind == kind && s->a == a && s->b == b && s->status == status)
            return s->metric;
    }
    char labels[256];
    metric_t *m = NULL;
    switch (kind) {
    case S_REQUESTS:
        snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\",status=\"%d\"", a, b, status);
        m = metrics_get(self->metrics, METRIC_COUNTER, "http_requests_total",
                        "HTTP requests by method, route template and status", labels);
        break;
    case S_DURATION:
        snprintf(labels, sizeof labels, "route=\"%s\"", a);
        m = metrics_get(self->metrics, METRIC_HISTOGRAM, "http_request_duration_seconds",
                        "HTTP request duration by route template", labels);
        break;
    default:
        snprintf(labels, sizeof labels, "service=\"%s\"", a);
        m = metrics_get(self->metrics, METRIC_HISTOGRAM, "bus_roundtrip_seconds",
                        "Bus request round trip by service", labels);
        break;
    }
    if (m && self->count < EDGE_METRICS_CACHE)
        self->slots[self->count++] = (edge_metric_slot_t) { kind, a, b, status, m };
    return m;
}

void
edge_metrics_request(edge_metrics_cache_t *self, const char *method, const char *route,
                     int status, double seconds)
{
    if (!self->metrics)
        return;
    metric_t *m = s_lookup(self, S_REQUESTS, method, route, status);
    if (m)
        metric_add(m, 1);
    m = s_lookup(self, S_DURATION, route, NULL, 0);
    if (m)
        metric_observe(m, seconds);
}

void
edge_metrics_bus(edge_metrics_cache_t *self, const char *service, double seconds)
{
    if (!self->metrics)
        return;
    metric_t *m = s_lookup(self, S_BUS, service, NULL, 0);
    if (m)
        metric_observe(m, seconds);
}

const char *
edge_metrics_method(const char *method)
{
    static const char *known[] = { "GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS",
                                   NULL };
    for (int i = 0; method && known[i]; i++)
        if (strcmp(method, known[i]) == 0)
            return known[i];
    return "OTHER";
}
