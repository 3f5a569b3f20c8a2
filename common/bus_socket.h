/* bus_socket.h -- how every bus socket is made: CURVE, bounded messages, fast reconnects,
 * and ZMTP heartbeats, so that a broker, worker or client that vanishes without a TCP
 * reset (a lost machine, a frozen process) is dropped within BUS_HEARTBEAT_MS *
 * BUS_LIVENESS instead of when some call times out. */
#ifndef COMMON_BUS_SOCKET_H
#define COMMON_BUS_SOCKET_H
#include <czmq.h>

/* A socket of TYPE that will connect to brokers: CURVE client (when on), ZMQ_MAXMSGSIZE,
 * linger 0, non-blocking receives, reconnects 100 ms backing off to 1 s, heartbeats.
 * NULL when libzmq refuses (out of sockets). */
zsock_t *bus_socket_new(int type);

/* Turns ZMTP heartbeats on for SOCK: a ping every HEARTBEAT_MS, the link dropped after
 * HEARTBEAT_MS * LIVENESS without a word (the broker's bound sockets use it too). */
void bus_socket_heartbeats(zsock_t *sock, int heartbeat_ms, int liveness);

/* The bus's liveness settings, read once from BUS_HEARTBEAT_MS and BUS_LIVENESS: a peer
 * silent for heartbeat_ms * liveness is gone. */
int bus_heartbeat_ms(void);
int bus_liveness(void);

#endif
