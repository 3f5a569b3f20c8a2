/* wsl_lat.h -- the timing records of a load run and the percentiles drawn from them.
 * Delivery latency is computed after the run, from two logs: when each message's POST was
 * acknowledged (201) and when each recipient's frame for it arrived. Keeping logs instead of
 * a live table lets a frame arrive before its own acknowledgement (the event is published
 * at COMMIT, the 201 travels back through broker and edge) without special cases. */
#ifndef BENCH_WSL_LAT_H
#define BENCH_WSL_LAT_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;              /* message id */
    int64_t t_ns;            /* monotonic time of the event */
} wsl_mark_t;

typedef struct {
    wsl_mark_t *v;
    size_t n, cap;
} wsl_marks_t;

typedef struct {
    size_t samples;
    double p50_ms, p99_ms, max_ms;
    size_t early;            /* frames that beat their own 201 (counted as 0 ms) */
    size_t orphans;          /* frames of messages never acknowledged to us */
} wsl_lat_t;

/* Appends a mark. Returns 0, or -1 when out of memory. */
int wsl_marks_add(wsl_marks_t *self, int64_t id, int64_t t_ns);
void wsl_marks_release(wsl_marks_t *self);

/* Delivery latency of every frame in FRAMES against its acknowledgement in ACKS (which it
 * sorts). Returns 0, or -1 when out of memory. */
int wsl_lat_delivery(wsl_marks_t *acks, const wsl_marks_t *frames, wsl_lat_t *out);

/* Percentiles of N durations in nanoseconds (sorted in place). */
void wsl_lat_of(int64_t *ns, size_t n, wsl_lat_t *out);

#endif
