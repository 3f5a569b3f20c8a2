/* bus_worker.c -- the worker side of the bus: READY, one request at a time, heartbeats,
 * and a fresh socket whenever the broker goes silent or says DISCONNECT.
 *
 * Why a fresh socket and not libzmq's own reconnect: a restarted broker has forgotten
 * us, and the clean way back is a new identity followed by READY. Messages still queued
 * on the old socket (heartbeats, a late reply) would only confuse the new broker. */
#include "bus_worker.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "bus_proto.h"
#include "bus_security.h"
#include "clock.h"
#include "config.h"
#include "log.h"

#define STOP_CHECK_MS 100   /* longest poll, so a stop request is seen promptly */

struct bus_worker_t {
    char *endpoint;
    char service[BUS_SERVICE_MAX + 1];
    zsock_t *sock;             /* DEALER to the broker; replaced on reconnect */
    int heartbeat_ms;
    int liveness;
    int64_t heard_at;          /* mono ms of the last message from the broker */
    int64_t heartbeat_at;      /* mono ms of our next heartbeat */
    uint64_t served;
    uint64_t dropped;
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
s_send_command(bus_worker_t *self, const char *command, const char *arg)
{
    bus_part_t parts[] = {
        { BUS_WORKER, BUS_HEADER_SIZE },
        { command, 1 },
        { arg, arg ? strlen(arg) : 0 },
    };
    /* a heartbeat that cannot leave (broker away, queue full) is simply not needed */
    return bus_send_parts(zsock_resolve(self->sock), parts, arg ? 3 : 2);
}

/* Closes any old socket, opens a new one and queues READY. The DEALER keeps READY until
 * the connection completes, so a worker started before its broker registers by itself. */
static int
s_connect(bus_worker_t *self)
{
    zsock_destroy(&self->sock);
    self->sock = zsock_new(ZMQ_DEALER);
    if (!self->sock)
        return -1;
    bus_security_client(self->sock);
    zsock_set_linger(self->sock, 0);
    zsock_set_maxmsgsize(self->sock, BUS_MAX_MSG_SIZE);
    zsock_set_rcvtimeo(self->sock, 0);
    zsock_set_reconnect_ivl(self->sock, 100);
    zsock_set_reconnect_ivl_max(self->sock, 1000);
    if (zsock_connect(self->sock, "%s", self->endpoint) != 0) {
        log_error(NULL, "bus_worker_connect", "cannot connect to %s", self->endpoint);
        zsock_destroy(&self->sock);
        return -1;
    }
    int64_t now = clock_mono_ms();
    self->heard_at = now;
    self->heartbeat_at = now + self->heartbeat_ms;
    return s_send_command(self, BUS_READY, self->service);
}

bus_worker_t *
bus_worker_new(const char *endpoint, const char *service)
{
    if (!endpoint || !service || !bus_service_valid(service, strlen(service))
        || strncmp(service, "mmi.", 4) == 0)
        return NULL;
    bus_zsys_setup();
    bus_worker_t *self = (bus_worker_t *) calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->endpoint = strdup(endpoint);
    snprintf(self->service, sizeof self->service, "%s", service);
    self->heartbeat_ms = (int) config_int("BUS_HEARTBEAT_MS", BUS_HEARTBEAT_MS_DEFAULT, 10, 60000);
    self->liveness = (int) config_int("BUS_LIVENESS", BUS_LIVENESS_DEFAULT, 1, 100);
    if (!self->endpoint || s_connect(self) != 0)
        bus_worker_destroy(&self);
    return self;
}

void
bus_worker_destroy(bus_worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    bus_worker_t *self = *self_p;
    if (self->sock) {
        s_send_command(self, BUS_DISCONNECT, NULL);
        /* linger 0 would discard DISCONNECT; give it a moment to leave when connected */
        zsock_set_linger(self->sock, 100);
        zsock_destroy(&self->sock);
    }
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

/* [BUS_WORKER, REQUEST, client, nonce, envelope]: decode, check the deadline, call the
 * handler, send [BUS_WORKER, REPLY, client, nonce, reply]. */
static void
s_serve(bus_worker_t *self, zmsg_t *msg, bus_handler_fn *handler, void *state)
{
    envelope_t *req = NULL, *reply = NULL;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    zframe_t *client = zmsg_next(msg);
    zframe_t *nonce = zmsg_next(msg);
    zframe_t *body = zmsg_next(msg);
    if (!client || !nonce || !body || zframe_size(nonce) != BUS_NONCE_SIZE) {
        self->dropped++;
        goto cleanup;
    }
    const char *why = NULL;
    req = envelope_decode(zframe_data(body), zframe_size(body), &why);
    if (!req || req->kind != ENVELOPE_REQUEST) {
        log_warn(NULL, "bus_worker_malformed", "request dropped: %s", why ? why : "not a request");
        self->dropped++;
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
    if (bus_send_parts(zsock_resolve(self->sock), parts, 5) != 0) {
        log_warn(req->request_id, "bus_worker_reply_dropped", "reply not sent: %s",
                 zmq_strerror(errno));
    } else {
        self->served++;
    }
cleanup:
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&reply);
    envelope_destroy(&req);
}

/* Handles one message from the broker. Returns 1 when the worker must reconnect. */
static int
s_dispatch(bus_worker_t *self, zmsg_t *msg, bus_handler_fn *handler, void *state)
{
    zframe_t *header = zmsg_first(msg);
    zframe_t *command = zmsg_next(msg);
    if (!header || !command || !bus_header_is(zframe_data(header), zframe_size(header), BUS_WORKER)
        || zframe_size(command) != 1) {
        self->dropped++;
        return 0;
    }
    char cmd = *(const char *) zframe_data(command);
    if (cmd == BUS_REQUEST[0] && zmsg_size(msg) == 5) {
        s_serve(self, msg, handler, state);
        /* time inside the handler was not listening time: do not count it as silence */
        self->heard_at = clock_mono_ms();
        return 0;
    }
    if (cmd == BUS_HEARTBEAT[0] && zmsg_size(msg) == 2)
        return 0;
    if (cmd == BUS_DISCONNECT[0] && zmsg_size(msg) == 2)
        return 1;
    self->dropped++;
    return 0;
}

int
bus_worker_run(bus_worker_t *self, bus_handler_fn *handler, void *state,
               volatile sig_atomic_t *stop)
{
    assert(self && handler && stop);
    while (!*stop) {
        if (!self->sock && s_connect(self) != 0) {
            zclock_sleep(self->heartbeat_ms);
            continue;
        }
        int64_t now = clock_mono_ms();
        long timeout = (long) (self->heartbeat_at - now);
        if (timeout > STOP_CHECK_MS)
            timeout = STOP_CHECK_MS;
        if (timeout < 0)
            timeout = 0;
        zmq_pollitem_t item = { zsock_resolve(self->sock), 0, ZMQ_POLLIN, 0 };
        int rc = zmq_poll(&item, 1, timeout);
        if (rc < 0 && errno != EINTR)
            return -1;
        bool reconnect = false;
        if (rc > 0 && (item.revents & ZMQ_POLLIN)) {
            zmsg_t *msg;
            /* drain what is here, one request at a time; stop between messages */
            while (!reconnect && !*stop && (msg = zmsg_recv(self->sock))) {
                self->heard_at = clock_mono_ms();
                reconnect = s_dispatch(self, msg, handler, state) == 1;
                zmsg_destroy(&msg);
            }
            if (reconnect)
                log_info(NULL, "bus_worker_disconnect", "%s: broker asked to re-register",
                         self->service);
        }
        now = clock_mono_ms();
        if (!reconnect && now - self->heard_at > (int64_t) self->heartbeat_ms * self->liveness) {
            log_warn(NULL, "bus_worker_broker_silent", "%s: no broker for %d ms, reconnecting",
                     self->service, self->heartbeat_ms * self->liveness);
            reconnect = true;
        }
        if (reconnect) {
            self->reconnects++;
            if (s_connect(self) != 0)
                zsock_destroy(&self->sock);
            continue;
        }
        if (now >= self->heartbeat_at) {
            s_send_command(self, BUS_HEARTBEAT, NULL);
            self->heartbeat_at = now + self->heartbeat_ms;
        }
    }
    return 0;
}

uint64_t
bus_worker_served(const bus_worker_t *self)
{
    return self ? self->served : 0;
}

uint64_t
bus_worker_dropped(const bus_worker_t *self)
{
    return self ? self->dropped : 0;
}
