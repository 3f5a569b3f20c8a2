/* notify_users.h -- the users with a socket on this replica and their groups: each one
 * holds u:<uid>| and g:<gid>| subscribed while it is here (notify_topics counts them, the
 * bus subscribes the first and unsubscribes the last). lws thread only. */
#ifndef NOTIFY_USERS_H
#define NOTIFY_USERS_H
#include "notify_app.h"

/* The user UID, registered (u:<uid>| acquired) if new. */
notify_user_t *notify_users_get(notify_app_t *app, int64_t uid);

bool notify_users_has_group(const notify_user_t *user, int64_t gid);

/* True when GID is new to USER (its topic is then acquired). */
bool notify_users_add_group(notify_app_t *app, notify_user_t *user, int64_t gid);

void notify_users_remove_group(notify_app_t *app, notify_user_t *user, int64_t gid);

/* Forgets USER (its last socket left) and releases its topics. */
void notify_users_free(notify_app_t *app, notify_user_t *user);

/* A deleted group: every member here drops its topic. */
void notify_users_group_deleted(notify_app_t *app, int64_t gid);

#endif
