/* notify_send.c -- what a socket is sent: frames queued (live) or held (until its replay
 * or catch-up is in), rows deduplicated by notification id, "ready", the truncation and
 * the close. lws thread only. */
#include "notify_send.h"
#include "clock.h"
#include "log.h"
#include "notify_frame.h"
#include "notify_resync.h"
#include <stdlib.h>
#include <string.h>

void
notify_send_close(notify_app_t *app, notify_session_t *ss, uint16_t code, const char *reason)
{
    if (ss->state == NOTIFY_SS_CLOSING)
        return;
    metric_add(app->m.dropped, (int64_t) (ss->out.count + ss->held.count));
    notify_sendq_clear(&ss->out);
    notify_sendq_clear(&ss->held);
    ss->state = NOTIFY_SS_CLOSING;
    ss->close_code = code;
    log_info(NULL, "ws_close", "closing socket of user %lld: %d %s", (long long) ss->user_id,
             code, reason);
    /* A client that stopped reading never becomes writeable: the timeout ends it anyway. */
    lws_set_timeout(ss->wsi, PENDING_TIMEOUT_USER_OK, 3);
    lws_callback_on_writable(ss->wsi);
}

bool
notify_send_row_keep(notify_session_t *ss, row_walk_t *w, int64_t tag)
{
    if (tag <= 0)
        return true;
    if (tag != w->tag || w->frames == 2) {
        w->tag = tag;
        w->frames = 0;
        w->keep = !notify_sent_has(&ss->sent, tag);
        if (w->keep) {
            notify_sent_add(&ss->sent, tag);
            w->rows++;
        }
    }
    w->frames++;
    return w->keep;
}

/* Moves the frames of Q to SS's out, minus the rows SS already has. Returns rows moved. */
size_t
notify_send_rows(notify_session_t *ss, notify_sendq_t *q)
{
    row_walk_t w = { 0 };
    notify_frame_t *f;
    while ((f = notify_sendq_take(q))) {
        if (notify_send_row_keep(ss, &w, f->tag))
            notify_sendq_append(&ss->out, f);
        else
            free(f);
    }
    return w.rows;
}

/* Queues FRAME for SS: written now when live, held until the replay is sent otherwise.
 * Past the bounds the client is too slow: it is closed and reconnects with ?since=.
 * False when nothing was queued. */
bool
notify_send_deliver(notify_app_t *app, notify_session_t *ss, const char *frame, size_t len, int64_t tag)
{
    notify_sendq_t *q;
    switch (ss->state) {
    case NOTIFY_SS_LIVE:
        if (notify_sent_has(&ss->sent, tag))
            return false;                /* the late live twin of a row already sent */
        q = &ss->out;
        break;
    case NOTIFY_SS_WAIT_GROUPS:
    case NOTIFY_SS_WAIT_SYNC:
    case NOTIFY_SS_REPLAY:
    case NOTIFY_SS_CATCHUP:
        q = &ss->held;
        break;
    default:
        return false;
    }
    if (notify_sendq_push(q, frame, len, tag, LWS_PRE, (size_t) app->cfg.send_queue_max,
                          (size_t) app->cfg.send_queue_bytes) != 0) {
        metric_add(app->m.dropped, 1);
        metric_add(app->m.slow_closes, 1);
        notify_send_close(app, ss, NOTIFY_CLOSE_SLOW, "slow consumer");
        return false;
    }
    if (q == &ss->out)
        lws_callback_on_writable(ss->wsi);
    return true;
}

/* Sends the events held meanwhile that the replay and the catch-ups did not send, and
 * goes live; while a join catch-up is still due, keeps holding (the sent ids are what
 * the catch-up's rows and the held events are checked against). A resync that waited
 * for this starts now. */
void
notify_send_release(notify_app_t *app, notify_session_t *ss)
{
    if (ss->catchups > 0) {
        ss->state = NOTIFY_SS_CATCHUP;
        return;
    }
    notify_send_rows(ss, &ss->held);
    ss->state = NOTIFY_SS_LIVE;
    lws_callback_on_writable(ss->wsi);
    if (ss->resync_due) {
        ss->resync_due = false;
        notify_resync_begin(app, ss);
    }
}

/* Sends "ready", then what notify_send_release sends. */
void
notify_send_go_live(notify_app_t *app, notify_session_t *ss)
{
    char *ready = notify_frame_ready(ss->user_id);
    if (!ready) {
        notify_send_close(app, ss, NOTIFY_CLOSE_ERROR, "out of memory");
        return;
    }
    notify_sendq_push(&ss->out, ready, strlen(ready), 0, LWS_PRE, NOTIFY_SENDQ_UNBOUNDED,
                      NOTIFY_SENDQ_UNBOUNDED);
    free(ready);
    ss->live_ms = clock_wall_ms();
    notify_send_release(app, ss);
}

/* Past NOTIFY_REPLAY_MAX rows, going live would leave a gap between the last row sent
 * and the events held: say where to resume, flush, and close (NOTIFY_CLOSE_TRUNCATED). */
void
notify_send_truncate(notify_app_t *app, notify_session_t *ss, int64_t last)
{
    metric_add(app->m.replays_truncated, 1);
    char *frame = notify_frame_replay_truncated(last);
    if (frame) {
        notify_sendq_push(&ss->out, frame, strlen(frame), 0, LWS_PRE, NOTIFY_SENDQ_UNBOUNDED,
                          NOTIFY_SENDQ_UNBOUNDED);
        free(frame);
    }
    notify_sendq_clear(&ss->held);
    ss->state = NOTIFY_SS_CLOSING;
    ss->close_code = NOTIFY_CLOSE_TRUNCATED;
    lws_callback_on_writable(ss->wsi);
}

