/* notify_sent.h -- which notifications one socket was sent: a window of the last ids
 * queued to it, and a floor below which every id counts as sent.
 *
 * The window drops the live twin of a row a replay, catch-up or resync read, and the rows
 * a resync reads that the socket already has. Ids come mostly in ascending order (an
 * append), sometimes not: notification ids are taken at INSERT and events published after
 * COMMIT, so two transactions can commit, and publish, in the other order. Past
 * NOTIFY_SENT_MAX ids the smallest leaves the window and becomes the floor.
 *
 * The invariant (what makes a resync safe): every id ever added is in the window or at or
 * below the floor. So a row above the floor that is not in the window was never sent: a
 * resync that reads after the floor and sends what the window lacks sends nothing twice.
 *
 * The bound: the floor counts every smaller id as sent. A row whose id is below the
 * smallest of the last NOTIFY_SENT_MAX ids queued to the socket when its event (or a
 * resync's read of it) comes is taken for sent and skipped on this socket. That takes a
 * commit (or an event) behind NOTIFY_SENT_MAX later notifications of the same user: at
 * the chaos test's rate (about 19 notifications a second per user) a lag of over 3 s.
 * A client's own ?since= cursor makes the same assumption with no window at all.
 *
 * Memory: NOTIFY_SENT_MAX * 8 bytes at most (512), allocated as ids come. One thread. */
#ifndef NOTIFY_SENT_H
#define NOTIFY_SENT_H
#include <stdbool.h>
#include <stdint.h>

#define NOTIFY_SENT_MAX 64

typedef struct {
    int64_t *ids;                /* ascending, at most NOTIFY_SENT_MAX */
    int64_t floor;               /* every id up to here was sent, or is not wanted: the
                                    socket's ?since=, raised as the window slides */
    uint16_t count;
    uint16_t cap;
} notify_sent_t;

/* True when notification ID counts as sent: at or below the floor, or in the window.
 * Ids <= 0 (frames that are no notification) never do. */
bool notify_sent_has(const notify_sent_t *self, int64_t id);

/* Records that notification ID was queued (nothing when it already counts as sent). */
void notify_sent_add(notify_sent_t *self, int64_t id);

/* Frees the window (the floor stays). */
void notify_sent_clear(notify_sent_t *self);

#endif
