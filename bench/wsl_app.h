/* wsl_app.h -- the load client's state: its WebSocket and HTTP connections, one epoll
 * loop over both, and the counters and timing logs of a run. One thread, no locks: every
 * timestamp comes from the same loop that reads the bytes. */
#ifndef BENCH_WSL_APP_H
#define BENCH_WSL_APP_H
#include "wsl_buf.h"
#include "wsl_lat.h"
#include "wsl_users.h"
#include <netinet/in.h>
#include <stdint.h>

#define WSL_MAX_REPLICAS 8

typedef enum { WSL_WS, WSL_HTTP } wsl_kind_t;

typedef enum {
    WSL_CONNECTING,          /* TCP connect in progress */
    WSL_UPGRADING,           /* upgrade request sent, waiting for the 101 */
    WSL_JOINING,             /* upgraded, waiting for notify's "ready" */
    WSL_READY,
    WSL_DEAD
} wsl_state_t;

typedef struct {
    wsl_kind_t kind;
    int fd;
    wsl_state_t state;       /* WebSocket only */
    int replica;             /* WebSocket only: index into the replica table */
    size_t user;             /* WebSocket only: index into the user table */
    wsl_buf_t in;
    int busy;                /* HTTP only: a request is out */
    int64_t t_sent_ns;       /* HTTP only: when it was written */
    int recipients;          /* HTTP only: sockets that should get its frames */
} wsl_conn_t;

typedef struct {
    struct sockaddr_in addr;
    char host[64];
    char path[128];
    const char *pid_file;    /* NULL: memory not measured */
    long rss_before_kib, rss_held_kib, rss_after_kib;
    size_t sockets;          /* sockets assigned to this replica */
    size_t ready;            /* of them, "ready" */
    size_t frames;           /* new_message and notification frames it delivered */
    long long cpu_before, cpu_after;   /* its CPU ticks around the sending phase */
} wsl_replica_t;

typedef struct {
    int epfd;
    wsl_user_t *users;
    size_t n_users;
    wsl_conn_t *ws;          /* one per user, same index */
    wsl_replica_t replicas[WSL_MAX_REPLICAS];
    int n_replicas;
    wsl_conn_t *http;
    int n_http;
    int *http_free;          /* stack of idle HTTP connection indices */
    int n_http_free;
    struct in_addr source;   /* local address of the WebSockets, when has_source */
    int has_source;
    struct sockaddr_in edge_addr;
    char edge_host[64];

    /* WebSocket side */
    size_t handshaking;      /* connects and upgrades not yet "ready" or dead */
    size_t ready, dead, refused, closed_after_ready;
    size_t new_message_frames, notification_frames, other_frames, unparsed_frames;
    wsl_marks_t frames;      /* (message id, arrival) of every new_message frame */

    /* HTTP side */
    size_t sent, acked, non201, http_errors;
    size_t expected;         /* recipient sockets of the acknowledged messages */
    wsl_marks_t acks;        /* (message id, 201 arrival) */
    wsl_marks_t acks_sent;   /* (message id, when its POST was written) */
    int64_t *post_ns;        /* request latencies */
    size_t n_post, cap_post;
    int last_status;         /* of the last non-201, for the report */
} wsl_app_t;

/* Starts the WebSocket of user I towards its replica. Returns 0, or -1 when no socket. */
int wsl_ws_open(wsl_app_t *app, size_t i);

/* Opens connection I of the HTTP pool (blocking connect: done once, before the clock
 * runs). Returns 0 or -1. */
int wsl_http_open(wsl_app_t *app, int i);

/* Writes REQ on an idle HTTP connection. Returns 0; -1 when none is idle (the run is
 * behind its rate) or the write failed. */
int wsl_http_send(wsl_app_t *app, const char *req, size_t len, int recipients);

/* Waits up to TIMEOUT_MS for socket events and handles every one of them. */
void wsl_pump(wsl_app_t *app, int timeout_ms);

#endif
