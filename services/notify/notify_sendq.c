/* notify_sendq.c -- the bounded per-socket frame queue. */
#include "notify_sendq.h"
#include <stdlib.h>
#include <string.h>

void
notify_sendq_init(notify_sendq_t *q)
{
    memset(q, 0, sizeof *q);
}

void
notify_sendq_clear(notify_sendq_t *q)
{
    notify_frame_t *f;
    while ((f = notify_sendq_take(q)))
        free(f);
}

int
notify_sendq_push(notify_sendq_t *q, const void *data, size_t len, int64_t tag,
                  size_t headroom, size_t max_frames, size_t max_bytes)
{
    if (q->count >= max_frames || len > max_bytes || q->bytes > max_bytes - len)
        return -1;
    notify_frame_t *f = malloc(sizeof *f + headroom + len);
    if (!f)
        return -1;
    f->next = NULL;
    f->tag = tag;
    f->len = len;
    f->headroom = headroom;
    memcpy(f->buf + headroom, data, len);
    notify_sendq_append(q, f);
    return 0;
}

notify_frame_t *
notify_sendq_peek(const notify_sendq_t *q)
{
    return q->head;
}

notify_frame_t *
notify_sendq_take(notify_sendq_t *q)
{
    notify_frame_t *f = q->head;
    if (!f)
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->count--;
    q->bytes -= f->len;
    f->next = NULL;
    return f;
}

void
notify_sendq_append(notify_sendq_t *q, notify_frame_t *frame)
{
    frame->next = NULL;
    if (q->tail)
        q->tail->next = frame;
    else
        q->head = frame;
    q->tail = frame;
    q->count++;
    q->bytes += frame->len;
}
