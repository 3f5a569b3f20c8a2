/* edge_ratelimit.c -- the rate limit: the Lua script, its reply, the route overrides, the
 * in-memory fallback, and the rate-limit stage. */
#include "edge_ratelimit.h"
#include "mem.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "clock.h"
#include "edge_routeopt.h"
#include "edge_thread.h"
#include "log.h"

/* KEYS: R revocation keys (revocation.h), then one counter per window. ARGV[1] = R,
 * ARGV[2] = the token's iat_ms; then limit and window ms of each window. Answers
 * {revoked, allowed, count1, ms_to_reset1, ...}. A window is counted only when no window
 * is full, so a client refused in the per-second window does not also burn its
 * per-minute allowance. */
static const char s_script[] =
    "local r, iat = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
    REVOCATION_LUA
    "local n = #KEYS - r\n"
    "local counts, full = {}, false\n"
    "for i = 1, n do\n"
    "  local c = tonumber(redis.call('GET', KEYS[r + i]) or '0')\n"
    "  counts[i] = c\n"
    "  if c >= tonumber(ARGV[2 * i + 1]) then full = true end\n"
    "end\n"
    "local out = {0, full and 0 or 1}\n"
    "for i = 1, n do\n"
    "  local key, c = KEYS[r + i], counts[i]\n"
    "  if not full then c = redis.call('INCR', key) end\n"
    "  local ttl = redis.call('PTTL', key)\n"
    "  if ttl < 0 and c > 0 then\n"
    "    redis.call('PEXPIRE', key, ARGV[2 * i + 2])\n"
    "    ttl = tonumber(ARGV[2 * i + 2])\n"
    "  elseif ttl < 0 then ttl = tonumber(ARGV[2 * i + 2]) end\n"
    "  out[#out + 1] = c\n"
    "  out[#out + 1] = ttl\n"
    "end\n"
    "return out\n";

#define S_MEM_SLOTS 8192             /* fallback counters; a collision resets one: lenient */

typedef struct {
    uint64_t hash;
    int64_t start_ms;
    int64_t count;
} s_mem_slot_t;

struct edge_ratelimit_t {
    edge_rl_config_t cfg;
    const edge_route_t *table;
    edge_rl_spec_t defaults;
    edge_rl_spec_t routes[EDGE_RL_MAX_ROUTES];    /* count 0: the defaults apply */
    char sha[41];
    atomic_bool outage;                           /* Redis unreachable: logged once */
    pthread_mutex_t mem_lock;
    s_mem_slot_t *mem;
};

int
edge_rl_spec_parse(const char *text, edge_rl_spec_t *out)
{
    memset(out, 0, sizeof *out);
    const char *p = text;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        char *end = NULL;
        long long limit = strtoll(p, &end, 10);
        if (end == p || *end != '/')
            return -1;
        p = end + 1;
        long long window = strtoll(p, &end, 10);
        if (end == p)
            return -1;
        p = end;
        long long unit = 1;
        if (*p == 's')
            p++;
        else if (*p == 'm')
            unit = 60, p++;
        else if (*p == 'h')
            unit = 3600, p++;
        while (*p == ' ')
            p++;
        if (*p && *p != ',')
            return -1;
        if (limit < 1 || window < 1 || window > 86400 || out->count >= EDGE_RL_MAX_WINDOWS)
            return -1;
        out->w[out->count++] = (edge_rl_window_t) { limit, window * unit };
    }
    return out->count > 0 ? 0 : -1;
}

static int
s_route_spec(void *arg, int index, const char *value)
{
    edge_ratelimit_t *self = arg;
    if (index >= EDGE_RL_MAX_ROUTES)
        return -1;
    return edge_rl_spec_parse(value, &self->routes[index]);
}

edge_ratelimit_t *
edge_ratelimit_new(const edge_rl_config_t *cfg, const edge_route_t *table)
{
    edge_ratelimit_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->table = table;
    pthread_mutex_init(&self->mem_lock, NULL);
    if (cfg->windows) {
        if (edge_rl_spec_parse(cfg->windows, &self->defaults) != 0) {
            log_error(NULL, "edge_config", "RATE_LIMIT_WINDOWS: cannot parse '%s'", cfg->windows);
            goto fail;
        }
    }
    else {
        self->defaults.w[0] = (edge_rl_window_t) { cfg->per_second, 1 };
        self->defaults.w[1] = (edge_rl_window_t) { cfg->per_minute, 60 };
        self->defaults.count = 2;
    }
    if (cfg->routes && edge_routeopt_parse(table, cfg->routes, s_route_spec, self) != 0) {
        log_error(NULL, "edge_config", "RATE_LIMIT_ROUTES: cannot parse '%s'", cfg->routes);
        goto fail;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(s_script, strlen(s_script), md, &mdlen, EVP_sha1(), NULL) || mdlen != 20) {
        log_error(NULL, "edge_config", "no SHA-1 in OpenSSL for the rate-limit script");
        goto fail;
    }
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(self->sha + 2 * i, 3, "%02x", md[i]);
    if (cfg->fallback == EDGE_RL_FALLBACK_MEMORY)
        self->mem = mem_calloc(S_MEM_SLOTS, sizeof *self->mem);
    return self;
fail:
    edge_ratelimit_destroy(&self);
    return NULL;
}

void
edge_ratelimit_destroy(edge_ratelimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_ratelimit_t *self = *self_p;
    pthread_mutex_destroy(&self->mem_lock);
    free(self->mem);
    free(self);
    *self_p = NULL;
}

bool
edge_ratelimit_enabled(const edge_ratelimit_t *self)
{
    return self && self->cfg.enabled;
}

static const edge_rl_spec_t *
s_spec(const edge_ratelimit_t *self, const edge_route_t *route, bool *is_route)
{
    long index = route ? (long) (route - self->table) : -1;
    *is_route = index >= 0 && index < EDGE_RL_MAX_ROUTES && self->routes[index].count > 0;
    return *is_route ? &self->routes[index] : &self->defaults;
}

/* The counter key of window W: rl:<ip>:<user>:<seconds>s[:<route template>]. */
static int
s_key(char *out, size_t size, const char *ip, int64_t user_id, const edge_rl_window_t *w,
      const edge_route_t *route, bool is_route)
{
    char user[24];
    if (user_id > 0)
        snprintf(user, sizeof user, "%" PRId64, user_id);
    else
        snprintf(user, sizeof user, "anonymous");
    int n = snprintf(out, size, "rl:%s:%s:%" PRId64 "s%s%s", ip, user, w->window_s,
                     is_route ? ":" : "", is_route ? route->path : "");
    return (n < 0 || (size_t) n >= size) ? -1 : n;
}

/* Fills the headers' figures from per-window COUNTS and MS_LEFT. */
static void
s_verdict(const edge_rl_spec_t *spec, const int64_t *counts, const int64_t *ms_left,
          bool allowed, int64_t now_ms, edge_rl_result_t *out)
{
    out->limited = true;
    out->allowed = allowed;
    int best = -1;
    int64_t best_remaining = INT64_MAX, retry_ms = 0;
    for (int i = 0; i < spec->count; i++) {
        int64_t remaining = spec->w[i].limit - counts[i];
        if (remaining < 0)
            remaining = 0;
        /* closest to exhaustion; on a tie, the one that starts over last */
        if (remaining < best_remaining || (remaining == best_remaining && ms_left[i] > ms_left[best])) {
            best = i;
            best_remaining = remaining;
        }
        if (counts[i] >= spec->w[i].limit && ms_left[i] > retry_ms)
            retry_ms = ms_left[i];
    }
    out->limit = spec->w[best].limit;
    out->remaining = allowed ? best_remaining : 0;
    out->reset_s = (now_ms + ms_left[best] + 999) / 1000;
    out->retry_after_s = allowed ? 0 : (retry_ms + 999) / 1000;
    if (!allowed && out->retry_after_s < 1)
        out->retry_after_s = 1;
}

int
edge_ratelimit_read_reply(const edge_ratelimit_t *self, const edge_route_t *route,
                          const redisReply *reply, int64_t now_ms, edge_rl_result_t *out)
{
    bool is_route;
    const edge_rl_spec_t *spec = s_spec(self, route, &is_route);
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2)
        return -1;
    for (size_t i = 0; i < reply->elements; i++)
        if (reply->element[i]->type != REDIS_REPLY_INTEGER)
            return -1;
    out->revoked = reply->element[0]->integer ? 1 : 0;
    if (out->revoked)
        return 0;
    if (reply->elements != 2 + 2 * (size_t) spec->count)
        return -1;
    int64_t counts[EDGE_RL_MAX_WINDOWS], ms_left[EDGE_RL_MAX_WINDOWS];
    for (int i = 0; i < spec->count; i++) {
        counts[i] = reply->element[2 + 2 * i]->integer;
        ms_left[i] = reply->element[3 + 2 * i]->integer;
    }
    s_verdict(spec, counts, ms_left, reply->element[1]->integer != 0, now_ms, out);
    return 0;
}

static uint64_t
s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;            /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char) *s;
        h *= 1099511628211ULL;
    }
    return h | 1;                                    /* 0 marks an empty slot */
}

void
edge_ratelimit_check_memory(edge_ratelimit_t *self, const edge_route_t *route, const char *ip,
                            int64_t user_id, int64_t now_ms, edge_rl_result_t *out)
{
    bool is_route;
    const edge_rl_spec_t *spec = s_spec(self, route, &is_route);
    uint64_t hashes[EDGE_RL_MAX_WINDOWS];
    int64_t starts[EDGE_RL_MAX_WINDOWS], counts[EDGE_RL_MAX_WINDOWS], ms_left[EDGE_RL_MAX_WINDOWS];
    for (int i = 0; i < spec->count; i++) {
        char key[256];
        s_key(key, sizeof key, ip, user_id, &spec->w[i], route, is_route);
        int64_t window_ms = spec->w[i].window_s * 1000;
        hashes[i] = s_hash(key);
        starts[i] = now_ms - now_ms % window_ms;
        ms_left[i] = starts[i] + window_ms - now_ms;
    }
    bool full = false;
    pthread_mutex_lock(&self->mem_lock);
    for (int i = 0; i < spec->count; i++) {
        s_mem_slot_t *s = &self->mem[hashes[i] % S_MEM_SLOTS];
        counts[i] = (s->hash == hashes[i] && s->start_ms == starts[i]) ? s->count : 0;
        if (counts[i] >= spec->w[i].limit)
            full = true;
    }
    if (!full) {
        for (int i = 0; i < spec->count; i++) {
            s_mem_slot_t *s = &self->mem[hashes[i] % S_MEM_SLOTS];
            if (s->hash != hashes[i] || s->start_ms != starts[i])
                *s = (s_mem_slot_t) { hashes[i], starts[i], 0 };
            counts[i] = ++s->count;
        }
    }
    pthread_mutex_unlock(&self->mem_lock);
    s_verdict(spec, counts, ms_left, !full, now_ms, out);
}

/* EVALSHA, or EVAL when Redis lost the script. NULL when Redis does not answer. */
static redisReply *
s_eval(edge_ratelimit_t *self, redis_conn_t *redis, int argc, const char **argv, size_t *lens)
{
    argv[0] = "EVALSHA";
    lens[0] = 7;
    argv[1] = self->sha;
    lens[1] = 40;
    redisReply *reply = redis_conn_command(redis, argc, argv, lens);
    if (reply && reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = s_script;
        lens[1] = sizeof s_script - 1;
        reply = redis_conn_command(redis, argc, argv, lens);
    }
    return reply;
}

void
edge_ratelimit_check(edge_ratelimit_t *self, redis_conn_t *redis, const edge_route_t *route,
                     const char *ip, int64_t user_id, const revocation_t *rev, int64_t now_ms,
                     edge_rl_result_t *out)
{
    memset(out, 0, sizeof *out);
    out->revoked = -1;
    out->allowed = true;
    bool is_route;
    const edge_rl_spec_t *spec = s_spec(self, route, &is_route);

    /* EVALSHA sha numkeys revoke... window keys... R iat (limit ms)... */
    enum { MAXARGS = 3 + REVOCATION_KEYS_MAX + EDGE_RL_MAX_WINDOWS + 2 + 2 * EDGE_RL_MAX_WINDOWS };
    const char *argv[MAXARGS];
    size_t lens[MAXARGS];
    char keys[EDGE_RL_MAX_WINDOWS][256], nums[2 + 2 * EDGE_RL_MAX_WINDOWS][24], numkeys[8];
    int nrevoke = rev ? rev->count : 0;
    int argc = 2;
    snprintf(numkeys, sizeof numkeys, "%d", nrevoke + spec->count);
    argv[argc] = numkeys;
    lens[argc++] = strlen(numkeys);
    for (int i = 0; i < nrevoke; i++) {
        argv[argc] = rev->keys[i];
        lens[argc++] = strlen(rev->keys[i]);
    }
    for (int i = 0; i < spec->count; i++) {
        int n = s_key(keys[i], sizeof keys[i], ip, user_id, &spec->w[i], route, is_route);
        argv[argc] = keys[i];
        lens[argc++] = n < 0 ? 0 : (size_t) n;
    }
    int k = 0;
    snprintf(nums[k], sizeof nums[k], "%d", nrevoke);
    argv[argc] = nums[k];
    lens[argc++] = strlen(nums[k++]);
    snprintf(nums[k], sizeof nums[k], "%" PRId64, rev ? rev->iat_ms : 0);
    argv[argc] = nums[k];
    lens[argc++] = strlen(nums[k++]);
    for (int i = 0; i < spec->count; i++) {
        snprintf(nums[k], sizeof nums[k], "%" PRId64, spec->w[i].limit);
        argv[argc] = nums[k];
        lens[argc++] = strlen(nums[k++]);
        snprintf(nums[k], sizeof nums[k], "%" PRId64, spec->w[i].window_s * 1000);
        argv[argc] = nums[k];
        lens[argc++] = strlen(nums[k++]);
    }

    /* A connection left from before a Redis restart is replaced inside redis_conn. */
    redisReply *reply = s_eval(self, redis, argc, argv, lens);
    int rc = reply ? edge_ratelimit_read_reply(self, route, reply, now_ms, out) : -1;
    if (reply && rc != 0)
        log_warn(NULL, "rate_limit_reply", "unexpected answer from the rate-limit script%s%s",
                 reply->type == REDIS_REPLY_ERROR ? ": " : "",
                 reply->type == REDIS_REPLY_ERROR ? reply->str : "");
    if (reply)
        freeReplyObject(reply);
    if (rc == 0) {
        if (atomic_exchange(&self->outage, false))
            log_info(NULL, "rate_limit_redis_back", "Redis answers again: shared limits resumed");
        return;
    }

    /* Redis did not answer (or answered nonsense): the configured fallback. */
    out->revoked = -1;
    if (!atomic_exchange(&self->outage, true))
        log_warn(NULL, "rate_limit_redis_down", "Redis unreachable: rate limit falls back to %s",
                 self->cfg.fallback == EDGE_RL_FALLBACK_MEMORY ? "memory (per replica)"
                 : self->cfg.fallback == EDGE_RL_FALLBACK_OPEN ? "open (no limit)"
                 : "closed (503)");
    switch (self->cfg.fallback) {
    case EDGE_RL_FALLBACK_MEMORY:
        edge_ratelimit_check_memory(self, route, ip, user_id, now_ms, out);
        out->revoked = -1;
        break;
    case EDGE_RL_FALLBACK_OPEN:
        out->allowed = true;
        break;
    default:
        out->unavailable = true;
        out->allowed = false;
        break;
    }
}

bool
edge_ratelimit_applies(const edge_thread_t *t, const edge_request_t *r)
{
    return edge_ratelimit_enabled(t->app->ratelimit) && r->route
        && !edge_route_is_probe(r->route);       /* health and metrics are never limited */
}

int
edge_ratelimit_stage(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    if (!edge_ratelimit_applies(t, r))
        return EDGE_STAGE_NEXT;
    if (!r->rl_done) {
        /* public routes: anonymous, no revocation keys */
        edge_ratelimit_check(app->ratelimit, t->redis, r->route, edge_stage_client_ip(t, r),
                             r->authed ? r->claims.sub : 0, NULL, clock_wall_ms(), &r->rl);
        r->rl_done = true;
    }
    if (r->rl.unavailable)
        return edge_stage_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);   /* RATE_LIMIT_FALLBACK=closed */
    if (!r->rl.limited)
        return EDGE_STAGE_NEXT;                             /* fallback open */
    edge_stage_header(r, "X-RateLimit-Limit: %" PRId64 "\r\nX-RateLimit-Remaining: %" PRId64
                      "\r\nX-RateLimit-Reset: %" PRId64 "\r\n",
                      r->rl.limit, r->rl.remaining, r->rl.reset_s);
    if (r->rl.allowed)
        return EDGE_STAGE_NEXT;
    edge_stage_header(r, "Retry-After: %" PRId64 "\r\n", r->rl.retry_after_s);
    r->retry_after = r->rl.retry_after_s;
    if (app->rl_rejections)
        metric_add(app->rl_rejections, 1);
    return edge_stage_fail(r, ERR_RATE_LIMIT_EXCEEDED, "Too many requests, please try again later");
}
