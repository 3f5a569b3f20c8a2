/* combine.h -- per-key group commit between worker threads: requests for one key (the
 * hot inbox's receiver) queue behind the one batch running for it, and the thread that
 * finds no batch running leads the next one (it writes everyone's rows in one transaction
 * and answers every member), so many requests share one COMMIT and so one disk flush. No
 * I/O here: the executor is the caller's (services/messages/README.md, "The hot inbox"). */
#ifndef COMBINE_H
#define COMBINE_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct combine_t combine_t;

/* One request. The caller owns it (on its stack) and fills ARG; the rest is the
 * combiner's. It stays untouched by others once combine_run returns. */
typedef struct combine_item_t {
    void *arg;                          /* the caller's request, for the executor */
    struct combine_item_t *next;        /* the queue of its key */
    int state;                          /* waiting, leading, done */
    pthread_cond_t wake;
} combine_item_t;

/* Runs one batch: ITEMS[0 .. N-1] in their queue order, all of one key, ITEMS[0] being
 * the leader's own request. It must answer every item before it returns (success or
 * failure alike): the waiting threads wake only then, and return what it answered. */
typedef void combine_exec_fn(void *ctx, combine_item_t **items, int n);

/* At most BATCH_MAX (>= 1) items per batch and QUEUE_MAX items waiting per key; a request
 * that finds its key's queue full runs alone (a batch of one, beside the running one).
 * Never NULL. */
combine_t *combine_new(int batch_max, int queue_max);
void combine_destroy(combine_t **self_p);

/* Queues ITEM for KEY and returns once it was answered: either by another thread's batch,
 * or by a batch this thread led with EXEC(CTX, ...) (CTX being this thread's). The first
 * waiting item of the key leads the next batch, so no thread serves others for longer than
 * the batch that holds its own request. Returns true when this thread led the batch. */
bool combine_run(combine_t *self, int64_t key, combine_item_t *item, combine_exec_fn *exec,
                 void *ctx);

/* Batches run so far and items they held (for tests and the docs' figures). */
void combine_stats(combine_t *self, uint64_t *batches, uint64_t *items);

/* Items queued for KEY now, behind its running batch (for tests). */
int combine_waiting(combine_t *self, int64_t key);

#endif
