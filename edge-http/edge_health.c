/* edge_health.c -- the broker probe thread and the /health body. */
#include "edge_health.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bus_client.h"
#include "clock.h"
#include "edge_reqid.h"
#include "log.h"

static const char *s_services[EDGE_HEALTH_SERVICES] = { "users", "auth", "orders", "messages" };

struct edge_health_t {
    char *endpoint;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;            /* guards snap and stop */
    pthread_cond_t wake;             /* signalled to stop early */
    bool stop;
    edge_health_snapshot_t snap;
};

const char *
edge_health_service_name(int i)
{
    return i >= 0 && i < EDGE_HEALTH_SERVICES ? s_services[i] : "";
}

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
    if (bus_client_call(client, req, timeout_ms, &reply) == 0 && reply)
        rc = reply->status == 200 ? 1 : 0;
    envelope_destroy(&reply);
    envelope_destroy(&req);
    return rc;
}

static void *
s_run(void *arg)
{
    edge_health_t *self = arg;
    bus_client_t *client = NULL;
    int timeout_ms = self->interval_ms < 500 ? self->interval_ms : 500;
    pthread_mutex_lock(&self->lock);
    while (!self->stop) {
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
        if (snap.broker_ok != self->snap.broker_ok || self->snap.checked_ms == 0)
            log_line(snap.broker_ok ? LOG_INFO : LOG_WARN, NULL, "health_broker", NULL,
                     "broker %s", snap.broker_ok ? "answers" : "does not answer");
        self->snap = snap;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += self->interval_ms / 1000;
        until.tv_nsec += (long) (self->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!self->stop
               && pthread_cond_timedwait(&self->wake, &self->lock, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&self->lock);
    bus_client_destroy(&client);
    return NULL;
}

edge_health_t *
edge_health_new(const char *endpoint, int interval_ms)
{
    edge_health_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->endpoint = strdup(endpoint);
    self->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->wake, NULL);
    if (!self->endpoint || pthread_create(&self->thread, NULL, s_run, self) != 0) {
        pthread_cond_destroy(&self->wake);
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
    pthread_cond_signal(&self->wake);
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL);
    pthread_cond_destroy(&self->wake);
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
