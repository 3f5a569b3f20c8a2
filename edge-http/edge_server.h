/* edge_server.h -- the CivetWeb server: options, per-thread state, one catch-all handler
 * that runs the pipeline. */
#ifndef EDGE_SERVER_H
#define EDGE_SERVER_H
#include "edge_thread.h"

typedef struct edge_server_t edge_server_t;

/* Starts listening on APP's bind address and port with APP's thread count. APP must
 * outlive the server. NULL (with a log line) when CivetWeb cannot start. */
edge_server_t *edge_server_new(edge_app_t *app);

/* Stops accepting, waits for the requests in flight (mg_stop), frees, sets *self_p to NULL.
 * Accepts NULL. */
void edge_server_destroy(edge_server_t **self_p);

/* The same, but waits at most TIMEOUT_MS for mg_stop, which joins every CivetWeb thread:
 * a thread still serving (a bus call that outlived the drain, a client that stopped
 * reading its answer) would otherwise hold the exit for as long as it likes. Returns 0
 * when stopped, -1 when mg_stop is still running: the caller then exits the process
 * without freeing what those threads may touch. Sets *self_p to NULL either way. */
int edge_server_stop(edge_server_t **self_p, int timeout_ms);

/* The pipeline's first stage: during the drain on SIGTERM, every new request is answered
 * 503 "Server is shutting down" with Connection: close. */
int edge_server_stage_drain(edge_thread_t *t, edge_request_t *r);

#endif
