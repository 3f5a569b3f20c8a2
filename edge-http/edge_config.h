/* edge_config.h -- the edge's settings, read once from the environment at start. */
#ifndef EDGE_CONFIG_H
#define EDGE_CONFIG_H
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *bind;            /* EDGE_BIND, 127.0.0.1 */
    int port;                    /* EDGE_PORT, 8080 */
    int threads;                 /* EDGE_THREADS, 128 */
    int request_timeout_ms;      /* EDGE_REQUEST_TIMEOUT_MS, 10000: socket read/write */
    int keep_alive_timeout_ms;   /* EDGE_KEEP_ALIVE_TIMEOUT_MS, 5000 */
    int max_request_size;        /* EDGE_MAX_REQUEST_SIZE, 16384: request line + headers */
    int listen_backlog;          /* EDGE_LISTEN_BACKLOG, 1024 */
    int64_t max_body;            /* MAX_BODY_BYTES, 1 MiB */
    const char *bus_endpoint;    /* BUS_CLIENT_ENDPOINT, tcp://127.0.0.1:5555 */
    int bus_timeout_ms;          /* BUS_TIMEOUT_MS, 30000 */
    int health_interval_ms;      /* EDGE_HEALTH_INTERVAL_MS, 1000: broker probe period */
    int slow_ms;                 /* EDGE_SLOW_MS, 1000: slow-request warning */
    bool hsts;                   /* HSTS_ENABLED, false */
    int admin_port;              /* ADMIN_PORT, 9099; 0 disables */
} edge_config_t;

/* Fills *CFG from the environment (bounded values, defaults on typos). */
void edge_config_load(edge_config_t *cfg);

#endif
