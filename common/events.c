/* events.c -- publishing events on the bus through a PUB socket. */
#include "events.h"
#include "mem.h"
#include <inttypes.h>
#include <stdio.h>
#include "bus_proto.h"
#include "bus_endpoints.h"
#include "bus_socket.h"
#include "log.h"
#include <czmq.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "envelope.h"

struct events_t {
    zsock_t *pub;               /* an XPUB: a PUB that also hears subscriptions */
    bus_endpoints_t *brokers;   /* every event goes to each: any of them may die */
    unsigned long dropped;
    uint64_t next_id;           /* the next event id (events.h) */
    uint64_t last_id;
    msgpack_sbuffer stamped;    /* the payload with its id, reused between publishes */
};

/* How long a new publisher waits for a broker's subscription before it serves anyway. */
#define S_SUBSCRIBED_WAIT_MS 2000

/* Reads the subscriptions the brokers sent (their XSUB subscribes to everything). A
 * publisher sends an event only to peers whose subscription it holds: until the first
 * one arrives, what it publishes is dropped without a word. Returns how many it read. */
static int
s_subscriptions_read(events_t *self)
{
    int n = 0;
    void *sock = zsock_resolve(self->pub);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    while (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) >= 0)
        n++;
    zmq_msg_close(&msg);
    return n;
}

/* A random 64-bit starting point for this publisher's event ids. */
static uint64_t
s_random_start(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t) sizeof v) {
        /* no entropy source: time and address still differ between publishers */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = ((uint64_t) ts.tv_sec << 32) ^ (uint64_t) ts.tv_nsec ^ (uint64_t) (uintptr_t) &v;
    }
    return v;
}

events_t *
events_new(const char *endpoints)
{
    events_t *self = mem_calloc(1, sizeof *self);
    msgpack_sbuffer_init(&self->stamped);
    self->next_id = s_random_start();
    self->brokers = bus_endpoints_new(endpoints);
    self->pub = self->brokers ? bus_socket_new(ZMQ_XPUB) : NULL;
    if (!self->pub) {
        events_destroy(&self);
        return NULL;
    }
    zsock_set_linger(self->pub, 1000);       /* flush what was published on a clean stop */
    zsock_set_sndhwm(self->pub, 100000);
    bus_endpoints_sync(self->brokers, zsock_resolve(self->pub));
    /* A service that registers with the brokers before its publisher is heard would drop
     * the events of its first writes (a restarted replica under load): wait, bounded. */
    zmq_pollitem_t item = { zsock_resolve(self->pub), 0, ZMQ_POLLIN, 0 };
    if (zmq_poll(&item, 1, S_SUBSCRIBED_WAIT_MS) <= 0 || s_subscriptions_read(self) == 0)
        log_warn(NULL, "events_not_subscribed", "no broker subscribed within %d ms; events "
                 "are dropped until one does", S_SUBSCRIBED_WAIT_MS);
    return self;
}

void
events_destroy(events_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zsock_destroy(&(*self_p)->pub);
    bus_endpoints_destroy(&(*self_p)->brokers);
    msgpack_sbuffer_destroy(&(*self_p)->stamped);
    free(*self_p);
    *self_p = NULL;
}

int
events_stamp(const void *payload, size_t size, uint64_t eid, msgpack_sbuffer *out)
{
    const unsigned char *p = payload;
    uint64_t pairs;
    size_t head;
    if (!p || size == 0)
        return -1;
    if (p[0] >= 0x80 && p[0] <= 0x8f) {                  /* fixmap */
        pairs = p[0] & 0x0f;
        head = 1;
    } else if (p[0] == 0xde && size >= 3) {              /* map 16 */
        pairs = (uint64_t) p[1] << 8 | p[2];
        head = 3;
    } else if (p[0] == 0xdf && size >= 5) {              /* map 32 */
        pairs = (uint64_t) p[1] << 24 | (uint64_t) p[2] << 16 | (uint64_t) p[3] << 8 | p[4];
        head = 5;
    } else {
        return -1;
    }
    if (pairs >= UINT32_MAX)
        return -1;
    /* The map's pairs follow its header one after another: one more pair at the end,
     * under a header that counts it, is the same map with "eid" added. */
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (size_t) pairs + 1);
    msgpack_sbuffer_write(out, (const char *) p + head, size - head);
    envelope_pack_key(&pk, "eid");
    msgpack_pack_uint64(&pk, eid);
    return 0;
}

int
events_publish(events_t *self, const char *topic, const void *payload, size_t size)
{
    void *sock = zsock_resolve(self->pub);
    uint64_t eid = self->next_id++;
    if (eid == 0)                               /* 0 means "no id" to subscribers */
        eid = self->next_id++;
    self->stamped.size = 0;
    if (events_stamp(payload, size, eid, &self->stamped) == 0) {
        payload = self->stamped.data;
        size = self->stamped.size;
    } else {
        eid = 0;                                /* not a map: sent as it is, without id */
    }
    bus_endpoints_sync(self->brokers, sock);   /* brokers that came or went (names) */
    s_subscriptions_read(self);                /* they queue up otherwise */
    if (zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_send(sock, payload, size, ZMQ_DONTWAIT) < 0) {
        self->dropped++;
        log_warn(NULL, "event_dropped", "event on %s dropped: %s", topic, zmq_strerror(zmq_errno()));
        return -1;
    }
    self->last_id = eid;
    return 0;
}

uint64_t
events_last_id(const events_t *self)
{
    return self->last_id;
}

unsigned long
events_dropped(const events_t *self)
{
    return self->dropped;
}
