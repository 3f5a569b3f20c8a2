/* notify_sync.c -- a socket's sync marker: published on sync:<replica>:<n>| after its
 * topics (when it comes back through the broker, they are in force there), retried until
 * it does; then live, or the ?since= replay or resync read. lws thread only. */
#include "notify_sync.h"
#include "clock.h"
#include "notify_join.h"
#include "notify_send.h"

/* A socket without a cursor (no ?since=, nothing sent yet) is resynced from the rows
 * created since it went live, less this much: a transaction that began (its created_at)
 * just before and committed after. */
#define NOTIFY_RESYNC_MARGIN_MS 2000

void
notify_sync_start(notify_app_t *app, notify_session_t *ss)
{
    char topic[160];
    if (notify_bus_sync_topic(app->bus, ss->id, topic, sizeof topic) < 0) {
        notify_send_close(app, ss, NOTIFY_CLOSE_ERROR, "sync topic");
        return;
    }
    /* Subscribed after u:/g: on the same socket: when the marker comes back through the
     * broker, every earlier subscription is in force there too (one ordered pipe). */
    notify_bus_subscribe(app->bus, topic);
    ss->state = NOTIFY_SS_WAIT_SYNC;     /* its only way in: notify_sync_retry_all relies on it */
    app->sync_waiting = true;
    ss->sync_sent_ms = clock_mono_ms();
    notify_bus_publish_sync(app->bus, ss->id);
}

void
notify_sync_end(notify_app_t *app, notify_session_t *ss)
{
    char topic[160];
    if (notify_bus_sync_topic(app->bus, ss->id, topic, sizeof topic) > 0)
        notify_bus_unsubscribe(app->bus, topic);
}

/* A socket still waiting for its marker sent it before the group's subscription: a new
 * marker (a new id, so the old one's return is ignored) makes its own sync cover it. */
void
notify_sync_renew(notify_app_t *app, notify_session_t *ss)
{
    notify_sync_end(app, ss);
    notify_idmap_remove(app->sessions, (int64_t) ss->id);
    ss->id = ++app->next_session_id;
    notify_idmap_put(app->sessions, (int64_t) ss->id, ss);
    notify_sync_start(app, ss);
}

void
notify_sync_on_marker(notify_app_t *app, uint64_t n)
{
    notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) n);
    if (!ss) {
        notify_join_on_sync(app, n);          /* a join's marker, or a socket that left */
        return;
    }
    if (ss->state != NOTIFY_SS_WAIT_SYNC)
        return;                          /* a retried marker's twin */
    notify_sync_end(app, ss);
    if (!ss->has_since && !ss->resyncing) {
        notify_send_go_live(app, ss);
        return;
    }
    /* A resync reads after the socket's floor, or, with none (no ?since=, nothing sent
     * that left the window), the rows created since it went live. */
    bool by_id = ss->has_since || ss->sent.floor > 0;
    int rc = by_id ? notify_db_submit(app->db, NOTIFY_JOB_REPLAY, ss->user_id, ss->id, ss->sent.floor)
                   : notify_db_submit(app->db, NOTIFY_JOB_RESYNC, ss->user_id, ss->id,
                                      ss->live_ms - NOTIFY_RESYNC_MARGIN_MS);
    if (rc != 0) {
        notify_send_close(app, ss, NOTIFY_CLOSE_BUSY, "replay queue full");
        return;
    }
    ss->state = NOTIFY_SS_REPLAY;
}

static void
s_retry_sync(int64_t key, void *value, void *arg)
{
    notify_app_t *app = arg;
    notify_session_t *ss = value;
    if (ss->state != NOTIFY_SS_WAIT_SYNC)
        return;
    app->sync_waiting = true;
    int64_t now = clock_mono_ms();
    if (now - ss->sync_sent_ms >= app->cfg.sync_retry_ms) {
        /* Lost on the way (broker restarting, or it overtook our subscription): again. */
        ss->sync_sent_ms = now;
        notify_bus_publish_sync(app->bus, ss->id);
    }
}

void
notify_sync_retry_all(notify_app_t *app)
{
    /* A pass over every socket, 4 times a second, is a cache miss per socket (10% of
     * notify's CPU with 19,000 held): skipped once a pass found none waiting, until
     * notify_sync_start puts one in WAIT_SYNC again (the state's only way in). */
    if (!app->sync_waiting)
        return;
    app->sync_waiting = false;
    notify_idmap_each(app->sessions, s_retry_sync, app);
}
