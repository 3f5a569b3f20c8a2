/* notify_join.h -- a group_joined on open sockets made gap-free: a marker after the new
 * topic, then a catch-up read of the user's rows of that group, the sockets holding their
 * events meanwhile (services/notify/README.md, "Joins on open sockets"). lws thread only. */
#ifndef NOTIFY_JOIN_H
#define NOTIFY_JOIN_H
#include "notify_app.h"

/* USER was just added to GID (its topic newly subscribed): starts the catch-up of the
 * sockets that need one. */
void notify_join_start(notify_app_t *app, notify_user_t *user, int64_t gid);

/* Marker N came back and is no socket's: a join's, whose catch-up is then queued. */
void notify_join_on_sync(notify_app_t *app, uint64_t n);

/* A catch-up read R is in: its sockets get the rows they lack, then their held events. */
void notify_join_on_catchup(notify_app_t *app, notify_result_t *r);

/* Publishes again the join markers out for NOTIFY_SYNC_RETRY_MS (the tick). */
void notify_join_retry_all(notify_app_t *app);

/* Frees the catch-ups still in progress (at shutdown). */
void notify_join_free_all(notify_app_t *app);

#endif
