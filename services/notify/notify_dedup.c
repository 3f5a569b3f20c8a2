/* notify_dedup.c -- a bounded, expiring set of recent event ids: a FIFO ring in arrival
 * order (expiry and eviction take the oldest) and an open-addressing hash table over it
 * (linear probing, backward-shift deletion, so no tombstones pile up). */
#include "notify_dedup.h"
#include "mem.h"
#include <stdlib.h>

typedef struct {
    uint64_t eid;
    int64_t expires_ms;
} entry_t;

struct notify_dedup_t {
    entry_t *ring;               /* oldest at head */
    size_t cap;                  /* ring slots: max_ids */
    size_t head;
    size_t count;
    uint64_t *table;             /* ids; 0 = empty slot */
    size_t mask;                 /* table size - 1 (a power of two, >= 2 * cap) */
    int64_t ttl_ms;
};

/* Sequential ids (one publisher counts up) must spread over the table. */
static size_t
s_hash(const notify_dedup_t *self, uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return (size_t) x & self->mask;
}

notify_dedup_t *
notify_dedup_new(size_t max_ids, int64_t ttl_ms)
{
    notify_dedup_t *self = mem_calloc(1, sizeof *self);
    self->cap = max_ids ? max_ids : 1;
    self->ttl_ms = ttl_ms > 0 ? ttl_ms : 1;
    size_t size = 2;
    while (size < 2 * self->cap)
        size *= 2;
    self->mask = size - 1;
    self->ring = mem_calloc(self->cap, sizeof *self->ring);
    self->table = mem_calloc(size, sizeof *self->table);
    return self;
}

void
notify_dedup_destroy(notify_dedup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->ring);
    free((*self_p)->table);
    free(*self_p);
    *self_p = NULL;
}

static bool
s_find(const notify_dedup_t *self, uint64_t eid, size_t *slot)
{
    for (size_t i = s_hash(self, eid);; i = (i + 1) & self->mask) {
        if (self->table[i] == eid) {
            *slot = i;
            return true;
        }
        if (self->table[i] == 0)
            return false;
    }
}

/* Removes EID from the table, moving later entries of its probe run back into the hole
 * so every remaining id stays reachable from its home slot. */
static void
s_delete(notify_dedup_t *self, uint64_t eid)
{
    size_t hole;
    if (!s_find(self, eid, &hole))
        return;
    for (size_t j = (hole + 1) & self->mask; self->table[j] != 0; j = (j + 1) & self->mask) {
        size_t home = s_hash(self, self->table[j]);
        /* J's entry may fill the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            self->table[hole] = self->table[j];
            hole = j;
        }
    }
    self->table[hole] = 0;
}

static void
s_pop_oldest(notify_dedup_t *self)
{
    s_delete(self, self->ring[self->head].eid);
    self->head = (self->head + 1) % self->cap;
    self->count--;
}

bool
notify_dedup_seen(notify_dedup_t *self, uint64_t eid, int64_t now_ms)
{
    if (eid == 0)
        return false;
    while (self->count > 0 && self->ring[self->head].expires_ms <= now_ms)
        s_pop_oldest(self);
    size_t slot;
    if (s_find(self, eid, &slot))
        return true;
    if (self->count == self->cap)
        s_pop_oldest(self);             /* the bound: the oldest id is forgotten early */
    size_t tail = (self->head + self->count) % self->cap;
    self->ring[tail] = (entry_t) { .eid = eid, .expires_ms = now_ms + self->ttl_ms };
    self->count++;
    size_t i = s_hash(self, eid);
    while (self->table[i] != 0)
        i = (i + 1) & self->mask;
    self->table[i] = eid;
    return false;
}

size_t
notify_dedup_size(const notify_dedup_t *self)
{
    return self->count;
}
