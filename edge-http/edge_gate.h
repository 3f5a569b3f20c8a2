/* edge_gate.h -- how many requests may use the CPU at once: a FIFO of slots that a
 * request holds while it computes and gives back while it waits on a client or the bus.
 *
 * Why: CivetWeb keeps a thread per keep-alive connection, so 64-256 connections are as
 * many threads runnable at once beside Redis on 2 cores; the kernel then shares the CPU
 * among all of them and a request's latency becomes the whole run queue's (bimodal: most
 * in a few ms, 1% past 100 ms). With a few slots the rest wait off the run queue, in
 * arrival order, and a request that comes back from the bus goes first: the wait is a
 * queue, not the scheduler's lottery. Slots are never held across a read from the client
 * (a slow client must not stall the others) nor across a bus call. */
#ifndef EDGE_GATE_H
#define EDGE_GATE_H

#include <semaphore.h>
#include <stdbool.h>

typedef struct edge_gate_t edge_gate_t;

/* One per thread that may wait: the gate hands it a slot directly. */
typedef struct edge_gate_waiter_t {
    sem_t granted;               /* posted outside the gate's lock: one wake-up, no convoy */
    struct edge_gate_waiter_t *next;
} edge_gate_waiter_t;

/* SLOTS requests at once. SLOTS <= 0 is not a gate: use NULL
 * (every function accepts a NULL gate and does nothing). */
edge_gate_t *edge_gate_new(int slots);
void edge_gate_destroy(edge_gate_t **self_p);

int edge_gate_waiter_init(edge_gate_waiter_t *w);
void edge_gate_waiter_fini(edge_gate_waiter_t *w);

/* Takes a slot, waiting for one in arrival order; RESUMING (a request coming back from
 * the bus) waits ahead of new requests. */
void edge_gate_enter(edge_gate_t *self, edge_gate_waiter_t *w, bool resuming);
/* Gives the slot back: straight to the first waiter if there is one. */
void edge_gate_leave(edge_gate_t *self);

/* Requests waiting for a slot now (a gauge). */
int edge_gate_waiting(edge_gate_t *self);

#endif
