/* edge_health.c -- the broker probe thread and the /health body. */
#include "edge_health.h"
#include "mem.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <czmq.h>
#include "bus_client.h"
#include "clock.h"
#include "edge_reqid.h"
#include "log.h"

static const char *s_services[EDGE_HEALTH_SERVICES] = { "users", "auth", "orders", "messages" };

struct edge_health_t {
    char *endpoint;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;            /* guards everything below */
    bool stop;
    bool reprobe;                    /* probe again now, without waiting for the interval */
    uint64_t down_gen;               /* bumped by every mark-down, so a probe that began
                                        before it cannot restore a stale "ok" */
    edge_health_snapshot_t snap;
};

/* Longest wait between two looks at the stop flag and the mark-downs. */
#define S_SLICE_MS 50

/* Asks the broker about SERVICE. 1: live workers, 0: none, -1: no answer from the broker. */
static int
s_probe_one(bus_client_t *client, const char *service, int timeout_ms)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    envelope_t *reply = NULL;
    int rc = -1;
    edge_reqid_generate(clock_wall_ms(), req->request_id, sizeof req->request_id);
    strcpy(req->service, "mmi.service");
    strcpy(req->method, "lookup");
    msgpack_packer *pk = envelope_body_packer(req);
    msgpack_pack_map(pk, 1);
    envelope_pack_key(pk, "service");
    envelope_pack_str(pk, service);
    if (bus_client_call(client, req, timeout_ms, BUS_CALL_RETRYABLE, &reply) == 0 && reply)
        rc = reply->status == 200 ? 1 : 0;
    envelope_destroy(&reply);
    envelope_destroy(&req);
    return rc;
}

/* Waits at most MS for a broker link to come up or go down. 1: one came up, -1: the last
 * one went down, 0: neither (or a loss while another broker still serves). */
static int
s_links_wait(bus_client_t *client, int ms)
{
    if (!client) {
        zclock_sleep(ms);
        return 0;
    }
    int seen = bus_client_wait_event(client, ms);
    if ((seen & BUS_LINK_LOST) && bus_client_live(client) == 0)
        return -1;
    return (seen & BUS_LINK_UP) ? 1 : 0;
}

/* Not ready from now until a probe that starts later succeeds; WHY is logged once per
 * loss. REPROBE: probe at once (a request's hiccup may pass; a lost connection is probed
 * when a broker link is seen back). Under the lock. */
static void
s_mark_down_locked(edge_health_t *self, bool reprobe, const char *why)
{
    if (!self->snap.broker_ok)
        return;
    self->snap.broker_ok = false;
    self->down_gen++;
    self->reprobe = self->reprobe || reprobe;
    log_warn(NULL, "health_broker", "%s", why);
}

static void *
s_run(void *arg)
{
    edge_health_t *self = arg;
    bus_client_t *client = NULL;
    int timeout_ms = self->interval_ms < 500 ? self->interval_ms : 500;
    pthread_mutex_lock(&self->lock);
    while (!self->stop) {
        uint64_t gen = self->down_gen;
        self->reprobe = false;
        pthread_mutex_unlock(&self->lock);
        edge_health_snapshot_t snap = { 0 };
        if (!client)
            client = bus_client_new(self->endpoint);
        if (client) {
            snap.broker_ok = true;
            for (int i = 0; i < EDGE_HEALTH_SERVICES && snap.broker_ok; i++) {
                int rc = s_probe_one(client, s_services[i], timeout_ms);
                snap.up[i] = rc == 1;
                if (rc < 0)
                    snap.broker_ok = false;  /* the others would time out the same way */
            }
        }
        snap.checked_ms = clock_mono_ms();
        pthread_mutex_lock(&self->lock);
        if (self->down_gen != gen) {
            /* Marked down while this probe ran: its "ok" may predate the loss. */
            snap.broker_ok = false;
            self->reprobe = true;
        }
        if (snap.broker_ok != self->snap.broker_ok || self->snap.checked_ms == 0)
            log_line(snap.broker_ok ? LOG_INFO : LOG_WARN, NULL, "health_broker", NULL,
                     "broker %s", snap.broker_ok ? "answers" : "does not answer");
        self->snap = snap;
        /* Until the next probe: react at once to the connection going down (not ready
         * now) or coming back (probe now), and to the requests' mark-downs. */
        int64_t next = clock_mono_ms() + self->interval_ms;
        while (!self->stop && !self->reprobe) {
            int64_t left = next - clock_mono_ms();
            if (left <= 0)
                break;
            pthread_mutex_unlock(&self->lock);
            int ev = s_links_wait(client, left < S_SLICE_MS ? (int) left : S_SLICE_MS);
            pthread_mutex_lock(&self->lock);
            if (ev < 0) {
                s_mark_down_locked(self, false, "every broker connection lost");
            } else if (ev > 0) {
                self->reprobe = true;
            }
        }
    }
    pthread_mutex_unlock(&self->lock);
    bus_client_destroy(&client);
    return NULL;
}

edge_health_t *
edge_health_new(const char *endpoint, int interval_ms)
{
    edge_health_t *self = mem_calloc(1, sizeof *self);
    self->endpoint = mem_strdup(endpoint);
    self->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    pthread_mutex_init(&self->lock, NULL);
    if (pthread_create(&self->thread, NULL, s_run, self) != 0) {
        log_error(NULL, "edge_health", "cannot start the broker probe thread");
        pthread_mutex_destroy(&self->lock);
        free(self->endpoint);
        free(self);
        return NULL;
    }
    return self;
}

void
edge_health_destroy(edge_health_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_health_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL);
    pthread_mutex_destroy(&self->lock);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

void
edge_health_get(edge_health_t *self, edge_health_snapshot_t *out)
{
    pthread_mutex_lock(&self->lock);
    *out = self->snap;
    pthread_mutex_unlock(&self->lock);
}

void
edge_health_mark_down(edge_health_t *self)
{
    pthread_mutex_lock(&self->lock);
    s_mark_down_locked(self, true, "a request found no broker connection");
    pthread_mutex_unlock(&self->lock);
}

bool
edge_health_ready(void *arg)
{
    edge_health_t *self = arg;
    edge_health_snapshot_t snap;
    edge_health_get(self, &snap);
    return snap.broker_ok && snap.checked_ms > 0
        && clock_mono_ms() - snap.checked_ms <= 3 * (int64_t) self->interval_ms + 500;
}

int
edge_health_render(const edge_health_snapshot_t *snap, int64_t uptime_s, edge_buf_t *out)
{
    bool all = true;
    for (int i = 0; i < EDGE_HEALTH_SERVICES; i++)
        all = all && snap->up[i];
    int rc = edge_buf_printf(out, "{\"status\":\"%s\",\"services\":{", all ? "ok" : "degraded");
    for (int i = 0; i < EDGE_HEALTH_SERVICES && rc == 0; i++)
        rc = edge_buf_printf(out, "%s\"%s\":\"%s\"", i ? "," : "", s_services[i],
                             snap->up[i] ? "up" : "down");
    if (rc == 0)
        rc = edge_buf_printf(out, "},\"uptime_s\":%lld}", (long long) uptime_s);
    return rc;
}
