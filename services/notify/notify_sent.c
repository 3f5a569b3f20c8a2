/* notify_sent.c -- the window of notification ids queued to one socket, and its floor. */
#include "notify_sent.h"
#include "mem.h"
#include <stdlib.h>
#include <string.h>

static int
s_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

bool
notify_sent_has(const notify_sent_t *self, int64_t id)
{
    if (id <= 0)
        return false;
    if (id <= self->floor)
        return true;
    return self->count && bsearch(&id, self->ids, self->count, sizeof id, s_cmp_id);
}

void
notify_sent_add(notify_sent_t *self, int64_t id)
{
    if (id <= 0 || notify_sent_has(self, id))
        return;
    size_t pos = self->count;
    while (pos > 0 && self->ids[pos - 1] > id)
        pos--;
    if (self->count == self->cap && self->cap < NOTIFY_SENT_MAX) {
        size_t cap = self->cap ? (size_t) self->cap * 2 : 4;
        if (cap > NOTIFY_SENT_MAX)
            cap = NOTIFY_SENT_MAX;
        int64_t *ids = mem_realloc(self->ids, cap * sizeof *ids);
        self->ids = ids;
        self->cap = (uint16_t) cap;
    }
    if (self->count == NOTIFY_SENT_MAX) {
        if (pos == 0) {                   /* older than the whole window */
            self->floor = id > self->floor ? id : self->floor;
            return;
        }
        /* The smallest leaves: the whole window moves down one, not only the ids before
         * POS (moving only those would drop the largest id, the one sent last, and leave
         * a copy of ids[pos - 1] out of order: a resync would send that id again). */
        if (self->ids[0] > self->floor)
            self->floor = self->ids[0];
        memmove(self->ids, self->ids + 1, (size_t) (self->count - 1) * sizeof *self->ids);
        pos--;
        self->count--;
    }
    memmove(self->ids + pos + 1, self->ids + pos, (size_t) (self->count - pos) * sizeof *self->ids);
    self->ids[pos] = id;
    self->count++;
}

void
notify_sent_clear(notify_sent_t *self)
{
    free(self->ids);
    self->ids = NULL;
    self->count = self->cap = 0;
}
