/* notify_idmap.c -- chained hash map from int64 ids to pointers, doubling as it grows. */
#include "notify_idmap.h"
#include "mem.h"
#include <stdlib.h>

typedef struct entry_t {
    struct entry_t *next;
    int64_t key;
    void *value;
} entry_t;

struct notify_idmap_t {
    entry_t **buckets;
    size_t bucket_count;         /* a power of two */
    size_t size;
};

/* Ids are sequential: mix the bits so neighbours do not share low bits by accident. */
static size_t
s_hash(int64_t key, size_t buckets)
{
    uint64_t x = (uint64_t) key;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t) (x & (buckets - 1));
}

static void *
s_calloc(size_t n, size_t size)
{
    void *p = mem_calloc(n, size);
    return p;
}

notify_idmap_t *
notify_idmap_new(void)
{
    notify_idmap_t *self = s_calloc(1, sizeof *self);
    self->bucket_count = 64;
    self->buckets = s_calloc(self->bucket_count, sizeof *self->buckets);
    return self;
}

void
notify_idmap_destroy(notify_idmap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_idmap_t *self = *self_p;
    for (size_t i = 0; i < self->bucket_count; i++) {
        entry_t *e = self->buckets[i];
        while (e) {
            entry_t *next = e->next;
            free(e);
            e = next;
        }
    }
    free(self->buckets);
    free(self);
    *self_p = NULL;
}

static void
s_grow(notify_idmap_t *self)
{
    size_t count = self->bucket_count * 2;
    entry_t **buckets = s_calloc(count, sizeof *buckets);
    for (size_t i = 0; i < self->bucket_count; i++) {
        entry_t *e = self->buckets[i];
        while (e) {
            entry_t *next = e->next;
            size_t b = s_hash(e->key, count);
            e->next = buckets[b];
            buckets[b] = e;
            e = next;
        }
    }
    free(self->buckets);
    self->buckets = buckets;
    self->bucket_count = count;
}

void *
notify_idmap_get(const notify_idmap_t *self, int64_t key)
{
    for (entry_t *e = self->buckets[s_hash(key, self->bucket_count)]; e; e = e->next)
        if (e->key == key)
            return e->value;
    return NULL;
}

void
notify_idmap_put(notify_idmap_t *self, int64_t key, void *value)
{
    size_t b = s_hash(key, self->bucket_count);
    for (entry_t *e = self->buckets[b]; e; e = e->next) {
        if (e->key == key) {
            e->value = value;
            return;
        }
    }
    entry_t *e = s_calloc(1, sizeof *e);
    e->key = key;
    e->value = value;
    e->next = self->buckets[b];
    self->buckets[b] = e;
    if (++self->size > self->bucket_count)
        s_grow(self);
}

void *
notify_idmap_remove(notify_idmap_t *self, int64_t key)
{
    entry_t **link = &self->buckets[s_hash(key, self->bucket_count)];
    for (entry_t *e = *link; e; link = &e->next, e = e->next) {
        if (e->key == key) {
            void *value = e->value;
            *link = e->next;
            free(e);
            self->size--;
            return value;
        }
    }
    return NULL;
}

size_t
notify_idmap_size(const notify_idmap_t *self)
{
    return self->size;
}

void
notify_idmap_each(const notify_idmap_t *self, notify_idmap_fn *fn, void *arg)
{
    for (size_t i = 0; i < self->bucket_count; i++)
        for (entry_t *e = self->buckets[i]; e; e = e->next)
            fn(e->key, e->value, arg);
}
