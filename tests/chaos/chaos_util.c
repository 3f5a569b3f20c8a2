/* chaos_util.c -- clocks, growable record arrays and row tags for the chaos test. */
#include "chaos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t
chaos_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
chaos_since(const chaos_app_t *app)
{
    return chaos_now_ms() - app->t0;
}

void
chaos_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void *
chaos_push(void **arr, size_t *n, size_t *cap, size_t size)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 256;
        void *p = realloc(*arr, grown * size);
        if (!p) {
            fprintf(stderr, "chaos: out of memory for records\n");
            abort();
        }
        *arr = p;
        *cap = grown;
    }
    void *slot = (char *) *arr + *n * size;
    memset(slot, 0, size);
    (*n)++;
    return slot;
}

void
chaos_tag(const chaos_app_t *app, int thread, size_t seq, char *out, size_t size)
{
    snprintf(out, size, "chaos-%s-%d-%zu", app->run_id, thread, seq);
}

int
chaos_tag_parse(const char *run_id, const char *tag, int *thread, size_t *seq)
{
    char prefix[40];
    int n = snprintf(prefix, sizeof prefix, "chaos-%s-", run_id);
    if (n <= 0 || strncmp(tag, prefix, (size_t) n) != 0)
        return 0;
    const char *p = tag + n;
    char *end;
    long t = strtol(p, &end, 10);
    if (end == p || *end != '-' || t < 0)
        return 0;
    p = end + 1;
    unsigned long long s = strtoull(p, &end, 10);
    if (end == p || *end != '\0')
        return 0;
    *thread = (int) t;
    *seq = (size_t) s;
    return 1;
}

const char *
chaos_route_name(int route)
{
    switch (route) {
    case CHAOS_ORDER: return "POST /api/orders";
    case CHAOS_MESSAGE: return "POST /api/messages";
    case CHAOS_USER_GET: return "GET /api/users/:id";
    default: return "?";
    }
}
