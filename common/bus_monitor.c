/* bus_monitor.c -- libzmq's socket monitor, read without blocking. */
#include "bus_monitor.h"
#include "log.h"
#include "mem.h"
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>

struct bus_monitor_t {
    void *watched;               /* the libzmq socket under watch */
    zsock_t *pair;               /* PAIR fed by zmq_socket_monitor */
};

bus_monitor_t *
bus_monitor_new(void *handle)
{
    static atomic_uint_fast64_t serial;
    bus_monitor_t *self = mem_calloc(1, sizeof *self);
    char address[64];
    snprintf(address, sizeof address, "inproc://bus-monitor-%llu",
             (unsigned long long) atomic_fetch_add(&serial, 1));
    if (zmq_socket_monitor(handle, address,
                           ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) != 0) {
        log_error(NULL, "bus_monitor", "cannot monitor a bus socket: %s", zmq_strerror(errno));
        free(self);
        return NULL;
    }
    self->watched = handle;
    self->pair = zsock_new(ZMQ_PAIR);
    if (!self->pair || zsock_connect(self->pair, "%s", address) != 0) {
        log_error(NULL, "bus_monitor", "cannot connect the monitor's pair socket");
        bus_monitor_destroy(&self);
        return NULL;
    }
    zsock_set_rcvtimeo(self->pair, 0);
    return self;
}

void
bus_monitor_destroy(bus_monitor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_monitor_t *self = *self_p;
    if (self->watched)
        zmq_socket_monitor(self->watched, NULL, 0);
    zsock_destroy(&self->pair);
    free(self);
    *self_p = NULL;
}

void *
bus_monitor_socket(bus_monitor_t *self)
{
    return self && self->pair ? zsock_resolve(self->pair) : NULL;
}

int
bus_monitor_read(bus_monitor_t *self, bus_monitor_fn *fn, void *arg)
{
    int seen = 0;
    zmsg_t *msg;
    /* each event: [uint16 event, uint32 value][endpoint] */
    while (self && self->pair && (msg = zmsg_recv(self->pair))) {
        zframe_t *head = zmsg_first(msg);
        zframe_t *where = zmsg_next(msg);
        if (head && zframe_size(head) >= 2) {
            uint16_t event;
            memcpy(&event, zframe_data(head), sizeof event);
            int bit = event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED ? BUS_MONITOR_UP
                      : event == ZMQ_EVENT_DISCONNECTED      ? BUS_MONITOR_LOST
                                                             : 0;
            if (bit) {
                seen |= bit;
                if (fn) {
                    char endpoint[256] = "";
                    if (where) {
                        size_t n = zframe_size(where);
                        if (n >= sizeof endpoint)
                            n = sizeof endpoint - 1;
                        memcpy(endpoint, zframe_data(where), n);
                        endpoint[n] = '\0';
                    }
                    fn(arg, bit, endpoint);
                }
            }
        }
        zmsg_destroy(&msg);
    }
    return seen;
}
