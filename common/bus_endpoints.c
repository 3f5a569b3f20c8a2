/* bus_endpoints.c -- a configured broker list expanded to one address per broker. */
#include "bus_endpoints.h"
#include "mem.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "clock.h"
#include "config.h"
#include "log.h"

typedef char endpoint_t[BUS_ENDPOINT_MAX];

/* One entry of the configured list. */
typedef struct {
    endpoint_t text;          /* as configured */
    char host[BUS_ENDPOINT_MAX];
    char port[8];
    bool is_name;             /* tcp:// with a host name: resolved here */
    endpoint_t *addrs;        /* its last successful expansion */
    size_t addr_count;
} entry_t;

struct bus_endpoints_t {
    entry_t entries[BUS_ENDPOINTS_MAX];
    size_t entry_count;
    endpoint_t *set;          /* the current expansion, sorted, no duplicates */
    size_t count;
    int resolve_ms;
    int64_t refreshed_at;     /* mono ms; 0 before the first refresh */
};

static bool
s_is_address(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || strcmp(host, "*") == 0;
}

/* Splits "tcp://HOST:PORT" into E. False when malformed. Other transports are taken as
 * they are (libzmq checks them when connecting). */
static bool
s_entry_parse(entry_t *e)
{
    if (strncmp(e->text, "tcp://", 6) != 0)
        return strncmp(e->text, "ipc://", 6) == 0 || strncmp(e->text, "inproc://", 9) == 0;
    const char *rest = e->text + 6;
    if (strchr(rest, ';'))   /* "source;destination": libzmq's own syntax, left to it */
        return true;
    const char *colon = strrchr(rest, ':');
    if (!colon || colon == rest || strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof e->port)
        return false;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return false;
    size_t host_len = (size_t) (colon - rest);
    memcpy(e->host, rest, host_len);
    e->host[host_len] = '\0';
    snprintf(e->port, sizeof e->port, "%s", colon + 1);
    /* "[v6]" literals are addresses too */
    e->is_name = e->host[0] != '[' && !s_is_address(e->host);
    return true;
}

bus_endpoints_t *
bus_endpoints_new(const char *list)
{
    if (!list || !*list) {
        log_error(NULL, "bus_endpoints_invalid", "empty broker list");
        return NULL;
    }
    bus_endpoints_t *self = mem_calloc(1, sizeof *self);
    self->resolve_ms = (int) config_int("BUS_RESOLVE_MS", BUS_RESOLVE_MS_DEFAULT, 0, 3600000);
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t) (end - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > 0) {
            if (self->entry_count == BUS_ENDPOINTS_MAX || len >= BUS_ENDPOINT_MAX) {
                log_error(NULL, "bus_endpoints_invalid", "broker list too long");
                goto failed;
            }
            entry_t *e = &self->entries[self->entry_count++];
            memcpy(e->text, p, len);
            e->text[len] = '\0';
            if (!s_entry_parse(e)) {
                log_error(NULL, "bus_endpoints_invalid", "malformed endpoint '%s'", e->text);
                goto failed;
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (self->entry_count == 0) {
        log_error(NULL, "bus_endpoints_invalid", "empty broker list");
        goto failed;
    }
    return self;
failed:
    bus_endpoints_destroy(&self);
    return NULL;
}

void
bus_endpoints_destroy(bus_endpoints_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_endpoints_t *self = *self_p;
    for (size_t i = 0; i < self->entry_count; i++)
        free(self->entries[i].addrs);
    free(self->set);
    free(self);
    *self_p = NULL;
}

bool
bus_endpoints_due(const bus_endpoints_t *self)
{
    if (self->refreshed_at == 0)
        return true;
    return self->resolve_ms > 0 && clock_mono_ms() - self->refreshed_at >= self->resolve_ms;
}

/* Resolves entry E into its addrs. On failure it keeps what it had. */
static void
s_entry_resolve(entry_t *e)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(e->host, e->port, &hints, &res);
    if (rc != 0) {
        log_warn(NULL, "bus_endpoints_unresolved", "%s: %s (keeping %zu known addresses)",
                 e->text, gai_strerror(rc), e->addr_count);
        return;
    }
    size_t n = 0;
    for (struct addrinfo *ai = res; ai && n < BUS_ENDPOINTS_MAX; ai = ai->ai_next)
        n++;
    endpoint_t *addrs = mem_calloc(n ? n : 1, sizeof *addrs);
    size_t count = 0;
    for (struct addrinfo *ai = res; ai && count < n; ai = ai->ai_next) {
        char ip[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *) ai->ai_addr)->sin_addr, ip, sizeof ip);
        else if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *) ai->ai_addr)->sin6_addr, ip, sizeof ip);
        else
            continue;
        snprintf(addrs[count++], BUS_ENDPOINT_MAX, ai->ai_family == AF_INET6 ? "tcp://[%s]:%s"
                                                                             : "tcp://%s:%s",
                 ip, e->port);
    }
    freeaddrinfo(res);
    free(e->addrs);
    e->addrs = addrs;
    e->addr_count = count;
}

static int
s_cmp(const void *a, const void *b)
{
    return strcmp((const char *) a, (const char *) b);
}

size_t
bus_endpoints_refresh(bus_endpoints_t *self, bus_endpoints_fn *added, bus_endpoints_fn *removed,
                      void *arg)
{
    size_t cap = 0;
    for (size_t i = 0; i < self->entry_count; i++) {
        entry_t *e = &self->entries[i];
        if (e->is_name)
            s_entry_resolve(e);
        cap += e->is_name && e->addr_count ? e->addr_count : 1;
    }
    endpoint_t *set = mem_calloc(cap, sizeof *set);
    size_t count = 0;
    for (size_t i = 0; i < self->entry_count; i++) {
        const entry_t *e = &self->entries[i];
        if (e->is_name && e->addr_count) {
            for (size_t k = 0; k < e->addr_count; k++)
                memcpy(set[count++], e->addrs[k], BUS_ENDPOINT_MAX);
        } else {
            memcpy(set[count++], e->text, BUS_ENDPOINT_MAX);
        }
    }
    qsort(set, count, sizeof *set, s_cmp);
    size_t unique = 0;
    for (size_t i = 0; i < count; i++)
        if (unique == 0 || strcmp(set[unique - 1], set[i]) != 0)
            memmove(set[unique++], set[i], BUS_ENDPOINT_MAX);
    if (unique > BUS_ENDPOINTS_MAX)
        unique = BUS_ENDPOINTS_MAX;

    /* both sets are sorted: one merge walk finds what came and what went */
    size_t a = 0, b = 0;
    while (a < self->count || b < unique) {
        int cmp = a == self->count ? 1 : b == unique ? -1 : strcmp(self->set[a], set[b]);
        if (cmp == 0) {
            a++, b++;
        } else if (cmp < 0) {
            if (removed)
                removed(arg, self->set[a]);
            a++;
        } else {
            if (added)
                added(arg, set[b]);
            b++;
        }
    }
    free(self->set);
    self->set = set;
    self->count = unique;
    self->refreshed_at = clock_mono_ms();
    if (self->refreshed_at == 0)
        self->refreshed_at = 1;
    return unique;
}

size_t
bus_endpoints_count(const bus_endpoints_t *self)
{
    return self->count;
}

const char *
bus_endpoints_at(const bus_endpoints_t *self, size_t index)
{
    return index < self->count ? self->set[index] : NULL;
}

static void
s_sync_connect(void *handle, const char *endpoint)
{
    if (zmq_connect(handle, endpoint) != 0)
        log_error(NULL, "bus_connect_failed", "cannot connect to %s: %s", endpoint,
                  zmq_strerror(zmq_errno()));
}

static void
s_sync_disconnect(void *handle, const char *endpoint)
{
    zmq_disconnect(handle, endpoint);
}

size_t
bus_endpoints_sync(bus_endpoints_t *self, void *zmq_handle)
{
    if (bus_endpoints_due(self))
        bus_endpoints_refresh(self, s_sync_connect, s_sync_disconnect, zmq_handle);
    return self->count;
}
