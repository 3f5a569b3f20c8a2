/* bus_link.c -- one DEALER to one broker, with a watch on its connection. */
#include "bus_link.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus_endpoints.h"
#include "bus_socket.h"
#include "log.h"

struct bus_link_t {
    char endpoint[BUS_ENDPOINT_MAX];
    zsock_t *sock;
    void *handle;             /* zsock_resolve(sock) */
    zsock_t *monitor;         /* PAIR fed by zmq_socket_monitor */
    bool up;
    bool draining;
    uint64_t losses;
};

bus_link_t *
bus_link_new(const char *endpoint, bool immediate)
{
    static atomic_uint_fast64_t serial;
    bus_link_t *self = (bus_link_t *) calloc(1, sizeof *self);
    if (!self)
        abort();
    snprintf(self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->sock = bus_socket_new(ZMQ_DEALER);
    if (!self->sock)
        goto failed;
    self->handle = zsock_resolve(self->sock);
    zsock_set_immediate(self->sock, immediate ? 1 : 0);

    char address[64];
    snprintf(address, sizeof address, "inproc://bus-link-%llu",
             (unsigned long long) atomic_fetch_add(&serial, 1));
    if (zmq_socket_monitor(self->handle, address,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0)
        goto failed;
    self->monitor = zsock_new(ZMQ_PAIR);
    if (!self->monitor || zsock_connect(self->monitor, "%s", address) != 0)
        goto failed;
    zsock_set_rcvtimeo(self->monitor, 0);
    if (zsock_connect(self->sock, "%s", endpoint) != 0) {
        log_error(NULL, "bus_connect_failed", "cannot connect to %s", endpoint);
        goto failed;
    }
    return self;
failed:
    bus_link_destroy(&self);
    return NULL;
}

void
bus_link_destroy(bus_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_link_t *self = *self_p;
    if (self->handle)
        zmq_socket_monitor(self->handle, NULL, 0);
    zsock_destroy(&self->monitor);
    zsock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}

const char *
bus_link_endpoint(const bus_link_t *self)
{
    return self->endpoint;
}

zsock_t *
bus_link_sock(bus_link_t *self)
{
    return self->sock;
}

void *
bus_link_monitor(bus_link_t *self)
{
    return self->monitor ? zsock_resolve(self->monitor) : NULL;
}

int
bus_link_events(bus_link_t *self)
{
    int seen = 0;
    zmsg_t *msg;
    /* each event: [uint16 event, uint32 value][endpoint] */
    while (self->monitor && (msg = zmsg_recv(self->monitor))) {
        zframe_t *head = zmsg_first(msg);
        if (head && zframe_size(head) >= 2) {
            uint16_t event;
            memcpy(&event, zframe_data(head), sizeof event);
            if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
                self->up = true;
                self->draining = false;
                seen |= BUS_LINK_UP;
            } else if (event == ZMQ_EVENT_DISCONNECTED) {
                self->up = false;
                self->draining = false;
                self->losses++;
                seen |= BUS_LINK_LOST;
            }
        }
        zmsg_destroy(&msg);
    }
    return seen;
}

void
bus_link_set_draining(bus_link_t *self)
{
    self->draining = true;
}

bool
bus_link_draining(const bus_link_t *self)
{
    return self->draining;
}

bool
bus_link_up(const bus_link_t *self)
{
    return self->up;
}

uint64_t
bus_link_losses(const bus_link_t *self)
{
    return self->losses;
}
