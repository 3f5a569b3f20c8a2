/* notify_app.h -- the notify process's state, owned by its one lws service thread, and
 * the per-socket state libwebsockets allocates for each WebSocket.
 *
 * Life of a socket: the handshake is authenticated (notify_auth), then the socket joins
 * its user (u:<uid>| subscribed), waits for the user's groups (database worker; g:<gid>|
 * subscribed), sends itself a sync marker and waits for it to come back (its topics are
 * then in force at the broker), replays ?since= if asked (database worker), sends
 * "ready" and goes live. Events that arrive before live are held, then delivered minus
 * those the replay already sent.
 *
 * A group_joined for a user whose sockets are past the group list runs the same steps
 * for the new group (notify_join_t): subscribe g:<gid>|, send a marker, and when it is
 * back read that user's notifications of the group's messages (the catch-up); the
 * sockets hold their events meanwhile (CATCHUP), then get the rows they lack, then the
 * events held minus those rows.
 *
 * When the SUB loses a broker (or gains one) notify cannot be sure it saw every event, so
 * every open socket is caught up the same way (a resync): a new marker, then a read of
 * the socket's notifications after the last one it is sure of, minus those it was sent
 * (services/notify/README.md, "Brokers that die"). */
#ifndef NOTIFY_APP_H
#define NOTIFY_APP_H
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "metrics.h"
#include "notify_bus.h"
#include "notify_config.h"
#include "notify_db.h"
#include "notify_dedup.h"
#include "notify_idle.h"
#include "notify_idmap.h"
#include "notify_sendq.h"
#include "notify_sent.h"
#include "notify_token.h"
#include "notify_topics.h"
#include "redis_conn.h"
#include "token.h"

typedef enum {
    NOTIFY_SS_NEW = 0,           /* handshake done, not yet registered */
    NOTIFY_SS_WAIT_GROUPS,       /* the user's groups are being read */
    NOTIFY_SS_WAIT_SYNC,         /* the sync marker is on its way */
    NOTIFY_SS_REPLAY,            /* the ?since= replay is being read */
    NOTIFY_SS_LIVE,
    NOTIFY_SS_CATCHUP,           /* live, holding events until its join catch-ups are in */
    NOTIFY_SS_CLOSING            /* closing: nothing more is queued */
} notify_ss_state_t;

typedef struct notify_user_t notify_user_t;

/* One WebSocket (lws per-session data: zeroed by lws, freed by lws). Kept small: 5,000
 * idle sockets must fit in a few MiB. */
typedef struct notify_session_t {
    struct notify_session_t *next;   /* the user's other sockets here */
    struct lws *wsi;
    notify_user_t *user;
    uint64_t id;                     /* also the sync marker's n */
    int64_t user_id;
    int64_t sync_sent_ms;            /* monotonic, for the marker's retry */
    int64_t live_ms;                 /* wall clock when first live (a resync without since) */
    notify_sent_t sent;              /* the notification ids queued to the client (replay,
                                        catch-ups, resyncs, live) and its floor: ?since=,
                                        raised as the window slides */
    notify_sendq_t out;              /* frames to write */
    notify_sendq_t held;             /* live events held until the replay is sent */
    notify_idle_node_t idle;         /* when last heard from: notify's pings and hang-ups */
    uint64_t jti_hash;               /* the token's id and session (notify_token_id_hash), */
    uint64_t family_hash;            /* matched against session_revoked events */
    int64_t iat_ms;                  /* the token's issue time and expiry: a socket lives */
    int64_t exp_s;                   /* no longer than the token that opened it */
    uint16_t close_code;             /* set when CLOSING, or to close once OUT drains */
    uint8_t state;                   /* notify_ss_state_t */
    uint8_t catchups;                /* join catch-ups this socket still waits for */
    bool has_since;
    bool resyncing;                  /* its marker and read are a resync: no second ready */
    bool resync_due;                 /* a resync waits until its replay or catch-up is in */
    bool ping_due;                   /* a ping goes out at the next WRITEABLE */
} notify_session_t;

/* All sockets of one user on this replica, and the groups whose topics they hold. */
struct notify_user_t {
    int64_t id;
    notify_session_t *sessions;
    int64_t *groups;
    size_t group_count;
    size_t group_cap;
    enum { NOTIFY_GROUPS_NONE = 0, NOTIFY_GROUPS_LOADING, NOTIFY_GROUPS_LOADED } groups_state;
};

/* A group_joined being made gap-free (notify_join.c): its marker id (from the session id
 * counter, so one sync topic space serves both), and the sockets that need its catch-up:
 * those whose own marker went out before the group's topic was subscribed. */
typedef struct {
    uint64_t id;
    int64_t user_id;
    int64_t group_id;
    int64_t sync_sent_ms;            /* 0 once the marker is back (query under way) */
    uint64_t *targets;               /* session ids */
    size_t target_count;
} notify_join_t;

typedef struct {
    metric_t *connections;       /* gauge */
    metric_t *pushed;            /* notifications pushed (one per notification frame) */
    metric_t *frames;            /* frames written */
    metric_t *dropped;           /* frames dropped with a slow client */
    metric_t *slow_closes;
    metric_t *replays;
    metric_t *replayed;
    metric_t *replays_truncated;
    metric_t *refused_missing, *refused_invalid, *refused_expired, *refused_unavailable;
    metric_t *refused_origin, *refused_busy;
    metric_t *auth_closes;       /* sockets closed 4401: token expired or revoked */
    metric_t *events;            /* bus events read */
    metric_t *malformed;         /* bus events dropped as malformed */
    metric_t *topics;            /* gauge: user and group topics subscribed */
    metric_t *db_failures;
    metric_t *catchups;          /* join catch-up queries answered */
    metric_t *caught_up;         /* notifications those sent (missed live) */
    metric_t *duplicates;        /* bus events dropped as a copy seen through another broker */
    metric_t *brokers_up;        /* gauge: brokers the SUB is connected to */
    metric_t *resyncs;           /* catch-ups of every socket after a broker came or went */
    metric_t *resynced;          /* notifications those sent that a socket lacked */
    metric_t *pings;             /* pings sent to sockets silent NOTIFY_PING_S */
    metric_t *idle_hangups;      /* sockets hung up: silent NOTIFY_HANGUP_S, ping unanswered */
} notify_metrics_t;

typedef struct {
    notify_config_t cfg;
    struct lws_context *context;
    struct lws_vhost *vhost;
    notify_bus_t *bus;
    notify_db_t *db;
    token_keys_t *keys;          /* borrowed */
    redis_conn_t *redis;
    notify_idmap_t *users;       /* user id -> notify_user_t */
    notify_idmap_t *sessions;    /* session id -> notify_session_t */
    notify_idmap_t *joins;       /* marker id -> notify_join_t (catch-ups in progress) */
    notify_topics_t *topics;
    notify_dedup_t *dedup;       /* recent event ids: one delivery per event */
    notify_idle_t idle;          /* every joined socket, by when it was last heard from */
    uint64_t next_session_id;
    bool sync_waiting;           /* a socket may be in WAIT_SYNC (notify_sync_retry_all) */
    int64_t now_s;               /* unix seconds at the last expiry sweep (tick) */
    notify_metrics_t m;
    lws_sorted_usec_list_t tick;
    volatile sig_atomic_t *stop;
} notify_app_t;

/* --- notify_hub.c: sockets joining and leaving, bus events, database results, the tick
 * (lws thread only). What it decides with: notify_users (users, groups, topics),
 * notify_send (what a socket is sent), notify_sync (markers), notify_join (join
 * catch-ups), notify_resync (every socket caught up after a broker came or went). */

/* Registers an authenticated, established socket. 0, or -1 (the caller closes it). */
int notify_hub_join(notify_app_t *app, notify_session_t *ss, struct lws *wsi);

/* Forgets a closed socket (and its user when it was the last). */
void notify_hub_leave(notify_app_t *app, notify_session_t *ss);

/* One [topic, payload] event read from the SUB socket. */
void notify_hub_event(const char *topic, size_t topic_len, const void *payload, size_t size,
                      void *app);

/* Collects finished database jobs. */
void notify_hub_results(notify_app_t *app);

/* Periodic work: resend sync markers that did not come back, follow the broker list. */
void notify_hub_tick(notify_app_t *app);

/* Reads the SUB socket until it is empty (after each wake-up and socket operation). */
void notify_hub_drain(notify_app_t *app);

/* --- notify_auth.c: the handshake ---------------------------------------------------- */

/* Authenticates the upgrade request on WSI. Returns the user id (> 0), or 0 after
 * answering the refusal itself: 400 (a malformed ?since=), 401 (no token, a bad, expired
 * or revoked one), 403 (a cookie's token from an Origin not allowed), 429 (the user's
 * sockets here at NOTIFY_MAX_SOCKETS_PER_USER) or 503 (Redis unreachable). */
int64_t notify_auth_upgrade(notify_app_t *app, struct lws *wsi);

/* The handshake as read: its query, its token's claims and where the token came from. */
typedef struct {
    notify_query_t query;
    token_claims_t claims;
    access_token_status_t status;    /* of the token; ACCESS_TOKEN_INVALID when none was read */
    access_token_source_t source;
} notify_handshake_t;

enum { NOTIFY_HS_OK = 0, NOTIFY_HS_QUERY_TOO_LONG, NOTIFY_HS_BAD_SINCE, NOTIFY_HS_NO_TOKEN };

/* Reads WSI's query and token and verifies the token (signature and expiry; revocation is
 * notify_auth_upgrade's). Returns NOTIFY_HS_OK (then HS->status says how the token fared)
 * or why the handshake cannot be read. The session's setup reads it again to learn what
 * the upgrade check accepted: its since, and the token's id, session and lifetime. */
int notify_auth_read(notify_app_t *app, struct lws *wsi, notify_handshake_t *hs);

/* Reads every query argument of WSI's handshake into Q. Returns 0, or -1 when an argument
 * is longer than NOTIFY_QUERY_ARG_MAX (the query cannot be read as a whole). */
int notify_auth_query(struct lws *wsi, notify_query_t *q);

/* Close codes (RFC 6455 section 7.4; 4000-4999 are ours). */
#define NOTIFY_CLOSE_SLOW        1008   /* policy: fell behind the send queue bound */
#define NOTIFY_CLOSE_ERROR       1011   /* the database failed: reconnect later */
#define NOTIFY_CLOSE_BUSY        1013   /* try again later: too many pending handshakes */
#define NOTIFY_CLOSE_GOING_AWAY  1001   /* shutting down */
#define NOTIFY_CLOSE_TRUNCATED   4001   /* replay bound reached: reconnect with ?since= */
#define NOTIFY_CLOSE_AUTH        4401   /* the token expired or was revoked: log in again */

#endif
