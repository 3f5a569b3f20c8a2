/* notify_resync.c -- a broker came or went: every open socket caught up from the
 * database. lws thread only.
 *
 * An event that went only through a broker that died, or that was published while this
 * replica and its publisher had no broker in common, never arrives. So every open socket
 * is caught up the way a ?since= socket starts: a new marker (its return proves the
 * subscriptions are in force at a live broker), then a read of its notifications after
 * its floor, sent minus those it has, in id order, with its live events held meanwhile
 * and then released minus the rows just sent. */
#include "notify_resync.h"
#include "mem.h"
#include "log.h"
#include "notify_sync.h"
#include <stdlib.h>

void
notify_resync_begin(notify_app_t *app, notify_session_t *ss)
{
    ss->resyncing = true;
    notify_sync_renew(app, ss);                   /* a new marker id: WAIT_SYNC, events held */
}

static void
s_collect(int64_t key, void *value, void *arg)
{
    notify_session_t ***cursor = arg;
    *(*cursor)++ = value;
}

void
notify_resync_all(notify_app_t *app, const char *why)
{
    size_t n = notify_idmap_size(app->sessions);
    if (n == 0)
        return;
    metric_add(app->m.resyncs, 1);
    log_info(NULL, "notify_resync", "%s: catching %zu sockets up from the database", why, n);
    /* Collected first: a resync gives a socket a new id, which moves it in the map. */
    notify_session_t **all = mem_calloc(n, sizeof *all), **cursor = all;
    notify_idmap_each(app->sessions, s_collect, &cursor);
    for (notify_session_t **p = all; p < cursor; p++) {
        notify_session_t *ss = *p;
        switch (ss->state) {
        case NOTIFY_SS_WAIT_SYNC:
            notify_sync_renew(app, ss);           /* its read comes after the new marker anyway */
            break;
        case NOTIFY_SS_REPLAY:
        case NOTIFY_SS_CATCHUP:
            ss->resync_due = true;       /* its read may predate the loss: again after it */
            break;
        case NOTIFY_SS_LIVE:
            notify_resync_begin(app, ss);
            break;
        default:
            break;                       /* WAIT_GROUPS: its marker is still to come */
        }
    }
    free(all);
}

