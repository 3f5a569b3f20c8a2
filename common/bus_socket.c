/* bus_socket.c -- the settings every bus socket shares (see bus_socket.h). */
#include "bus_socket.h"
#include "log.h"
#include <pthread.h>
#include "bus_proto.h"
#include "bus_security.h"
#include "config.h"

static int s_heartbeat_ms = BUS_HEARTBEAT_MS_DEFAULT;
static int s_liveness = BUS_LIVENESS_DEFAULT;

static void
s_read_settings(void)
{
    s_heartbeat_ms = (int) config_int("BUS_HEARTBEAT_MS", BUS_HEARTBEAT_MS_DEFAULT, 10, 60000);
    s_liveness = (int) config_int("BUS_LIVENESS", BUS_LIVENESS_DEFAULT, 1, 100);
}

static void
s_settings(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, s_read_settings);
}

int
bus_heartbeat_ms(void)
{
    s_settings();
    return s_heartbeat_ms;
}

int
bus_liveness(void)
{
    s_settings();
    return s_liveness;
}

void
bus_socket_heartbeats(zsock_t *sock, int heartbeat_ms, int liveness)
{
    int timeout = heartbeat_ms * liveness;
    zsock_set_heartbeat_ivl(sock, heartbeat_ms);
    zsock_set_heartbeat_timeout(sock, timeout);
    /* the peer applies this one to us: it drops the link if we go quiet */
    zsock_set_heartbeat_ttl(sock, timeout);
}

zsock_t *
bus_socket_new(int type)
{
    bus_zsys_setup();
    zsock_t *sock = zsock_new(type);
    if (!sock) {
        log_error(NULL, "bus_socket", "cannot make a ZeroMQ socket: %s", zmq_strerror(errno));
        return NULL;
    }
    bus_security_client(sock);
    zsock_set_linger(sock, 0);
    zsock_set_maxmsgsize(sock, BUS_MAX_MSG_SIZE);
    zsock_set_rcvtimeo(sock, 0);
    /* A broker that comes back is found by every socket within 250 ms (the back-off stops
     * there): a client's call waits that long for a link (bus_client.c), and an edge
     * whose threads reconnected a second apart answered 503 on some while /health/ready
     * said 200 on another. A refused connect every 250 ms per socket costs nothing. */
    zsock_set_reconnect_ivl(sock, 100);
    zsock_set_reconnect_ivl_max(sock, 250);
    bus_socket_heartbeats(sock, bus_heartbeat_ms(), bus_liveness());
    return sock;
}
