/* edge_app.c -- the shared state of the pipeline's later stages, built once at start
 * from the settings, so a typo in a spec stops the edge instead of silently not
 * limiting. */
#include "edge_app.h"
#include <stdlib.h>
#include <string.h>
#include "edge_routeopt.h"
#include "log.h"

static int
s_route_timeout(void *arg, int index, const char *value)
{
    edge_app_t *app = arg;
    char *end = NULL;
    long ms = strtol(value, &end, 10);
    if (index >= EDGE_RL_MAX_ROUTES || end == value || *end || ms < 10 || ms > 600000)
        return -1;
    app->route_timeout_ms[index] = (int) ms;
    return 0;
}

static int
s_route_body(void *arg, int index, const char *value)
{
    edge_app_t *app = arg;
    char *end = NULL;
    long long bytes = strtoll(value, &end, 10);
    if (index >= EDGE_RL_MAX_ROUTES || end == value || *end || bytes < 16
        || bytes > 64 * 1048576LL)
        return -1;
    app->route_max_body[index] = bytes;
    return 0;
}

int
edge_app_init(edge_app_t *app)
{
    const edge_config_t *cfg = &app->cfg;
    if (cfg->sanitize && cfg->sanitize_cache > 0
        && !(app->sanitize_cache = edge_sanitize_cache_new(cfg->sanitize_cache)))
        return -1;
    if (cfg->rl_enabled) {
        edge_rl_config_t rl = {
            .enabled = true,
            .windows = cfg->rl_windows,
            .per_second = cfg->rl_per_second,
            .per_minute = cfg->rl_per_minute,
            .routes = cfg->rl_routes,
            .fallback = (edge_rl_fallback_t) cfg->rl_fallback,
        };
        if (!(app->ratelimit = edge_ratelimit_new(&rl, app->routes)))
            return -1;
    }
    if (app->metrics)
        app->rl_rejections = metrics_get(app->metrics, METRIC_COUNTER,
                                         "rate_limit_rejections_total",
                                         "Requests refused 429 by the rate limit", "");
    if (!(app->cache = edge_cache_new(app->routes, cfg->cache_ttl_s, app->metrics)))
        return -1;
    int skipped = edge_cors_init(&app->cors, cfg->cors_origins, cfg->cors_methods,
                                 cfg->cors_headers, cfg->cors_max_age, cfg->cors_credentials);
    if (skipped < 0) {
        log_error(NULL, "edge_config", "CORS_ORIGINS=* with CORS_CREDENTIALS=true would let "
                  "any site use a signed-in user's cookie: name the origins");
        return -1;
    }
    if (skipped > 0)
        log_warn(NULL, "edge_config", "CORS_ORIGINS: some origins skipped (too long or too many)");
    if (edge_clientip_init(&app->clientip, cfg->trusted_proxies) > 0)
        log_warn(NULL, "edge_config", "TRUSTED_PROXIES: entries that are not addresses skipped");
    app->accesslog = (edge_accesslog_t) { cfg->access_log, cfg->slow_ms };
    if (!(app->watchdog = edge_watchdog_new(cfg->port, cfg->threads)))
        return -1;
    app->gate = edge_gate_new(cfg->cpu_slots);
    if (cfg->max_conn_per_address > 0
        && !(app->connlimit = edge_connlimit_new(cfg->max_conn_per_address)))
        return -1;
    if (app->metrics)
        app->conn_refusals = metrics_get(app->metrics, METRIC_COUNTER,
                                         "http_connections_refused_total",
                                         "Connections refused 429 for their address's count", "");
    memset(app->route_timeout_ms, 0, sizeof app->route_timeout_ms);
    if (edge_routeopt_parse(app->routes, cfg->route_timeouts, s_route_timeout, app) != 0) {
        log_error(NULL, "edge_config", "ROUTE_TIMEOUTS: cannot parse '%s'", cfg->route_timeouts);
        return -1;
    }
    memset(app->route_max_body, 0, sizeof app->route_max_body);
    if (edge_routeopt_parse(app->routes, cfg->route_body_limits, s_route_body, app) != 0) {
        log_error(NULL, "edge_config", "ROUTE_BODY_LIMITS: cannot parse '%s'",
                  cfg->route_body_limits);
        return -1;
    }
    app->body_buf_size = cfg->max_body;
    for (int i = 0; i < EDGE_RL_MAX_ROUTES; i++)
        if (app->route_max_body[i] > app->body_buf_size)
            app->body_buf_size = app->route_max_body[i];
    return 0;
}

void
edge_app_fini(edge_app_t *app)
{
    edge_sanitize_cache_destroy(&app->sanitize_cache);
    edge_ratelimit_destroy(&app->ratelimit);
    edge_cache_destroy(&app->cache);
    edge_connlimit_destroy(&app->connlimit);
    edge_watchdog_destroy(&app->watchdog);
    edge_gate_destroy(&app->gate);
}
