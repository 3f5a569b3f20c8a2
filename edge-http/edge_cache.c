/* edge_cache.c -- GET and SET EX of profile answers. */
#include "edge_cache.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct edge_cache_t {
    const edge_route_t *route;       /* GET /api/users/:id */
    int ttl_s;
    char ttl_text[16];
    metric_t *hits, *misses;
};

edge_cache_t *
edge_cache_new(const edge_route_t *table, int ttl_s, metrics_t *metrics)
{
    edge_cache_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
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
