/* wsl_lat.c -- timing logs and percentiles. */
#include "wsl_lat.h"
#include <stdlib.h>
#include <string.h>

int
wsl_marks_add(wsl_marks_t *self, int64_t id, int64_t t_ns)
{
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 4096;
        wsl_mark_t *v = realloc(self->v, cap * sizeof *v);
        if (!v)
            return -1;
        self->v = v;
        self->cap = cap;
    }
    self->v[self->n++] = (wsl_mark_t) { id, t_ns };
    return 0;
}

void
wsl_marks_release(wsl_marks_t *self)
{
    free(self->v);
    memset(self, 0, sizeof *self);
}

static int
s_cmp_mark(const void *a, const void *b)
{
    int64_t x = ((const wsl_mark_t *) a)->id, y = ((const wsl_mark_t *) b)->id;
    return (x > y) - (x < y);
}

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

void
wsl_lat_of(int64_t *ns, size_t n, wsl_lat_t *out)
{
    out->samples = n;
    out->p50_ms = out->p99_ms = out->max_ms = 0;
    if (n == 0)
        return;
    qsort(ns, n, sizeof *ns, s_cmp_i64);
    /* Nearest rank: the smallest sample with at least P% of the samples at or below it. */
    size_t r50 = (n * 50 + 99) / 100, r99 = (n * 99 + 99) / 100;
    out->p50_ms = (double) ns[r50 ? r50 - 1 : 0] / 1e6;
    out->p99_ms = (double) ns[r99 ? r99 - 1 : 0] / 1e6;
    out->max_ms = (double) ns[n - 1] / 1e6;
}

int
wsl_lat_delivery(wsl_marks_t *acks, const wsl_marks_t *frames, wsl_lat_t *out)
{
    memset(out, 0, sizeof *out);
    qsort(acks->v, acks->n, sizeof *acks->v, s_cmp_mark);
    int64_t *lat = malloc((frames->n ? frames->n : 1) * sizeof *lat);
    if (!lat)
        return -1;
    size_t n = 0, early = 0, orphans = 0;
    for (size_t i = 0; i < frames->n; i++) {
        const wsl_mark_t *ack = bsearch(&frames->v[i], acks->v, acks->n, sizeof *acks->v,
                                        s_cmp_mark);
        if (!ack) {
            orphans++;
            continue;
        }
        int64_t d = frames->v[i].t_ns - ack->t_ns;
        if (d < 0) {
            early++;
            d = 0;
        }
        lat[n++] = d;
    }
    wsl_lat_of(lat, n, out);
    out->early = early;
    out->orphans = orphans;
    free(lat);
    return 0;
}
