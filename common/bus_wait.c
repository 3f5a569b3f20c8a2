/* bus_wait.c -- waits for input on ZeroMQ sockets with one poll() on their ZMQ_FDs. */
#include "bus_wait.h"
#include <errno.h>
#include <poll.h>
#include <zmq.h>

#define S_WAIT_MAX 128  /* a worker polls two per broker, BUS_ENDPOINTS_MAX (64) brokers */

void
bus_wait_item_set(bus_wait_item_t *item, void *socket)
{
    item->socket = socket;
    item->fd = -1;
    item->dirty = socket != NULL;
    item->ready = false;
    if (socket) {
        int fd = -1;
        size_t size = sizeof fd;
        if (zmq_getsockopt(socket, ZMQ_FD, &fd, &size) == 0)
            item->fd = fd;
    }
}

int
bus_wait(bus_wait_item_t *items, size_t count, long timeout_ms)
{
    int ready = 0;
    for (size_t i = 0; i < count; i++) {
        items[i].ready = items[i].socket && (items[i].dirty || items[i].fd < 0);
        ready += items[i].ready;
    }
    if (ready > 0 || count > S_WAIT_MAX)
        return ready > 0 ? ready : -1;
    struct pollfd fds[S_WAIT_MAX];
    for (size_t i = 0; i < count; i++)
        fds[i] = (struct pollfd) { items[i].socket ? items[i].fd : -1, POLLIN, 0 };
    int rc = poll(fds, (nfds_t) count, timeout_ms < 0 ? 0 : (int) timeout_ms);
    if (rc < 0)
        return errno == EINTR ? 0 : -1;
    for (size_t i = 0; i < count; i++) {
        if (fds[i].revents & (POLLIN | POLLERR | POLLHUP)) {
            /* the first receive takes the signal: only its EAGAIN makes it clean again */
            items[i].dirty = true;
            items[i].ready = true;
            ready++;
        }
    }
    return ready;
}
