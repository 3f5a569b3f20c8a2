/* dep_health.c -- the last outcome and the failure count of each dependency, process-wide:
 * every thread's connections report here, the scrape reads it. */
#include "dep_health.h"
#include <stdatomic.h>
#include <stdint.h>

static const char *const s_labels[DEP_COUNT] = {
    "dependency=\"postgresql\"", "dependency=\"redis\""
};

/* 0: never used, 1: reachable, 2: unreachable. */
static _Atomic int s_state[DEP_COUNT];
static _Atomic int64_t s_errors[DEP_COUNT];

void
dep_health_report(dep_t dep, bool reachable)
{
    if ((unsigned) dep >= DEP_COUNT)
        return;
    atomic_store_explicit(&s_state[dep], reachable ? 1 : 2, memory_order_relaxed);
    if (!reachable)
        atomic_fetch_add_explicit(&s_errors[dep], 1, memory_order_relaxed);
}

void
dep_health_collect(void *arg, metrics_out_t *out)
{
    (void) arg;
    int state[DEP_COUNT];
    for (int i = 0; i < DEP_COUNT; i++)
        state[i] = atomic_load_explicit(&s_state[i], memory_order_relaxed);
    for (int i = 0; i < DEP_COUNT; i++)
        if (state[i])
            metrics_out_sample(out, METRIC_GAUGE, "dependency_up",
                               "1 when the last use of the dependency reached it, else 0",
                               s_labels[i], state[i] == 1 ? 1 : 0);
    for (int i = 0; i < DEP_COUNT; i++)
        if (state[i])
            metrics_out_sample(out, METRIC_COUNTER, "dependency_errors_total",
                               "Connects, statements and commands that found the dependency "
                               "unreachable", s_labels[i],
                               (double) atomic_load_explicit(&s_errors[i], memory_order_relaxed));
}
