/* edge_cache.h -- the response cache of GET /api/users/:id in Redis (API.md).
 *
 * Its keys, one per view, and the view rule they split on are common/profile_cache.h's,
 * shared with the users service, which deletes a user's entries before it acknowledges a
 * change of that user. The value is the reply's "data" exactly as JSON text; a hit is
 * wrapped in a fresh success envelope. TTL CACHE_TTL_S (1800). Redis unreachable: a
 * miss, and a fill that is skipped. */
#ifndef EDGE_CACHE_H
#define EDGE_CACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edge_buf.h"
#include "edge_route.h"
#include "metrics.h"
#include "profile_cache.h"
#include "redis_conn.h"
#include "edge_stage.h"

#define EDGE_CACHE_MAX_VALUE   65536     /* a profile is far smaller; never cache a monster */

typedef struct edge_cache_t edge_cache_t;

/* Caches GET /api/users/:id of TABLE for TTL_S seconds (0: caching off). Counts into
 * METRICS' cache_hits_total / cache_misses_total (METRICS may be NULL). */
edge_cache_t *edge_cache_new(const edge_route_t *table, int ttl_s, metrics_t *metrics);
void edge_cache_destroy(edge_cache_t **self_p);

/* True when ROUTE's answers are cached. */
bool edge_cache_applies(const edge_cache_t *self, const edge_route_t *route);

/* The cache entry of ROUTE for user ID as seen by a caller of ROLE, into OUT (at least
 * PROFILE_CACHE_KEY_MAX bytes): the view follows the caller's role (profile_view_of), so
 * an admin's view is never served to anyone else. False (OUT "") when ROUTE's answers
 * are not cached. */
bool edge_cache_key(const edge_cache_t *self, const edge_route_t *route, int64_t id,
                    const char *role, char *out, size_t size);

/* Looks KEY up. Returns 1 with the cached data in OUT (replacing its contents), 0 on a
 * miss (Redis down included). */
int edge_cache_get(edge_cache_t *self, redis_conn_t *redis, const char *key, edge_buf_t *out);

/* The same for the REPLY of a GET already made (NULL: Redis did not answer), which it
 * frees: the edge reads the cache in the revocation check's round trip
 * (redis_conn_prefetch). */
int edge_cache_take(edge_cache_t *self, redisReply *reply, edge_buf_t *out);

/* Stores LEN bytes of DATA under KEY with the TTL. Failures are ignored: a later miss. */
void edge_cache_put(edge_cache_t *self, redis_conn_t *redis, const char *key, const char *data,
                    size_t len);

/* Names the cache entry of request R in r->cache_key when its route is cached (the view
 * follows the caller's role: an admin's view is never served to anyone else). False when
 * nothing is cached for it. */
bool edge_cache_request_key(edge_thread_t *t, edge_request_t *r);

/* The stage: a cached route answered from the cache (read by edge_auth_stage with the
 * revocation check, or here); a miss marks the answer to be stored. */
int edge_cache_stage(edge_thread_t *t, edge_request_t *r);

/* After the bus call: a 200 answer of a cached route that missed goes into the cache. */
void edge_cache_fill(edge_thread_t *t, edge_request_t *r);

#endif
