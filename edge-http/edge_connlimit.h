/* edge_connlimit.h -- how many connections each client address holds open, so that one
 * address cannot take every CivetWeb worker thread (one per open connection, idle
 * keep-alive ones included). Counted from CivetWeb's init_connection to its
 * connection_close; a connection over the limit is answered 429 and closed as soon as its
 * request head is read. Addresses of TRUSTED_PROXIES are not limited: behind an Ingress
 * every client arrives from the proxy's address, and the proxy limits per client itself.
 *
 * What it cannot do: refuse a connection before CivetWeb gives it a thread (CivetWeb has
 * no hook at accept), so a client that trickles its request head holds a thread until
 * EDGE_REQUEST_TIMEOUT_MS all the same (docs/SECURITY.md). Thread-safe. */
#ifndef EDGE_CONNLIMIT_H
#define EDGE_CONNLIMIT_H
#include <stdbool.h>
#include "edge_stage.h"

typedef struct edge_connlimit_t edge_connlimit_t;

/* At most PER_ADDRESS open connections per address (0: no limit, and NULL is returned). */
edge_connlimit_t *edge_connlimit_new(int per_address);
void edge_connlimit_destroy(edge_connlimit_t **self_p);

/* A connection from ADDR opened. False when ADDR now holds more than the limit (it is
 * counted all the same: edge_connlimit_close follows every open). */
bool edge_connlimit_open(edge_connlimit_t *self, const char *addr);

/* That connection closed. */
void edge_connlimit_close(edge_connlimit_t *self, const char *addr);

/* The stage: a connection beyond its address's limit is answered 429 and closed. */
int edge_connlimit_stage(edge_thread_t *t, edge_request_t *r);

#endif
