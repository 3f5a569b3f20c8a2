/* metrics.c -- counters, gauges and histograms rendered in the Prometheus text format.
 * Series live in a small chained hash; updates are lock-free atomics. */
#include "metrics.h"
#include "mem.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_BUCKETS 13
#define METRICS_SLOTS   512
#define METRICS_COLLECTORS 8

static const double s_bounds[METRICS_BUCKETS] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

struct metric_t {
    metric_type_t type;
    char *name;
    char *help;
    char *labels;
    _Atomic int64_t value;                      /* counter, gauge; histogram count */
    _Atomic int64_t sum_us;                     /* histogram sum in microseconds */
    _Atomic int64_t buckets[METRICS_BUCKETS];   /* histogram, not cumulative */
    struct metric_t *next_in_slot;
    struct metric_t *next_in_order;             /* creation order, for rendering */
};

typedef struct {
    metrics_collect_fn *fn;
    void *arg;
} s_collector_t;

struct metrics_t {
    pthread_mutex_t lock;
    metric_t *slots[METRICS_SLOTS];
    metric_t *first, *last;
    s_collector_t collectors[METRICS_COLLECTORS];
    int collector_count;
};

metrics_t *
metrics_new(void)
{
    metrics_t *self = mem_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    return self;
}

void
metrics_destroy(metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    metrics_t *self = *self_p;
    for (metric_t *m = self->first, *next; m; m = next) {
        next = m->next_in_order;
        free(m->name);
        free(m->help);
        free(m->labels);
        free(m);
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static unsigned
s_hash(const char *a, const char *b)
{
    unsigned h = 2166136261u;
    for (; *a; a++)
        h = (h ^ (unsigned char) *a) * 16777619u;
    h = (h ^ '{') * 16777619u;
    for (; *b; b++)
        h = (h ^ (unsigned char) *b) * 16777619u;
    return h % METRICS_SLOTS;
}

metric_t *
metrics_get(metrics_t *self, metric_type_t type, const char *name, const char *help,
            const char *labels)
{
    if (!labels)
        labels = "";
    unsigned slot = s_hash(name, labels);
    pthread_mutex_lock(&self->lock);
    metric_t *m = self->slots[slot];
    for (; m; m = m->next_in_slot)
        if (strcmp(m->name, name) == 0 && strcmp(m->labels, labels) == 0)
            break;
    if (!m) {
        m = mem_calloc(1, sizeof *m);
        m->type = type;
        m->name = mem_strdup(name);
        m->help = mem_strdup(help ? help : name);
        m->labels = mem_strdup(labels);
        m->next_in_slot = self->slots[slot];
        self->slots[slot] = m;
        if (self->last)
            self->last->next_in_order = m;
        else
            self->first = m;
        self->last = m;
    }
    pthread_mutex_unlock(&self->lock);
    return m;
}

void
metric_add(metric_t *m, int64_t delta)
{
    atomic_fetch_add_explicit(&m->value, delta, memory_order_relaxed);
}

void
metric_set(metric_t *m, int64_t value)
{
    atomic_store_explicit(&m->value, value, memory_order_relaxed);
}

void
metric_observe(metric_t *m, double seconds)
{
    int i = 0;
    while (i < METRICS_BUCKETS && seconds > s_bounds[i])
        i++;
    if (i < METRICS_BUCKETS)
        atomic_fetch_add_explicit(&m->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (int64_t) (seconds * 1e6), memory_order_relaxed);
    atomic_fetch_add_explicit(&m->value, 1, memory_order_relaxed);
}

/* A growable output buffer. */
typedef struct {
    char *data;
    size_t len, cap;
} s_buf_t;

/* What a collector writes into: the page, and the name whose HELP was written last. */
struct metrics_out_t {
    s_buf_t *buf;
    char last_name[128];
};

static void
s_printf(s_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
s_printf(s_buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t) n < b->cap - b->len) {
            b->len += (size_t) n;
            return;
        }
        b->cap = b->cap * 2 + (size_t) n;
        b->data = mem_realloc(b->data, b->cap);
    }
}

static const char *
s_type_name(metric_type_t t)
{
    return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

/* LABELS plus one more label, with the comma only when both exist. */
static void
s_labels_with(char *out, size_t size, const char *labels, const char *extra)
{
    snprintf(out, size, "%s%s%s", labels, (*labels && *extra) ? "," : "", extra);
}

static void
s_render_one(s_buf_t *b, metric_t *m)
{
    if (m->type != METRIC_HISTOGRAM) {
        s_printf(b, "%s%s%s%s %lld\n", m->name, *m->labels ? "{" : "", m->labels,
                 *m->labels ? "}" : "", (long long) atomic_load(&m->value));
        return;
    }
    char lbl[1024], le[32];
    int64_t cumulative = 0;
    for (int i = 0; i < METRICS_BUCKETS; i++) {
        cumulative += atomic_load(&m->buckets[i]);
        snprintf(le, sizeof le, "le=\"%g\"", s_bounds[i]);
        s_labels_with(lbl, sizeof lbl, m->labels, le);
        s_printf(b, "%s_bucket{%s} %lld\n", m->name, lbl, (long long) cumulative);
    }
    s_labels_with(lbl, sizeof lbl, m->labels, "le=\"+Inf\"");
    int64_t count = atomic_load(&m->value);
    s_printf(b, "%s_bucket{%s} %lld\n", m->name, lbl, (long long) count);
    s_printf(b, "%s_sum%s%s%s %.6f\n", m->name, *m->labels ? "{" : "", m->labels,
             *m->labels ? "}" : "", (double) atomic_load(&m->sum_us) / 1e6);
    s_printf(b, "%s_count%s%s%s %lld\n", m->name, *m->labels ? "{" : "", m->labels,
             *m->labels ? "}" : "", (long long) count);
}

char *
metrics_render(metrics_t *self)
{
    s_buf_t b = { mem_malloc(4096), 0, 4096 };
    b.data[0] = '\0';
    pthread_mutex_lock(&self->lock);
    /* Group by name: for each first-seen name, emit HELP/TYPE and all its series. */
    for (metric_t *m = self->first; m; m = m->next_in_order) {
        bool seen = false;
        for (metric_t *p = self->first; p != m; p = p->next_in_order)
            if (strcmp(p->name, m->name) == 0) {
                seen = true;
                break;
            }
        if (seen)
            continue;
        s_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name,
                 s_type_name(m->type));
        for (metric_t *s = m; s; s = s->next_in_order)
            if (strcmp(s->name, m->name) == 0)
                s_render_one(&b, s);
    }
    s_collector_t collectors[METRICS_COLLECTORS];
    int count = self->collector_count;
    memcpy(collectors, self->collectors, sizeof collectors);
    pthread_mutex_unlock(&self->lock);
    /* Outside the lock: a collector reads files, and the series above must not wait. */
    for (int i = 0; i < count; i++) {
        metrics_out_t out = { &b, "" };
        collectors[i].fn(collectors[i].arg, &out);
    }
    return b.data;
}

void
metrics_add_collector(metrics_t *self, metrics_collect_fn *fn, void *arg)
{
    pthread_mutex_lock(&self->lock);
    bool known = false;
    for (int i = 0; i < self->collector_count; i++)
        known = known || (self->collectors[i].fn == fn && self->collectors[i].arg == arg);
    if (!known && self->collector_count < METRICS_COLLECTORS)
        self->collectors[self->collector_count++] = (s_collector_t) { fn, arg };
    pthread_mutex_unlock(&self->lock);
}

void
metrics_out_sample(metrics_out_t *out, metric_type_t type, const char *name, const char *help,
                   const char *labels, double value)
{
    if (!labels)
        labels = "";
    if (strcmp(out->last_name, name) != 0) {
        s_printf(out->buf, "# HELP %s %s\n# TYPE %s %s\n", name, help ? help : name, name,
                 s_type_name(type));
        snprintf(out->last_name, sizeof out->last_name, "%s", name);
    }
    /* %.15g keeps integers up to 10^15 (bytes, file descriptors) exact, a Unix time to
     * the hundredth of a second, and prints 0.37 as 0.37. */
    s_printf(out->buf, "%s%s%s%s %.15g\n", name, *labels ? "{" : "", labels, *labels ? "}" : "",
             value);
}
