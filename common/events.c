/* events.c -- publishing events on the bus through a PUB socket. */
#include "events.h"
#include <inttypes.h>
#include <stdio.h>
#include "bus_proto.h"
#include "bus_endpoints.h"
#include "bus_socket.h"
#include "log.h"
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

struct events_t {
    zsock_t *pub;               /* an XPUB: a PUB that also hears subscriptions */
    bus_endpoints_t *brokers;   /* every event goes to each: any of them may die */
    unsigned long dropped;
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

events_t *
events_new(const char *endpoints)
{
    events_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
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
    free(*self_p);
    *self_p = NULL;
}

int
events_publish(events_t *self, const char *topic, const void *payload, size_t size)
{
    void *sock = zsock_resolve(self->pub);
    bus_endpoints_sync(self->brokers, sock);   /* brokers that came or went (names) */
    s_subscriptions_read(self);                /* they queue up otherwise */
    if (zmq_send(sock, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0
        || zmq_send(sock, payload, size, ZMQ_DONTWAIT) < 0) {
        self->dropped++;
        log_warn(NULL, "event_dropped", "event on %s dropped: %s", topic, zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

unsigned long
events_dropped(const events_t *self)
{
    return self->dropped;
}

void
events_topic_user(int64_t user_id, char *out, size_t size)
{
    /* The '|' ends the id: a subscription to u:1| must not match u:12|. */
    snprintf(out, size, "u:%" PRId64 "|", user_id);
}
