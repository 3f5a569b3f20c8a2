/* edge_watchdog.c -- the deadline thread and the search for a late socket. */
#include "edge_watchdog.h"
#include "mem.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "clock.h"
#include "edge_clientip.h"
#include "log.h"

#define S_PERIOD_MS 100

typedef struct {
    bool active;
    bool cut;
    char peer[EDGE_CLIENTIP_MAX];
    int peer_port;
    int64_t deadline_ms;
} s_slot_t;

struct edge_watchdog_t {
    int local_port;
    int count;
    pthread_t thread;
    pthread_mutex_t lock;            /* guards the slots and stop */
    bool stop;
    s_slot_t *slots;
};

/* The descriptor of the TCP connection PEER:PEER_PORT -> *:LOCAL_PORT, or -1. */
static int
s_find_socket(const char *peer, int peer_port, int local_port)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    int found = -1;
    struct dirent *e;
    while (found < 0 && (e = readdir(dir))) {
        char *end = NULL;
        long fd = strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end || fd < 0 || fd == dirfd(dir))
            continue;
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char text[EDGE_CLIENTIP_MAX];
        int port;
        if (getpeername((int) fd, (struct sockaddr *) &ss, &len) != 0)
            continue;
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *) &ss;
            inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) &ss;
            inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
            port = ntohs(a->sin6_port);
        } else {
            continue;
        }
        if (port != peer_port || strcmp(text, peer) != 0)
            continue;
        len = sizeof ss;
        if (getsockname((int) fd, (struct sockaddr *) &ss, &len) != 0)
            continue;
        int local = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *) &ss)->sin_port)
                                            : ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
        if (local == local_port)
            found = (int) fd;
    }
    closedir(dir);
    return found;
}

static void *
s_run(void *arg)
{
    edge_watchdog_t *self = arg;
    pthread_mutex_lock(&self->lock);
    while (!self->stop) {
        int64_t now = clock_mono_ms();
        for (int i = 0; i < self->count; i++) {
            s_slot_t *s = &self->slots[i];
            if (!s->active || s->cut || s->deadline_ms > now)
                continue;
            s_slot_t copy = *s;
            pthread_mutex_unlock(&self->lock);
            int fd = s_find_socket(copy.peer, copy.peer_port, self->local_port);
            pthread_mutex_lock(&self->lock);
            /* Still the same late read? (It may have ended while we searched.) */
            if (fd >= 0 && s->active && !s->cut && s->peer_port == copy.peer_port
                && strcmp(s->peer, copy.peer) == 0) {
                shutdown(fd, SHUT_RD);
                s->cut = true;
                log_warn(NULL, "body_deadline", "request body from %s not in by its deadline: "
                         "read cut off", copy.peer);
            }
        }
        pthread_mutex_unlock(&self->lock);
        struct timespec pause = { 0, S_PERIOD_MS * 1000000L };
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&self->lock);
    }
    pthread_mutex_unlock(&self->lock);
    return NULL;
}

edge_watchdog_t *
edge_watchdog_new(int local_port, int slots)
{
    edge_watchdog_t *self = mem_calloc(1, sizeof *self);
    self->slots = mem_calloc((size_t) slots, sizeof *self->slots);
    self->local_port = local_port;
    self->count = slots;
    pthread_mutex_init(&self->lock, NULL);
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        log_error(NULL, "edge_watchdog", "cannot start the watchdog thread");
        pthread_mutex_destroy(&self->lock);
        free(self->slots);
        free(self);
        return NULL;
    }
    return self;
}

void
edge_watchdog_destroy(edge_watchdog_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_watchdog_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL);
    pthread_mutex_destroy(&self->lock);
    free(self->slots);
    free(self);
    *self_p = NULL;
}

int
edge_watchdog_watch(edge_watchdog_t *self, const char *peer, int peer_port, int64_t deadline_ms)
{
    if (!self || !peer || strlen(peer) >= EDGE_CLIENTIP_MAX)
        return -1;
    int slot = -1;
    pthread_mutex_lock(&self->lock);
    for (int i = 0; i < self->count && slot < 0; i++) {
        if (!self->slots[i].active) {
            slot = i;
            s_slot_t *s = &self->slots[i];
            s->active = true;
            s->cut = false;
            strcpy(s->peer, peer);
            s->peer_port = peer_port;
            s->deadline_ms = deadline_ms;
        }
    }
    pthread_mutex_unlock(&self->lock);
    return slot;
}

bool
edge_watchdog_done(edge_watchdog_t *self, int slot)
{
    if (!self || slot < 0 || slot >= self->count)
        return false;
    pthread_mutex_lock(&self->lock);
    bool cut = self->slots[slot].cut;
    self->slots[slot].active = false;
    pthread_mutex_unlock(&self->lock);
    return cut;
}
