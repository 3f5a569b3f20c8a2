/* edge_watchdog.h -- cuts off request bodies that miss their deadline.
 *
 * CivetWeb's mg_read loops until it has every byte it was asked for, and gives up only
 * when no byte at all comes for EDGE_REQUEST_TIMEOUT_MS: a client that sends one byte
 * every few seconds holds the thread for as long as it likes. The body stage registers
 * each read it starts (the peer's address and port, and the deadline); one watchdog
 * thread shuts down the reading side of a socket whose deadline has passed, so the
 * blocked read returns what it has and the request is answered 400 and closed.
 *
 * The socket is found by its peer and local port among this process's descriptors
 * (CivetWeb does not hand out its descriptors): done only for a request already late,
 * which honest clients never are. Thread-safe. */
#ifndef EDGE_WATCHDOG_H
#define EDGE_WATCHDOG_H
#include <stdbool.h>
#include <stdint.h>

typedef struct edge_watchdog_t edge_watchdog_t;

/* Watches reads on the listening port LOCAL_PORT; at most SLOTS at once (one per
 * CivetWeb thread). NULL on failure. */
edge_watchdog_t *edge_watchdog_new(int local_port, int slots);
void edge_watchdog_destroy(edge_watchdog_t **self_p);

/* A read from PEER (address text) : PEER_PORT must be over by DEADLINE_MS (monotonic).
 * Returns the slot to pass to edge_watchdog_done, or -1 when not watched. */
int edge_watchdog_watch(edge_watchdog_t *self, const char *peer, int peer_port,
                        int64_t deadline_ms);

/* The read is over. True when the watchdog cut it short. Accepts slot -1. */
bool edge_watchdog_done(edge_watchdog_t *self, int slot);

#endif
