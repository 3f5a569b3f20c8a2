/* edge_config.h -- the edge's settings, read once from the environment at start. */
#ifndef EDGE_CONFIG_H
#define EDGE_CONFIG_H
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *bind;            /* EDGE_BIND, 127.0.0.1 */
    int port;                    /* EDGE_PORT, 8080 */
    int threads;                 /* EDGE_THREADS, 128 */
    int cpu_slots;               /* EDGE_CPU_SLOTS, 16; 0: no gate */
    bool token_cache;            /* EDGE_TOKEN_CACHE, true: verified tokens per thread */
    int request_timeout_ms;      /* EDGE_REQUEST_TIMEOUT_MS, 5000: the whole header, the
                                    whole body, each write */
    int keep_alive_timeout_ms;   /* EDGE_KEEP_ALIVE_TIMEOUT_MS, 5000 */
    int max_request_size;        /* EDGE_MAX_REQUEST_SIZE, 16384: request line + headers */
    int listen_backlog;          /* EDGE_LISTEN_BACKLOG, 1024 */
    int max_conn_per_address;    /* EDGE_MAX_CONNECTIONS_PER_ADDRESS, 32; 0: no limit */
    int64_t max_body;            /* MAX_BODY_BYTES, 64 KiB */
    const char *route_body_limits; /* ROUTE_BODY_LIMITS, "/api/messages=131072" */
    int json_max_tokens;         /* JSON_MAX_TOKENS, 1024: structure in one body */
    const char *bus_endpoint;    /* BUS_CLIENT_ENDPOINT, tcp://127.0.0.1:5555 */
    int bus_timeout_ms;          /* BUS_TIMEOUT_MS, 30000 */
    int shutdown_grace_ms;       /* EDGE_SHUTDOWN_GRACE_MS, 10000: the drain on SIGTERM */
    int shutdown_delay_ms;       /* EDGE_SHUTDOWN_DELAY_MS, 0: the least it lasts (within
                                    the grace), for load balancers to see it not ready */
    int health_interval_ms;      /* EDGE_HEALTH_INTERVAL_MS, 1000: broker probe period */
    int slow_ms;                 /* EDGE_SLOW_MS, 1000: slow-request warning */
    bool hsts;                   /* HSTS_ENABLED, false */
    int admin_port;              /* ADMIN_PORT, 9099; 0 disables */
    bool public_metrics;         /* METRICS_PUBLIC, true: /metrics on the public port too */

    /* the pipeline's later stages (README "Settings") */
    bool sanitize;               /* SANITIZE_ENABLED, true */
    int sanitize_cache;          /* SANITIZE_CACHE_SIZE, 1000 entries; 0 disables */
    bool rl_enabled;             /* RATE_LIMIT_ENABLED, true */
    const char *rl_windows;      /* RATE_LIMIT_WINDOWS, unset: the two below */
    int64_t rl_per_second;       /* RATE_LIMIT_PER_SECOND, 3 */
    int64_t rl_per_minute;       /* RATE_LIMIT_PER_MINUTE, 100 */
    const char *rl_routes;       /* RATE_LIMIT_ROUTES, login and register 5/60s */
    int rl_fallback;             /* RATE_LIMIT_FALLBACK memory | open | closed */
    const char *trusted_proxies; /* TRUSTED_PROXIES, none */
    int cache_ttl_s;             /* CACHE_TTL_S, 1800; 0 disables the response cache */
    const char *cors_origins;    /* CORS_ORIGINS, empty: no CORS */
    const char *cors_methods;    /* CORS_METHODS */
    const char *cors_headers;    /* CORS_HEADERS */
    int cors_max_age;            /* CORS_MAX_AGE, 600 */
    bool cors_credentials;       /* CORS_CREDENTIALS, false */
    bool access_log;             /* ACCESS_LOG, true */
    const char *route_timeouts;  /* ROUTE_TIMEOUTS, "TEMPLATE=ms;..." overrides BUS_TIMEOUT_MS */
} edge_config_t;

/* Fills *CFG from the environment (bounded values, defaults on typos). */
void edge_config_load(edge_config_t *cfg);

#endif
