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
    zsock_t *pub;
    bus_endpoints_t *brokers;   /* PUB sends every event to each: any of them may die */
    unsigned long dropped;
};

events_t *
events_new(const char *endpoints)
{
    events_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->brokers = bus_endpoints_new(endpoints);
    self->pub = self->brokers ? bus_socket_new(ZMQ_PUB) : NULL;
    if (!self->pub) {
        events_destroy(&self);
        return NULL;
    }
    zsock_set_linger(self->pub, 1000);       /* flush what was published on a clean stop */
    zsock_set_sndhwm(self->pub, 100000);
    bus_endpoints_sync(self->brokers, zsock_resolve(self->pub));
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
