/* notify_server.c -- the libwebsockets side: context, protocol callback, writes, the tick
 * timer and the loop. The decisions live in notify_hub.c and the modules it uses. */
#include "notify_server.h"
#include "mem.h"
#include "notify_app.h"
#include "clock.h"
#include "notify_join.h"
#include "notify_send.h"
#include "log.h"
#include "notify_token.h"
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define TICK_US (250 * LWS_US_PER_MS)

/* Pings and hang-ups acted on per tick at most (notify_idle): a wave of sockets that
 * connected together falls due together, and its pings then go out over a few ticks
 * instead of one long turn of the loop. 2,048 per 250 ms is 8,192 a second, above the
 * 3,333 a second that 100,000 sockets need at NOTIFY_PING_S 30. */
#define IDLE_SWEEP_MAX 2048

/* Descriptors lws holds beside the WebSockets: its listen socket, its wake-up pipe and the
 * two adopted bus descriptors (SUB and monitor), with room to spare. */
#define LWS_OWN_FDS 16

/* Descriptors the process holds outside lws: libzmq (its context, sockets, mailboxes and a
 * TCP connection per broker), PostgreSQL, Redis, the admin port, stdio. */
#define PROCESS_OWN_FDS 128

struct notify_server_t {
    notify_app_t app;
    struct lws_protocols protocols[3];
    /* All zero: lws keeps no validity timer per connection (services/notify/README.md,
     * "Pings and hang-ups"); notify_idle and the tick do that job. */
    lws_retry_bo_t retry;
    /* The event loop, ours ("foreign" to lws): epoll through libev. One wait costs the
     * sockets that have news, not every socket held, as lws's own poll() loop did
     * (services/notify/README.md, "Event loop"). */
    struct ev_loop *loop;
    void *loops[1];
};

static const char *
s_close_reason(uint16_t code)
{
    switch (code) {
    case NOTIFY_CLOSE_SLOW:      return "slow consumer: reconnect with ?since=";
    case NOTIFY_CLOSE_TRUNCATED: return "replay truncated: reconnect with ?since=";
    case NOTIFY_CLOSE_GOING_AWAY: return "server going away";
    case NOTIFY_CLOSE_BUSY:      return "busy: try again later";
    case NOTIFY_CLOSE_AUTH:      return "token expired or revoked: log in again";
    default:                     return "server error: try again later";
    }
}

/* One frame per WRITEABLE callback, as libwebsockets requires: a ping that is due first
 * (it is small, and a socket with frames queued is no less due for it). */
static int
s_writeable(notify_app_t *app, notify_session_t *ss, struct lws *wsi)
{
    if (ss->ping_due && ss->state != NOTIFY_SS_CLOSING) {
        /* A payload of one byte: lws hands a pong to LWS_CALLBACK_RECEIVE_PONG only when
         * it carries one, and the client echoes the ping's (RFC 6455, 5.5.3). */
        unsigned char ping[LWS_PRE + 1];
        ping[LWS_PRE] = 'p';
        ss->ping_due = false;
        if (lws_write(wsi, ping + LWS_PRE, 1, LWS_WRITE_PING) < 0)
            return -1;
        metric_add(app->m.pings, 1);
        if (ss->out.head)
            lws_callback_on_writable(wsi);
        return 0;
    }
    notify_frame_t *f = notify_sendq_peek(&ss->out);
    if (!f) {
        if (ss->state != NOTIFY_SS_CLOSING)
            return 0;
        const char *reason = s_close_reason(ss->close_code);
        lws_close_reason(wsi, (enum lws_close_status) ss->close_code,
                         (unsigned char *) reason, strlen(reason));
        return -1;
    }
    if (lws_write(wsi, f->buf + f->headroom, f->len, LWS_WRITE_TEXT) < 0)
        return -1;
    free(notify_sendq_take(&ss->out));
    metric_add(app->m.frames, 1);
    if (ss->out.head || ss->state == NOTIFY_SS_CLOSING)
        lws_callback_on_writable(wsi);
    return 0;
}

static int
s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    notify_app_t *app = lws_context_user(lws_get_context(wsi));
    notify_session_t *ss = user;
    static notify_handshake_t hs;    /* one service thread */

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        /* NOTIFY_MAX_SOCKETS WebSockets at most: a connection beyond is refused at accept,
         * as when lws's table was that size (s_fd_limit_check). */
        return notify_idmap_size(app->sessions) >= (size_t) app->cfg.max_sockets ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: {
        if (!in || strcmp((const char *) in, "websocket") != 0)
            return -1;
        int64_t uid = notify_auth_upgrade(app, wsi);
        if (uid <= 0)
            return 1;                    /* answered: 401, 400, 404 or 503 */
        /* The upgrade gets a fresh per-session area: carry the user id on the wsi. */
        lws_set_opaque_user_data(wsi, (void *) (intptr_t) uid);
        return 0;
    }
    case LWS_CALLBACK_HTTP:
        /* Plain HTTP on the WebSocket port: nothing to serve. */
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return -1;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* lws keeps its own copy of the protocol table: compare names, not pointers. The
         * bus protocol is internal and never a WebSocket's. */
        if (!ss || !lws_get_protocol(wsi) || strcmp(lws_get_protocol(wsi)->name, "notify") != 0)
            return -1;
        memset(ss, 0, sizeof *ss);
        ss->user_id = (int64_t) (intptr_t) lws_get_opaque_user_data(wsi);
        lws_set_opaque_user_data(wsi, NULL);
        if (ss->user_id <= 0)
            return -1;                   /* not through our upgrade check: refuse */
        /* Read again here: the upgrade check accepted it, and the session area is new. */
        if (notify_auth_read(app, wsi, &hs) != NOTIFY_HS_OK || hs.status != ACCESS_TOKEN_OK
            || hs.claims.sub != ss->user_id)
            return -1;
        ss->has_since = hs.query.has_since;
        ss->sent.floor = hs.query.since;
        ss->jti_hash = notify_token_id_hash(hs.claims.jti);
        ss->family_hash = notify_token_id_hash(hs.claims.fam);
        ss->iat_ms = hs.claims.iat_ms > 0 ? hs.claims.iat_ms : hs.claims.iat * 1000;
        ss->exp_s = hs.claims.exp;
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        if (!ss || ss->user_id <= 0)
            return -1;
        notify_hub_join(app, ss, wsi);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ss ? s_writeable(app, ss, wsi) : 0;
    case LWS_CALLBACK_RECEIVE:           /* clients have nothing to say, but it is news */
    case LWS_CALLBACK_RECEIVE_PONG:      /* of them: the socket is alive */
        if (ss && ss->id)
            notify_idle_heard(&app->idle, &ss->idle, clock_mono_ms());
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (ss)
            notify_hub_leave(app, ss);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        notify_hub_results(app);
        return 0;
    case LWS_CALLBACK_RAW_RX_FILE:
        notify_hub_drain(app);
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* Pings the sockets silent NOTIFY_PING_S and hangs up those silent NOTIFY_HANGUP_S whose
 * ping got no answer, as lws's retry_and_idle_policy did, at a cost of the sockets due
 * only (notify_idle). The hang-up is lws's own kill (no close frame: the peer is presumed
 * gone), asynchronous so that the socket's CLOSED callback runs outside this loop. */
static void
s_sweep_idle(notify_app_t *app)
{
    int64_t now = clock_mono_ms();
    notify_idle_action_t action;
    notify_idle_node_t *node;
    for (int n = 0; n < IDLE_SWEEP_MAX && (node = notify_idle_next_due(&app->idle, now, &action));
         n++) {
        notify_session_t *ss = lws_container_of(node, notify_session_t, idle);
        if (action == NOTIFY_IDLE_HANGUP) {
            metric_add(app->m.idle_hangups, 1);
            lws_set_timeout(ss->wsi, PENDING_TIMEOUT_WS_PONG_CHECK_GET_PONG, LWS_TO_KILL_ASYNC);
        } else {
            ss->ping_due = true;
            lws_callback_on_writable(ss->wsi);
        }
    }
}

static void
s_tick(lws_sorted_usec_list_t *sul)
{
    notify_app_t *app = lws_container_of(sul, notify_app_t, tick);
    s_sweep_idle(app);
    notify_hub_tick(app);
    lws_sul_schedule(app->context, 0, &app->tick, s_tick, TICK_US);
}

static void
s_wake(void *arg)
{
    notify_app_t *app = arg;
    if (app->context)
        lws_cancel_service(app->context);
}

static void
s_lws_log(int level, const char *line)
{
    /* lws lines end with a newline: the JSON log line has its own. */
    char copy[512];
    size_t n = strlen(line);
    if (n >= sizeof copy)
        n = sizeof copy - 1;
    memcpy(copy, line, n);
    while (n > 0 && (copy[n - 1] == '\n' || copy[n - 1] == '\r'))
        n--;
    copy[n] = '\0';
    log_line(level == LLL_ERR ? LOG_ERROR : LOG_WARN, NULL, "lws", NULL, "%s", copy);
}

static void
s_metrics_init(notify_metrics_t *m, metrics_t *metrics)
{
    m->connections = metrics_get(metrics, METRIC_GAUGE, "websocket_connections",
                                 "Open WebSocket connections", "");
    m->pushed = metrics_get(metrics, METRIC_COUNTER, "notifications_pushed_total",
                            "Notifications queued to a WebSocket (one per socket)", "");
    m->frames = metrics_get(metrics, METRIC_COUNTER, "ws_frames_sent_total",
                            "WebSocket frames written", "");
    m->dropped = metrics_get(metrics, METRIC_COUNTER, "ws_frames_dropped_total",
                             "Frames dropped when a slow or failed socket was closed", "");
    m->slow_closes = metrics_get(metrics, METRIC_COUNTER, "ws_slow_client_closes_total",
                                 "Sockets closed for falling behind their send queue", "");
    m->replays = metrics_get(metrics, METRIC_COUNTER, "notify_replays_total",
                             "?since= replays served", "");
    m->replayed = metrics_get(metrics, METRIC_COUNTER, "notify_replayed_notifications_total",
                              "Notifications sent by ?since= replays", "");
    m->replays_truncated = metrics_get(metrics, METRIC_COUNTER, "notify_replays_truncated_total",
                                       "Replays cut at NOTIFY_REPLAY_MAX", "");
    const char *help = "WebSocket upgrades refused, by reason";
    m->refused_missing = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                     "reason=\"missing\"");
    m->refused_invalid = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                     "reason=\"invalid\"");
    m->refused_expired = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                     "reason=\"expired\"");
    m->refused_unavailable = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                         "reason=\"unavailable\"");
    m->refused_origin = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                    "reason=\"origin\"");
    m->refused_busy = metrics_get(metrics, METRIC_COUNTER, "ws_auth_refused_total", help,
                                  "reason=\"too_many_sockets\"");
    m->auth_closes = metrics_get(metrics, METRIC_COUNTER, "ws_auth_closes_total",
                                 "Sockets closed 4401: their token expired or was revoked", "");
    m->events = metrics_get(metrics, METRIC_COUNTER, "notify_bus_events_total",
                            "Events read from the bus", "");
    m->malformed = metrics_get(metrics, METRIC_COUNTER, "notify_bus_malformed_total",
                               "Bus events dropped as malformed", "");
    m->topics = metrics_get(metrics, METRIC_GAUGE, "notify_subscribed_topics",
                            "User and group topics subscribed by this replica", "");
    m->db_failures = metrics_get(metrics, METRIC_COUNTER, "notify_db_failures_total",
                                 "Group list or replay queries that failed", "");
    m->catchups = metrics_get(metrics, METRIC_COUNTER, "notify_join_catchups_total",
                              "Catch-up queries run after a group_joined on open sockets", "");
    m->caught_up = metrics_get(metrics, METRIC_COUNTER, "notify_join_caught_up_total",
                               "Notifications sent by join catch-ups (missed live)", "");
    m->duplicates = metrics_get(metrics, METRIC_COUNTER, "notify_bus_duplicates_total",
                                "Bus events dropped as copies seen through another broker", "");
    m->brokers_up = metrics_get(metrics, METRIC_GAUGE, "notify_bus_brokers_up",
                                "Brokers the subscriber is connected to", "");
    m->resyncs = metrics_get(metrics, METRIC_COUNTER, "notify_resyncs_total",
                             "Catch-ups of every open socket after a broker was lost or came up",
                             "");
    m->resynced = metrics_get(metrics, METRIC_COUNTER, "notify_resynced_notifications_total",
                              "Notifications resyncs sent that a socket lacked (lost, or not yet live)", "");
    m->pings = metrics_get(metrics, METRIC_COUNTER, "ws_pings_sent_total",
                           "Pings sent to sockets silent for NOTIFY_PING_S", "");
    m->idle_hangups = metrics_get(metrics, METRIC_COUNTER, "ws_idle_hangups_total",
                                  "Sockets hung up: silent NOTIFY_HANGUP_S, their ping unanswered",
                                  "");
}

/* Hands lws a duplicate of the libzmq descriptor ZFD (lws closes what it adopts; libzmq
 * keeps its own) to watch as a raw file of the bus protocol. 0 or -1. */
static int
s_adopt_bus_fd(notify_app_t *app, int zfd)
{
    lws_sock_file_fd_type fd;
    fd.filefd = zfd >= 0 ? dup(zfd) : -1;
    if (fd.filefd < 0 || !app->vhost
        || !lws_adopt_descriptor_vhost(app->vhost, LWS_ADOPT_RAW_FILE_DESC, fd, "notify-bus",
                                       NULL)) {
        if (fd.filefd >= 0)
            close(fd.filefd);
        return -1;
    }
    return 0;
}

/* Warns when the process's open-files limit cannot hold MAX_SOCKETS WebSockets plus lws's
 * own descriptors and the rest of the process's. lws's table is left at that limit (no
 * fd_limit_per_thread): a table smaller than the limit switches lws to its "slow fds
 * handling", a linear search of the whole table for every event on every socket
 * (wsi_from_fd), 16% of notify's CPU with 19,000 sockets held (docs/BENCHMARKS.md,
 * "notify's own pings"). NOTIFY_MAX_SOCKETS is held at accept instead (s_callback). */
static void
s_fd_limit_check(int max_sockets)
{
    unsigned int want = (unsigned int) max_sockets + LWS_OWN_FDS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
        && rl.rlim_cur < (rlim_t) want + PROCESS_OWN_FDS)
        log_warn(NULL, "fd_limit", "open-files limit %llu holds fewer than NOTIFY_MAX_SOCKETS "
                 "(%d) sockets plus the process's own %d descriptors",
                 (unsigned long long) rl.rlim_cur, max_sockets, LWS_OWN_FDS + PROCESS_OWN_FDS);
}

notify_server_t *
notify_server_new(const notify_config_t *cfg, metrics_t *metrics, token_keys_t *keys)
{
    notify_server_t *self = mem_calloc(1, sizeof *self);
    notify_app_t *app = &self->app;
    app->cfg = *cfg;
    app->keys = keys;
    app->redis = redis_conn_new();
    app->users = notify_idmap_new();
    app->sessions = notify_idmap_new();
    app->joins = notify_idmap_new();
    app->topics = notify_topics_new();
    app->dedup = notify_dedup_new((size_t) cfg->dedup_max, cfg->dedup_ms);
    s_metrics_init(&app->m, metrics);

    app->bus = notify_bus_new(cfg->sub_endpoint, cfg->pub_endpoint, cfg->replica);
    if (!app->bus)
        goto error;
    app->db = notify_db_new(cfg->database_url, cfg->replay_max, LWS_PRE,
                            (size_t) cfg->db_queue_max, s_wake, app);
    if (!app->db)
        goto error;

    lws_set_log_level(LLL_ERR | LLL_WARN, s_lws_log);
    self->protocols[0] = (struct lws_protocols) {
        .name = "notify",
        .callback = s_callback,
        .per_session_data_size = sizeof(notify_session_t),
        .rx_buffer_size = (size_t) cfg->rx_buffer,
    };
    self->protocols[1] = (struct lws_protocols) {
        .name = "notify-bus",
        .callback = s_callback,
    };
    /* Idle sockets are pinged, and hung up when even the ping got no answer: by notify
     * (s_sweep_idle), not by lws, whose per-connection validity timer sat in one sorted
     * list per thread and was re-inserted, walking past every other socket's, on each
     * confirmation (docs/BENCHMARKS.md, "notify's own pings"). */
    notify_idle_init(&app->idle, (int64_t) cfg->ping_s * 1000, (int64_t) cfg->hangup_s * 1000);

    /* libev's epoll backend, asked for by name: EVFLAG_AUTO could settle for poll() or
     * select() on a kernel without epoll, which is the cost this loop exists to remove.
     * EVFLAG_NOENV: LIBEV_FLAGS in the environment does not choose it either. */
    self->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
    if (!self->loop) {
        log_error(NULL, "loop_failed", "libev has no epoll backend here");
        goto error;
    }
    self->loops[0] = self->loop;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->port;
    info.iface = cfg->bind;
    info.protocols = self->protocols;
    info.user = app;
    info.count_threads = 1;
    s_fd_limit_check(cfg->max_sockets);
    info.retry_and_idle_policy = &self->retry;   /* zero: no lws validity timers */
    info.timeout_secs = 10;              /* a handshake that stalls is dropped */
    info.max_http_header_pool = 64;
    /* LIBEV loads lws's libev plugin (libwebsockets-evlib_ev.so, dlopen: the Debian package
     * libwebsockets-evlib-ev); our loop as a foreign one keeps lws from installing a SIGINT
     * watcher of its own (main.c handles both signals) and lets the loop below run one
     * iteration at a time. */
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_LIBEV;
    info.foreign_loops = self->loops;
    app->context = lws_create_context(&info);
    if (!app->context) {
        log_error(NULL, "listen_failed", "cannot listen on %s:%d", cfg->bind, cfg->port);
        goto error;
    }
    app->vhost = lws_get_vhost_by_name(app->context, "default");
    /* The SUB, and its monitor (brokers lost and found): both wake the loop, which
     * drains both (notify_hub_drain). */
    if (s_adopt_bus_fd(app, notify_bus_fd(app->bus)) != 0
        || s_adopt_bus_fd(app, notify_bus_monitor_fd(app->bus)) != 0) {
        log_error(NULL, "bus_failed", "cannot watch the bus socket");
        goto error;
    }
    lws_sul_schedule(app->context, 0, &app->tick, s_tick, TICK_US);
    log_info(NULL, "listening", "notify replica %s on ws://%s:%d/ws (libev, epoll)",
             cfg->replica, cfg->bind, cfg->port);
    return self;
error:
    notify_server_destroy(&self);
    return NULL;
}

static void
s_close_one(int64_t key, void *value, void *arg)
{
    notify_send_close(arg, value, NOTIFY_CLOSE_GOING_AWAY, "shutdown");
}

/* One iteration of the loop: waits for the sockets that have news, the tick or lws's own
 * timers (the tick bounds the wait to 250 ms), and serves them. A signal ends the wait at
 * once (libev returns from an EVRUN_ONCE interrupted by EINTR). */
static void
s_service(notify_server_t *self)
{
    ev_run(self->loop, EVRUN_ONCE);
}

int
notify_server_run(notify_server_t *self, volatile sig_atomic_t *stop)
{
    notify_app_t *app = &self->app;
    app->stop = stop;
    while (!*stop)
        s_service(self);
    /* Readiness is already 503 and new upgrades are refused 503 (both read *STOP). For
     * NOTIFY_SHUTDOWN_DELAY_MS the open sockets are still served, so that a load balancer
     * sees the readiness and sends the reconnects below elsewhere. */
    int64_t delay_until = clock_mono_ms() + app->cfg.shutdown_delay_ms;
    while (clock_mono_ms() < delay_until && *stop < 2)
        s_service(self);
    /* Tell every client to come back, elsewhere, with ?since=, and give the closes until
     * NOTIFY_SHUTDOWN_GRACE_MS to go out; a second signal stops waiting. */
    int64_t t0 = clock_mono_ms(), until = t0 + app->cfg.shutdown_grace_ms;
    log_info(NULL, "stopping", "closing %zu sockets (grace %d ms)",
             notify_idmap_size(app->sessions), app->cfg.shutdown_grace_ms);
    notify_idmap_each(app->sessions, s_close_one, app);
    while (notify_idmap_size(app->sessions) > 0 && clock_mono_ms() < until && *stop < 2)
        s_service(self);
    log_info(NULL, "stopping", "%zu sockets left open after %lld ms",
             notify_idmap_size(app->sessions), (long long) (clock_mono_ms() - t0));
    return 0;
}

void
notify_server_destroy(notify_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_app_t *app = &(*self_p)->app;
    /* The worker first: it may call s_wake on the context until it stops. */
    notify_db_destroy(&app->db);
    if (app->context) {
        lws_sul_cancel(&app->tick);
        lws_context_destroy(app->context);
        app->context = NULL;
    }
    /* After the context: lws stops its watchers on our loop (libev's stops at once, no
     * close callbacks to run), and only then may the loop go. */
    if ((*self_p)->loop)
        ev_loop_destroy((*self_p)->loop);
    notify_bus_destroy(&app->bus);
    redis_conn_destroy(&app->redis);
    /* Users left behind by a context destroyed with sockets open. */
    notify_idmap_destroy(&app->sessions);
    notify_join_free_all(app);
    notify_idmap_destroy(&app->joins);
    notify_idmap_destroy(&app->users);
    notify_topics_destroy(&app->topics);
    notify_dedup_destroy(&app->dedup);
    free(*self_p);
    *self_p = NULL;
}

bool
notify_server_ready(void *arg)
{
    notify_server_t *self = arg;
    /* Not ready from the signal on: a load balancer stops sending new sockets here. */
    if (!self || (self->app.stop && *self->app.stop))
        return false;
    return self->app.db && notify_db_healthy(self->app.db);
}
