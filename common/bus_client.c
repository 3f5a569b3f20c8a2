/* bus_client.c -- the client side of the bus: one request, one matching reply, a deadline.
 *
 * The DEALER runs with ZMQ_IMMEDIATE so that with no live broker connection a send fails
 * at once (503) instead of queueing a request nobody will answer; libzmq reconnects in
 * the background (100 ms, backing off to 1 s). Each call carries a fresh random nonce,
 * and replies with another nonce (late answers to calls that timed out) are discarded. */
#include "bus_client.h"
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <czmq.h>
#include "bus_proto.h"
#include "bus_security.h"
#include "clock.h"
#include "log.h"

struct bus_client_t {
    zsock_t *sock;      /* DEALER to the broker's client endpoint */
    uint64_t counter;   /* mixed into the nonce should getrandom ever fail */
    bool sent_once;     /* the connection was up at least once */
};

/* A socket that has never been connected may still be connecting (a CURVE handshake takes
 * a moment): it gets this long before "no broker" is believed. Short, so that a client
 * made while the broker is down still answers 503 at once; a process that makes many
 * clients at start waits for them instead (bus_client_wait_connected). */
#define S_FIRST_CONNECT_GRACE_MS 250

bus_client_t *
bus_client_new(const char *endpoint)
{
    if (!endpoint)
        return NULL;
    bus_zsys_setup();
    bus_client_t *self = (bus_client_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->sock = zsock_new(ZMQ_DEALER);
    if (!self->sock)
        goto failed;
    bus_security_client(self->sock);
    zsock_set_immediate(self->sock, 1);
    zsock_set_linger(self->sock, 0);
    zsock_set_maxmsgsize(self->sock, BUS_MAX_MSG_SIZE);
    zsock_set_rcvtimeo(self->sock, 0);
    zsock_set_reconnect_ivl(self->sock, 100);
    zsock_set_reconnect_ivl_max(self->sock, 1000);
    if (zsock_connect(self->sock, "%s", endpoint) != 0) {
        log_error(NULL, "bus_client_connect", "cannot connect to %s", endpoint);
        goto failed;
    }
    return self;
failed:
    bus_client_destroy(&self);
    return NULL;
}

void
bus_client_destroy(bus_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_client_t *self = *self_p;
    zsock_destroy(&self->sock);
    free(self);
    *self_p = NULL;
}

int
bus_client_wait_connected(bus_client_t *self, int timeout_ms)
{
    zmq_pollitem_t item = { zsock_resolve(self->sock), 0, ZMQ_POLLOUT, 0 };
    return zmq_poll(&item, 1, timeout_ms) == 1 ? 0 : -1;
}

void *
bus_client_zsock(bus_client_t *self)
{
    return self->sock;
}

static void
s_nonce(bus_client_t *self, uint8_t *nonce)
{
    if (getrandom(nonce, BUS_NONCE_SIZE, GRND_NONBLOCK) == BUS_NONCE_SIZE)
        return;
    /* no entropy yet (very early boot): unique is enough, it is not a secret */
    uint64_t v = (uint64_t) clock_mono_us() ^ ((uint64_t) (uintptr_t) self << 16) ^ ++self->counter;
    memcpy(nonce, &v, BUS_NONCE_SIZE);
}

/* Waits for [BUS_CLIENT, service, nonce, envelope] with our NONCE until DEADLINE (mono ms).
 * Returns the decoded reply or NULL on timeout. */
static envelope_t *
s_wait_reply(bus_client_t *self, const uint8_t *nonce, int64_t deadline)
{
    void *handle = zsock_resolve(self->sock);
    for (;;) {
        long timeout = (long) (deadline - clock_mono_ms());
        if (timeout <= 0)
            return NULL;
        zmq_pollitem_t item = { handle, 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll(&item, 1, timeout);
        if (rc < 0 && errno != EINTR)
            return NULL;
        if (rc <= 0)
            continue;
        zmsg_t *msg;
        while ((msg = zmsg_recv(self->sock))) {
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
            if (reply)
                return reply;
        }
    }
}

err_code_t
bus_client_call(bus_client_t *self, envelope_t *req, int timeout_ms, envelope_t **reply_p)
{
    assert(self && req && reply_p);
    *reply_p = NULL;
    if (!bus_service_valid(req->service, strlen(req->service)))
        return ERR_BAD_REQUEST;
    if (timeout_ms <= 0)
        timeout_ms = 1;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    req->deadline_ms = clock_wall_ms() + timeout_ms;

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
    void *handle = zsock_resolve(self->sock);
    int rc = bus_send_parts(handle, parts, 4);
    if (rc != 0 && errno == EAGAIN && !self->sent_once) {
        long wait = (long) (deadline - clock_mono_ms());
        if (wait > S_FIRST_CONNECT_GRACE_MS)
            wait = S_FIRST_CONNECT_GRACE_MS;
        zmq_pollitem_t item = { handle, 0, ZMQ_POLLOUT, 0 };
        if (wait > 0 && zmq_poll(&item, 1, wait) == 1)
            rc = bus_send_parts(handle, parts, 4);
    }
    if (rc == 0)
        self->sent_once = true;
    msgpack_sbuffer_destroy(&buf);
    if (rc != 0) {
        /* ZMQ_IMMEDIATE: EAGAIN here means no completed connection to a broker */
        log_debug(req->request_id, "bus_client_send", "no broker: %s", zmq_strerror(errno));
        return ERR_SERVICE_UNAVAILABLE;
    }
    *reply_p = s_wait_reply(self, nonce, deadline);
    return *reply_p ? ERR_NONE : ERR_GATEWAY_TIMEOUT;
}
