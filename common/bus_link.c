/* bus_link.c -- one DEALER to one broker, with a watch on its connection. */
#include "bus_link.h"
#include "mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus_endpoints.h"
#include "bus_monitor.h"
#include "bus_socket.h"
#include "log.h"

struct bus_link_t {
    char endpoint[BUS_ENDPOINT_MAX];
    zsock_t *sock;
    void *handle;             /* zsock_resolve(sock) */
    bus_monitor_t *monitor;
    bool up;
    bool draining;
    uint64_t losses;
};

bus_link_t *
bus_link_new(const char *endpoint, bool immediate)
{
    bus_link_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->endpoint, sizeof self->endpoint, "%s", endpoint);
    self->sock = bus_socket_new(ZMQ_DEALER);
    if (!self->sock)
        goto failed;
    self->handle = zsock_resolve(self->sock);
    zsock_set_immediate(self->sock, immediate ? 1 : 0);
    self->monitor = bus_monitor_new(self->handle);
    if (!self->monitor)
        goto failed;
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
    bus_monitor_destroy(&self->monitor);
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
    return bus_monitor_socket(self->monitor);
}

/* Each event in the order it happened: a loss then a new handshake leaves the link up. */
static void
s_on_event(void *arg, int event, const char *endpoint)
{
    bus_link_t *self = arg;
    (void) endpoint;
    self->draining = false;              /* another broker, or the same one back */
    if (event == BUS_LINK_UP) {
        self->up = true;
    } else {
        self->up = false;
        self->losses++;
    }
}

int
bus_link_events(bus_link_t *self)
{
    return bus_monitor_read(self->monitor, s_on_event, self);
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
