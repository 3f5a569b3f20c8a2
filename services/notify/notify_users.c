/* notify_users.c -- the users with a socket on this replica, their groups, and the bus
 * topics those need (u:<uid>| and g:<gid>|, reference counted). lws thread only. */
#include "notify_users.h"
#include "mem.h"
#include <stdlib.h>

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

notify_user_t *
notify_users_get(notify_app_t *app, int64_t uid)
{
    notify_user_t *user = notify_idmap_get(app->users, uid);
    if (user)
        return user;
    user = mem_calloc(1, sizeof *user);
    user->id = uid;
    notify_idmap_put(app->users, uid, user);
    s_topic_acquire(app, EVENT_TOPIC_USER, uid);
    return user;
}

bool
notify_users_has_group(const notify_user_t *user, int64_t gid)
{
    for (size_t i = 0; i < user->group_count; i++)
        if (user->groups[i] == gid)
            return true;
    return false;
}

/* True when GID is new to USER (its topic is then acquired). */
bool
notify_users_add_group(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    if (gid <= 0 || notify_users_has_group(user, gid))
        return false;
    if (user->group_count == user->group_cap) {
        size_t cap = user->group_cap ? user->group_cap * 2 : 4;
        int64_t *groups = mem_realloc(user->groups, cap * sizeof *groups);
        user->groups = groups;
        user->group_cap = cap;
    }
    user->groups[user->group_count++] = gid;
    s_topic_acquire(app, EVENT_TOPIC_GROUP, gid);
    return true;
}

void
notify_users_remove_group(notify_app_t *app, notify_user_t *user, int64_t gid)
{
    for (size_t i = 0; i < user->group_count; i++) {
        if (user->groups[i] == gid) {
            user->groups[i] = user->groups[--user->group_count];
            s_topic_release(app, EVENT_TOPIC_GROUP, gid);
            return;
        }
    }
}

void
notify_users_free(notify_app_t *app, notify_user_t *user)
{
    for (size_t i = 0; i < user->group_count; i++)
        s_topic_release(app, EVENT_TOPIC_GROUP, user->groups[i]);
    s_topic_release(app, EVENT_TOPIC_USER, user->id);
    notify_idmap_remove(app->users, user->id);
    free(user->groups);
    free(user);
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
    if (!notify_users_has_group(user, scan->gid))
        return;
    if (scan->count == scan->cap) {
        size_t cap = scan->cap ? scan->cap * 2 : 16;
        notify_user_t **hits = mem_realloc(scan->hits, cap * sizeof *hits);
        scan->hits = hits;
        scan->cap = cap;
    }
    scan->hits[scan->count++] = user;
}

/* A deleted group: every member here drops its topic. Rare, so a scan of the users. */
void
notify_users_group_deleted(notify_app_t *app, int64_t gid)
{
    group_scan_t scan = { .gid = gid };
    notify_idmap_each(app->users, s_scan_group, &scan);
    for (size_t i = 0; i < scan.count; i++)
        notify_users_remove_group(app, scan.hits[i], gid);
    free(scan.hits);
}

