/* notify_bus.c -- the SUB and PUB sockets of the notify service. */
#include "notify_bus.h"
#include "mem.h"
#include "event_topic.h"
#include "bus_endpoints.h"
#include "bus_monitor.h"
#include "bus_proto.h"
#include "bus_socket.h"
#include "clock.h"
#include "envelope.h"
#include "events.h"
#undef LOG_DEBUG   /* syslog.h (via czmq.h) defines these too */
#undef LOG_INFO
#include "log.h"
#include "notify_event.h"
#include <czmq.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct notify_bus_t {
    zsock_t *sub;                /* connected to every broker's XPUB */
    bus_monitor_t *monitor;      /* the SUB's connections */
    char (*up)[BUS_ENDPOINT_MAX];  /* the endpoints whose connection is up */
    size_t up_count;
    int pending;                 /* NOTIFY_BUS_* bits not yet reported */
    bus_endpoints_t *brokers;
    events_t *pub;
    char sync_prefix[96];        /* "sync:<replica>:" */
};

notify_bus_t *
notify_bus_new(const char *sub_endpoint, const char *pub_endpoint, const char *replica)
{
    bus_zsys_setup();
    notify_bus_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->sync_prefix, sizeof self->sync_prefix, "sync:%s:", replica);
    self->brokers = bus_endpoints_new(sub_endpoint);
    self->sub = self->brokers ? bus_socket_new(ZMQ_SUB) : NULL;
    if (!self->sub)
        goto error;
    /* A peer that is not the broker could send anything: cap what we accept. The high
     * receive mark is generous: a burst for thousands of sockets arrives at once. */
    zsock_set_maxmsgsize(self->sub, NOTIFY_EVENT_MAX_BYTES);
    zsock_set_rcvhwm(self->sub, 100000);
    self->up = mem_calloc(BUS_ENDPOINTS_MAX, sizeof *self->up);
    /* Watched before it connects: the first handshakes are events too. */
    self->monitor = bus_monitor_new(zsock_resolve(self->sub));
    if (!self->monitor)
        goto error;
    notify_bus_follow(self);
    if (bus_endpoints_count(self->brokers) == 0)
        goto error;
    self->pub = events_new(pub_endpoint);
    if (!self->pub)
        goto error;
    return self;
error:
    log_error(NULL, "bus_failed", "cannot connect the bus sockets");
    notify_bus_destroy(&self);
    return NULL;
}

void
notify_bus_destroy(notify_bus_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_monitor_destroy(&(*self_p)->monitor);
    zsock_destroy(&(*self_p)->sub);
    free((*self_p)->up);
    bus_endpoints_destroy(&(*self_p)->brokers);
    events_destroy(&(*self_p)->pub);
    free(*self_p);
    *self_p = NULL;
}

int
notify_bus_fd(notify_bus_t *self)
{
    int fd = -1;
    size_t len = sizeof fd;
    if (zmq_getsockopt(zsock_resolve(self->sub), ZMQ_FD, &fd, &len) != 0)
        return -1;
    return fd;
}

int
notify_bus_monitor_fd(notify_bus_t *self)
{
    int fd = -1;
    size_t len = sizeof fd;
    void *pair = bus_monitor_socket(self->monitor);
    if (!pair || zmq_getsockopt(pair, ZMQ_FD, &fd, &len) != 0)
        return -1;
    return fd;
}

static ssize_t
s_up_find(const notify_bus_t *self, const char *endpoint)
{
    for (size_t i = 0; i < self->up_count; i++)
        if (strcmp(self->up[i], endpoint) == 0)
            return (ssize_t) i;
    return -1;
}

/* A connection that was up went down (lost, or its broker left the list). */
static void
s_up_forget(notify_bus_t *self, const char *endpoint)
{
    ssize_t i = s_up_find(self, endpoint);
    if (i < 0)
        return;
    if ((size_t) i != --self->up_count)
        memcpy(self->up[i], self->up[self->up_count], BUS_ENDPOINT_MAX);
    self->pending |= NOTIFY_BUS_LOST;
    log_warn(NULL, "bus_broker_lost", "lost the broker at %s (%zu up)", endpoint,
             self->up_count);
}

static void
s_on_monitor(void *arg, int event, const char *endpoint)
{
    notify_bus_t *self = arg;
    if (event == BUS_MONITOR_LOST) {
        /* Only a connection that was up: a broker refusing the handshake over and over
         * is not a loss each time. */
        s_up_forget(self, endpoint);
        return;
    }
    self->pending |= NOTIFY_BUS_UP;
    if (s_up_find(self, endpoint) < 0 && self->up_count < BUS_ENDPOINTS_MAX)
        snprintf(self->up[self->up_count++], BUS_ENDPOINT_MAX, "%s", endpoint);
    log_info(NULL, "bus_broker_up", "subscribed through the broker at %s (%zu up)", endpoint,
             self->up_count);
}

int
notify_bus_links(notify_bus_t *self, int *up)
{
    bus_monitor_read(self->monitor, s_on_monitor, self);
    int bits = self->pending;
    self->pending = 0;
    if (up)
        *up = (int) self->up_count;
    return bits;
}

static void
s_follow_added(void *arg, const char *endpoint)
{
    notify_bus_t *self = arg;
    if (zmq_connect(zsock_resolve(self->sub), endpoint) != 0)
        log_error(NULL, "bus_connect_failed", "cannot connect to %s: %s", endpoint,
                  zmq_strerror(zmq_errno()));
}

static void
s_follow_removed(void *arg, const char *endpoint)
{
    notify_bus_t *self = arg;
    zmq_disconnect(zsock_resolve(self->sub), endpoint);
    s_up_forget(self, endpoint);
}

void
notify_bus_follow(notify_bus_t *self)
{
    if (bus_endpoints_due(self->brokers))
        bus_endpoints_refresh(self->brokers, s_follow_added, s_follow_removed, self);
}

int
notify_bus_subscribe(notify_bus_t *self, const char *topic)
{
    return zmq_setsockopt(zsock_resolve(self->sub), ZMQ_SUBSCRIBE, topic, strlen(topic));
}

int
notify_bus_unsubscribe(notify_bus_t *self, const char *topic)
{
    return zmq_setsockopt(zsock_resolve(self->sub), ZMQ_UNSUBSCRIBE, topic, strlen(topic));
}

int
notify_bus_sync_topic(const notify_bus_t *self, uint64_t n, char *out, size_t size)
{
    int len = snprintf(out, size, "%s%llu|", self->sync_prefix, (unsigned long long) n);
    return len < 0 || (size_t) len >= size ? -1 : len;
}

int
notify_bus_is_own_sync(const notify_bus_t *self, const char *topic, size_t len)
{
    size_t plen = strlen(self->sync_prefix);
    return len > plen && memcmp(topic, self->sync_prefix, plen) == 0;
}

int
notify_bus_publish_sync(notify_bus_t *self, uint64_t n)
{
    char topic[160];
    if (notify_bus_sync_topic(self, n, topic, sizeof topic) < 0)
        return -1;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    envelope_pack_key(&pk, "v");
    msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, EVENT_SYNC);
    envelope_pack_key(&pk, "ts");
    msgpack_pack_int64(&pk, clock_wall_ms());
    envelope_pack_key(&pk, "n");
    msgpack_pack_uint64(&pk, n);
    int rc = events_publish(self->pub, topic, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int
notify_bus_drain(notify_bus_t *self, int max, notify_bus_fn *fn, void *arg)
{
    void *sock = zsock_resolve(self->sub);
    int count = 0;
    for (;;) {
        int events = 0;
        size_t len = sizeof events;
        if (zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) != 0)
            return -1;
        if (!(events & ZMQ_POLLIN))
            return count;
        if (count >= max)
            return count;
        zmq_msg_t topic, payload;
        zmq_msg_init(&topic);
        zmq_msg_init(&payload);
        int more = 0;
        if (zmq_msg_recv(&topic, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&topic);
            zmq_msg_close(&payload);
            continue;                    /* EAGAIN after all: ask ZMQ_EVENTS again */
        }
        more = zmq_msg_more(&topic);
        bool ok = more && zmq_msg_recv(&payload, sock, ZMQ_DONTWAIT) >= 0;
        /* A message of more than two frames is not ours: swallow the rest, drop it. */
        bool pending = ok && zmq_msg_more(&payload);
        if (pending)
            ok = false;
        while (pending) {
            zmq_msg_t extra;
            zmq_msg_init(&extra);
            pending = zmq_msg_recv(&extra, sock, ZMQ_DONTWAIT) >= 0 && zmq_msg_more(&extra);
            zmq_msg_close(&extra);
        }
        if (ok)
            fn(zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&payload),
               zmq_msg_size(&payload), arg);
        zmq_msg_close(&topic);
        zmq_msg_close(&payload);
        count++;
    }
}
