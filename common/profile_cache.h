/* profile_cache.h -- the Redis cache of GET /api/users/:id, a contract between the edge,
 * which reads and fills it, and the users service, which deletes a user's entries before
 * it acknowledges a change of that user (so a client never reads its own write stale).
 *
 * What a profile shows depends only on whether the caller is an admin (users' rule:
 * admins also see email, phone and role), so the cache keeps one entry per view and never
 * serves one view to the other class of caller:
 *   user:profile:<id>:admin   the admin view;
 *   user:profile:<id>:public  everyone else's view.
 * The value is the reply's "data" as JSON text (the edge's concern: edge_cache.h). */
#ifndef COMMON_PROFILE_CACHE_H
#define COMMON_PROFILE_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include "redis_conn.h"

typedef enum { PROFILE_VIEW_PUBLIC = 0, PROFILE_VIEW_ADMIN } profile_view_t;

#define PROFILE_CACHE_KEY_MAX 64

/* The view a caller of ROLE (NULL: none) gets of another user's profile: the rule the
 * users service answers by and the cache splits on. */
profile_view_t profile_view_of(const char *role);

/* The cache key of user ID's VIEW into OUT. Returns its length, or -1 when ID is not an
 * id or the key does not fit (OUT is then ""). */
int profile_cache_key(int64_t id, profile_view_t view, char *out, size_t size);

/* Deletes every view of user ID. 0, or -1 when Redis did not confirm (the caller must not
 * acknowledge the change: a stale view could outlive it). */
int profile_cache_forget(redis_conn_t *redis, int64_t id);

#endif
