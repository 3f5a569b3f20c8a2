/* bus_client.c -- the client side of the bus: one request, one matching reply, a deadline,
 * over as many brokers as the configuration names (bus_client.h says when a call moves).
 *
 * Each link runs with ZMQ_IMMEDIATE so that with no live connection a send fails at once
 * instead of queueing a request nobody will answer; libzmq reconnects in the background
 * (100 ms, backing off to 1 s). Each call carries a fresh nonce, and replies with
 * another nonce (late answers to calls that timed out or moved) are discarded.
 *
 * A call costs as few system calls as we could make it (each ~2 us on the machines we
 * measured, docs/BENCHMARKS.md): the monitor is read once before the send, the nonce
 * comes from a counter mixed with a random seed taken once, and the wait is one poll()
 * on the socket's and the monitor's ZMQ_FDs (bus_wait.h) instead of zmq_poll. */
#include "bus_client.h"
#include "mem.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <czmq.h>
#include "bus_endpoints.h"
#include "bus_proto.h"
#include "bus_wait.h"
#include "clock.h"
#include "log.h"

struct bus_client_t {
    bus_endpoints_t *endpoints;
    bus_link_t *links[BUS_ENDPOINTS_MAX];   /* one per broker, in endpoint order */
    size_t count;
    size_t next;        /* where the next call starts looking: calls go round the brokers */
    uint64_t seed;      /* random, taken once: the nonces of two clients differ */
    uint64_t counter;   /* calls made: the nonces of one client never repeat */
};

/* How long a call that finds no link up waits for one before "no broker" is believed: a
 * first handshake may be under way (a CURVE handshake takes a moment), or a broker that
 * was away may be back and this client's sockets not yet reconnected (each retries within
 * 250 ms: bus_socket.c), while the edge's other threads already send to it. Short, so
 * that with every broker down a call still answers 503 within half a second. */
#define S_CONNECT_GRACE_MS 500

static void
s_link_add(void *arg, const char *endpoint)
{
    bus_client_t *self = (bus_client_t *) arg;
    if (self->count == BUS_ENDPOINTS_MAX)
        return;
    bus_link_t *link = bus_link_new(endpoint, true);
    if (link)
        self->links[self->count++] = link;
}

static void
s_link_remove(void *arg, const char *endpoint)
{
    bus_client_t *self = (bus_client_t *) arg;
    for (size_t i = 0; i < self->count; i++) {
        if (strcmp(bus_link_endpoint(self->links[i]), endpoint) == 0) {
            bus_link_destroy(&self->links[i]);
            self->links[i] = self->links[--self->count];
            return;
        }
    }
}

/* Follows the broker list (names re-resolved now and then). */
static void
s_links_follow(bus_client_t *self)
{
    if (bus_endpoints_due(self->endpoints))
        bus_endpoints_refresh(self->endpoints, s_link_add, s_link_remove, self);
}

/* Follows the broker list and reads every link's connection events. */
static void
s_links_update(bus_client_t *self)
{
    s_links_follow(self);
    for (size_t i = 0; i < self->count; i++)
        bus_link_events(self->links[i]);
}

bus_client_t *
bus_client_new(const char *endpoints)
{
    if (!endpoints) {
        log_error(NULL, "bus_client", "no broker list");
        return NULL;
    }
    bus_client_t *self = mem_calloc(1, sizeof *self);
    if (getrandom(&self->seed, sizeof self->seed, GRND_NONBLOCK) != sizeof self->seed)
        /* no entropy yet (very early boot): unique is enough, it is not a secret */
        self->seed = (uint64_t) clock_mono_us() ^ ((uint64_t) (uintptr_t) self << 16);
    self->endpoints = bus_endpoints_new(endpoints);
    if (!self->endpoints) {
        bus_client_destroy(&self);
        return NULL;
    }
    s_links_update(self);
    if (self->count == 0) {
        log_error(NULL, "bus_client", "no broker of %s could be linked", endpoints);
        bus_client_destroy(&self);
        return NULL;
    }
    return self;
}

void
bus_client_destroy(bus_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_client_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++)
        bus_link_destroy(&self->links[i]);
    bus_endpoints_destroy(&self->endpoints);
    free(self);
    *self_p = NULL;
}

/* Polls every link for POLLOUT (a completed connection) for at most TIMEOUT_MS. */
static bool
s_wait_writable(bus_client_t *self, long timeout_ms)
{
    zmq_pollitem_t items[BUS_ENDPOINTS_MAX];
    for (size_t i = 0; i < self->count; i++)
        items[i] = (zmq_pollitem_t) { zsock_resolve(bus_link_sock(self->links[i])), 0,
                                      ZMQ_POLLOUT, 0 };
    return self->count && zmq_poll(items, (int) self->count, timeout_ms) > 0;
}

int
bus_client_wait_connected(bus_client_t *self, int timeout_ms)
{
    return s_wait_writable(self, timeout_ms) ? 0 : -1;
}

/* Waits at most TIMEOUT_MS for a connection event on any link (read them with
 * bus_link_events). True when one came. */
static bool
s_wait_monitors(bus_client_t *self, long timeout_ms)
{
    zmq_pollitem_t items[BUS_ENDPOINTS_MAX];
    for (size_t i = 0; i < self->count; i++)
        items[i] = (zmq_pollitem_t) { bus_link_monitor(self->links[i]), 0, ZMQ_POLLIN, 0 };
    return self->count && zmq_poll(items, (int) self->count, timeout_ms) > 0;
}

int
bus_client_wait_event(bus_client_t *self, int timeout_ms)
{
    s_links_update(self);
    if (!s_wait_monitors(self, timeout_ms))
        return 0;
    int seen = 0;
    for (size_t i = 0; i < self->count; i++)
        seen |= bus_link_events(self->links[i]);
    return seen;
}

size_t
bus_client_live(const bus_client_t *self)
{
    size_t live = 0;
    for (size_t i = 0; i < self->count; i++)
        live += bus_link_up(self->links[i]);
    return live;
}

/* The next call's nonce: unique per client (a bijection of the call counter, splitmix64's
 * finaliser, keyed by the seed), which is all it needs to be; not a secret. */
static void
s_nonce(bus_client_t *self, uint8_t *nonce)
{
    uint64_t z = self->seed + ++self->counter * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    memcpy(nonce, &z, BUS_NONCE_SIZE);
}

/* Sends PARTS on the first link, in turn from self->next, that is up, takes them and is
 * not in SKIP; a link whose broker is stopping only when no other would. Returns the
 * link's index, or -1 when none would (no completed connection).
 *
 * "Up" is the monitor's word, read just before: the socket's own view lags (libzmq
 * processes the pipe's end in the caller's thread, throttled), and a message sent into
 * a pipe that is being torn down is silently lost. */
static int
s_send_any(bus_client_t *self, const bus_part_t *parts, const bool *skip)
{
    for (size_t i = 0; i < self->count; i++)
        bus_link_events(self->links[i]);
    for (size_t n = 0; n < 2 * self->count; n++) {
        size_t i = (self->next + n) % self->count;
        bus_link_t *link = self->links[i];
        if (skip[i] || !bus_link_up(link) || bus_link_draining(link) != (n >= self->count))
            continue;
        if (bus_send_parts(zsock_resolve(bus_link_sock(self->links[i])), parts, 4) == 0) {
            self->next = (i + 1) % self->count;
            return (int) i;
        }
    }
    return -1;
}

typedef enum { S_REPLY, S_LOST, S_TIMEOUT } s_outcome_t;

/* Waits on LINK for [BUS_CLIENT, service, nonce, envelope] with our NONCE until DEADLINE
 * (mono ms), or until the link is lost. */
static s_outcome_t
s_wait_reply(bus_link_t *link, const uint8_t *nonce, int64_t deadline, envelope_t **reply_p)
{
    zsock_t *sock = bus_link_sock(link);
    uint64_t losses = bus_link_losses(link);
    bus_wait_item_t items[2];
    bus_wait_item_set(&items[0], zsock_resolve(sock));      /* dirty: we just sent on it */
    bus_wait_item_set(&items[1], bus_link_monitor(link));
    bus_wait_clean(&items[1]);   /* read to its end by s_send_any just before the send */
    for (;;) {
        long timeout = (long) (deadline - clock_mono_ms());
        if (timeout <= 0)
            return S_TIMEOUT;
        int rc = bus_wait(items, 2, timeout);
        if (rc < 0)
            return S_TIMEOUT;
        if (rc == 0)
            continue;
        zmsg_t *msg;
        while (items[0].ready && (msg = zmsg_recv(sock))) {
            envelope_t *reply = NULL;
            zframe_t *header = zmsg_first(msg);
            zmsg_next(msg);   /* service: informative only */
            zframe_t *got = zmsg_next(msg);
            zframe_t *body = zmsg_next(msg);
            if (zmsg_size(msg) == 4
                && bus_header_is(zframe_data(header), zframe_size(header), BUS_CLIENT)
                && zframe_size(got) == BUS_NONCE_SIZE
                && memcmp(zframe_data(got), nonce, BUS_NONCE_SIZE) == 0) {
                const char *why = NULL;
                reply = envelope_decode(zframe_data(body), zframe_size(body), &why);
                if (!reply)
                    log_warn(NULL, "bus_client_malformed", "reply dropped: %s", why ? why : "?");
            }
            /* anything else is a late reply to an abandoned call, or noise: drop it */
            zmsg_destroy(&msg);
            if (reply) {
                *reply_p = reply;
                return S_REPLY;
            }
        }
        if (items[0].ready)
            bus_wait_clean(&items[0]);   /* zmsg_recv said EAGAIN (rcvtimeo 0) */
        /* a reply that came before the loss was taken above: only then give up on it */
        if (items[1].ready) {
            int events = bus_link_events(link);
            bus_wait_clean(&items[1]);
            if ((events & BUS_LINK_LOST) && bus_link_losses(link) != losses)
                return S_LOST;
        }
    }
}

err_code_t
bus_client_call(bus_client_t *self, envelope_t *req, int timeout_ms, int flags,
                envelope_t **reply_p)
{
    assert(self && req && reply_p);
    *reply_p = NULL;
    if (!bus_service_valid(req->service, strlen(req->service)))
        return ERR_BAD_REQUEST;
    if (timeout_ms <= 0)
        timeout_ms = 1;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    req->deadline_ms = clock_wall_ms() + timeout_ms;
    s_links_follow(self);   /* the links' events are read by s_send_any, just before */

    uint8_t nonce[BUS_NONCE_SIZE];
    s_nonce(self, nonce);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    bus_part_t parts[] = {
        { BUS_CLIENT, BUS_HEADER_SIZE },
        { req->service, strlen(req->service) },
        { nonce, BUS_NONCE_SIZE },
        { buf.data, buf.size },
    };
    bool skip[BUS_ENDPOINTS_MAX] = { false };   /* brokers that said "undelivered" */
    envelope_t *last = NULL;                    /* the last such answer */
    err_code_t rc = ERR_SERVICE_UNAVAILABLE;
    /* each round either ends the call or rules out a broker (skip) or a lost link */
    for (size_t round = 0; round <= 2 * self->count; round++) {
        int at = s_send_any(self, parts, skip);
        if (at < 0 && round == 0) {
            /* no link up: wait a moment for one (S_CONNECT_GRACE_MS), event by event */
            int64_t until = clock_mono_ms() + S_CONNECT_GRACE_MS;
            if (until > deadline)
                until = deadline;
            long wait;
            while (at < 0 && (wait = (long) (until - clock_mono_ms())) > 0
                   && s_wait_monitors(self, wait))
                at = s_send_any(self, parts, skip);   /* reads the events it woke for */
        }
        if (at < 0) {
            /* ZMQ_IMMEDIATE: no completed connection to a broker we may still try */
            log_debug(req->request_id, "bus_client_send", "no broker: %s", zmq_strerror(errno));
            rc = last ? ERR_NONE : ERR_SERVICE_UNAVAILABLE;
            break;
        }
        envelope_t *reply = NULL;
        s_outcome_t outcome = s_wait_reply(self->links[at], nonce, deadline, &reply);
        if (outcome == S_TIMEOUT) {
            rc = ERR_GATEWAY_TIMEOUT;
            envelope_destroy(&last);
            break;
        }
        if (outcome == S_REPLY) {
            envelope_destroy(&last);
            last = reply;
            rc = ERR_NONE;
            if (!reply->undelivered)
                break;
            skip[at] = true;   /* never reached a worker: another broker may have one */
            if (strcmp(reply->message, BUS_MSG_BROKER_STOPPING) == 0)
                bus_link_set_draining(self->links[at]);
            continue;
        }
        /* S_LOST: the broker carrying the call is gone */
        if (!(flags & BUS_CALL_RETRYABLE)) {
            log_warn(req->request_id, "bus_client_lost", "%s/%s: broker %s lost in flight; "
                     "outcome unknown", req->service, req->method,
                     bus_link_endpoint(self->links[at]));
            rc = ERR_GATEWAY_TIMEOUT;
            envelope_destroy(&last);
            break;
        }
        log_info(req->request_id, "bus_client_retry", "%s/%s: broker %s lost in flight; "
                 "sending again", req->service, req->method, bus_link_endpoint(self->links[at]));
        s_nonce(self, nonce);   /* a late answer from the lost broker is not ours any more */
    }
    msgpack_sbuffer_destroy(&buf);
    if (rc == ERR_NONE && !last)
        rc = ERR_SERVICE_UNAVAILABLE;
    *reply_p = rc == ERR_NONE ? last : NULL;
    if (rc != ERR_NONE)
        envelope_destroy(&last);
    return rc;
}
