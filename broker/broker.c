/* broker.c -- the bus broker, the whole protocol in one file (after mdbroker.c).
 *
 * Two ROUTERs: "front" for clients, "back" for workers. Workers say READY with a service
 * name and then get one request at a time; the broker keeps, per service, the idle workers
 * in least-recently-used order and a bounded queue of requests waiting for one. Every
 * answer the broker makes itself (503, 504, mmi.service) is a real reply envelope carrying
 * the request id, so a caller never has to guess.
 *
 * Peer input is never trusted: every frame count, header, size and envelope is checked;
 * what fails is counted and dropped. Sends never block (ZMQ_DONTWAIT) and ROUTER_MANDATORY
 * turns "peer gone" into EHOSTUNREACH, which is how a killed busy worker is found: the
 * broker heartbeats busy workers too, and the send fails once its TCP link is gone.
 *
 * The same loop forwards events from XSUB (publishers) to XPUB (subscribers) and
 * subscriptions back upstream. */
#include "broker.h"
#include "mem.h"
#include <assert.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "bus_proto.h"
#include "bus_security.h"
#include "bus_socket.h"
#include "bus_wait.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "errors.h"
#include "log.h"

#define BATCH_MAX       256   /* messages taken from one socket before looking at the others */
#define QUEUE_TICK_MS   10    /* poll timeout while requests are queued, to expire them */
#define KEY_MAX         (2 * 255 + 1)   /* a routing id is at most 255 bytes, hex-encoded */

static const char S_WORKER_LEFT[] = "Worker left";   /* compared by address */

enum { S_BACK, S_FRONT, S_XSUB, S_XPUB };   /* broker_t.wait slots */

typedef struct service_t service_t;

/* A request the broker holds: queued, or in flight at a worker. */
typedef struct {
    zframe_t *client;               /* the client's routing id */
    uint8_t nonce[BUS_NONCE_SIZE];  /* the client's call id, returned untouched */
    zframe_t *body;                 /* the encoded envelope, forwarded as received */
    char request_id[129];
    char service[BUS_SERVICE_MAX + 1];
    char method[33];
    int64_t deadline_ms;            /* wall ms from the envelope, 0 for none */
    int64_t give_up_ms;             /* wall ms after which a queued request gets 504 */
} request_t;

/* A registered worker. */
typedef struct {
    char key[KEY_MAX];              /* hex of the routing id, the workers hash key */
    zframe_t *identity;
    service_t *service;
    int64_t expiry;                 /* mono ms; an idle worker silent past this is dead */
    request_t *inflight;            /* the request it works on, NULL when idle */
    void *idle_handle;              /* its place in service->idle, NULL when busy */
} worker_t;

struct service_t {
    char name[BUS_SERVICE_MAX + 1];
    zlistx_t *idle;                 /* worker_t *, least recently used first */
    zlistx_t *queue;                /* request_t *, oldest first */
    size_t workers;                 /* live workers, idle or busy */
    metric_t *m_routed;
    metric_t *m_workers;
    metric_t *m_queue;
};

struct broker_t {
    broker_config_t cfg;
    zsock_t *front;                 /* clients */
    zsock_t *back;                  /* workers */
    zsock_t *xsub;                  /* publishers; NULL when no proxy */
    zsock_t *xpub;                  /* subscribers */
    /* the loop's view of the four sockets (bus_wait.h): every send marks its socket */
    bus_wait_item_t wait[4];        /* S_BACK, S_FRONT, S_XSUB, S_XPUB */
    zhashx_t *services;             /* name -> service_t */
    zhashx_t *workers;              /* key -> worker_t */
    size_t queued;                  /* requests queued, all services */
    size_t busy;                    /* workers with a request in flight */
    size_t front_count;             /* client messages taken, ever (the drain watches it) */
    int64_t heartbeat_at;           /* mono ms of the next heartbeat round */
    metrics_t *metrics;
    bool own_metrics;
    metric_t *m_drops, *m_malformed, *m_unavailable, *m_timeouts, *m_expired, *m_events;
    metric_t *m_refused;
    _Atomic uint64_t n_refused;      /* refused by the bus's roles (bus_security.h) */
    _Atomic uint64_t n_routed, n_replied, n_unavailable, n_timeouts, n_dropped, n_malformed,
        n_expired, n_workers, n_events;
};

static void s_worker_delete(broker_t *self, worker_t *worker, bool disconnect,
                            err_code_t code, const char *why);

/* --- Small helpers ------------------------------------------------------------------ */

static void
s_count(_Atomic uint64_t *counter, metric_t *metric)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
    if (metric)
        metric_add(metric, 1);
}

static void
s_malformed(broker_t *self, const char *side, const char *why)
{
    s_count(&self->n_malformed, self->m_malformed);
    log_debug(NULL, "bus_malformed", "%s frame dropped: %s", side, why);
}

/* Hex of a routing id: the key of the workers hash. */
static void
s_key(zframe_t *identity, char *out)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *data = zframe_data(identity);
    size_t size = zframe_size(identity);
    if (size > 255)
        size = 255;
    for (size_t i = 0; i < size; i++) {
        out[2 * i] = hex[data[i] >> 4];
        out[2 * i + 1] = hex[data[i] & 15];
    }
    out[2 * size] = '\0';
}

static bool
s_frame_is(zframe_t *frame, const char *text, size_t size)
{
    return frame && zframe_size(frame) == size && memcmp(zframe_data(frame), text, size) == 0;
}

/* --- Requests ----------------------------------------------------------------------- */

static void
s_request_destroy(request_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    request_t *self = *self_p;
    zframe_destroy(&self->client);
    zframe_destroy(&self->body);
    free(self);
    *self_p = NULL;
}

static void
s_request_free(void **item)
{
    s_request_destroy((request_t **) item);
}

/* Sends [client, BUS_CLIENT, service, nonce, DATA] to a client. A client that went away
 * or stopped reading costs one counted drop, never a stall. */
static void
s_client_send(broker_t *self, zframe_t *client, const char *service, const uint8_t *nonce,
              const void *data, size_t size)
{
    bus_part_t parts[] = {
        { zframe_data(client), zframe_size(client) },
        { BUS_CLIENT, BUS_HEADER_SIZE },
        { service, strlen(service) },
        { nonce, BUS_NONCE_SIZE },
        { data, size },
    };
    bus_wait_dirty(&self->wait[S_FRONT]);
    if (bus_send_parts(zsock_resolve(self->front), parts, 5) != 0) {
        s_count(&self->n_dropped, self->m_drops);
        log_debug(NULL, "bus_drop", "reply to client dropped: %s", zmq_strerror(errno));
    }
}

/* Answers REQ's client with an error envelope built the same way a service would, then
 * destroys REQ. UNDELIVERED: no worker ever saw the request, so the client may send it
 * through another broker whatever it is (common/bus_client.h). */
static void
s_request_fail(broker_t *self, request_t **req_p, err_code_t code, const char *why,
               bool undelivered)
{
    request_t *req = *req_p;
    envelope_t *stub = envelope_new(ENVELOPE_REQUEST);
    snprintf(stub->request_id, sizeof stub->request_id, "%s", req->request_id);
    snprintf(stub->service, sizeof stub->service, "%s", req->service);
    snprintf(stub->method, sizeof stub->method, "%s", req->method);
    envelope_t *reply = envelope_new_reply(stub);
    envelope_set_error(reply, code, why);
    reply->undelivered = undelivered;
    /* Counted before the answer leaves: whoever gets it may read the counters next. */
    if (code == ERR_GATEWAY_TIMEOUT)
        s_count(&self->n_timeouts, self->m_timeouts);
    else if (code == ERR_SERVICE_UNAVAILABLE)
        s_count(&self->n_unavailable, self->m_unavailable);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(reply, &buf);
    s_client_send(self, req->client, req->service, req->nonce, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&reply);
    envelope_destroy(&stub);
    log_info(req->request_id, "bus_error_reply", "%s/%s: %s %s", req->service, req->method,
             err_name(code), why ? why : "");
    s_request_destroy(req_p);
}

/* --- Services ----------------------------------------------------------------------- */

static void
s_service_destroy(service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    service_t *self = *self_p;
    zlistx_destroy(&self->idle);      /* holds borrowed worker pointers */
    zlistx_destroy(&self->queue);     /* owns its requests (destructor set) */
    free(self);
    *self_p = NULL;
}

static void
s_service_free(void **item)
{
    s_service_destroy((service_t **) item);
}

static service_t *
s_service_require(broker_t *self, const char *name)
{
    service_t *service = (service_t *) zhashx_lookup(self->services, name);
    if (service)
        return service;
    service = mem_calloc(1, sizeof *service);
    snprintf(service->name, sizeof service->name, "%s", name);
    service->idle = zlistx_new();
    service->queue = zlistx_new();
    zlistx_set_destructor(service->queue, s_request_free);
    char labels[64];
    snprintf(labels, sizeof labels, "service=\"%s\"", name);
    service->m_routed = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_requests_total",
                                    "Requests routed to a worker, by service", labels);
    service->m_workers = metrics_get(self->metrics, METRIC_GAUGE, "bus_broker_workers",
                                     "Live workers, by service", labels);
    service->m_queue = metrics_get(self->metrics, METRIC_GAUGE, "bus_broker_queue_depth",
                                   "Requests waiting for a free worker, by service", labels);
    zhashx_insert(self->services, name, service);
    return service;
}

/* Forgets services nobody serves or waits for, so dead names do not pile up. Done from
 * the heartbeat only, never in the middle of routing, so a service_t stays valid for the
 * whole of one message. The metric series stay (at 0): Prometheus prefers series that do
 * not vanish. */
static void
s_services_sweep(broker_t *self)
{
    zlistx_t *names = zlistx_new();
    for (service_t *s = (service_t *) zhashx_first(self->services); s;
         s = (service_t *) zhashx_next(self->services))
        if (s->workers == 0 && zlistx_size(s->queue) == 0)
            zlistx_add_end(names, s->name);
    const char *name;
    while ((name = (const char *) zlistx_detach(names, NULL)))
        zhashx_delete(self->services, name);
    zlistx_destroy(&names);
}

static void
s_service_gauges(service_t *service)
{
    metric_set(service->m_workers, (int64_t) service->workers);
    metric_set(service->m_queue, (int64_t) zlistx_size(service->queue));
}

/* --- Workers ------------------------------------------------------------------------ */

static void
s_worker_destroy(worker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    worker_t *self = *self_p;
    zframe_destroy(&self->identity);
    s_request_destroy(&self->inflight);
    free(self);
    *self_p = NULL;
}

static void
s_worker_free(void **item)
{
    s_worker_destroy((worker_t **) item);
}

/* Sends a command to a worker; returns 0, or -1 with errno (EHOSTUNREACH: it is gone). */
static int
s_worker_command(broker_t *self, zframe_t *identity, const char *command)
{
    bus_part_t parts[] = {
        { zframe_data(identity), zframe_size(identity) },
        { BUS_WORKER, BUS_HEADER_SIZE },
        { command, 1 },
    };
    bus_wait_dirty(&self->wait[S_BACK]);
    int rc = bus_send_parts(zsock_resolve(self->back), parts, 3);
    if (rc != 0)
        s_count(&self->n_dropped, self->m_drops);
    return rc;
}

static void
s_worker_refresh(broker_t *self, worker_t *worker)
{
    worker->expiry = clock_mono_ms() + (int64_t) self->cfg.heartbeat_ms * self->cfg.liveness;
}

/* Puts WORKER at the back of its service's idle list: the front is the least recently
 * used, so load spreads evenly. */
static void
s_worker_idle(broker_t *self, worker_t *worker)
{
    worker->idle_handle = zlistx_add_end(worker->service->idle, worker);
}

/* Hands REQ to WORKER. On failure the worker is deleted (it is gone or choking) and REQ
 * is handed back through *REQ_P for another worker; on success *REQ_P becomes NULL. */
static int
s_worker_send_request(broker_t *self, worker_t *worker, request_t **req_p)
{
    request_t *req = *req_p;
    bus_part_t parts[] = {
        { zframe_data(worker->identity), zframe_size(worker->identity) },
        { BUS_WORKER, BUS_HEADER_SIZE },
        { BUS_REQUEST, 1 },
        { zframe_data(req->client), zframe_size(req->client) },
        { req->nonce, BUS_NONCE_SIZE },
        { zframe_data(req->body), zframe_size(req->body) },
    };
    bus_wait_dirty(&self->wait[S_BACK]);
    if (bus_send_parts(zsock_resolve(self->back), parts, 6) != 0) {
        s_count(&self->n_dropped, self->m_drops);
        log_warn(req->request_id, "bus_worker_unreachable", "worker of %s unreachable: %s",
                 worker->service->name, zmq_strerror(errno));
        s_worker_delete(self, worker, false, ERR_SERVICE_UNAVAILABLE, NULL);
        return -1;
    }
    worker->inflight = req;
    *req_p = NULL;
    self->busy++;
    s_count(&self->n_routed, worker->service->m_routed);
    return 0;
}

/* Gives queued requests of SERVICE to its idle workers, oldest request first. */
static void
s_service_dispatch(broker_t *self, service_t *service)
{
    int64_t now = clock_wall_ms();
    while (zlistx_size(service->queue) > 0 && zlistx_size(service->idle) > 0) {
        request_t *req = (request_t *) zlistx_detach(service->queue, NULL);
        self->queued--;
        if (req->give_up_ms && now >= req->give_up_ms) {
            s_request_fail(self, &req, ERR_GATEWAY_TIMEOUT, "Request waited too long for a worker", false);
            continue;
        }
        worker_t *worker = (worker_t *) zlistx_detach(service->idle, NULL);
        worker->idle_handle = NULL;
        /* if the worker is gone, s_worker_delete may have failed the whole queue;
         * the request goes back to the front, or fails when no worker is left */
        if (s_worker_send_request(self, worker, &req) != 0) {
            if (service->workers == 0) {
                s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, "No live worker for the service", true);
                break;
            }
            zlistx_add_start(service->queue, req);
            self->queued++;
        }
    }
    s_service_gauges(service);
}

/* Removes WORKER. Its in-flight request, if any, is answered CODE so the caller gets a
 * clean error instead of a timeout; when it was the service's last worker, queued
 * requests fail with 503 at once. DISCONNECT is sent when asked, so a stalled but living
 * worker re-registers. */
static void
s_worker_delete(broker_t *self, worker_t *worker, bool disconnect, err_code_t code,
                const char *why)
{
    service_t *service = worker->service;
    if (disconnect)
        s_worker_command(self, worker->identity, BUS_DISCONNECT);
    if (worker->inflight) {
        self->busy--;
        s_request_fail(self, &worker->inflight, code, why ? why : "Worker died",
                       why == S_WORKER_LEFT);
    }
    if (worker->idle_handle)
        zlistx_delete(service->idle, worker->idle_handle);
    service->workers--;
    atomic_fetch_sub_explicit(&self->n_workers, 1, memory_order_relaxed);
    s_count(&self->n_expired, self->m_expired);
    log_info(NULL, "bus_worker_gone", "worker %s of %s removed", worker->key, service->name);
    zhashx_delete(self->workers, worker->key);   /* frees worker */

    if (service->workers == 0) {
        request_t *req;
        while ((req = (request_t *) zlistx_detach(service->queue, NULL))) {
            self->queued--;
            s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, "No live worker for the service", true);
        }
    }
    s_service_gauges(service);
}

/* --- mmi.service -------------------------------------------------------------------- */

/* {"service": name} -> 200 {"service": name, "workers": N} when N > 0, else 404. */
static void
s_mmi(broker_t *self, request_t **req_p, const envelope_t *env)
{
    request_t *req = *req_p;
    envelope_t *reply = envelope_new_reply(env);
    char name[BUS_SERVICE_MAX + 1];
    const msgpack_object *value = envelope_map_get(env->body_obj, "service");
    if (!value || envelope_str_copy(value, name, sizeof name) <= 0) {
        envelope_set_error(reply, ERR_BAD_REQUEST, "Body needs a \"service\" string");
    } else {
        service_t *service = (service_t *) zhashx_lookup(self->services, name);
        size_t workers = service ? service->workers : 0;
        if (workers == 0) {
            envelope_set_error(reply, ERR_NOT_FOUND, "No live worker for the service");
        } else {
            msgpack_packer *pk = envelope_body_packer(reply);
            msgpack_pack_map(pk, 2);
            envelope_pack_key(pk, "service");
            envelope_pack_str(pk, name);
            envelope_pack_key(pk, "workers");
            msgpack_pack_uint64(pk, workers);
        }
    }
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(reply, &buf);
    s_client_send(self, req->client, req->service, req->nonce, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&reply);
    s_request_destroy(req_p);
}

/* --- Front: clients ----------------------------------------------------------------- */

/* A new request: to an idle worker, else the queue, else an error reply. */
static void
s_route(broker_t *self, request_t *req, bool draining)
{
    if (draining) {
        s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, BUS_MSG_BROKER_STOPPING, true);
        return;
    }
    service_t *service = (service_t *) zhashx_lookup(self->services, req->service);
    if (!service || service->workers == 0) {
        s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, "No live worker for the service", true);
        return;
    }
    if (req->deadline_ms && clock_wall_ms() >= req->deadline_ms) {
        s_request_fail(self, &req, ERR_GATEWAY_TIMEOUT, "Request arrived past its deadline", false);
        return;
    }
    if (zlistx_size(service->idle) == 0
        && zlistx_size(service->queue) >= (size_t) self->cfg.queue_max) {
        s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, "Service queue is full", true);
        return;
    }
    zlistx_add_end(service->queue, req);
    self->queued++;
    s_service_dispatch(self, service);
}

/* [client, BUS_CLIENT, service, nonce, envelope] */
static void
s_front_message(broker_t *self, zmsg_t *msg, bool draining)
{
    envelope_t *env = NULL;
    request_t *req = NULL;
    const char *why = NULL;
    if (zmsg_size(msg) != 5) {
        why = "frame count";
        goto malformed;
    }
    zframe_t *client = zmsg_pop(msg);
    zframe_t *header = zmsg_first(msg);
    zframe_t *service = zmsg_next(msg);
    zframe_t *nonce = zmsg_next(msg);
    zframe_t *body = zmsg_next(msg);
    req = mem_calloc(1, sizeof *req);
    req->client = client;
    if (!bus_header_is(zframe_data(header), zframe_size(header), BUS_CLIENT)) {
        why = "protocol header";
        goto malformed;
    }
    if (!bus_service_valid(zframe_data(service), zframe_size(service))) {
        why = "service name";
        goto malformed;
    }
    if (zframe_size(nonce) != BUS_NONCE_SIZE) {
        why = "nonce size";
        goto malformed;
    }
    env = envelope_decode(zframe_data(body), zframe_size(body), &why);
    if (!env)
        goto malformed;
    if (env->kind != ENVELOPE_REQUEST) {
        why = "not a request envelope";
        goto malformed;
    }
    memcpy(req->service, zframe_data(service), zframe_size(service));
    req->service[zframe_size(service)] = '\0';
    memcpy(req->nonce, zframe_data(nonce), BUS_NONCE_SIZE);
    snprintf(req->request_id, sizeof req->request_id, "%s", env->request_id);
    snprintf(req->method, sizeof req->method, "%s", env->method);
    req->deadline_ms = env->deadline_ms;
    int64_t cap = clock_wall_ms() + self->cfg.queue_wait_ms;
    req->give_up_ms = (env->deadline_ms > 0 && env->deadline_ms < cap) ? env->deadline_ms : cap;

    /* With CURVE on, the sender's role comes from its key (broker_zap.c): only an edge,
     * which verified the user's token, may send a request that speaks for a user. An
     * Idempotency-Key block speaks for one too: its scope names whose stored answers a
     * repeat may read. */
    if (bus_security_on() && (env->caller.user_id != 0 || env->idem.key[0] != '\0')
        && !bus_security_may_speak_for_users(zframe_meta(header, "User-Id"))) {
        s_count(&self->n_refused, self->m_refused);
        log_warn(req->request_id, "bus_refused", "a %s client spoke for a user: refused",
                 zframe_meta(header, "User-Id") ? zframe_meta(header, "User-Id") : "?");
        s_request_fail(self, &req, ERR_FORBIDDEN, "Only an edge may speak for a user", false);
        goto cleanup;
    }
    if (strcmp(req->service, BUS_MMI_SERVICE) == 0) {
        s_mmi(self, &req, env);
        goto cleanup;
    }
    zmsg_remove(msg, body);   /* the request keeps the envelope bytes to forward them */
    req->body = body;
    s_route(self, req, draining);
    req = NULL;
    goto cleanup;

malformed:
    s_malformed(self, "client", why ? why : "malformed");
cleanup:
    envelope_destroy(&env);
    s_request_destroy(&req);
}

/* --- Back: workers ------------------------------------------------------------------ */

static void
s_worker_ready(broker_t *self, zframe_t *identity, const char *key, zframe_t *name_frame)
{
    char name[BUS_SERVICE_MAX + 1];
    if (!bus_service_valid(zframe_data(name_frame), zframe_size(name_frame))) {
        s_malformed(self, "worker", "service name");
        s_worker_command(self, identity, BUS_DISCONNECT);
        return;
    }
    memcpy(name, zframe_data(name_frame), zframe_size(name_frame));
    name[zframe_size(name_frame)] = '\0';
    if (strncmp(name, "mmi.", 4) == 0) {
        s_malformed(self, "worker", "reserved service name");
        s_worker_command(self, identity, BUS_DISCONNECT);
        return;
    }
    service_t *service = s_service_require(self, name);
    worker_t *worker = mem_calloc(1, sizeof *worker);
    snprintf(worker->key, sizeof worker->key, "%s", key);
    worker->identity = zframe_dup(identity);
    worker->service = service;
    s_worker_refresh(self, worker);
    zhashx_insert(self->workers, worker->key, worker);
    service->workers++;
    atomic_fetch_add_explicit(&self->n_workers, 1, memory_order_relaxed);
    s_worker_idle(self, worker);
    log_info(NULL, "bus_worker_ready", "worker %s serves %s (%zu live)", key, name,
             service->workers);
    s_service_dispatch(self, service);
}

/* [worker, BUS_WORKER, REPLY, client, nonce, envelope]: only the answer to the request
 * the worker holds is accepted. */
static void
s_worker_reply(broker_t *self, worker_t *worker, zmsg_t *msg)
{
    zframe_t *client = zmsg_next(msg);
    zframe_t *nonce = zmsg_next(msg);
    zframe_t *body = zmsg_next(msg);
    request_t *req = worker->inflight;
    if (!req || !zframe_eq(client, req->client)
        || zframe_size(nonce) != BUS_NONCE_SIZE
        || memcmp(zframe_data(nonce), req->nonce, BUS_NONCE_SIZE) != 0) {
        s_malformed(self, "worker", "reply to no request in flight");
        return;
    }
    worker->inflight = NULL;
    self->busy--;
    const char *why = NULL;
    envelope_t *env = envelope_decode(zframe_data(body), zframe_size(body), &why);
    if (!env || env->kind != ENVELOPE_REPLY) {
        s_malformed(self, "worker", why ? why : "not a reply envelope");
        /* the caller still deserves an answer: the worker is buggy, not gone */
        request_t *failed = req;
        s_request_fail(self, &failed, ERR_INTERNAL, "Worker sent a malformed reply", false);
    } else {
        s_count(&self->n_replied, NULL);
        s_client_send(self, req->client, req->service, req->nonce, zframe_data(body),
                      zframe_size(body));
        s_request_destroy(&req);
    }
    envelope_destroy(&env);
    s_worker_idle(self, worker);
    s_service_dispatch(self, worker->service);
}

/* [worker, BUS_WORKER, command, ...] */
static void
s_back_message(broker_t *self, zmsg_t *msg)
{
    size_t count = zmsg_size(msg);
    if (count < 3) {
        s_malformed(self, "worker", "frame count");
        return;
    }
    zframe_t *identity = zmsg_first(msg);
    zframe_t *header = zmsg_next(msg);
    zframe_t *command = zmsg_next(msg);
    if (!bus_header_is(zframe_data(header), zframe_size(header), BUS_WORKER)
        || zframe_size(command) != 1) {
        s_malformed(self, "worker", "protocol header");
        return;
    }
    char key[KEY_MAX];
    s_key(identity, key);
    worker_t *worker = (worker_t *) zhashx_lookup(self->workers, key);

    if (s_frame_is(command, BUS_READY, 1)) {
        if (count != 4) {
            s_malformed(self, "worker", "READY frame count");
        } else if (worker) {
            /* READY twice from one socket is a confused peer: start it over */
            s_malformed(self, "worker", "READY from a registered worker");
            s_worker_delete(self, worker, true, ERR_SERVICE_UNAVAILABLE, "Worker restarted");
        } else {
            zframe_t *service = zmsg_next(msg);
            char name[BUS_SERVICE_MAX + 1] = "";
            if (zframe_size(service) <= BUS_SERVICE_MAX) {
                memcpy(name, zframe_data(service), zframe_size(service));
                name[zframe_size(service)] = '\0';
            }
            const char *role = zframe_meta(header, "User-Id");
            if (bus_security_on() && !bus_security_may_serve(role, name)) {
                s_count(&self->n_refused, self->m_refused);
                log_warn(NULL, "bus_refused", "a %s worker asked to serve %s: refused",
                         role ? role : "?", name);
                s_worker_command(self, identity, BUS_DISCONNECT);
            } else {
                s_worker_ready(self, identity, key, service);
            }
        }
        return;
    }
    if (s_frame_is(command, BUS_DISCONNECT, 1)) {
        /* a worker says DISCONNECT between requests and serves nothing after it: a
         * request it was sent meanwhile never ran, and another broker may place it */
        if (worker)
            s_worker_delete(self, worker, false, ERR_SERVICE_UNAVAILABLE, S_WORKER_LEFT);
        return;
    }
    bool is_reply = s_frame_is(command, BUS_REPLY, 1);
    bool is_heartbeat = s_frame_is(command, BUS_HEARTBEAT, 1);
    if ((!is_reply && !is_heartbeat) || (is_reply && count != 6) || (is_heartbeat && count != 3)) {
        s_malformed(self, "worker", "command or frame count");
        return;
    }
    if (!worker) {
        /* a worker registered with a broker we replaced: make it say READY again */
        s_worker_command(self, identity, BUS_DISCONNECT);
        return;
    }
    s_worker_refresh(self, worker);
    if (is_reply)
        s_worker_reply(self, worker, msg);
}

/* --- Timers ------------------------------------------------------------------------- */

/* Heartbeats every worker, busy ones too: with ROUTER_MANDATORY the send to a worker
 * whose process died fails with EHOSTUNREACH, which is the only way to notice a busy
 * worker is gone (it does not heartbeat while inside its handler). Then expires idle
 * workers silent too long and busy ones stuck far past their request's deadline. */
static void
s_heartbeat(broker_t *self)
{
    int64_t now = clock_mono_ms();
    int64_t wall = clock_wall_ms();
    int64_t grace = 2 * (int64_t) self->cfg.heartbeat_ms * self->cfg.liveness;
    zlistx_t *dead = zlistx_new();        /* worker_t * with a reason in the tag below */
    zlistx_t *stuck = zlistx_new();
    zlistx_t *silent = zlistx_new();
    for (worker_t *w = (worker_t *) zhashx_first(self->workers); w;
         w = (worker_t *) zhashx_next(self->workers)) {
        if (s_worker_command(self, w->identity, BUS_HEARTBEAT) != 0 && errno == EHOSTUNREACH)
            zlistx_add_end(dead, w);
        else if (w->inflight && w->inflight->deadline_ms
                 && wall > w->inflight->deadline_ms + grace)
            zlistx_add_end(stuck, w);
        else if (!w->inflight && now > w->expiry)
            zlistx_add_end(silent, w);
    }
    worker_t *w;
    while ((w = (worker_t *) zlistx_detach(dead, NULL)))
        s_worker_delete(self, w, false, ERR_SERVICE_UNAVAILABLE, "Worker died");
    while ((w = (worker_t *) zlistx_detach(stuck, NULL)))
        s_worker_delete(self, w, true, ERR_GATEWAY_TIMEOUT, "Worker stuck past the deadline");
    while ((w = (worker_t *) zlistx_detach(silent, NULL)))
        s_worker_delete(self, w, true, ERR_SERVICE_UNAVAILABLE, NULL);
    zlistx_destroy(&dead);
    zlistx_destroy(&stuck);
    zlistx_destroy(&silent);
    s_services_sweep(self);
    self->heartbeat_at = now + self->cfg.heartbeat_ms;
}

/* Answers 504 to queued requests past their deadline (or past the longest wait). */
static void
s_queues_expire(broker_t *self)
{
    int64_t now = clock_wall_ms();
    for (service_t *s = (service_t *) zhashx_first(self->services); s;
         s = (service_t *) zhashx_next(self->services)) {
        void *handle = zlistx_first(s->queue) ? zlistx_cursor(s->queue) : NULL;
        while (handle) {
            request_t *req = (request_t *) zlistx_handle_item(handle);
            void *next = zlistx_next(s->queue) ? zlistx_cursor(s->queue) : NULL;
            if (now >= req->give_up_ms) {
                zlistx_detach(s->queue, handle);
                self->queued--;
                s_request_fail(self, &req, ERR_GATEWAY_TIMEOUT,
                               "Request waited too long for a worker", false);
            }
            handle = next;
        }
        s_service_gauges(s);
    }
}

/* Fails everything queued with 503: the broker is stopping. */
static void
s_queues_flush(broker_t *self)
{
    for (service_t *s = (service_t *) zhashx_first(self->services); s;
         s = (service_t *) zhashx_next(self->services)) {
        request_t *req;
        while ((req = (request_t *) zlistx_detach(s->queue, NULL))) {
            self->queued--;
            s_request_fail(self, &req, ERR_SERVICE_UNAVAILABLE, BUS_MSG_BROKER_STOPPING, true);
        }
        s_service_gauges(s);
    }
}

/* --- Event proxy -------------------------------------------------------------------- */

/* The "event" name of an event payload (msgpack map), into OUT; "" when it has none. */
static void
s_event_name(const zmq_msg_t *payload, char *out, size_t size)
{
    out[0] = '\0';
    const char *data = zmq_msg_data((zmq_msg_t *) payload);
    size_t len = zmq_msg_size((zmq_msg_t *) payload);
    if (!envelope_msgpack_safe(data, len, 8))
        return;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, data, len, &off) == MSGPACK_UNPACK_SUCCESS)
        envelope_str_copy(envelope_map_get(&up.data, "event"), out, size);
    msgpack_unpacked_destroy(&up);
}

/* Moves whole multipart messages FROM -> TO. A message TO cannot take (XPUB at its
 * high-water mark) is still read to its end, then counted as dropped. Events (XSUB ->
 * XPUB) are [topic, payload]: with CURVE on, one its publisher's role may not publish is
 * dropped and counted as refused (bus_security_may_publish). */
static void
s_proxy_forward(broker_t *self, zsock_t *from, zsock_t *to, bool count_events)
{
    void *src = zsock_resolve(from);
    void *dst = zsock_resolve(to);
    bool check = count_events && bus_security_on();
    for (int n = 0; n < BATCH_MAX; n++) {
        zmq_msg_t parts[2];
        zmq_msg_init(&parts[0]);
        if (zmq_msg_recv(&parts[0], src, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&parts[0]);
            bus_wait_clean(&self->wait[S_XSUB]);
            return;
        }
        bus_wait_dirty(&self->wait[S_XPUB]);
        int count = 1;
        bool more = zmq_msg_more(&parts[0]), failed = false, refused = false;
        /* The rest of a message is already here. Up to two parts are held, so an event can
         * be judged before any of it leaves; a longer message goes on part by part. */
        if (more) {
            zmq_msg_init(&parts[1]);
            if (zmq_msg_recv(&parts[1], src, 0) < 0) {
                zmq_msg_close(&parts[1]);
                failed = true;
            } else {
                count = 2;
                more = zmq_msg_more(&parts[1]);
            }
        }
        if (check && !failed) {
            char event[32] = "";
            if (count == 2 && !more)
                s_event_name(&parts[1], event, sizeof event);
            const char *role = zmq_msg_gets(&parts[0], "User-Id");
            if (!bus_security_may_publish(role, event)) {
                s_count(&self->n_refused, self->m_refused);
                log_warn(NULL, "bus_refused", "a %s publisher sent event '%s': dropped",
                         role ? role : "?", event);
                refused = true;
            }
        }
        for (int i = 0; i < count; i++) {
            bool last = i + 1 == count && !more;
            if (!failed && !refused
                && zmq_msg_send(&parts[i], dst, ZMQ_DONTWAIT | (last ? 0 : ZMQ_SNDMORE)) < 0)
                failed = true;
            zmq_msg_close(&parts[i]);
        }
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, src, 0) < 0) {
                zmq_msg_close(&part);
                failed = true;
                break;
            }
            more = zmq_msg_more(&part);
            if (!failed && !refused
                && zmq_msg_send(&part, dst, ZMQ_DONTWAIT | (more ? ZMQ_SNDMORE : 0)) < 0)
                failed = true;
            zmq_msg_close(&part);
        }
        if (failed)
            s_count(&self->n_dropped, self->m_drops);
        else if (count_events && !refused)
            s_count(&self->n_events, self->m_events);
    }
}

/* --- Broker ------------------------------------------------------------------------- */

void
broker_config_from_env(broker_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->client_bind = config_str("BROKER_CLIENT_BIND", "tcp://127.0.0.1:5555");
    cfg->worker_bind = config_str("BROKER_WORKER_BIND", "tcp://127.0.0.1:5556");
    cfg->xsub_bind = config_str("BROKER_XSUB_BIND", "tcp://127.0.0.1:5557");
    cfg->xpub_bind = config_str("BROKER_XPUB_BIND", "tcp://127.0.0.1:5558");
    cfg->heartbeat_ms = (int) config_int("BUS_HEARTBEAT_MS", BUS_HEARTBEAT_MS_DEFAULT, 10, 60000);
    cfg->liveness = (int) config_int("BUS_LIVENESS", BUS_LIVENESS_DEFAULT, 1, 100);
    cfg->queue_max = (int) config_int("BROKER_QUEUE_MAX", 1000, 0, 1000000);
    cfg->queue_wait_ms = (int) config_int("BROKER_QUEUE_WAIT_MS", 30000, 1, 3600000);
    cfg->drain_ms = (int) config_int("BROKER_DRAIN_MS", 5000, 0, 600000);
}

/* A ROUTER that reports unroutable sends and refuses oversized messages; with CURVE on,
 * a server of ZAP DOMAIN (bus_security.h). */
static zsock_t *
s_router_new(const broker_config_t *cfg, const char *endpoint, const char *domain)
{
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    if (!sock) {
        log_error(NULL, "bus_bind_failed", "cannot make a socket for %s", endpoint);
        return NULL;
    }
    bus_security_server(sock, domain);
    bus_socket_heartbeats(sock, cfg->heartbeat_ms, cfg->liveness);
    zsock_set_router_mandatory(sock, 1);
    zsock_set_maxmsgsize(sock, BUS_MAX_MSG_SIZE);
    zsock_set_linger(sock, 0);
    zsock_set_rcvtimeo(sock, 0);
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        log_error(NULL, "bus_bind_failed", "cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zsock_destroy(&sock);
    }
    return sock;
}

/* The XPUB hands us the subscriptions of notify replicas. It already filters by them
 * (that is where an event is sent only to the replicas that need it); we do not pass them
 * on, because the XSUB takes everything (see broker_new): a subscription is in force the
 * moment this XPUB holds it, which notify's sync marker can prove (schemas/events.md). */
static void
s_subscriptions_take(broker_t *self)
{
    void *xpub = zsock_resolve(self->xpub);
    for (int n = 0; n < BATCH_MAX; n++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        int rc = zmq_msg_recv(&msg, xpub, ZMQ_DONTWAIT);
        zmq_msg_close(&msg);
        if (rc < 0) {
            bus_wait_clean(&self->wait[S_XPUB]);
            return;
        }
    }
}

static zsock_t *
s_proxy_socket_new(const broker_config_t *cfg, int type, const char *endpoint,
                   const char *domain)
{
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        log_error(NULL, "bus_bind_failed", "cannot make a socket for %s", endpoint);
        return NULL;
    }
    bus_security_server(sock, domain);
    bus_socket_heartbeats(sock, cfg->heartbeat_ms, cfg->liveness);
    zsock_set_maxmsgsize(sock, BUS_MAX_MSG_SIZE);
    zsock_set_linger(sock, 0);
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        log_error(NULL, "bus_bind_failed", "cannot bind %s: %s", endpoint, zmq_strerror(errno));
        zsock_destroy(&sock);
    }
    return sock;
}

broker_t *
broker_new(const broker_config_t *cfg)
{
    assert(cfg && cfg->client_bind && cfg->worker_bind);
    broker_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    if (self->cfg.heartbeat_ms <= 0)
        self->cfg.heartbeat_ms = BUS_HEARTBEAT_MS_DEFAULT;
    if (self->cfg.liveness <= 0)
        self->cfg.liveness = BUS_LIVENESS_DEFAULT;
    if (self->cfg.queue_wait_ms <= 0)
        self->cfg.queue_wait_ms = 30000;
    if (self->cfg.queue_max < 0)
        self->cfg.queue_max = 0;
    self->cfg.xsub_bind = NULL;   /* only borrowed during new: not kept */
    self->cfg.xpub_bind = NULL;
    self->cfg.client_bind = NULL;
    self->cfg.worker_bind = NULL;

    self->metrics = cfg->metrics;
    if (!self->metrics) {
        self->metrics = metrics_new();
        self->own_metrics = true;
    }
    self->m_drops = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_drops_total",
                                "Sends that failed (peer gone or not reading)", "");
    self->m_refused = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_refused_total",
                                  "Requests, registrations and events refused by the bus's "
                                  "roles (a key used beyond its role)", "");
    self->m_malformed = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_malformed_total",
                                    "Frames dropped as malformed", "");
    self->m_unavailable = metrics_get(self->metrics, METRIC_COUNTER,
                                      "bus_broker_unavailable_total",
                                      "Requests answered 503 by the broker", "");
    self->m_timeouts = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_timeouts_total",
                                   "Requests answered 504 by the broker", "");
    self->m_expired = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_workers_removed_total",
                                  "Workers removed (left, silent, unreachable, stuck)", "");
    self->m_events = metrics_get(self->metrics, METRIC_COUNTER, "bus_broker_events_total",
                                 "Event messages forwarded to subscribers", "");

    self->services = zhashx_new();
    zhashx_set_destructor(self->services, s_service_free);
    self->workers = zhashx_new();
    zhashx_set_destructor(self->workers, s_worker_free);

    self->front = s_router_new(&self->cfg, cfg->client_bind, "front");
    self->back = s_router_new(&self->cfg, cfg->worker_bind, "back");
    if (!self->front || !self->back)
        goto failed;
    if (cfg->xsub_bind && *cfg->xsub_bind && cfg->xpub_bind && *cfg->xpub_bind) {
        self->xsub = s_proxy_socket_new(&self->cfg, ZMQ_XSUB, cfg->xsub_bind, "xsub");
        self->xpub = s_proxy_socket_new(&self->cfg, ZMQ_XPUB, cfg->xpub_bind, "xpub");
        /* Subscribe to every topic upstream, once: publishers send each event here once,
         * and every publisher that connects later gets this subscription too. */
        if (self->xsub)
            zmq_send(zsock_resolve(self->xsub), "\001", 1, 0);
        if (!self->xsub || !self->xpub)
            goto failed;
    }
    self->heartbeat_at = clock_mono_ms() + self->cfg.heartbeat_ms;
    log_info(NULL, "broker_listening", "clients %s, workers %s, events %s -> %s",
             cfg->client_bind, cfg->worker_bind, self->xsub ? cfg->xsub_bind : "-",
             self->xpub ? cfg->xpub_bind : "-");
    return self;

failed:
    broker_destroy(&self);
    return NULL;
}

void
broker_destroy(broker_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    broker_t *self = *self_p;
    if (self->workers && self->back) {
        /* workers reconnect at once and wait for the next broker with READY queued */
        zlistx_t *all = zlistx_new();
        for (worker_t *w = (worker_t *) zhashx_first(self->workers); w;
             w = (worker_t *) zhashx_next(self->workers))
            zlistx_add_end(all, w);
        worker_t *w;
        while ((w = (worker_t *) zlistx_detach(all, NULL)))
            s_worker_delete(self, w, true, ERR_SERVICE_UNAVAILABLE, BUS_MSG_BROKER_STOPPING);
        zlistx_destroy(&all);
    }
    if (self->services && self->front)
        s_queues_flush(self);
    zhashx_destroy(&self->workers);
    zhashx_destroy(&self->services);
    zsock_destroy(&self->front);
    zsock_destroy(&self->back);
    zsock_destroy(&self->xsub);
    zsock_destroy(&self->xpub);
    if (self->own_metrics)
        metrics_destroy(&self->metrics);
    free(self);
    *self_p = NULL;
}

/* Reads up to BATCH_MAX messages from a ROUTER so one busy side cannot starve the other. */
static void
s_drain_router(broker_t *self, zsock_t *sock, bool front, bool draining)
{
    for (int n = 0; n < BATCH_MAX; n++) {
        zmsg_t *msg = zmsg_recv(sock);   /* rcvtimeo 0: NULL when empty */
        if (!msg) {
            bus_wait_clean(&self->wait[front ? S_FRONT : S_BACK]);
            return;
        }
        if (front) {
            self->front_count++;
            s_front_message(self, msg, draining);
        }
        else
            s_back_message(self, msg);
        zmsg_destroy(&msg);
    }
}

int
broker_run(broker_t *self, volatile sig_atomic_t *stop)
{
    assert(self && stop);
    /* All four sockets in one wait, each read in turn up to BATCH_MAX (zpoller would
     * return the first ready socket only and let a flood of clients starve worker
     * replies); bus_wait rather than zmq_poll: a third of the system calls (bus_wait.h) */
    bus_wait_item_t *items = self->wait;
    bus_wait_item_set(&items[S_BACK], zsock_resolve(self->back));
    bus_wait_item_set(&items[S_FRONT], zsock_resolve(self->front));
    bus_wait_item_set(&items[S_XSUB], self->xsub ? zsock_resolve(self->xsub) : NULL);
    bus_wait_item_set(&items[S_XPUB], self->xpub ? zsock_resolve(self->xpub) : NULL);
    size_t nitems = self->xsub ? 4 : 2;
    bool draining = false;
    int64_t drain_until = 0;
    /* Stopping, the broker answers new calls "undelivered" (their clients place them
     * elsewhere and stop sending here) and leaves only after a quiet heartbeat with
     * nothing in flight: a call sent just as the socket closed would be lost, and a write
     * without an Idempotency-Key could not be retried. */
    size_t front_seen = 0;
    int64_t quiet_since = 0;

    for (;;) {
        int64_t now = clock_mono_ms();
        if (*stop && !draining) {
            draining = true;
            drain_until = now + self->cfg.drain_ms;
            front_seen = self->front_count;
            quiet_since = now;
            s_queues_flush(self);
            log_info(NULL, "broker_draining", "stopping: %zu requests in flight", self->busy);
        }
        if (draining && (self->front_count != front_seen || self->busy > 0)) {
            /* quiet counts from the last call taken and the last answer sent: a client
             * just answered may send its next call here at once */
            front_seen = self->front_count;
            quiet_since = now;
        }
        if (draining && ((self->busy == 0 && now - quiet_since >= self->cfg.heartbeat_ms)
                         || now >= drain_until))
            break;

        long timeout = (long) (self->heartbeat_at - now);
        if (self->queued > 0 && timeout > QUEUE_TICK_MS)
            timeout = QUEUE_TICK_MS;
        if (draining && timeout > 50)
            timeout = 50;
        if (timeout < 0)
            timeout = 0;
        int rc = bus_wait(items, nitems, timeout);
        if (rc < 0) {
            log_error(NULL, "broker_poll_failed", "%s", strerror(errno));
            return -1;
        }
        if (rc > 0) {
            if (items[S_BACK].ready)
                s_drain_router(self, self->back, false, draining);
            if (items[S_FRONT].ready)
                s_drain_router(self, self->front, true, draining);
            if (nitems == 4 && items[S_XSUB].ready)
                s_proxy_forward(self, self->xsub, self->xpub, true);
            if (nitems == 4 && items[S_XPUB].ready)
                s_subscriptions_take(self);
        }
        if (self->queued > 0)
            s_queues_expire(self);
        if (clock_mono_ms() >= self->heartbeat_at)
            s_heartbeat(self);
    }
    log_info(NULL, "broker_stopped", "%zu requests still in flight", self->busy);
    return 0;
}

void
broker_stats(const broker_t *self, broker_stats_t *out)
{
    broker_t *s = (broker_t *) self;   /* atomics: reading does not modify */
    out->routed = atomic_load(&s->n_routed);
    out->replied = atomic_load(&s->n_replied);
    out->unavailable = atomic_load(&s->n_unavailable);
    out->timeouts = atomic_load(&s->n_timeouts);
    out->dropped = atomic_load(&s->n_dropped);
    out->malformed = atomic_load(&s->n_malformed);
    out->refused = atomic_load(&s->n_refused);
    out->expired = atomic_load(&s->n_expired);
    out->workers = atomic_load(&s->n_workers);
    out->events = atomic_load(&s->n_events);
}
