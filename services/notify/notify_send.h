/* notify_send.h -- what a socket is sent: live frames queued, frames held while its
 * replay, catch-up or resync is read, rows deduplicated against its record of sent
 * notification ids (notify_sent), "ready", the truncation and the close. lws thread only. */
#ifndef NOTIFY_SEND_H
#define NOTIFY_SEND_H
#include "notify_app.h"

/* Walks the frames of rows (a notification is two adjacent frames of one tag: new_message
 * and notification; untagged frames stand alone), deciding per row whether SS lacks it. */
typedef struct {
    int64_t tag;
    int frames;
    bool keep;
    size_t rows;                  /* rows kept */
} row_walk_t;

/* Whether the frame tagged TAG (a notification id; 0: untagged, always kept) goes to SS:
 * a row is kept when SS lacks it (then recorded as sent). */
bool notify_send_row_keep(notify_session_t *ss, row_walk_t *w, int64_t tag);

/* Moves the frames of Q to SS's out, minus the rows SS already has. Returns rows moved. */
size_t notify_send_rows(notify_session_t *ss, notify_sendq_t *q);

/* Queues FRAME for SS: written now when live, held otherwise. Past the bounds the client
 * is closed 1008 (slow). False when nothing was queued. */
bool notify_send_deliver(notify_app_t *app, notify_session_t *ss, const char *frame, size_t len,
                         int64_t tag);

/* Sends the held events the replay and catch-ups did not send and goes live (or keeps
 * holding while a join catch-up is due); starts a resync that waited for this. */
void notify_send_release(notify_app_t *app, notify_session_t *ss);

/* Sends "ready", then what notify_send_release sends. */
void notify_send_go_live(notify_app_t *app, notify_session_t *ss);

/* Past NOTIFY_REPLAY_MAX rows: replay_truncated naming LAST, flush, close 4001. */
void notify_send_truncate(notify_app_t *app, notify_session_t *ss, int64_t last);

/* Closes SS with CODE (and REASON) at once, dropping what it had queued. */
void notify_send_close(notify_app_t *app, notify_session_t *ss, uint16_t code, const char *reason);

#endif
