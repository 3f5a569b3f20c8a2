/* edge_gate.c -- a FIFO of CPU slots with direct hand-off (see edge_gate.h). */
#include "edge_gate.h"
#include <pthread.h>
#include <stdlib.h>
#include "mem.h"

struct edge_gate_t {
    pthread_mutex_t mutex;
    int slots;                    /* at most this many holders */
    int held;
    int waiting;
    edge_gate_waiter_t *head, *tail;
    edge_gate_waiter_t *last_resumer;   /* the last resuming waiter in the queue, or NULL */
};

edge_gate_t *
edge_gate_new(int slots)
{
    if (slots <= 0)
        return NULL;
    edge_gate_t *self = mem_calloc(1, sizeof *self);
    if (pthread_mutex_init(&self->mutex, NULL) != 0) {
        free(self);
        return NULL;
    }
    self->slots = slots;
    return self;
}

void
edge_gate_destroy(edge_gate_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pthread_mutex_destroy(&(*self_p)->mutex);
    free(*self_p);
    *self_p = NULL;
}

int
edge_gate_waiter_init(edge_gate_waiter_t *w)
{
    w->next = NULL;
    return sem_init(&w->granted, 0, 0);
}

void
edge_gate_waiter_fini(edge_gate_waiter_t *w)
{
    sem_destroy(&w->granted);
}

void
edge_gate_enter(edge_gate_t *self, edge_gate_waiter_t *w, bool resuming)
{
    if (!self)
        return;
    pthread_mutex_lock(&self->mutex);
    /* A free slot is taken only when nobody waits: arriving late never overtakes. */
    if (self->held < self->slots && !self->head) {
        self->held++;
        pthread_mutex_unlock(&self->mutex);
        return;
    }
    w->next = NULL;
    if (resuming) {
        /* Ahead of new requests, behind earlier resumers: finishing work in hand first
         * keeps the number of requests in progress, and their latency, down. */
        edge_gate_waiter_t **at = self->last_resumer ? &self->last_resumer->next : &self->head;
        w->next = *at;
        *at = w;
        if (!w->next)
            self->tail = w;
        self->last_resumer = w;
    } else {
        if (self->tail)
            self->tail->next = w;
        else
            self->head = w;
        self->tail = w;
    }
    self->waiting++;
    pthread_mutex_unlock(&self->mutex);
    while (sem_wait(&w->granted) != 0)
        ;                                /* EINTR: a signal, not the slot */
}

void
edge_gate_leave(edge_gate_t *self)
{
    if (!self)
        return;
    pthread_mutex_lock(&self->mutex);
    edge_gate_waiter_t *w = self->head;
    if (w) {
        /* The slot passes straight on: held stays the same. */
        self->head = w->next;
        if (!self->head)
            self->tail = NULL;
        if (self->last_resumer == w)
            self->last_resumer = NULL;
        w->next = NULL;
        self->waiting--;
    } else
        self->held--;
    pthread_mutex_unlock(&self->mutex);
    if (w)
        sem_post(&w->granted);
}

int
edge_gate_waiting(edge_gate_t *self)
{
    if (!self)
        return 0;
    pthread_mutex_lock(&self->mutex);
    int n = self->waiting;
    pthread_mutex_unlock(&self->mutex);
    return n;
}
