/* bus_worker.c -- the worker side of the bus: READY with every broker, one request at a
 * time from any of them, heartbeats, and a fresh link whenever a broker goes silent, is
 * lost, or says DISCONNECT.
 *
 * Why a fresh link and not libzmq's own reconnect: a restarted broker has forgotten us,
 * and the clean way back is a new identity followed by READY. Messages still queued on
 * the old socket (heartbeats, a late reply) would only confuse the new broker.
 *
 * Several brokers: each thinks the worker is idle when it has nothing of its own there,
 * so a request from one may wait in the socket while the worker serves another's. That
 * wait is one request long at most per broker, and the spread over threads keeps it rare.
 *
 * The loop waits in one poll() on the links' ZMQ_FDs (bus_wait.h), and reads a link's
 * monitor only when its ZMQ_FD fired: zmq_poll and a monitor read per turn cost a dozen
 * system calls per request and per idle turn (docs/BENCHMARKS.md). */
#include "bus_worker.h"
#include "mem.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "bus_endpoints.h"
#include "bus_link.h"
#include "bus_proto.h"
#include "bus_socket.h"
#include "bus_wait.h"
#include "clock.h"
#include "log.h"

#define STOP_CHECK_MS 100   /* longest poll, so a stop request is seen promptly */

/* One broker as this worker sees it. */
typedef struct {
    char endpoint[BUS_ENDPOINT_MAX];
    bus_link_t *link;          /* NULL while it could not be made; retried */
    int64_t heard_at;          /* mono ms of the last message from the broker */
    int64_t heartbeat_at;      /* mono ms of our next heartbeat */
    int64_t connected_at;      /* mono ms the link was made: fresh links are not churned */
    bus_wait_item_t sock_w;    /* the link's socket and monitor as the wait sees them */
    bus_wait_item_t monitor_w;
} s_broker_t;

struct bus_worker_t {
    bus_endpoints_t *endpoints;
    char service[BUS_SERVICE_MAX + 1];
    s_broker_t brokers[BUS_ENDPOINTS_MAX];
    size_t count;
    int heartbeat_ms;
    int liveness;
    uint64_t reconnects;
};

static void
s_zsys_once(void)
{
    zsys_handler_set(NULL);
    zsys_init();
}

void
bus_zsys_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, s_zsys_once);
}

static int
s_send_command(s_broker_t *b, const char *command, const char *arg)
{
    bus_part_t parts[] = {
        { BUS_WORKER, BUS_HEADER_SIZE },
        { command, 1 },
        { arg, arg ? strlen(arg) : 0 },
    };
    /* a heartbeat that cannot leave (broker away, queue full) is simply not needed */
    bus_wait_dirty(&b->sock_w);
    return bus_send_parts(zsock_resolve(bus_link_sock(b->link)), parts, arg ? 3 : 2);
}

/* Replaces B's link with a new one and queues READY. The link keeps READY until the
 * connection completes, so a worker started before its broker registers by itself. */
static void
s_connect(bus_worker_t *self, s_broker_t *b)
{
    bus_link_destroy(&b->link);
    int64_t now = clock_mono_ms();
    b->heard_at = now;
    b->heartbeat_at = now + self->heartbeat_ms;
    b->connected_at = now;
    b->link = bus_link_new(b->endpoint, false);
    bus_wait_item_set(&b->sock_w, b->link ? zsock_resolve(bus_link_sock(b->link)) : NULL);
    bus_wait_item_set(&b->monitor_w, b->link ? bus_link_monitor(b->link) : NULL);
    if (b->link)
        s_send_command(b, BUS_READY, self->service);
}

/* Says DISCONNECT (a promise: nothing sent to us after it is served, so the broker may
 * hand it to another worker) and closes B's link. */
static void
s_leave(s_broker_t *b)
{
    if (!b->link)
        return;
    s_send_command(b, BUS_DISCONNECT, NULL);
    /* linger 0 would discard DISCONNECT; give it a moment to leave when connected */
    zsock_set_linger(bus_link_sock(b->link), 100);
    bus_link_destroy(&b->link);
}

static void
s_broker_add(void *arg, const char *endpoint)
{
    bus_worker_t *self = (bus_worker_t *) arg;
    if (self->count == BUS_ENDPOINTS_MAX)
        return;
    s_broker_t *b = &self->brokers[self->count++];
    memset(b, 0, sizeof *b);
    snprintf(b->endpoint, sizeof b->endpoint, "%s", endpoint);
    s_connect(self, b);
}

static void
s_broker_remove(void *arg, const char *endpoint)
{
    bus_worker_t *self = (bus_worker_t *) arg;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(self->brokers[i].endpoint, endpoint) == 0) {
            s_leave(&self->brokers[i]);
            self->brokers[i] = self->brokers[--self->count];
            return;
        }
    }
}

bus_worker_t *
bus_worker_new(const char *endpoints, const char *service)
{
    if (!endpoints || !service || !bus_service_valid(service, strlen(service))
        || strncmp(service, "mmi.", 4) == 0) {
        log_error(NULL, "bus_worker", "invalid service name or broker list");
        return NULL;
    }
    bus_zsys_setup();
    bus_worker_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->service, sizeof self->service, "%s", service);
    self->heartbeat_ms = bus_heartbeat_ms();
    self->liveness = bus_liveness();
    self->endpoints = bus_endpoints_new(endpoints);
    if (!self->endpoints) {
        bus_worker_destroy(&self);
        return NULL;
    }
    bus_endpoints_refresh(self->endpoints, s_broker_add, s_broker_remove, self);
    if (self->count == 0 || !self->brokers[0].link) {
        log_error(NULL, "bus_worker", "no broker of %s could be linked", endpoints);
        bus_worker_destroy(&self);
    }
    return self;
}

void
bus_worker_destroy(bus_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_worker_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        s_leave(&self->brokers[i]);
    bus_endpoints_destroy(&self->endpoints);
    free(self);
    *self_p = NULL;
}

/* [BUS_WORKER, REQUEST, client, nonce, envelope]: decode, check the deadline, call the
 * handler, send [BUS_WORKER, REPLY, client, nonce, reply] back to the broker B. */
static void
s_serve(bus_worker_t *self, s_broker_t *b, zmsg_t *msg, bus_handler_fn *handler, void *state)
{
    envelope_t *req = NULL, *reply = NULL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    zframe_t *client = zmsg_next(msg);
    zframe_t *nonce = zmsg_next(msg);
    zframe_t *body = zmsg_next(msg);
    if (!client || !nonce || !body || zframe_size(nonce) != BUS_NONCE_SIZE)
        goto cleanup;
    const char *why = NULL;
    req = envelope_decode(zframe_data(body), zframe_size(body), &why);
    if (!req || req->kind != ENVELOPE_REQUEST) {
        log_warn(NULL, "bus_worker_malformed", "request dropped: %s", why ? why : "not a request");
        goto cleanup;
    }
    reply = envelope_new_reply(req);
    if (req->deadline_ms && clock_wall_ms() >= req->deadline_ms)
        envelope_set_error(reply, ERR_GATEWAY_TIMEOUT, "Request expired before it was served");
    else
        handler(state, req, reply);
    envelope_encode(reply, &buf);
    bus_part_t parts[] = {
        { BUS_WORKER, BUS_HEADER_SIZE },
        { BUS_REPLY, 1 },
        { zframe_data(client), zframe_size(client) },
        { zframe_data(nonce), BUS_NONCE_SIZE },
        { buf.data, buf.size },
    };
    bus_wait_dirty(&b->sock_w);
    if (!b->link || bus_send_parts(zsock_resolve(bus_link_sock(b->link)), parts, 5) != 0)
        log_warn(req->request_id, "bus_worker_reply_dropped", "reply not sent: %s",
                 zmq_strerror(errno));
cleanup:
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}

/* Handles one message from broker B. Returns 1 when the worker must reconnect to it. */
static int
s_dispatch(bus_worker_t *self, s_broker_t *b, zmsg_t *msg, bus_handler_fn *handler, void *state)
{
    zframe_t *header = zmsg_first(msg);
    zframe_t *command = zmsg_next(msg);
    if (!header || !command || !bus_header_is(zframe_data(header), zframe_size(header), BUS_WORKER)
        || zframe_size(command) != 1)
        return 0;
    char cmd = *(const char *) zframe_data(command);
    if (cmd == BUS_REQUEST[0] && zmsg_size(msg) == 5) {
        s_serve(self, b, msg, handler, state);
        /* time inside the handler was not listening time: count it as no one's silence */
        int64_t now = clock_mono_ms();
        for (size_t i = 0; i < self->count; i++)
            if (self->brokers[i].heard_at < now)
                self->brokers[i].heard_at = now;
        return 0;
    }
    if (cmd == BUS_HEARTBEAT[0] && zmsg_size(msg) == 2)
        return 0;
    if (cmd == BUS_DISCONNECT[0] && zmsg_size(msg) == 2)
        return 1;
    return 0;                            /* anything else from a broker: ignored */
}

/* Reads what broker B has for us, one request at a time, until it is empty or STOP. */
static void
s_drain(bus_worker_t *self, s_broker_t *b, bus_handler_fn *handler, void *state,
        volatile sig_atomic_t *stop)
{
    zmsg_t *msg = NULL;
    bool reconnect = false;
    while (!reconnect && !*stop && b->link && (msg = zmsg_recv(bus_link_sock(b->link)))) {
        b->heard_at = clock_mono_ms();
        reconnect = s_dispatch(self, b, msg, handler, state) == 1;
        zmsg_destroy(&msg);
    }
    if (!msg && !reconnect && !*stop)
        bus_wait_clean(&b->sock_w);   /* zmsg_recv said EAGAIN (rcvtimeo 0) */
    if (reconnect) {
        log_info(NULL, "bus_worker_disconnect", "%s: broker %s asked to re-register",
                 self->service, b->endpoint);
        self->reconnects++;
        s_connect(self, b);
    }
}

/* Heartbeats, and a fresh link for a broker silent too long or whose connection was lost
 * (not more often than once per heartbeat: a broker refusing us must not cause a storm). */
static void
s_tend(bus_worker_t *self, s_broker_t *b)
{
    int64_t now = clock_mono_ms();
    bool lost = false;
    if (b->link && b->monitor_w.dirty) {   /* its ZMQ_FD fired (bus_wait) */
        int events = bus_link_events(b->link);
        lost = (events & BUS_LINK_LOST) != 0;
        /* A handshake just completed is word from the broker. Without this, a broker
         * back after more than the silence allowed got our READY (the link re-sends it
         * on connecting) and then lost it again when the silence check below, still
         * counting from before the outage, replaced the link: all of a service's workers
         * gone at once, moments after they had registered. */
        if (events & BUS_LINK_UP)
            b->heard_at = now;
        bus_wait_clean(&b->monitor_w);
    }
    bool silent = now - b->heard_at > (int64_t) self->heartbeat_ms * self->liveness;
    if (!b->link || silent || (lost && now - b->connected_at >= self->heartbeat_ms)) {
        if (silent && b->link)
            log_warn(NULL, "bus_worker_broker_silent", "%s: no word from %s for %d ms, "
                     "reconnecting", self->service, b->endpoint, self->heartbeat_ms * self->liveness);
        self->reconnects++;
        s_connect(self, b);
        return;
    }
    if (now >= b->heartbeat_at) {
        s_send_command(b, BUS_HEARTBEAT, NULL);
        b->heartbeat_at = now + self->heartbeat_ms;
    }
}

int
bus_worker_run(bus_worker_t *self, bus_handler_fn *handler, void *state,
               volatile sig_atomic_t *stop)
{
    assert(self && handler && stop);
    bus_wait_item_t items[2 * BUS_ENDPOINTS_MAX];
    while (!*stop) {
        if (bus_endpoints_due(self->endpoints))
            bus_endpoints_refresh(self->endpoints, s_broker_add, s_broker_remove, self);
        int64_t now = clock_mono_ms();
        long timeout = STOP_CHECK_MS;
        size_t n = 0;
        for (size_t i = 0; i < self->count; i++) {
            s_broker_t *b = &self->brokers[i];
            long until = (long) (b->heartbeat_at - now);
            if (until < timeout)
                timeout = until < 0 ? 0 : until;
            /* a broker without a link still takes its two slots (no socket: skipped),
             * so slot 2i is always broker i */
            items[n++] = b->sock_w;
            items[n++] = b->monitor_w;
        }
        int rc = bus_wait(items, n, timeout);
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < self->count; i++) {
            self->brokers[i].sock_w = items[2 * i];
            self->brokers[i].monitor_w = items[2 * i + 1];
        }
        for (size_t i = 0; i < self->count && !*stop; i++) {
            if (rc > 0 && self->brokers[i].sock_w.ready)
                s_drain(self, &self->brokers[i], handler, state, stop);
        }
        for (size_t i = 0; i < self->count && !*stop; i++)
            s_tend(self, &self->brokers[i]);
    }
    return 0;
}
