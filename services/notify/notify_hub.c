/* notify_hub.c -- who is connected here, which topics that needs, and which socket gets
 * which frame. Runs on the lws service thread only: no locks. */
#include "notify_app.h"
#include <time.h>
#include "clock.h"
#include "log.h"
#include "notify_event.h"
#include "notify_frame.h"
#include <stdlib.h>
#include <string.h>

/* A socket without a cursor (no ?since=, nothing sent yet) is resynced from the rows
 * created since it went live, less this much: a transaction that began (its created_at)
 * just before and committed after. */
#define NOTIFY_RESYNC_MARGIN_MS 2000

/* --- topics ---------------------------------------------------------------------- */

static void
s_topic_acquire(notify_app_t *app, event_topic_kind_t kind, int64_t id)
{
    char topic[EVENT_TOPIC_MAX];
    if (notify_topics_acquire(app->topics, kind, id)
        && event_topic_format(kind, id, topic, sizeof topic) > 0)
        notify_bus_subscribe(app->bus, topic);
    metric_set(app->m.topics, (int64_t) notify_topics_size(app->topics));
}

static void
s_topic_release(notify_app_t *app, event_topic_kind_t kind, int64_t id)
{
    char topic[EVENT_TOPIC_MAX];
    if (notify_topics_release(app->topics, kind, id)
        && event_topic_format(kind, id, topic, sizeof topic) > 0)
        notify_bus_unsubscribe(app->bus, topic);
    metric_set(app->m.topics, (int64_t) notify_topics_size(app->topics));
}

/* --- users and their groups -------------------------------------------------------- */

static notify_user_t *
s_user_get_or_new(notify_app_t *app, int64_t uid)
{
    notify_user_t *user = notify_idmap_get(app->users, uid);
    if (user)
        return user;
    user = calloc(1, sizeof *user);
    if (!user)
        abort();
    user->id = uid;
    notify_idmap_put(app->users, uid, user);
    s_topic_acquire(app, EVENT_TOPIC_USER, uid);
    return user;
}

static bool
s_user_has_group(const notify_user_t *user, int64_t gid)
{
    for (size_t i = 0; i < user->group_count; i++)
        if (user->groups[i] == gid)
            return true;
    return false;
}

/* True when GID is new to USER (its topic is then acquired). */
static bool
s_user_add_group(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    if (gid <= 0 || s_user_has_group(user, gid))
        return false;
    if (user->group_count == user->group_cap) {
        size_t cap = user->group_cap ? user->group_cap * 2 : 4;
        int64_t *groups = realloc(user->groups, cap * sizeof *groups);
        if (!groups)
            abort();
        user->groups = groups;
        user->group_cap = cap;
    }
    user->groups[user->group_count++] = gid;
    s_topic_acquire(app, EVENT_TOPIC_GROUP, gid);
    return true;
}

static void
s_user_remove_group(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    for (size_t i = 0; i < user->group_count; i++) {
        if (user->groups[i] == gid) {
            user->groups[i] = user->groups[--user->group_count];
            s_topic_release(app, EVENT_TOPIC_GROUP, gid);
            return;
        }
    }
}

static void
s_user_free(notify_app_t *app, notify_user_t *user)
{
    for (size_t i = 0; i < user->group_count; i++)
        s_topic_release(app, EVENT_TOPIC_GROUP, user->groups[i]);
    s_topic_release(app, EVENT_TOPIC_USER, user->id);
    notify_idmap_remove(app->users, user->id);
    free(user->groups);
    free(user);
}

/* --- sending --------------------------------------------------------------------- */

void
notify_hub_close(notify_app_t *app, notify_session_t *ss, uint16_t code, const char *reason)
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

/* Walks the frames of rows (a notification is two adjacent frames of one tag: new_message
 * and notification; untagged frames stand alone), deciding per row whether SS lacks it. */
typedef struct {
    int64_t tag;
    int frames;
    bool keep;
    size_t rows;                  /* rows kept */
} row_walk_t;

static bool
s_row_keep(notify_session_t *ss, row_walk_t *w, int64_t tag)
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
static size_t
s_send_rows(notify_session_t *ss, notify_sendq_t *q)
{
    row_walk_t w = { 0 };
    notify_frame_t *f;
    while ((f = notify_sendq_take(q))) {
        if (s_row_keep(ss, &w, f->tag))
            notify_sendq_append(&ss->out, f);
        else
            free(f);
    }
    return w.rows;
}

/* Queues FRAME for SS: written now when live, held until the replay is sent otherwise.
 * Past the bounds the client is too slow: it is closed and reconnects with ?since=.
 * False when nothing was queued. */
static bool
s_deliver(notify_app_t *app, notify_session_t *ss, const char *frame, size_t len, int64_t tag)
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
        notify_hub_close(app, ss, NOTIFY_CLOSE_SLOW, "slow consumer");
        return false;
    }
    if (q == &ss->out)
        lws_callback_on_writable(ss->wsi);
    return true;
}

static void s_resync_begin(notify_app_t *app, notify_session_t *ss);

/* Sends the events held meanwhile that the replay and the catch-ups did not send, and
 * goes live; while a join catch-up is still due, keeps holding (the sent ids are what
 * the catch-up's rows and the held events are checked against). A resync that waited
 * for this starts now. */
static void
s_release(notify_app_t *app, notify_session_t *ss)
{
    if (ss->catchups > 0) {
        ss->state = NOTIFY_SS_CATCHUP;
        return;
    }
    s_send_rows(ss, &ss->held);
    ss->state = NOTIFY_SS_LIVE;
    lws_callback_on_writable(ss->wsi);
    if (ss->resync_due) {
        ss->resync_due = false;
        s_resync_begin(app, ss);
    }
}

/* Sends "ready", then what s_release sends. */
static void
s_go_live(notify_app_t *app, notify_session_t *ss)
{
    char *ready = notify_frame_ready(ss->user_id);
    if (!ready) {
        notify_hub_close(app, ss, NOTIFY_CLOSE_ERROR, "out of memory");
        return;
    }
    notify_sendq_push(&ss->out, ready, strlen(ready), 0, LWS_PRE, NOTIFY_SENDQ_UNBOUNDED,
                      NOTIFY_SENDQ_UNBOUNDED);
    free(ready);
    ss->live_ms = clock_wall_ms();
    s_release(app, ss);
}

/* Past NOTIFY_REPLAY_MAX rows, going live would leave a gap between the last row sent
 * and the events held: say where to resume, flush, and close (NOTIFY_CLOSE_TRUNCATED). */
static void
s_truncate(notify_app_t *app, notify_session_t *ss, int64_t last)
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

/* --- sync markers ---------------------------------------------------------------- */

static void
s_start_sync(notify_app_t *app, notify_session_t *ss)
{
    char topic[160];
    if (notify_bus_sync_topic(app->bus, ss->id, topic, sizeof topic) < 0) {
        notify_hub_close(app, ss, NOTIFY_CLOSE_ERROR, "sync topic");
        return;
    }
    /* Subscribed after u:/g: on the same socket: when the marker comes back through the
     * broker, every earlier subscription is in force there too (one ordered pipe). */
    notify_bus_subscribe(app->bus, topic);
    ss->state = NOTIFY_SS_WAIT_SYNC;
    ss->sync_sent_ms = clock_mono_ms();
    notify_bus_publish_sync(app->bus, ss->id);
}

static void
s_end_sync(notify_app_t *app, notify_session_t *ss)
{
    char topic[160];
    if (notify_bus_sync_topic(app->bus, ss->id, topic, sizeof topic) > 0)
        notify_bus_unsubscribe(app->bus, topic);
}

/* --- joins on open sockets -----------------------------------------------------------
 * group_joined subscribes g:<gid>|, but a message of the group published before that
 * subscription reaches the broker is never delivered live. So the same steps as a new
 * socket's: a marker published after the subscription, and when it is back (the topic is
 * in force), a catch-up read of the user's rows for the group's messages. The sockets
 * concerned hold their events meanwhile (CATCHUP) and get the rows they lack, then the
 * held events minus those rows (notify_sent_has, as for a replay). */

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

/* A socket still waiting for its marker sent it before the group's subscription: a new
 * marker (a new id, so the old one's return is ignored) makes its own sync cover it. */
static void
s_resync(notify_app_t *app, notify_session_t *ss)
{
    s_end_sync(app, ss);
    notify_idmap_remove(app->sessions, (int64_t) ss->id);
    ss->id = ++app->next_session_id;
    notify_idmap_put(app->sessions, (int64_t) ss->id, ss);
    s_start_sync(app, ss);
}

/* Adds SS to J's targets: it holds its events until J's rows are in. */
static void
s_join_target(notify_app_t *app, notify_join_t *j, notify_session_t *ss, size_t cap)
{
    if (ss->catchups == UINT8_MAX) {
        notify_hub_close(app, ss, NOTIFY_CLOSE_BUSY, "too many joins at once");
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
static void
s_join_start(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    size_t cap = 0;
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
        cap++;
    notify_join_t *j = calloc(1, sizeof *j);
    if (!j || !(j->targets = calloc(cap ? cap : 1, sizeof *j->targets)))
        abort();
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next) {
        if (ss->state == NOTIFY_SS_WAIT_SYNC)
            s_resync(app, ss);
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
            notify_hub_close(app, ss, code, reason);
    }
    notify_idmap_remove(app->joins, (int64_t) j->id);
    s_join_free(j);
}

static void
s_on_join_sync(notify_app_t *app, uint64_t n)
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
        if (s_row_keep(ss, &w, f->tag))
            notify_sendq_push(&ss->out, f->buf + f->headroom, f->len, f->tag, LWS_PRE,
                              NOTIFY_SENDQ_UNBOUNDED, NOTIFY_SENDQ_UNBOUNDED);
    }
    metric_add(app->m.caught_up, (int64_t) w.rows);
    if (r->truncated) {
        s_truncate(app, ss, r->replayed_count ? r->replayed[r->replayed_count - 1] : 0);
        return;
    }
    lws_callback_on_writable(ss->wsi);
    s_release(app, ss);
}

static void
s_on_catchup(notify_app_t *app, notify_result_t *r)
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
notify_hub_free_joins(notify_app_t *app)
{
    if (app->joins)
        notify_idmap_each(app->joins, s_free_join, NULL);
}

static void
s_on_sync(notify_app_t *app, uint64_t n)
{
    notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) n);
    if (!ss) {
        s_on_join_sync(app, n);          /* a join's marker, or a socket that left */
        return;
    }
    if (ss->state != NOTIFY_SS_WAIT_SYNC)
        return;                          /* a retried marker's twin */
    s_end_sync(app, ss);
    if (!ss->has_since && !ss->resyncing) {
        s_go_live(app, ss);
        return;
    }
    /* A resync reads after the socket's floor, or, with none (no ?since=, nothing sent
     * that left the window), the rows created since it went live. */
    bool by_id = ss->has_since || ss->sent.floor > 0;
    int rc = by_id ? notify_db_submit(app->db, NOTIFY_JOB_REPLAY, ss->user_id, ss->id, ss->sent.floor)
                   : notify_db_submit(app->db, NOTIFY_JOB_RESYNC, ss->user_id, ss->id,
                                      ss->live_ms - NOTIFY_RESYNC_MARGIN_MS);
    if (rc != 0) {
        notify_hub_close(app, ss, NOTIFY_CLOSE_BUSY, "replay queue full");
        return;
    }
    ss->state = NOTIFY_SS_REPLAY;
}

/* --- resyncs: a broker came or went ----------------------------------------------------
 * An event that went only through a broker that died, or that was published while this
 * replica and its publisher had no broker in common, never arrives. So every open socket
 * is caught up the way a ?since= socket starts: a new marker (its return proves the
 * subscriptions are in force at a live broker), then a read of its notifications after
 * its floor, sent minus those it has, in id order, with its live events held meanwhile
 * and then released minus the rows just sent. */

static void
s_resync_begin(notify_app_t *app, notify_session_t *ss)
{
    ss->resyncing = true;
    s_resync(app, ss);                   /* a new marker id: WAIT_SYNC, events held */
}

static void
s_collect(int64_t key, void *value, void *arg)
{
    notify_session_t ***cursor = arg;
    *(*cursor)++ = value;
}

void
notify_hub_resync_all(notify_app_t *app, const char *why)
{
    size_t n = notify_idmap_size(app->sessions);
    if (n == 0)
        return;
    metric_add(app->m.resyncs, 1);
    log_info(NULL, "notify_resync", "%s: catching %zu sockets up from the database", why, n);
    /* Collected first: a resync gives a socket a new id, which moves it in the map. */
    notify_session_t **all = calloc(n, sizeof *all), **cursor = all;
    if (!all)
        abort();
    notify_idmap_each(app->sessions, s_collect, &cursor);
    for (notify_session_t **p = all; p < cursor; p++) {
        notify_session_t *ss = *p;
        switch (ss->state) {
        case NOTIFY_SS_WAIT_SYNC:
            s_resync(app, ss);           /* its read comes after the new marker anyway */
            break;
        case NOTIFY_SS_REPLAY:
        case NOTIFY_SS_CATCHUP:
            ss->resync_due = true;       /* its read may predate the loss: again after it */
            break;
        case NOTIFY_SS_LIVE:
            s_resync_begin(app, ss);
            break;
        default:
            break;                       /* WAIT_GROUPS: its marker is still to come */
        }
    }
    free(all);
}

/* --- joining and leaving --------------------------------------------------------- */

int
notify_hub_join(notify_app_t *app, notify_session_t *ss, struct lws *wsi)
{
    ss->wsi = wsi;
    ss->id = ++app->next_session_id;
    notify_sendq_init(&ss->out);
    notify_sendq_init(&ss->held);
    notify_idmap_put(app->sessions, (int64_t) ss->id, ss);
    notify_user_t *user = s_user_get_or_new(app, ss->user_id);
    ss->user = user;
    ss->next = user->sessions;
    user->sessions = ss;
    metric_add(app->m.connections, 1);

    if (user->groups_state == NOTIFY_GROUPS_LOADED) {
        s_start_sync(app, ss);
    } else {
        ss->state = NOTIFY_SS_WAIT_GROUPS;
        if (user->groups_state == NOTIFY_GROUPS_NONE) {
            if (notify_db_submit(app->db, NOTIFY_JOB_GROUPS, user->id, ss->id, 0) != 0) {
                notify_hub_close(app, ss, NOTIFY_CLOSE_BUSY, "database queue full");
                return -1;
            }
            user->groups_state = NOTIFY_GROUPS_LOADING;
        }
    }
    notify_hub_drain(app);
    return 0;
}

void
notify_hub_leave(notify_app_t *app, notify_session_t *ss)
{
    if (!ss->id)
        return;                          /* never joined */
    notify_idmap_remove(app->sessions, (int64_t) ss->id);
    if (ss->state == NOTIFY_SS_WAIT_SYNC)
        s_end_sync(app, ss);
    notify_user_t *user = ss->user;
    for (notify_session_t **link = &user->sessions; *link; link = &(*link)->next) {
        if (*link == ss) {
            *link = ss->next;
            break;
        }
    }
    if (!user->sessions)
        s_user_free(app, user);
    notify_sendq_clear(&ss->out);
    notify_sendq_clear(&ss->held);
    notify_sent_clear(&ss->sent);
    ss->id = 0;
    metric_add(app->m.connections, -1);
    notify_hub_drain(app);
}

/* --- events ---------------------------------------------------------------------- */

static void
s_on_new_message(notify_app_t *app, const notify_event_t *ev)
{
    bool group = strcmp(ev->message.receiver_type, "group") == 0;
    char *nm = NULL;
    for (size_t i = 0; i < ev->notif_count; i++) {
        const notify_notif_t *notif = &ev->notifs[i];
        notify_user_t *user = notify_idmap_get(app->users, notif->user_id);
        if (!user)
            continue;                    /* a recipient connected to another replica */
        /* A group this user's list lacks: its group_joined is still on the way (another
         * member keeps the topic here), or it was left. A join's catch-up sends the row,
         * so sending it now too would be a duplicate. */
        if (group && user->groups_state == NOTIFY_GROUPS_LOADED
            && !s_user_has_group(user, ev->message.receiver_id))
            continue;
        if (!nm && !(nm = notify_frame_new_message(&ev->message)))
            break;
        char *nf = notify_frame_notification(&ev->message, notif);
        if (!nf)
            break;
        size_t nm_len = strlen(nm), nf_len = strlen(nf);
        for (notify_session_t *ss = user->sessions; ss; ss = ss->next) {
            bool live = ss->state == NOTIFY_SS_LIVE;
            if (s_deliver(app, ss, nm, nm_len, notif->id)
                && s_deliver(app, ss, nf, nf_len, notif->id)) {
                metric_add(app->m.pushed, 1);
                if (live)
                    notify_sent_add(&ss->sent, notif->id);   /* held ones count when released */
            }
        }
        free(nf);
    }
    free(nm);
}

static void
s_on_message_deleted(notify_app_t *app, const notify_event_t *ev)
{
    char *frame = NULL;
    for (size_t i = 0; i < ev->recipient_count; i++) {
        notify_user_t *user = notify_idmap_get(app->users, ev->recipients[i]);
        if (!user)
            continue;
        if (!frame && !(frame = notify_frame_message_deleted(&ev->message)))
            return;
        for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
            s_deliver(app, ss, frame, strlen(frame), 0);
    }
    free(frame);
}

typedef struct {
    int64_t gid;
    notify_user_t **hits;
    size_t count;
    size_t cap;
} group_scan_t;

static void
s_scan_group(int64_t key, void *value, void *arg)
{
    group_scan_t *scan = arg;
    notify_user_t *user = value;
    if (!s_user_has_group(user, scan->gid))
        return;
    if (scan->count == scan->cap) {
        size_t cap = scan->cap ? scan->cap * 2 : 16;
        notify_user_t **hits = realloc(scan->hits, cap * sizeof *hits);
        if (!hits)
            abort();
        scan->hits = hits;
        scan->cap = cap;
    }
    scan->hits[scan->count++] = user;
}

/* A deleted group: every member here drops its topic. Rare, so a scan of the users. */
static void
s_on_group_deleted(notify_app_t *app, int64_t gid)
{
    group_scan_t scan = { .gid = gid };
    notify_idmap_each(app->users, s_scan_group, &scan);
    for (size_t i = 0; i < scan.count; i++)
        s_user_remove_group(app, scan.hits[i], gid);
    free(scan.hits);
}

/* The user's tokens named by EV died: their sockets close with 4401 (API.md). */
static void
s_on_session_revoked(notify_app_t *app, const notify_event_t *ev)
{
    notify_user_t *user = notify_idmap_get(app->users, ev->user_id);
    if (!user)
        return;
    uint64_t jti = notify_token_id_hash(ev->jti), fam = notify_token_id_hash(ev->family);
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next) {
        bool dead = (jti && ss->jti_hash == jti) || (fam && ss->family_hash == fam)
                    || (ev->before_ms > 0 && ss->iat_ms <= ev->before_ms);
        if (dead && ss->state != NOTIFY_SS_CLOSING) {
            metric_add(app->m.auth_closes, 1);
            notify_hub_close(app, ss, NOTIFY_CLOSE_AUTH, "token revoked");
        }
    }
}

void
notify_hub_event(const char *topic, size_t topic_len, const void *payload, size_t size,
                 void *arg)
{
    notify_app_t *app = arg;
    notify_event_t ev;
    metric_add(app->m.events, 1);
    if (notify_event_decode(payload, size, &ev) != 0) {
        metric_add(app->m.malformed, 1);
        return;
    }
    /* The same event through another broker (each publisher sends through all of them,
     * this replica listens to all of them): the first copy was handled. */
    if (notify_dedup_seen(app->dedup, ev.eid, clock_mono_ms())) {
        metric_add(app->m.duplicates, 1);
        notify_event_release(&ev);
        return;
    }
    notify_user_t *user;
    switch (ev.kind) {
    case NOTIFY_EV_SYNC:
        if (notify_bus_is_own_sync(app->bus, topic, topic_len) && ev.n > 0)
            s_on_sync(app, (uint64_t) ev.n);
        break;
    case NOTIFY_EV_NEW_MESSAGE:
        s_on_new_message(app, &ev);
        break;
    case NOTIFY_EV_MESSAGE_DELETED:
        s_on_message_deleted(app, &ev);
        break;
    case NOTIFY_EV_GROUP_JOINED:
        if ((user = notify_idmap_get(app->users, ev.user_id))
            && s_user_add_group(app, user, ev.group_id)
            && user->groups_state == NOTIFY_GROUPS_LOADED)
            s_join_start(app, user, ev.group_id);
        break;
    case NOTIFY_EV_GROUP_LEFT:
        if ((user = notify_idmap_get(app->users, ev.user_id)))
            s_user_remove_group(app, user, ev.group_id);
        break;
    case NOTIFY_EV_GROUP_DELETED:
        s_on_group_deleted(app, ev.group_id);
        break;
    case NOTIFY_EV_SESSION_REVOKED:
        s_on_session_revoked(app, &ev);
        break;
    default:
        break;                           /* an event of a newer version: not ours */
    }
    notify_event_release(&ev);
}

void
notify_hub_drain(notify_app_t *app)
{
    /* A broker lost or (re)gained first: the sockets hold what the drain brings next. */
    int up = 0;
    int links = notify_bus_links(app->bus, &up);
    metric_set(app->m.brokers_up, up);
    if (links)
        notify_hub_resync_all(app, links & NOTIFY_BUS_LOST ? "a broker was lost"
                                                           : "a broker came up");
    /* Bounded per call so one burst cannot starve the sockets; the tick comes back. */
    notify_bus_drain(app->bus, 10000, notify_hub_event, app);
}

/* --- database results ------------------------------------------------------------ */

static void
s_on_groups(notify_app_t *app, notify_result_t *r)
{
    notify_user_t *user = notify_idmap_get(app->users, r->user_id);
    if (!user)
        return;                          /* every socket of the user left meanwhile */
    if (!r->ok) {
        metric_add(app->m.db_failures, 1);
        user->groups_state = NOTIFY_GROUPS_NONE;
        for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
            if (ss->state == NOTIFY_SS_WAIT_GROUPS)
                notify_hub_close(app, ss, NOTIFY_CLOSE_ERROR, "database unavailable");
        return;
    }
    /* A union with what group_joined events added meanwhile: subscribing one group too
     * many costs a filter entry, never a wrong frame (frames go to named recipients). */
    for (size_t i = 0; i < r->group_count; i++)
        s_user_add_group(app, user, r->groups[i]);
    user->groups_state = NOTIFY_GROUPS_LOADED;
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
        if (ss->state == NOTIFY_SS_WAIT_GROUPS)
            s_start_sync(app, ss);
}

static void
s_on_replay(notify_app_t *app, notify_result_t *r)
{
    notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) r->session_id);
    if (!ss || ss->state != NOTIFY_SS_REPLAY)
        return;
    if (!r->ok) {
        metric_add(app->m.db_failures, 1);
        notify_hub_close(app, ss, NOTIFY_CLOSE_ERROR, "database unavailable");
        return;
    }
    int64_t floor = ss->sent.floor;
    size_t rows = s_send_rows(ss, &r->frames);
    if (ss->resyncing) {
        metric_add(app->m.resynced, (int64_t) rows);
        if (rows)
            log_info(NULL, "notify_resynced", "sent user %lld %zu notifications its socket lacked",
                     (long long) ss->user_id, rows);
    } else {
        metric_add(app->m.replays, 1);
        metric_add(app->m.replayed, (int64_t) rows);
    }
    if (r->truncated) {
        s_truncate(app, ss, r->replayed_count ? r->replayed[r->replayed_count - 1] : floor);
        return;
    }
    if (ss->resyncing) {
        ss->resyncing = false;           /* live already: no second "ready" */
        lws_callback_on_writable(ss->wsi);
        s_release(app, ss);
        return;
    }
    s_go_live(app, ss);
}

void
notify_hub_results(notify_app_t *app)
{
    notify_result_t *r;
    while ((r = notify_db_take(app->db))) {
        if (r->kind == NOTIFY_JOB_GROUPS)
            s_on_groups(app, r);
        else if (r->kind == NOTIFY_JOB_CATCHUP)
            s_on_catchup(app, r);
        else
            s_on_replay(app, r);         /* a replay or a resync */
        notify_result_destroy(&r);
    }
    notify_hub_drain(app);
}

/* --- the tick ---------------------------------------------------------------------- */

static void
s_retry_sync(int64_t key, void *value, void *arg)
{
    notify_app_t *app = arg;
    notify_session_t *ss = value;
    int64_t now = clock_mono_ms();
    if (ss->state == NOTIFY_SS_WAIT_SYNC && now - ss->sync_sent_ms >= app->cfg.sync_retry_ms) {
        /* Lost on the way (broker restarting, or it overtook our subscription): again. */
        ss->sync_sent_ms = now;
        notify_bus_publish_sync(app->bus, ss->id);
    }
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

/* A socket lives no longer than the token that opened it. */
static void
s_close_expired(int64_t key, void *value, void *arg)
{
    (void) key;
    notify_app_t *app = arg;
    notify_session_t *ss = value;
    if (ss->exp_s > 0 && ss->exp_s <= app->now_s && ss->state != NOTIFY_SS_CLOSING) {
        metric_add(app->m.auth_closes, 1);
        notify_hub_close(app, ss, NOTIFY_CLOSE_AUTH, "token expired");
    }
}

void
notify_hub_tick(notify_app_t *app)
{
    int64_t now_s = (int64_t) time(NULL);
    if (now_s != app->now_s) {           /* once a second is enough for expiries */
        app->now_s = now_s;
        notify_idmap_each(app->sessions, s_close_expired, app);
    }
    notify_idmap_each(app->sessions, s_retry_sync, app);
    notify_idmap_each(app->joins, s_retry_join_sync, app);
    notify_bus_follow(app->bus);         /* broker names re-resolved when due */
    notify_hub_drain(app);
}
