/* edge_config.c -- the edge's environment table. */
#include "edge_config.h"
#include "config.h"

void
edge_config_load(edge_config_t *cfg)
{
    cfg->bind = config_str("EDGE_BIND", "127.0.0.1");
    cfg->port = (int) config_int("EDGE_PORT", 8080, 1, 65535);
    /* CivetWeb starts every worker thread up front, one per open connection. */
    cfg->threads = (int) config_int("EDGE_THREADS", 128, 2, 4096);
    cfg->request_timeout_ms = (int) config_int("EDGE_REQUEST_TIMEOUT_MS", 10000, 100, 600000);
    cfg->keep_alive_timeout_ms = (int) config_int("EDGE_KEEP_ALIVE_TIMEOUT_MS", 5000, 0,
                                                  600000);
    /* Allocated per thread by CivetWeb: small, since there are many threads. */
    cfg->max_request_size = (int) config_int("EDGE_MAX_REQUEST_SIZE", 16384, 4096, 1048576);
    cfg->listen_backlog = (int) config_int("EDGE_LISTEN_BACKLOG", 1024, 16, 65535);
    cfg->max_body = config_int("MAX_BODY_BYTES", 1048576, 1024, 64 * 1048576);
    cfg->bus_endpoint = config_str("BUS_CLIENT_ENDPOINT", "tcp://127.0.0.1:5555");
    cfg->bus_timeout_ms = (int) config_int("BUS_TIMEOUT_MS", 30000, 10, 600000);
    cfg->health_interval_ms = (int) config_int("EDGE_HEALTH_INTERVAL_MS", 1000, 100, 60000);
    cfg->slow_ms = (int) config_int("EDGE_SLOW_MS", 1000, 1, 600000);
    cfg->hsts = config_bool("HSTS_ENABLED", false);
    cfg->admin_port = (int) config_int("ADMIN_PORT", 9099, 0, 65535);
}
