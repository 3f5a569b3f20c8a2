/* notify_sendq.h -- a bounded queue of outgoing frames for one WebSocket.
 *
 * libwebsockets writes one frame per WRITEABLE callback, so frames wait here meanwhile.
 * The queue is bounded in frames and in bytes: a client that stops reading must cost this
 * process a bounded amount of memory (the caller closes it when a push is refused). Each
 * frame keeps HEADROOM spare bytes in front of its payload, as lws_write needs LWS_PRE. */
#ifndef NOTIFY_SENDQ_H
#define NOTIFY_SENDQ_H
#include <stddef.h>
#include <stdint.h>

typedef struct notify_frame_t {
    struct notify_frame_t *next;
    int64_t tag;                 /* the notification id a frame belongs to, or 0 */
    size_t len;                  /* payload bytes */
    size_t headroom;
    unsigned char buf[];         /* headroom bytes, then the payload */
} notify_frame_t;

typedef struct {
    notify_frame_t *head;
    notify_frame_t *tail;
    size_t count;
    size_t bytes;                /* payload bytes queued */
} notify_sendq_t;

/* Unbounded pushes pass this as both limits. */
#define NOTIFY_SENDQ_UNBOUNDED SIZE_MAX

void notify_sendq_init(notify_sendq_t *q);

/* Frees every frame queued. The queue stays usable (empty). */
void notify_sendq_clear(notify_sendq_t *q);

/* Copies LEN bytes of DATA into a new frame tagged TAG at the tail. Returns 0, or -1 when
 * the queue would then hold more than MAX_FRAMES frames or MAX_BYTES payload bytes (then
 * nothing was queued). */
int notify_sendq_push(notify_sendq_t *q, const void *data, size_t len, int64_t tag,
                      size_t headroom, size_t max_frames, size_t max_bytes);

/* The head frame (still queued), or NULL when empty. Its payload is at buf + headroom. */
notify_frame_t *notify_sendq_peek(const notify_sendq_t *q);

/* Unlinks the head frame and returns it (caller frees it with free()), or NULL. */
notify_frame_t *notify_sendq_take(notify_sendq_t *q);

/* Links FRAME (taken from some queue) at the tail, whatever the bounds. */
void notify_sendq_append(notify_sendq_t *q, notify_frame_t *frame);

#endif
