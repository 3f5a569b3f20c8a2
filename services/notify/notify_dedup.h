/* notify_dedup.h -- the recent event ids notify has seen, to deliver each event once.
 *
 * notify subscribes through every broker and every publisher publishes through every
 * broker, so each event arrives once per broker, its copies milliseconds apart, all with
 * the same id (`eid`, schemas/events.md). The filter remembers the ids of the last
 * MAX_IDS events for at most TTL_MS each: a copy within that window is a duplicate. Past
 * the bound (a twin later than TTL_MS, or behind more than MAX_IDS newer events) the id
 * is forgotten and the late copy is delivered again; each socket's sent ids still
 * drop a new_message whose notification the socket was sent (notify_sent.h).
 *
 * Memory: MAX_IDS * 16 bytes for the ring, plus a hash table of 2..4 * MAX_IDS * 8 bytes
 * (1.5 MiB at most for the default 65,536). Constant time per id. One thread only. */
#ifndef NOTIFY_DEDUP_H
#define NOTIFY_DEDUP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct notify_dedup_t notify_dedup_t;

/* MAX_IDS (>= 1) ids remembered at most, each for TTL_MS (>= 1). */
notify_dedup_t *notify_dedup_new(size_t max_ids, int64_t ttl_ms);
void notify_dedup_destroy(notify_dedup_t **self_p);

/* True when EID was seen within the window (a duplicate: drop it); otherwise remembers it
 * as seen at NOW_MS (a monotonic clock) and returns false. EID 0 (no id: an older
 * publisher) is never a duplicate and is not remembered. */
bool notify_dedup_seen(notify_dedup_t *self, uint64_t eid, int64_t now_ms);

/* Ids remembered now. */
size_t notify_dedup_size(const notify_dedup_t *self);

#endif
