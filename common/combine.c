/* combine.c -- per-key group commit: the queue of each key, who leads its next
 * batch, and the hand-off to the waiting threads (combine.h). */
#include "combine.h"
#include "mem.h"
#include <stdlib.h>

enum { WAITING, LEADING, DONE };

/* A key with a batch running (BUSY) and the items queued behind it. A lane exists only
 * while busy, so there are never more lanes than threads inside combine_run. */
typedef struct {
    int64_t key;
    bool busy;
    combine_item_t *head, *tail;
    int queued;
} lane_t;

struct combine_t {
    pthread_mutex_t lock;
    int batch_max, queue_max;
    lane_t **lanes;
    int lane_count, lane_cap;
    uint64_t batches, items;
};

combine_t *
combine_new(int batch_max, int queue_max)
{
    combine_t *self = mem_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->batch_max = batch_max < 1 ? 1 : batch_max;
    self->queue_max = queue_max < 0 ? 0 : queue_max;
    return self;
}

void
combine_destroy(combine_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    combine_t *self = *self_p;
    for (int i = 0; i < self->lane_count; i++)
        free(self->lanes[i]);
    free(self->lanes);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

/* KEY's lane, made idle when absent. Under the lock. */
static lane_t *
s_lane(combine_t *self, int64_t key)
{
    for (int i = 0; i < self->lane_count; i++)
        if (self->lanes[i]->key == key)
            return self->lanes[i];
    if (self->lane_count == self->lane_cap) {
        self->lane_cap = self->lane_cap ? 2 * self->lane_cap : 8;
        self->lanes = mem_realloc(self->lanes, (size_t) self->lane_cap * sizeof *self->lanes);
    }
    lane_t *lane = mem_calloc(1, sizeof *lane);
    lane->key = key;
    self->lanes[self->lane_count++] = lane;
    return lane;
}

/* Drops an idle lane. Under the lock. */
static void
s_lane_drop(combine_t *self, lane_t *lane)
{
    for (int i = 0; i < self->lane_count; i++)
        if (self->lanes[i] == lane) {
            self->lanes[i] = self->lanes[--self->lane_count];
            break;
        }
    free(lane);
}

static combine_item_t *
s_pop(lane_t *lane)
{
    combine_item_t *item = lane->head;
    if (item) {
        lane->head = item->next;
        if (!lane->head)
            lane->tail = NULL;
        item->next = NULL;
        lane->queued--;
    }
    return item;
}

static void
s_count(combine_t *self, int n)
{
    self->batches++;
    self->items += (uint64_t) n;
}

bool
combine_run(combine_t *self, int64_t key, combine_item_t *item, combine_exec_fn *exec,
            void *ctx)
{
    item->next = NULL;
    item->state = WAITING;
    pthread_cond_init(&item->wake, NULL);
    pthread_mutex_lock(&self->lock);
    lane_t *lane = s_lane(self, key);
    if (!lane->busy) {
        lane->busy = true;
        item->state = LEADING;
    }
    else if (lane->queued >= self->queue_max) {
        /* A full queue: alone, beside the running batch (the database still orders the
         * two; only the sharing of a flush is lost). */
        s_count(self, 1);
        pthread_mutex_unlock(&self->lock);
        combine_item_t *one[] = { item };
        exec(ctx, one, 1);
        pthread_cond_destroy(&item->wake);
        return true;
    }
    else {
        if (lane->tail)
            lane->tail->next = item;
        else
            lane->head = item;
        lane->tail = item;
        lane->queued++;
        while (item->state == WAITING)
            pthread_cond_wait(&item->wake, &self->lock);
        if (item->state == DONE) {
            pthread_mutex_unlock(&self->lock);
            pthread_cond_destroy(&item->wake);
            return false;
        }
    }
    /* Leading: this thread's own item first, then the queue in arrival order. */
    combine_item_t **batch = mem_malloc((size_t) self->batch_max * sizeof *batch);
    int n = 0;
    batch[n++] = item;
    while (n < self->batch_max && lane->head)
        batch[n++] = s_pop(lane);
    s_count(self, n);
    pthread_mutex_unlock(&self->lock);

    exec(ctx, batch, n);

    pthread_mutex_lock(&self->lock);
    /* Each member is answered; once the lock is released they may return, so nothing of
     * theirs is touched after that. */
    for (int i = 1; i < n; i++) {
        batch[i]->state = DONE;
        pthread_cond_signal(&batch[i]->wake);
    }
    /* Whoever queued meanwhile: the first of them leads the next batch. */
    combine_item_t *next = s_pop(lane);
    if (next) {
        next->state = LEADING;
        pthread_cond_signal(&next->wake);
    }
    else
        s_lane_drop(self, lane);
    pthread_mutex_unlock(&self->lock);
    free(batch);
    pthread_cond_destroy(&item->wake);
    return true;
}

void
combine_stats(combine_t *self, uint64_t *batches, uint64_t *items)
{
    pthread_mutex_lock(&self->lock);
    *batches = self->batches;
    *items = self->items;
    pthread_mutex_unlock(&self->lock);
}

int
combine_waiting(combine_t *self, int64_t key)
{
    pthread_mutex_lock(&self->lock);
    int n = 0;
    for (int i = 0; i < self->lane_count; i++)
        if (self->lanes[i]->key == key)
            n = self->lanes[i]->queued;
    pthread_mutex_unlock(&self->lock);
    return n;
}
