/* process_metrics.h -- the standard Prometheus process_* metrics, read from /proc. */
#ifndef COMMON_PROCESS_METRICS_H
#define COMMON_PROCESS_METRICS_H
#include "metrics.h"

/* What /proc says about this process now; a field is -1 when it could not be read. */
typedef struct {
    double cpu_seconds;          /* user + system */
    double resident_bytes;
    double virtual_bytes;
    double open_fds;
    double max_fds;              /* the soft RLIMIT_NOFILE */
    double start_time_seconds;   /* since the Unix epoch */
} process_metrics_t;

void process_metrics_read(process_metrics_t *out);

/* A metrics_collect_fn (ARG unused): process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
 * process_max_fds, process_start_time_seconds, with the names, types and HELP of the
 * official Prometheus clients. Costs a few small reads of /proc and one directory scan
 * of /proc/self/fd (bounded by the fd limit). */
void process_metrics_collect(void *arg, metrics_out_t *out);

#endif
