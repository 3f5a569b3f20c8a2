/* edge_connlimit.c -- open connections per client address, and the stage that refuses
 * one too many. A chained hash table of address -> open connections. An entry lives
 * while its address holds a connection, so there are never more entries than CivetWeb
 * has worker threads. */
#include "edge_connlimit.h"
#include "mem.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <civetweb.h>
#include "edge_clientip.h"
#include "edge_thread.h"

#define S_BUCKETS 1024

typedef struct s_entry_t {
    struct s_entry_t *next;
    int count;
    char addr[EDGE_CLIENTIP_MAX];
} s_entry_t;

struct edge_connlimit_t {
    int limit;
    pthread_mutex_t lock;
    s_entry_t *buckets[S_BUCKETS];
};

edge_connlimit_t *
edge_connlimit_new(int per_address)
{
    if (per_address <= 0)
        return NULL;
    edge_connlimit_t *self = mem_calloc(1, sizeof *self);
    self->limit = per_address;
    pthread_mutex_init(&self->lock, NULL);
    return self;
}

void
edge_connlimit_destroy(edge_connlimit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_connlimit_t *self = *self_p;
    for (int i = 0; i < S_BUCKETS; i++) {
        while (self->buckets[i]) {
            s_entry_t *e = self->buckets[i];
            self->buckets[i] = e->next;
            free(e);
        }
    }
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static s_entry_t **
s_link(edge_connlimit_t *self, const char *addr)
{
    uint32_t h = 2166136261u;                    /* FNV-1a */
    for (const char *p = addr; *p; p++) {
        h ^= (unsigned char) *p;
        h *= 16777619u;
    }
    s_entry_t **link = &self->buckets[h % S_BUCKETS];
    while (*link && strcmp((*link)->addr, addr) != 0)
        link = &(*link)->next;
    return link;
}

static bool
s_usable(const char *addr)
{
    return addr && *addr && strlen(addr) < EDGE_CLIENTIP_MAX;
}

bool
edge_connlimit_open(edge_connlimit_t *self, const char *addr)
{
    if (!self || !s_usable(addr))
        return true;
    pthread_mutex_lock(&self->lock);
    s_entry_t **link = s_link(self, addr);
    if (!*link) {
        *link = mem_calloc(1, sizeof **link);
        strcpy((*link)->addr, addr);
    }
    bool ok = ++(*link)->count <= self->limit;
    pthread_mutex_unlock(&self->lock);
    return ok;
}

void
edge_connlimit_close(edge_connlimit_t *self, const char *addr)
{
    if (!self || !s_usable(addr))
        return;
    pthread_mutex_lock(&self->lock);
    s_entry_t **link = s_link(self, addr);
    s_entry_t *e = *link;
    if (e && --e->count <= 0) {
        *link = e->next;
        free(e);
    }
    pthread_mutex_unlock(&self->lock);
}

/* A connection its address opened beyond EDGE_MAX_CONNECTIONS_PER_ADDRESS: counted at its
 * first request (edge_server.c uncounts it when it closes), refused and closed, which
 * frees its thread. A trusted proxy's address is not limited. */
int
edge_connlimit_stage(edge_thread_t *t, edge_request_t *r)
{
    edge_app_t *app = t->app;
    const char *peer = r->ri->remote_addr;
    if (!app->connlimit || edge_clientip_trusted(&app->clientip, peer))
        return EDGE_STAGE_NEXT;
    if (!t->conn_addr[0] && peer[0] && strlen(peer) < sizeof t->conn_addr) {
        t->conn_over_limit = !edge_connlimit_open(app->connlimit, peer);
        strcpy(t->conn_addr, peer);
    }
    if (!t->conn_over_limit)
        return EDGE_STAGE_NEXT;
    r->must_close = true;
    if (app->conn_refusals)
        metric_add(app->conn_refusals, 1);
    return edge_stage_fail(r, ERR_RATE_LIMIT_EXCEEDED, "Too many connections from this address");
}
