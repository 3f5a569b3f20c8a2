/* notify_join.c -- joins on open sockets made gap-free: the join catch-up's state
 * (notify_join_t, app->joins), its marker and its read. lws thread only.
 *
 * group_joined subscribes g:<gid>|, but a message of the group published before that
 * subscription reaches the broker is never delivered live. So the same steps as a new
 * socket's: a marker published after the subscription, and when it is back (the topic is
 * in force), a catch-up read of the user's rows for the group's messages. The sockets
 * concerned hold their events meanwhile (CATCHUP) and get the rows they lack, then the
 * held events minus those rows (notify_sent_has, as for a replay). */
#include "notify_join.h"
#include "mem.h"
#include "clock.h"
#include "notify_send.h"
#include "notify_sync.h"
#include <stdlib.h>

static void
s_join_free(notify_join_t *j)
{
    free(j->targets);
    free(j);
}

static void
s_join_sync_topic(notify_app_t *app, const notify_join_t *j, bool subscribe)
{
    char topic[160];
    if (notify_bus_sync_topic(app->bus, j->id, topic, sizeof topic) < 0)
        return;
    if (subscribe)
        notify_bus_subscribe(app->bus, topic);
    else
        notify_bus_unsubscribe(app->bus, topic);
}

/* Adds SS to J's targets: it holds its events until J's rows are in. */
static void
s_join_target(notify_app_t *app, notify_join_t *j, notify_session_t *ss, size_t cap)
{
    if (ss->catchups == UINT8_MAX) {
        notify_send_close(app, ss, NOTIFY_CLOSE_BUSY, "too many joins at once");
        return;
    }
    ss->catchups++;
    if (ss->state == NOTIFY_SS_LIVE)
        ss->state = NOTIFY_SS_CATCHUP;
    if (j->target_count < cap)
        j->targets[j->target_count++] = ss->id;
}

/* USER was just added to GID (its topic newly subscribed). Sockets still in WAIT_GROUPS
 * need nothing: their marker goes out after this subscription. */
void
notify_join_start(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    size_t cap = 0;
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
        cap++;
    notify_join_t *j = mem_calloc(1, sizeof *j);
    j->targets = mem_calloc(cap ? cap : 1, sizeof *j->targets);
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next) {
        if (ss->state == NOTIFY_SS_WAIT_SYNC)
            notify_sync_renew(app, ss);
        else if (ss->state == NOTIFY_SS_REPLAY || ss->state == NOTIFY_SS_LIVE
                 || ss->state == NOTIFY_SS_CATCHUP)
            s_join_target(app, j, ss, cap);
    }
    if (j->target_count == 0) {
        s_join_free(j);
        return;
    }
    j->id = ++app->next_session_id;
    j->user_id = user->id;
    j->group_id = gid;
    notify_idmap_put(app->joins, (int64_t) j->id, j);
    /* After g:<gid>| on the same socket: when this marker is back, that topic is in force. */
    s_join_sync_topic(app, j, true);
    j->sync_sent_ms = clock_mono_ms();
    notify_bus_publish_sync(app->bus, j->id);
}

/* J failed (queue full, database error): its targets cannot be made gap-free here, so they
 * close with CODE and reconnect with ?since=, which loses nothing. */
static void
s_join_fail(notify_app_t *app, notify_join_t *j, uint16_t code, const char *reason)
{
    for (size_t i = 0; i < j->target_count; i++) {
        notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) j->targets[i]);
        if (ss)
            notify_send_close(app, ss, code, reason);
    }
    notify_idmap_remove(app->joins, (int64_t) j->id);
    s_join_free(j);
}

void
notify_join_on_sync(notify_app_t *app, uint64_t n)
{
    notify_join_t *j = notify_idmap_get(app->joins, (int64_t) n);
    if (!j || j->sync_sent_ms == 0)
        return;                          /* not ours any more, or a retried marker's twin */
    s_join_sync_topic(app, j, false);
    j->sync_sent_ms = 0;
    if (!notify_idmap_get(app->users, j->user_id)) {
        notify_idmap_remove(app->joins, (int64_t) j->id);   /* every socket left */
        s_join_free(j);
        return;
    }
    if (notify_db_submit(app->db, NOTIFY_JOB_CATCHUP, j->user_id, j->id, j->group_id) != 0)
        s_join_fail(app, j, NOTIFY_CLOSE_BUSY, "database queue full");
}

/* The rows of catch-up R that SS lacks, in id order, then (when no other catch-up is
 * due) its held events minus those rows. */
static void
s_apply_catchup(notify_app_t *app, notify_session_t *ss, const notify_result_t *r)
{
    if (ss->catchups > 0)
        ss->catchups--;
    /* REPLAY went first (the worker answers in order): anything else is closing. */
    if (ss->state != NOTIFY_SS_CATCHUP)
        return;
    row_walk_t w = { 0 };
    for (notify_frame_t *f = r->frames.head; f; f = f->next) {
        /* Copied, not moved: the same rows may go to several sockets of the user. */
        if (notify_send_row_keep(ss, &w, f->tag))
            notify_sendq_push(&ss->out, f->buf + f->headroom, f->len, f->tag, LWS_PRE,
                              NOTIFY_SENDQ_UNBOUNDED, NOTIFY_SENDQ_UNBOUNDED);
    }
    metric_add(app->m.caught_up, (int64_t) w.rows);
    if (r->truncated) {
        notify_send_truncate(app, ss, r->replayed_count ? r->replayed[r->replayed_count - 1] : 0);
        return;
    }
    lws_callback_on_writable(ss->wsi);
    notify_send_release(app, ss);
}

void
notify_join_on_catchup(notify_app_t *app, notify_result_t *r)
{
    notify_join_t *j = notify_idmap_get(app->joins, (int64_t) r->session_id);
    if (!j)
        return;
    if (!r->ok) {
        metric_add(app->m.db_failures, 1);
        s_join_fail(app, j, NOTIFY_CLOSE_ERROR, "database unavailable");
        return;
    }
    metric_add(app->m.catchups, 1);
    for (size_t i = 0; i < j->target_count; i++) {
        notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) j->targets[i]);
        if (ss && ss->state != NOTIFY_SS_CLOSING)
            s_apply_catchup(app, ss, r);
    }
    notify_idmap_remove(app->joins, (int64_t) j->id);
    s_join_free(j);
}

static void
s_free_join(int64_t key, void *value, void *arg)
{
    s_join_free(value);
}

void
notify_join_free_all(notify_app_t *app)
{
    if (app->joins)
        notify_idmap_each(app->joins, s_free_join, NULL);
}


static void
s_retry_join_sync(int64_t key, void *value, void *arg)
{
    notify_app_t *app = arg;
    notify_join_t *j = value;
    int64_t now = clock_mono_ms();
    if (j->sync_sent_ms && now - j->sync_sent_ms >= app->cfg.sync_retry_ms) {
        j->sync_sent_ms = now;
        notify_bus_publish_sync(app->bus, j->id);
    }
}

void
notify_join_retry_all(notify_app_t *app)
{
    notify_idmap_each(app->joins, s_retry_join_sync, app);
}
