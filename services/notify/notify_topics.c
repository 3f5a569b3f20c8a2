/* notify_topics.c -- subscription reference counts, keyed by topic kind and id. */
#include "notify_topics.h"
#include "mem.h"
#include "notify_idmap.h"
#include <stdlib.h>

struct notify_topics_t {
    notify_idmap_t *counts;      /* key: id * 2 + kind; value: the count as a pointer */
};

static int64_t
s_key(event_topic_kind_t kind, int64_t id)
{
    return (int64_t) (((uint64_t) id << 1) | (uint64_t) kind);
}

notify_topics_t *
notify_topics_new(void)
{
    notify_topics_t *self = mem_calloc(1, sizeof *self);
    self->counts = notify_idmap_new();
    return self;
}

void
notify_topics_destroy(notify_topics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_idmap_destroy(&(*self_p)->counts);
    free(*self_p);
    *self_p = NULL;
}

bool
notify_topics_acquire(notify_topics_t *self, event_topic_kind_t kind, int64_t id)
{
    int64_t key = s_key(kind, id);
    intptr_t n = (intptr_t) notify_idmap_get(self->counts, key);
    notify_idmap_put(self->counts, key, (void *) (n + 1));
    return n == 0;
}

bool
notify_topics_release(notify_topics_t *self, event_topic_kind_t kind, int64_t id)
{
    int64_t key = s_key(kind, id);
    intptr_t n = (intptr_t) notify_idmap_get(self->counts, key);
    if (n <= 0)
        return false;
    if (n == 1) {
        notify_idmap_remove(self->counts, key);
        return true;
    }
    notify_idmap_put(self->counts, key, (void *) (n - 1));
    return false;
}

long
notify_topics_count(const notify_topics_t *self, event_topic_kind_t kind, int64_t id)
{
    return (long) (intptr_t) notify_idmap_get(self->counts, s_key(kind, id));
}

size_t
notify_topics_size(const notify_topics_t *self)
{
    return notify_idmap_size(self->counts);
}
