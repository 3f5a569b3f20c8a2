/* edge_ratelimit.h -- the rate limit of API.md, shared by every edge replica through
 * Redis: fixed windows (default 3 per second and 100 per minute) per client key
 * rl:<ip>:<user id or anonymous>, with stricter windows per route (login, register).
 *
 * One round trip per request: one EVALSHA of a Lua script that reads every window, and
 * only when none is full counts the request in all of them (a refused request does not
 * use up the next window), then answers counts and times to reset. The same script first
 * checks the token's revocation keys, so an authenticated request costs one round trip
 * in all. A script missing from Redis (NOSCRIPT after a restart) is sent once with EVAL,
 * which also puts it back into Redis's script cache.
 *
 * Redis unreachable: RATE_LIMIT_FALLBACK decides: memory (default: the same windows per
 * replica, in this process; logged once per outage), open (let through), closed (503).
 * Never a 500; never longer than REDIS_TIMEOUT_MS (redis_conn bounds every command). */
#ifndef EDGE_RATELIMIT_H
#define EDGE_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>
#include "edge_route.h"
#include "redis_conn.h"
#include "revocation.h"
#include "edge_stage.h"

#define EDGE_RL_MAX_WINDOWS  4
#define EDGE_RL_MAX_ROUTES   64           /* route table entries that can be configured */

typedef struct {
    int64_t limit;
    int64_t window_s;
} edge_rl_window_t;

typedef struct {
    edge_rl_window_t w[EDGE_RL_MAX_WINDOWS];
    int count;
} edge_rl_spec_t;

typedef enum { EDGE_RL_FALLBACK_MEMORY = 0, EDGE_RL_FALLBACK_OPEN, EDGE_RL_FALLBACK_CLOSED }
    edge_rl_fallback_t;

typedef struct {
    bool enabled;                 /* RATE_LIMIT_ENABLED, true */
    const char *windows;          /* RATE_LIMIT_WINDOWS, e.g. "3/1s,100/60s"; NULL: from
                                     RATE_LIMIT_PER_SECOND / RATE_LIMIT_PER_MINUTE */
    int64_t per_second;           /* RATE_LIMIT_PER_SECOND, 3 */
    int64_t per_minute;           /* RATE_LIMIT_PER_MINUTE, 100 */
    const char *routes;           /* RATE_LIMIT_ROUTES, "/api/auth/login=5/60s;..." */
    edge_rl_fallback_t fallback;  /* RATE_LIMIT_FALLBACK, memory */
} edge_rl_config_t;

/* Parses "3/1s,100/60s" (units s, m, h; a bare number is seconds). Returns 0, or -1 on a
 * malformed spec, a limit or window below 1, or more than EDGE_RL_MAX_WINDOWS windows. */
int edge_rl_spec_parse(const char *text, edge_rl_spec_t *out);

/* The verdict for one request. */
typedef struct {
    bool limited;                 /* the windows applied: write the X-RateLimit-* headers */
    bool allowed;
    int64_t limit, remaining;     /* of the window closest to exhaustion */
    int64_t reset_s;              /* unix seconds when that window starts over */
    int64_t retry_after_s;        /* when refused: whole seconds until every full window
                                     has started over */
    int revoked;                  /* revocation keys: 1 revoked, 0 not, -1 not checked */
    bool unavailable;             /* Redis did not answer and the fallback is closed */
} edge_rl_result_t;

typedef struct edge_ratelimit_t edge_ratelimit_t;

/* From CFG and the route TABLE (route overrides name templates of it). NULL on a spec that
 * does not parse, or the SHA-1 of the script cannot be made (logged). */
edge_ratelimit_t *edge_ratelimit_new(const edge_rl_config_t *cfg, const edge_route_t *table);
void edge_ratelimit_destroy(edge_ratelimit_t **self_p);

bool edge_ratelimit_enabled(const edge_ratelimit_t *self);

/* Checks and counts one request of client IP and USER_ID (0: anonymous) on ROUTE at unix
 * ms NOW, in one round trip on REDIS, together with the token's revocation check REV
 * (NULL for none: a public route). Fills *OUT. When Redis does not answer, out->revoked
 * is -1 and the fallback decides the verdict. */
void edge_ratelimit_check(edge_ratelimit_t *self, redis_conn_t *redis,
                          const edge_route_t *route, const char *ip, int64_t user_id,
                          const revocation_t *rev, int64_t now_ms, edge_rl_result_t *out);

/* Memory fallback alone (for tests and for the fallback path): same windows, this
 * process only. */
void edge_ratelimit_check_memory(edge_ratelimit_t *self, const edge_route_t *route,
                                 const char *ip, int64_t user_id, int64_t now_ms,
                                 edge_rl_result_t *out);

/* Turns the script's answer (an array: revoked, allowed, then count and ms to reset per
 * window) into *OUT for the windows of ROUTE. Returns 0, or -1 on a malformed answer.
 * Separate for the unit tests. */
int edge_ratelimit_read_reply(const edge_ratelimit_t *self, const edge_route_t *route,
                              const redisReply *reply, int64_t now_ms, edge_rl_result_t *out);

/* True when the request's route is rate limited (never health and metrics). */
bool edge_ratelimit_applies(const edge_thread_t *t, const edge_request_t *r);

/* The stage: the limit's verdict (taken here, or with the revocation check by
 * edge_auth_stage), its X-RateLimit-* header lines, 429 with Retry-After when over. */
int edge_ratelimit_stage(edge_thread_t *t, edge_request_t *r);

#endif
