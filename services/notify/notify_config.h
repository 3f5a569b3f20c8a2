/* notify_config.h -- the notify service's settings, read once from the environment. */
#ifndef NOTIFY_CONFIG_H
#define NOTIFY_CONFIG_H
#include <stddef.h>

typedef struct {
    char bind[64];               /* NOTIFY_BIND, 127.0.0.1 */
    int port;                    /* NOTIFY_PORT, 8081 */
    int admin_port;              /* ADMIN_PORT, 9104 (0: none) */
    char sub_endpoint[256];      /* BUS_SUB_ENDPOINT, the broker's XPUB */
    char pub_endpoint[256];      /* BUS_PUB_ENDPOINT, the broker's XSUB */
    char database_url[512];      /* DATABASE_URL */
    char replica[65];            /* NOTIFY_REPLICA_ID, hostname-pid */
    int send_queue_max;          /* NOTIFY_SEND_QUEUE_MAX frames per socket, 256 */
    int send_queue_bytes;        /* NOTIFY_SEND_QUEUE_BYTES per socket, 1 MiB */
    int replay_max;              /* NOTIFY_REPLAY_MAX notifications per replay, 1000 */
    int ping_s;                  /* NOTIFY_PING_S: idle seconds before a ping, 30 */
    int hangup_s;                /* NOTIFY_HANGUP_S: idle seconds before hangup, 75 */
    int rx_buffer;               /* NOTIFY_RX_BUFFER bytes, 512 */
    int max_sockets;             /* NOTIFY_MAX_SOCKETS (fd_limit_per_thread), 19000 */
    int sync_retry_ms;           /* NOTIFY_SYNC_RETRY_MS, 500 */
    int db_queue_max;            /* NOTIFY_DB_QUEUE_MAX jobs waiting, 20000 */
    int max_sockets_per_user;    /* NOTIFY_MAX_SOCKETS_PER_USER on this replica, 16 */
    int shutdown_delay_ms;       /* NOTIFY_SHUTDOWN_DELAY_MS, 0: not ready, sockets still
                                    served, before the closes (load balancers catch up) */
    int shutdown_grace_ms;       /* NOTIFY_SHUTDOWN_GRACE_MS, 5000: for the 1001 closes */
    int dedup_max;               /* NOTIFY_DEDUP_MAX recent event ids kept, 65536 */
    int dedup_ms;                /* NOTIFY_DEDUP_MS each is kept at most, 10000 */
    char allowed_origins[2048];  /* NOTIFY_ALLOWED_ORIGINS, else CORS_ORIGINS: the pages
                                    that may open a socket with the cookie's token */
} notify_config_t;

/* Fills *CFG from the environment (bounded; bad values fall back to defaults). */
void notify_config_load(notify_config_t *cfg);

#endif
