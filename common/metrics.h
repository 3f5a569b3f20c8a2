/* metrics.h -- counters, gauges and histograms in the Prometheus text format.
 * Thread-safe: series are created under a lock, updated with atomics. */
#ifndef COMMON_METRICS_H
#define COMMON_METRICS_H
#include <stdint.h>
#include <stddef.h>

typedef struct metrics_t metrics_t;
typedef struct metric_t metric_t;

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_type_t;

metrics_t *metrics_new(void);
void metrics_destroy(metrics_t **self_p);

/* The series NAME{LABELS} (LABELS like `method="GET",route="/api/users/:id"`, or "" for
 * none), created on first use with HELP. Returned pointers stay valid until
 * metrics_destroy. Histograms use the seconds buckets 0.001 .. 10. */
metric_t *metrics_get(metrics_t *self, metric_type_t type, const char *name,
                      const char *help, const char *labels);

void metric_add(metric_t *m, int64_t delta);     /* counter or gauge */
void metric_set(metric_t *m, int64_t value);     /* gauge */
void metric_observe(metric_t *m, double seconds); /* histogram */

/* Renders every series, grouped by name with one HELP and TYPE line each, then what the
 * collectors report. Returns a new string (caller frees). */
char *metrics_render(metrics_t *self);

/* --- collectors: values read at scrape time (from /proc, from process-wide state) ------ */

typedef struct metrics_out_t metrics_out_t;

/* Called by every metrics_render, outside the registry's lock, on the scraping thread:
 * must be cheap and bounded, and must not call back into the registry. */
typedef void (metrics_collect_fn)(void *arg, metrics_out_t *out);

/* Adds FN to the collectors; a second add of the same FN and ARG is ignored (so a process
 * may add its standard collectors from several places). At most 8 collectors. */
void metrics_add_collector(metrics_t *self, metrics_collect_fn *fn, void *arg);

/* One sample from a collector. Samples of one NAME must be emitted one after another; the
 * first carries the HELP and TYPE lines. LABELS as for metrics_get ("" or NULL: none). */
void metrics_out_sample(metrics_out_t *out, metric_type_t type, const char *name,
                        const char *help, const char *labels, double value);

#endif
