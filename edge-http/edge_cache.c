/* edge_cache.c -- the profile cache: GET and SET EX of answers, its stage and its fill. */
#include "edge_cache.h"
#include "mem.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "edge_json.h"
#include "edge_thread.h"

struct edge_cache_t {
    const edge_route_t *route;       /* GET /api/users/:id */
    int ttl_s;
    char ttl_text[16];
    metric_t *hits, *misses;
};

edge_cache_t *
edge_cache_new(const edge_route_t *table, int ttl_s, metrics_t *metrics)
{
    edge_cache_t *self = mem_calloc(1, sizeof *self);
    for (int i = 0; table && table[i].method; i++)
        if (strcmp(table[i].method, "GET") == 0 && strcmp(table[i].path, "/api/users/:id") == 0)
            self->route = &table[i];
    self->ttl_s = ttl_s > 0 ? ttl_s : 0;
    snprintf(self->ttl_text, sizeof self->ttl_text, "%d", self->ttl_s);
    if (metrics) {
        self->hits = metrics_get(metrics, METRIC_COUNTER, "cache_hits_total",
                                 "Response cache hits", "");
        self->misses = metrics_get(metrics, METRIC_COUNTER, "cache_misses_total",
                                   "Response cache misses (Redis unreachable included)", "");
    }
    return self;
}

void
edge_cache_destroy(edge_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

bool
edge_cache_applies(const edge_cache_t *self, const edge_route_t *route)
{
    return self && self->ttl_s > 0 && route && route == self->route;
}

bool
edge_cache_key(const edge_cache_t *self, const edge_route_t *route, int64_t id,
               const char *role, char *out, size_t size)
{
    if (size > 0)
        out[0] = '\0';
    return edge_cache_applies(self, route)
           && profile_cache_key(id, profile_view_of(role), out, size) > 0;
}

int
edge_cache_take(edge_cache_t *self, redisReply *reply, edge_buf_t *out)
{
    int hit = 0;
    if (reply && reply->type == REDIS_REPLY_STRING && reply->len > 0) {
        edge_buf_reset(out);
        hit = edge_buf_append(out, reply->str, reply->len) == 0;
    }
    if (reply)
        freeReplyObject(reply);
    metric_t *m = hit ? self->hits : self->misses;
    if (m)
        metric_add(m, 1);
    return hit;
}

int
edge_cache_get(edge_cache_t *self, redis_conn_t *redis, const char *key, edge_buf_t *out)
{
    const char *argv[2] = { "GET", key };
    size_t lens[2] = { 3, strlen(key) };
    return edge_cache_take(self, redis_conn_command(redis, 2, argv, lens), out);
}

void
edge_cache_put(edge_cache_t *self, redis_conn_t *redis, const char *key, const char *data,
               size_t len)
{
    if (len == 0 || len > EDGE_CACHE_MAX_VALUE)
        return;
    const char *argv[5] = { "SET", key, data, "EX", self->ttl_text };
    size_t lens[5] = { 3, strlen(key), len, 2, strlen(self->ttl_text) };
    redisReply *reply = redis_conn_command(redis, 5, argv, lens);
    if (reply)
        freeReplyObject(reply);
}

/* Names the profile cache entry of this request in r->cache_key when its route is cached
 * (the view follows the caller's role: an admin's view is never served to anyone else).
 * False when nothing is cached for it. */
bool
edge_cache_request_key(edge_thread_t *t, edge_request_t *r)
{
    r->cache_key[0] = '\0';
    return r->match.param_count > 0
           && edge_cache_key(t->app->cache, r->route, r->match.params[0].value, r->claims.role,
                             r->cache_key, sizeof r->cache_key);
}

int
edge_cache_stage(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    if (!r->authed || !r->cache_key[0])
        return EDGE_STAGE_NEXT;
    bool hit = r->cache_prefetch
               ? r->cache_prefetch == 2
               : edge_cache_get(app->cache, t->redis, r->cache_key, &t->san_out);
    if (!hit) {
        r->cache_fill = true;
        return EDGE_STAGE_NEXT;
    }
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);
    edge_buf_reset(&t->body);
    if (edge_buf_append(&t->body, "{\"success\":true,\"data\":", 23) != 0
        || edge_buf_append(&t->body, t->san_out.data, t->san_out.len) != 0
        || edge_buf_printf(&t->body, ",\"timestamp\":\"%s\"}", ts) != 0)
        return edge_stage_fail(r, ERR_INTERNAL, NULL);
    r->status = 200;
    r->body_ready = true;
    return EDGE_STAGE_DONE;
}

/* A 200 answer of a cached route goes into the cache as its "data" JSON. */
void
edge_cache_fill(edge_thread_t *t, edge_request_t *r)
{
    if (!r->cache_fill || r->status != 200 || !r->reply || !r->reply->body_obj)
        return;
    json_object *data = NULL;
    if (edge_json_from_msgpack(r->reply->body_obj, ENVELOPE_MAX_DEPTH, &data) != 0)
        return;
    size_t len = 0;
    const char *text = edge_json_text(data, &len);
    if (text)
        edge_cache_put(t->app->cache, t->redis, r->cache_key, text, len);
    json_object_put(data);
}
