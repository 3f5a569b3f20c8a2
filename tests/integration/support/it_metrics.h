/* it_metrics.h -- one sample from a process's Prometheus /metrics, for tests that must
 * see a counter move (a slow-client close, a truncated replay) where no client can. */
#ifndef IT_METRICS_H
#define IT_METRICS_H
#include <stddef.h>

/* PROCESS's admin URL ("http://127.0.0.1:PORT") from TEST_ADMIN_PORTS
 * ("edge=19099,broker=19100,..."), written into OUT; fails the current test when the list
 * does not name PROCESS. */
const char *it_admin_url(const char *process, char *out, size_t size);

/* The value of SAMPLE ("name" or "name{label=\"v\"}", written exactly as the process
 * writes it) in GET ADMIN_URL/metrics (ADMIN_URL like "http://127.0.0.1:19104"), or -1
 * when the page cannot be fetched or has no such sample. Thread-safe. */
double it_metric(const char *admin_url, const char *sample);

/* The HTTP status of GET ADMIN_URL PATH (e.g. "/health/ready"), 0 when nothing answered. */
long it_admin_status(const char *admin_url, const char *path);

/* The whole page GET URL answers (URL like "http://127.0.0.1:19104/metrics"), or NULL
 * unless it answered 200. Caller frees. */
char *it_metrics_page(const char *url);

#endif
