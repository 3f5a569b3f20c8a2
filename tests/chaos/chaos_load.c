/* chaos_load.c -- load threads: one keep-alive connection each, a weighted mix of
 * routes, a fresh Idempotency-Key per logical request, bounded retries with backoff, and
 * a record of every attempt and every outcome. */
#include "chaos_load.h"
#include "chaos_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS   1000

bool
chaos_load_retryable(int status, bool key_in_use)
{
    /* 502: the load balancer lost its connection to an edge mid-request, which is a
     * broken connection seen through a proxy. 409 IN_USE: our earlier attempt is still
     * being processed (its connection broke, the work did not stop). */
    return status == 0 || status == 502 || status == 503 || status == 504 || key_in_use;
}

static int
s_pick_route(const chaos_cfg_t *cfg, unsigned *seed)
{
    int total = cfg->mix[0] + cfg->mix[1] + cfg->mix[2];
    int r = (int) (rand_r(seed) % (unsigned) total);
    for (int i = 0; i < CHAOS_ROUTES; i++) {
        if (r < cfg->mix[i])
            return i;
        r -= cfg->mix[i];
    }
    return CHAOS_USER_GET;
}

/* One logical request, attempted until it is acknowledged, refused for good, or out of
 * budget. */
static void
s_logical(chaos_loader_t *self, chaos_http_t *http, int route, unsigned *seed)
{
    chaos_app_t *app = self->app;
    const chaos_cfg_t *cfg = &app->cfg;
    size_t seq = self->n_logical;
    chaos_logical_t *lg = chaos_push((void **) &self->logical, &self->n_logical,
                                     &self->cap_logical, sizeof *lg);
    lg->route = (uint8_t) route;
    lg->t_start = chaos_since(app);
    lg->target = -1;

    char tag[CHAOS_TAG_MAX], path[128], body[512];
    chaos_tag(app, self->index, seq, tag, sizeof tag);
    const char *method = "POST", *key = tag, *payload = body;
    if (route == CHAOS_MESSAGE) {
        /* The receiver holds a WebSocket; the sender is anyone else. */
        lg->target = (int32_t) (rand_r(seed) % (unsigned) cfg->ws_users);
        lg->sender = (int32_t) (rand_r(seed) % (unsigned) (cfg->users - 1));
        if (lg->sender >= lg->target)
            lg->sender++;
        snprintf(path, sizeof path, "/api/messages");
        snprintf(body, sizeof body,
                 "{\"text\":\"%s\",\"receiver_type\":\"user\",\"receiver_id\":%lld}", tag,
                 (long long) app->users[lg->target].id);
    } else if (route == CHAOS_ORDER) {
        lg->sender = (int32_t) (rand_r(seed) % (unsigned) cfg->users);
        snprintf(path, sizeof path, "/api/orders");
        snprintf(body, sizeof body, "{\"product\":\"%s\",\"amount\":%u.%02u}", tag,
                 1 + rand_r(seed) % 500, rand_r(seed) % 100);
    } else {
        lg->sender = (int32_t) (rand_r(seed) % (unsigned) cfg->users);
        lg->target = (int32_t) (rand_r(seed) % (unsigned) cfg->users);
        snprintf(path, sizeof path, "/api/users/%lld", (long long) app->users[lg->target].id);
        method = "GET";
        key = NULL;
        payload = NULL;
    }
    const char *token = app->users[lg->sender].token;

    int64_t give_up = lg->t_start + cfg->retry_budget_ms;
    int backoff = BACKOFF_FIRST_MS;
    chaos_resp_t resp = { 0 };
    for (;;) {
        chaos_attempt_t *at = chaos_push((void **) &self->attempts, &self->n_attempts,
                                         &self->cap_attempts, sizeof *at);
        at->logical = (int32_t) seq;
        at->route = (uint8_t) route;
        at->t_start = chaos_since(app);
        chaos_http_request(http, method, path, token, key, payload, &resp);
        at->t_end = chaos_since(app);
        at->status = (int16_t) resp.status;
        at->key_in_use = resp.status == 409 && strcmp(resp.error, "IDEMPOTENCY_KEY_IN_USE") == 0;
        snprintf(at->error, sizeof at->error, "%s", resp.error);
        lg->attempts++;
        lg->final_status = at->status;
        if (resp.status >= 200 && resp.status < 300) {
            lg->acked = true;
            if (route != CHAOS_USER_GET)
                lg->created_id = chaos_resp_id(&resp);
            break;
        }
        int64_t wait = backoff + (int64_t) (rand_r(seed) % (unsigned) (backoff / 2 + 1));
        if (!chaos_load_retryable(at->status, at->key_in_use) ||
            chaos_since(app) + wait > give_up)
            break;
        chaos_resp_clear(&resp);
        chaos_sleep_ms(wait);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    chaos_resp_clear(&resp);
    lg->t_end = chaos_since(app);
}

static void *
s_run(void *arg)
{
    chaos_loader_t *self = arg;
    chaos_app_t *app = self->app;
    chaos_http_t *http = chaos_http_new(app->cfg.url, app->cfg.request_timeout_ms);
    if (!http) {
        fprintf(stderr, "chaos: loader %d: no HTTP client\n", self->index);
        return NULL;
    }
    unsigned seed = (unsigned) (chaos_now_ms() * 31 + self->index * 7919);
    /* Pacing: each thread takes its share of the rate; a thread that fell behind (a
     * request retried through a kill) resumes at the pace, it does not burst. */
    double interval = app->cfg.rate > 0 ? 1000.0 * app->cfg.threads / app->cfg.rate : 0;
    double next = (double) chaos_now_ms() + interval * self->index / app->cfg.threads;
    while (!atomic_load(&app->stop_load)) {
        if (interval > 0) {
            double now = (double) chaos_now_ms();
            if (next > now)
                chaos_sleep_ms((int64_t) (next - now));
            else if (now - next > interval)
                next = now;
            next += interval;
        }
        s_logical(self, http, s_pick_route(&app->cfg, &seed), &seed);
    }
    chaos_http_destroy(&http);
    return NULL;
}

int
chaos_load_start(chaos_app_t *app)
{
    app->loaders = calloc((size_t) app->cfg.threads, sizeof *app->loaders);
    if (!app->loaders)
        return -1;
    for (int i = 0; i < app->cfg.threads; i++) {
        app->loaders[i].app = app;
        app->loaders[i].index = i;
        if (pthread_create(&app->loaders[i].thread, NULL, s_run, &app->loaders[i]) != 0) {
            fprintf(stderr, "chaos: cannot start load thread %d\n", i);
            atomic_store(&app->stop_load, true);
            for (int j = 0; j < i; j++)
                pthread_join(app->loaders[j].thread, NULL);
            app->cfg.threads = i;
            return -1;
        }
    }
    return 0;
}

void
chaos_load_join(chaos_app_t *app)
{
    for (int i = 0; i < app->cfg.threads; i++)
        pthread_join(app->loaders[i].thread, NULL);
}
