/* bus_proto.h -- the frames spoken between clients, the broker and workers.
 *
 * Majordomo in spirit (ZeroMQ guide ch. 4), simplified and with checked parsing:
 *
 *   client  -> broker (DEALER -> ROUTER "front"):  [BUS_CLIENT, service, nonce, envelope]
 *   broker  -> client:                            [BUS_CLIENT, service, nonce, envelope]
 *   worker  -> broker (DEALER -> ROUTER "back"):   [BUS_WORKER, READY, service]
 *                                                 [BUS_WORKER, REPLY, client, nonce, envelope]
 *                                                 [BUS_WORKER, HEARTBEAT]
 *                                                 [BUS_WORKER, DISCONNECT]
 *   broker  -> worker:                            [BUS_WORKER, REQUEST, client, nonce, envelope]
 *                                                 [BUS_WORKER, HEARTBEAT]
 *                                                 [BUS_WORKER, DISCONNECT]
 *
 * The nonce is the client's own call id (8 bytes): it lets a client drop a late reply to a
 * call it already gave up on, even when two calls share a request id. The broker and the
 * worker carry it back untouched. Events go the separate PUB -> XSUB|XPUB -> SUB path.
 *
 * A service name is 1..BUS_SERVICE_MAX bytes of [A-Za-z0-9._-]; names starting "mmi." are
 * answered by the broker itself and cannot be registered by workers. */
#ifndef COMMON_BUS_PROTO_H
#define COMMON_BUS_PROTO_H
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <zmq.h>
#include "envelope.h"

#define BUS_CLIENT  "BUSC01"
#define BUS_WORKER  "BUSW01"
#define BUS_HEADER_SIZE 6

#define BUS_READY       "\001"
#define BUS_REQUEST     "\002"
#define BUS_REPLY       "\003"
#define BUS_HEARTBEAT   "\004"
#define BUS_DISCONNECT  "\005"

/* The message of a broker's "undelivered" 503 while it stops: a client that gets it sends
 * nothing more to that broker until the link is lost or made again (bus_client.c). */
#define BUS_MSG_BROKER_STOPPING "Broker is shutting down"

#define BUS_NONCE_SIZE  8
#define BUS_SERVICE_MAX 32              /* fits envelope_t.service */
#define BUS_MMI_SERVICE "mmi.service"

/* ZMQ_MAXMSGSIZE for every bus socket: one envelope plus room for the other frames. */
#define BUS_MAX_MSG_SIZE (ENVELOPE_MAX_FRAME + 4096)

/* Defaults, overridable from the environment (BUS_HEARTBEAT_MS, BUS_LIVENESS). An idle
 * peer silent for HEARTBEAT_MS * LIVENESS is dead. */
#define BUS_HEARTBEAT_MS_DEFAULT  1000
#define BUS_LIVENESS_DEFAULT      3

/* One frame to send: bytes and length. */
typedef struct {
    const void *data;
    size_t size;
} bus_part_t;

/* Sends COUNT parts as one multipart message without ever blocking (ZMQ_DONTWAIT), so a
 * full or dead peer shows up as -1 with errno EAGAIN or EHOSTUNREACH (ROUTER_MANDATORY)
 * instead of a stalled loop or a silent drop. libzmq accepts a multipart message
 * atomically: only the first part can fail. Returns 0 or -1. */
static inline int
bus_send_parts(void *zmq_handle, const bus_part_t *parts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < count ? ZMQ_SNDMORE : 0);
        if (zmq_send(zmq_handle, parts[i].data, parts[i].size, flags) < 0)
            return -1;
    }
    return 0;
}

/* Call before the first CZMQ socket of a library user: the process owns SIGINT/SIGTERM
 * (service.c, broker main.c install their own stop flag), so CZMQ must not install its
 * handler over theirs when it initialises lazily. Thread-safe, runs once per process
 * (defined in bus_worker.c). */
void bus_zsys_setup(void);

/* True when DATA/SIZE is a valid service name (see above). */
static inline bool
bus_service_valid(const void *data, size_t size)
{
    const unsigned char *s = (const unsigned char *) data;
    if (size == 0 || size > BUS_SERVICE_MAX)
        return false;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                  || c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

/* True when DATA/SIZE is exactly the protocol header HEADER (BUS_CLIENT or BUS_WORKER). */
static inline bool
bus_header_is(const void *data, size_t size, const char *header)
{
    return size == BUS_HEADER_SIZE && memcmp(data, header, BUS_HEADER_SIZE) == 0;
}

#endif
