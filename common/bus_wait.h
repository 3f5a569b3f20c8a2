/* bus_wait.h -- waits for input on ZeroMQ sockets with one poll() on their ZMQ_FDs.
 *
 * Why not zmq_poll: libzmq 4.3's zmq_poll asks every socket for ZMQ_EVENTS before and
 * after its poll(), and each ask of an idle socket is a getpid() and a poll() of the
 * socket's mailbox: ~20 system calls per wake-up for the broker's four sockets, and a
 * system call costs ~2 us on the machines we measured (docs/BENCHMARKS.md, "Fewer system
 * calls per frame"). Here a socket is asked only when it may hold input: its ZMQ_FD
 * fired, or it is "dirty".
 *
 * The rule (libzmq's ZMQ_FD contract): a socket is clean only after a receive on it
 * returned EAGAIN and nothing was sent on it since (a send may take the mailbox's signal,
 * leaving input behind a quiet ZMQ_FD). So the caller drains a ready socket until EAGAIN
 * and then calls bus_wait_clean, and calls bus_wait_dirty after every send on it. */
#ifndef COMMON_BUS_WAIT_H
#define COMMON_BUS_WAIT_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    void *socket;      /* libzmq socket; NULL: a slot that is skipped */
    int fd;            /* its ZMQ_FD, -1 for none */
    bool dirty;        /* may hold input its ZMQ_FD will not announce */
    bool ready;        /* set by bus_wait: try to receive from it now */
} bus_wait_item_t;

/* Fills ITEM for SOCKET (NULL allowed), dirty: a socket is asked once before any wait. */
void bus_wait_item_set(bus_wait_item_t *item, void *socket);

/* Marks ready every dirty item and, when none is dirty, waits at most TIMEOUT_MS (>= 0)
 * in one poll() for a ZMQ_FD to fire and marks those ready and dirty (a socket read only
 * in part, a batch at a time, stays dirty until its EAGAIN). Returns how many are ready, 0 on
 * timeout or EINTR, -1 on another error. */
int bus_wait(bus_wait_item_t *items, size_t count, long timeout_ms);

/* After a receive on ITEM's socket returned EAGAIN (with nothing sent since). */
static inline void
bus_wait_clean(bus_wait_item_t *item)
{
    item->dirty = false;
}

/* After a send on ITEM's socket, or when unsure. */
static inline void
bus_wait_dirty(bus_wait_item_t *item)
{
    item->dirty = true;
}

#endif
