/* notify_sync.h -- a socket's sync marker (services/notify/README.md, "Socket life"): its
 * return through the broker proves the socket's topics are in force there. lws thread
 * only. */
#ifndef NOTIFY_SYNC_H
#define NOTIFY_SYNC_H
#include "notify_app.h"

/* Subscribes SS's sync topic and publishes its marker: SS waits (WAIT_SYNC). */
void notify_sync_start(notify_app_t *app, notify_session_t *ss);

/* Unsubscribes SS's sync topic. */
void notify_sync_end(notify_app_t *app, notify_session_t *ss);

/* A new marker under a new id for SS (the old one's return is then ignored). */
void notify_sync_renew(notify_app_t *app, notify_session_t *ss);

/* Marker N came back: a socket goes live or has its replay or resync read; a join's
 * marker goes to notify_join. */
void notify_sync_on_marker(notify_app_t *app, uint64_t n);

/* Publishes again the markers out for NOTIFY_SYNC_RETRY_MS (the tick). */
void notify_sync_retry_all(notify_app_t *app);

#endif
