/* edge_config.c -- the edge's environment table. */
#include "edge_config.h"
#include <strings.h>
#include "admin.h"
#include "config.h"
#include "edge_json.h"
#include "edge_ratelimit.h"

void
edge_config_load(edge_config_t *cfg)
{
    cfg->bind = config_str("EDGE_BIND", "127.0.0.1");
    cfg->port = (int) config_int("EDGE_PORT", 8080, 1, 65535);
    /* CivetWeb starts every worker thread up front, one per open connection. */
    cfg->threads = (int) config_int("EDGE_THREADS", 128, 2, 4096);
    /* Requests computing at once, whatever the connections (edge_gate.h). */
    cfg->cpu_slots = (int) config_int("EDGE_CPU_SLOTS", 16, 0, 4096);
    /* Verified tokens per thread (edge_tokcache.h); off only to measure what it saves. */
    cfg->token_cache = config_bool("EDGE_TOKEN_CACHE", true);
    /* CivetWeb measures it over the whole header; the body stage over the whole body. */
    cfg->request_timeout_ms = (int) config_int("EDGE_REQUEST_TIMEOUT_MS", 5000, 100, 600000);
    cfg->keep_alive_timeout_ms = (int) config_int("EDGE_KEEP_ALIVE_TIMEOUT_MS", 5000, 0,
                                                  600000);
    /* Allocated per thread by CivetWeb: small, since there are many threads. */
    cfg->max_request_size = (int) config_int("EDGE_MAX_REQUEST_SIZE", 16384, 4096, 1048576);
    cfg->listen_backlog = (int) config_int("EDGE_LISTEN_BACKLOG", 1024, 16, 65535);
    /* A quarter of the default threads: one address cannot hold them all. */
    cfg->max_conn_per_address = (int) config_int("EDGE_MAX_CONNECTIONS_PER_ADDRESS", 32, 0,
                                                 1000000);
    /* Every body of the API but a message fits in a few KiB; a 5,000-character message
     * is at most 20 KiB of UTF-8, but 60 KB written as \u escapes, hence its own limit. */
    cfg->max_body = config_int("MAX_BODY_BYTES", 65536, 1024, 64 * 1048576);
    cfg->route_body_limits = config_str("ROUTE_BODY_LIMITS", "/api/messages=131072");
    cfg->json_max_tokens = (int) config_int("JSON_MAX_TOKENS", EDGE_JSON_MAX_TOKENS, 16, 1000000);
    cfg->bus_endpoint = config_str("BUS_CLIENT_ENDPOINT", "tcp://127.0.0.1:5555");
    cfg->bus_timeout_ms = (int) config_int("BUS_TIMEOUT_MS", 30000, 10, 600000);
    /* Kubernetes' default terminationGracePeriodSeconds is 30: stop well inside it. */
    cfg->shutdown_grace_ms = (int) config_int("EDGE_SHUTDOWN_GRACE_MS", 10000, 0, 600000);
    cfg->shutdown_delay_ms = (int) config_int("EDGE_SHUTDOWN_DELAY_MS", 0, 0, 600000);
    cfg->health_interval_ms = (int) config_int("EDGE_HEALTH_INTERVAL_MS", 1000, 100, 60000);
    cfg->slow_ms = (int) config_int("EDGE_SLOW_MS", 1000, 1, 600000);
    cfg->hsts = config_bool("HSTS_ENABLED", false);
    cfg->admin_port = (int) config_int("ADMIN_PORT", ADMIN_DEFAULT_PORT_EDGE, 0, 65535);
    cfg->public_metrics = config_bool("METRICS_PUBLIC", true);

    cfg->sanitize = config_bool("SANITIZE_ENABLED", true);
    cfg->sanitize_cache = (int) config_int("SANITIZE_CACHE_SIZE", 1000, 0, 100000);
    cfg->rl_enabled = config_bool("RATE_LIMIT_ENABLED", true);
    cfg->rl_windows = config_str("RATE_LIMIT_WINDOWS", NULL);
    cfg->rl_per_second = config_int("RATE_LIMIT_PER_SECOND", 3, 1, 1000000000);
    cfg->rl_per_minute = config_int("RATE_LIMIT_PER_MINUTE", 100, 1, 1000000000);
    /* The seeds' stricter limits for the routes that guess passwords or make accounts. */
    cfg->rl_routes = config_str("RATE_LIMIT_ROUTES",
                                "/api/auth/login=5/60s;/api/auth/register=5/60s");
    const char *fb = config_str("RATE_LIMIT_FALLBACK", "memory");
    cfg->rl_fallback = strcasecmp(fb, "open") == 0     ? EDGE_RL_FALLBACK_OPEN
                     : strcasecmp(fb, "closed") == 0   ? EDGE_RL_FALLBACK_CLOSED
                                                       : EDGE_RL_FALLBACK_MEMORY;
    cfg->trusted_proxies = config_str("TRUSTED_PROXIES", "");
    cfg->cache_ttl_s = (int) config_int("CACHE_TTL_S", 1800, 0, 86400 * 7);
    cfg->cors_origins = config_str("CORS_ORIGINS", "");
    cfg->cors_methods = config_str("CORS_METHODS", NULL);
    cfg->cors_headers = config_str("CORS_HEADERS", NULL);
    cfg->cors_max_age = (int) config_int("CORS_MAX_AGE", 600, 0, 86400);
    cfg->cors_credentials = config_bool("CORS_CREDENTIALS", false);
    cfg->access_log = config_bool("ACCESS_LOG", true);
    cfg->route_timeouts = config_str("ROUTE_TIMEOUTS", "");
}
