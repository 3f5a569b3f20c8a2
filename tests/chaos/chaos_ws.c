/* chaos_ws.c -- one thread per WebSocket user over the integration tests' client
 * (it_ws): connect with the bearer header, record notifications and the connection's
 * life, reconnect with ?since= and a bounded backoff when the socket ends. */
#include "chaos_ws.h"
#include "it_ws.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECONNECT_FIRST_MS 100
#define RECONNECT_MAX_MS   2000
#define RECV_SLICE_MS      500     /* how often a quiet socket looks at the stop flag */

/* Records one frame. Returns 1 for "ready", 0 otherwise. */
static int
s_frame(chaos_wsuser_t *self, chaos_wsconn_t *c, const char *text)
{
    json_object *j = json_tokener_parse(text);
    if (!j)
        return 0;
    int rc = 0;
    json_object *ev = NULL, *data = NULL, *id = NULL;
    if (json_object_object_get_ex(j, "event", &ev)) {
        const char *name = json_object_get_string(ev);
        if (strcmp(name, "ready") == 0) {
            rc = 1;
        } else if (strcmp(name, "notification") == 0 &&
                   json_object_object_get_ex(j, "data", &data) &&
                   json_object_object_get_ex(data, "id", &id)) {
            int64_t *slot = chaos_push((void **) &self->ids, &self->n_ids, &self->cap_ids,
                                       sizeof *slot);
            *slot = json_object_get_int64(id);
            if (*slot > self->max_id)
                self->max_id = *slot;
            if (!c->t_ready)
                c->replayed++;
            atomic_store(&self->received, self->n_ids);
        }
    }
    json_object_put(j);
    return rc;
}

static void *
s_run(void *arg)
{
    chaos_wsuser_t *self = arg;
    chaos_app_t *app = self->app;
    int backoff = RECONNECT_FIRST_MS;
    while (!atomic_load(&app->stop_ws)) {
        chaos_wsconn_t *c = chaos_push((void **) &self->conns, &self->n_conns,
                                       &self->cap_conns, sizeof *c);
        c->t_open = chaos_since(app);
        /* The first socket opens before any message exists; every later one asks for
         * what it missed, from the highest id it saw (0: everything). */
        c->since = self->n_conns == 1 ? -1 : self->max_id;
        char query[64];
        snprintf(query, sizeof query, "since=%lld", (long long) c->since);
        it_ws_opts_t opts = { .url = app->cfg.ws_url, .token = app->users[self->user].token,
                              .query = c->since >= 0 ? query : NULL, .timeout_ms = 5000 };
        it_ws_t *ws = it_ws_connect(&opts, &c->status);
        if (!ws) {
            c->t_close = chaos_since(app);
            chaos_sleep_ms(backoff);
            backoff = backoff * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : backoff * 2;
            continue;
        }
        backoff = RECONNECT_FIRST_MS;
        while (!atomic_load(&app->stop_ws)) {
            char *text = it_ws_recv_text(ws, RECV_SLICE_MS);
            if (!text) {
                if (it_ws_closed(ws))
                    break;
                continue;
            }
            if (s_frame(self, c, text) && !c->t_ready) {
                c->t_ready = chaos_since(app);
                atomic_store(&self->ready, true);
            }
            free(text);
        }
        if (it_ws_closed(ws)) {
            c->t_close = chaos_since(app);
            c->close_code = it_ws_close_code(ws);
        }
        it_ws_close(&ws);
    }
    return NULL;
}

int
chaos_ws_start(chaos_app_t *app, int64_t timeout_ms)
{
    int n = app->cfg.ws_users;
    app->ws = calloc((size_t) n, sizeof *app->ws);
    if (!app->ws)
        return -1;
    int started = 0;
    for (; started < n; started++) {
        chaos_wsuser_t *w = &app->ws[started];
        w->app = app;
        w->user = started;
        if (pthread_create(&w->thread, NULL, s_run, w) != 0)
            break;
    }
    int64_t deadline = chaos_now_ms() + timeout_ms;
    bool all = false;
    while (started == n) {
        all = true;
        for (int i = 0; i < n; i++)
            all = all && atomic_load(&app->ws[i].ready);
        if (all || chaos_now_ms() >= deadline)
            break;
        chaos_sleep_ms(50);
    }
    if (all)
        return 0;
    fprintf(stderr, "chaos: not every WebSocket became ready within %lld ms (%s)\n",
            (long long) timeout_ms, app->cfg.ws_url);
    atomic_store(&app->stop_ws, true);
    for (int i = 0; i < started; i++)
        pthread_join(app->ws[i].thread, NULL);
    app->cfg.ws_users = started;
    return -1;
}

int
chaos_ws_wait_for(chaos_app_t *app, const size_t *expected, int64_t timeout_ms)
{
    int64_t deadline = chaos_now_ms() + timeout_ms;
    for (;;) {
        bool all = true;
        for (int i = 0; i < app->cfg.ws_users; i++)
            all = all && atomic_load(&app->ws[i].received) >= expected[i];
        if (all)
            return 1;
        if (chaos_now_ms() >= deadline)
            return 0;
        chaos_sleep_ms(100);
    }
}

void
chaos_ws_stop(chaos_app_t *app)
{
    atomic_store(&app->stop_ws, true);
    for (int i = 0; i < app->cfg.ws_users; i++)
        pthread_join(app->ws[i].thread, NULL);
}
