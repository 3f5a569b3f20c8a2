/* profile_cache.c -- the keys of the profile cache and the view rule they split on. */
#include "profile_cache.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

profile_view_t
profile_view_of(const char *role)
{
    return role && strcmp(role, "admin") == 0 ? PROFILE_VIEW_ADMIN : PROFILE_VIEW_PUBLIC;
}

int
profile_cache_key(int64_t id, profile_view_t view, char *out, size_t size)
{
    if (size == 0)
        return -1;
    int n = id > 0 ? snprintf(out, size, "user:profile:%" PRId64 ":%s", id,
                              view == PROFILE_VIEW_ADMIN ? "admin" : "public") : -1;
    if (n < 0 || (size_t) n >= size) {
        out[0] = '\0';
        return -1;
    }
    return n;
}

int
profile_cache_forget(redis_conn_t *redis, int64_t id)
{
    char admin[PROFILE_CACHE_KEY_MAX], public[PROFILE_CACHE_KEY_MAX];
    if (profile_cache_key(id, PROFILE_VIEW_ADMIN, admin, sizeof admin) < 0
        || profile_cache_key(id, PROFILE_VIEW_PUBLIC, public, sizeof public) < 0)
        return -1;
    const char *argv[] = { "DEL", admin, public };
    size_t lens[] = { 3, strlen(admin), strlen(public) };
    redisReply *r = redis_conn_command(redis, 3, argv, lens);
    int rc = r && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r)
        freeReplyObject(r);
    return rc;
}
