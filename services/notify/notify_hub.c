/* notify_hub.c -- the entry points of notify's loop: sockets joining and leaving, bus
 * events (which socket gets which frame), database results and the tick. Users and
 * topics, sending, markers, join catch-ups and resyncs are modules of their own
 * (notify_users, notify_send, notify_sync, notify_join, notify_resync). Runs on the lws
 * service thread only: no locks. */
#include "notify_app.h"
#include <time.h>
#include "clock.h"
#include "log.h"
#include "notify_event.h"
#include "notify_frame.h"
#include "notify_join.h"
#include "notify_resync.h"
#include "notify_send.h"
#include "notify_sync.h"
#include "notify_users.h"
#include <stdlib.h>
#include <string.h>

/* --- joining and leaving --------------------------------------------------------- */

int
notify_hub_join(notify_app_t *app, notify_session_t *ss, struct lws *wsi)
{
    ss->wsi = wsi;
    ss->id = ++app->next_session_id;
    notify_sendq_init(&ss->out);
    notify_sendq_init(&ss->held);
    notify_idmap_put(app->sessions, (int64_t) ss->id, ss);
    notify_idle_add(&app->idle, &ss->idle, clock_mono_ms());
    notify_user_t *user = notify_users_get(app, ss->user_id);
    ss->user = user;
    ss->next = user->sessions;
    user->sessions = ss;
    metric_add(app->m.connections, 1);

    if (user->groups_state == NOTIFY_GROUPS_LOADED) {
        notify_sync_start(app, ss);
    } else {
        ss->state = NOTIFY_SS_WAIT_GROUPS;
        if (user->groups_state == NOTIFY_GROUPS_NONE) {
            if (notify_db_submit(app->db, NOTIFY_JOB_GROUPS, user->id, ss->id, 0) != 0) {
                notify_send_close(app, ss, NOTIFY_CLOSE_BUSY, "database queue full");
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
    notify_idle_remove(&app->idle, &ss->idle);
    if (ss->state == NOTIFY_SS_WAIT_SYNC)
        notify_sync_end(app, ss);
    notify_user_t *user = ss->user;
    for (notify_session_t **link = &user->sessions; *link; link = &(*link)->next) {
        if (*link == ss) {
            *link = ss->next;
            break;
        }
    }
    if (!user->sessions)
        notify_users_free(app, user);
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
            && !notify_users_has_group(user, ev->message.receiver_id))
            continue;
        if (!nm && !(nm = notify_frame_new_message(&ev->message)))
            break;
        char *nf = notify_frame_notification(&ev->message, notif);
        if (!nf)
            break;
        size_t nm_len = strlen(nm), nf_len = strlen(nf);
        for (notify_session_t *ss = user->sessions; ss; ss = ss->next) {
            bool live = ss->state == NOTIFY_SS_LIVE;
            if (notify_send_deliver(app, ss, nm, nm_len, notif->id)
                && notify_send_deliver(app, ss, nf, nf_len, notif->id)) {
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
            notify_send_deliver(app, ss, frame, strlen(frame), 0);
    }
    free(frame);
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
            notify_send_close(app, ss, NOTIFY_CLOSE_AUTH, "token revoked");
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
            notify_sync_on_marker(app, (uint64_t) ev.n);
        break;
    case NOTIFY_EV_NEW_MESSAGE:
        s_on_new_message(app, &ev);
        break;
    case NOTIFY_EV_MESSAGE_DELETED:
        s_on_message_deleted(app, &ev);
        break;
    case NOTIFY_EV_GROUP_JOINED:
        if ((user = notify_idmap_get(app->users, ev.user_id))
            && notify_users_add_group(app, user, ev.group_id)
            && user->groups_state == NOTIFY_GROUPS_LOADED)
            notify_join_start(app, user, ev.group_id);
        break;
    case NOTIFY_EV_GROUP_LEFT:
        if ((user = notify_idmap_get(app->users, ev.user_id)))
            notify_users_remove_group(app, user, ev.group_id);
        break;
    case NOTIFY_EV_GROUP_DELETED:
        notify_users_group_deleted(app, ev.group_id);
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
        notify_resync_all(app, links & NOTIFY_BUS_LOST ? "a broker was lost"
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
                notify_send_close(app, ss, NOTIFY_CLOSE_ERROR, "database unavailable");
        return;
    }
    /* A union with what group_joined events added meanwhile: subscribing one group too
     * many costs a filter entry, never a wrong frame (frames go to named recipients). */
    for (size_t i = 0; i < r->group_count; i++)
        notify_users_add_group(app, user, r->groups[i]);
    user->groups_state = NOTIFY_GROUPS_LOADED;
    for (notify_session_t *ss = user->sessions; ss; ss = ss->next)
        if (ss->state == NOTIFY_SS_WAIT_GROUPS)
            notify_sync_start(app, ss);
}

static void
s_on_replay(notify_app_t *app, notify_result_t *r)
{
    notify_session_t *ss = notify_idmap_get(app->sessions, (int64_t) r->session_id);
    if (!ss || ss->state != NOTIFY_SS_REPLAY)
        return;
    if (!r->ok) {
        metric_add(app->m.db_failures, 1);
        notify_send_close(app, ss, NOTIFY_CLOSE_ERROR, "database unavailable");
        return;
    }
    int64_t floor = ss->sent.floor;
    size_t rows = notify_send_rows(ss, &r->frames);
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
        notify_send_truncate(app, ss, r->replayed_count ? r->replayed[r->replayed_count - 1] : floor);
        return;
    }
    if (ss->resyncing) {
        ss->resyncing = false;           /* live already: no second "ready" */
        lws_callback_on_writable(ss->wsi);
        notify_send_release(app, ss);
        return;
    }
    notify_send_go_live(app, ss);
}

void
notify_hub_results(notify_app_t *app)
{
    notify_result_t *r;
    while ((r = notify_db_take(app->db))) {
        if (r->kind == NOTIFY_JOB_GROUPS)
            s_on_groups(app, r);
        else if (r->kind == NOTIFY_JOB_CATCHUP)
            notify_join_on_catchup(app, r);
        else
            s_on_replay(app, r);         /* a replay or a resync */
        notify_result_destroy(&r);
    }
    notify_hub_drain(app);
}

/* --- the tick ---------------------------------------------------------------------- */

/* A socket lives no longer than the token that opened it. */
static void
s_close_expired(int64_t key, void *value, void *arg)
{
    (void) key;
    notify_app_t *app = arg;
    notify_session_t *ss = value;
    if (ss->exp_s > 0 && ss->exp_s <= app->now_s && ss->state != NOTIFY_SS_CLOSING) {
        metric_add(app->m.auth_closes, 1);
        notify_send_close(app, ss, NOTIFY_CLOSE_AUTH, "token expired");
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
    notify_sync_retry_all(app);
    notify_join_retry_all(app);
    notify_bus_follow(app->bus);         /* broker names re-resolved when due */
    notify_hub_drain(app);
}
