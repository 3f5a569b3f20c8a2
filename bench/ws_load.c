/* ws_load.c -- WebSocket load client of the bench: holds N authenticated sockets on the
 * notify replicas, then POSTs messages at a fixed rate and measures, per recipient socket,
 * the time from the POST's 201 to the message's new_message frame.
 *
 *   ws_load --users FILE --url ws://127.0.0.1:28081/ws[,PIDFILE] [--url ...]
 *           [--edge 127.0.0.1:28080] [--sockets 5000] [--rate 2500] [--duration 10]
 *           [--http-conns 64] [--group ID --group-members K --group-every M]
 *           [--skip N] [--source 127.0.0.X] [--hold S] [--ready-file PATH]
 *
 * FILE: one user id per line (rows that exist: messages checks its receivers); the tokens
 * are minted here from JWT_SECRET. User I goes to replica I mod (number of --url). Group
 * messages are sent as the group's creator, BENCH_TOKEN, whose socket is not held; the
 * group's members are the first K users of FILE. Rate 0: hold the sockets, measure, exit.
 * Prints the human summary on stderr and machine lines (WS_REPLICA, WS_RESULT) on stdout.
 *
 * Holding many sockets over several processes (run.sh's ws_held): --skip N starts at the
 * file's N+1-th user, --source binds the sockets to a local address of their own,
 * --ready-file is written once every socket is ready or dead, and --hold S keeps them
 * that long after (SIGTERM or SIGINT ends the hold early, and the run reports). A
 * replica's CPU (from its PIDFILE) is measured over the sending phase: WS_REPLICA's
 * cpu_ms and frames, and the CPU per frame it delivered. */
#include "wsl_app.h"
#include "wsl_http.h"
#include "wsl_net.h"
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct {
    const char *users_file;
    const char *urls[WSL_MAX_REPLICAS];
    int n_urls;
    const char *edge;
    size_t sockets;
    double rate;             /* messages per second; 0: idle sockets only */
    double duration_s;
    int http_conns;
    int64_t group_id;
    size_t group_members;
    int group_every;
    int window;              /* handshakes in flight at once */
    double connect_timeout_s, hold_s, drain_s;
    size_t skip;             /* users of the file to pass over */
    const char *source;      /* local address of the WebSockets, or NULL */
    const char *ready_file;  /* written once the sockets are up, or NULL */
} wsl_opts_t;

/* Set by SIGTERM or SIGINT: the hold ends and the run reports. */
static volatile sig_atomic_t s_stop;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_stop = 1;
}

static uint64_t s_rng = 0x9e3779b97f4a7c15u;

/* xorshift64: reproducible picks at no cost, unlike rand()'s lock. */
static uint64_t
s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static double
s_secs_since(int64_t t0)
{
    return (double) (wsl_now_ns() - t0) / 1e9;
}

static int
s_parse(int argc, char **argv, wsl_opts_t *o)
{
    *o = (wsl_opts_t) { .edge = "127.0.0.1:28080", .sockets = 5000, .rate = 2500,
                        .duration_s = 10, .http_conns = 64, .group_every = 10, .window = 256,
                        .connect_timeout_s = 120, .hold_s = 2, .drain_s = 5 };
    static const struct option longs[] = {
        { "users", 1, 0, 'u' }, { "url", 1, 0, 'w' }, { "edge", 1, 0, 'e' },
        { "sockets", 1, 0, 'n' }, { "rate", 1, 0, 'r' }, { "duration", 1, 0, 'd' },
        { "http-conns", 1, 0, 'c' }, { "group", 1, 0, 'g' }, { "group-members", 1, 0, 'k' },
        { "group-every", 1, 0, 'm' }, { "window", 1, 0, 'W' }, { "hold", 1, 0, 'h' },
        { "drain", 1, 0, 'D' }, { "skip", 1, 0, 'S' }, { "source", 1, 0, 's' },
        { "ready-file", 1, 0, 'R' }, { 0, 0, 0, 0 }
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (opt) {
        case 'u': o->users_file = optarg; break;
        case 'w':
            if (o->n_urls == WSL_MAX_REPLICAS)
                return -1;
            o->urls[o->n_urls++] = optarg;
            break;
        case 'e': o->edge = optarg; break;
        case 'n': o->sockets = strtoul(optarg, NULL, 10); break;
        case 'r': o->rate = atof(optarg); break;
        case 'd': o->duration_s = atof(optarg); break;
        case 'c': o->http_conns = atoi(optarg); break;
        case 'g': o->group_id = strtoll(optarg, NULL, 10); break;
        case 'k': o->group_members = strtoul(optarg, NULL, 10); break;
        case 'm': o->group_every = atoi(optarg); break;
        case 'W': o->window = atoi(optarg); break;
        case 'h': o->hold_s = atof(optarg); break;
        case 'D': o->drain_s = atof(optarg); break;
        case 'S': o->skip = strtoul(optarg, NULL, 10); break;
        case 's': o->source = optarg; break;
        case 'R': o->ready_file = optarg; break;
        default: return -1;
        }
    }
    if (!o->users_file || o->n_urls == 0 || o->http_conns < 1 || o->window < 1)
        return -1;
    return 0;
}

/* Sets up the replicas from "URL[,PIDFILE]" arguments. Returns 0 or -1. */
static int
s_replicas(wsl_app_t *app, const wsl_opts_t *o)
{
    for (int i = 0; i < o->n_urls; i++) {
        wsl_replica_t *r = &app->replicas[i];
        char url[512];
        snprintf(url, sizeof url, "%s", o->urls[i]);
        char *comma = strchr(url, ',');
        if (comma) {
            *comma = '\0';
            r->pid_file = strchr(o->urls[i], ',') + 1;
        }
        if (wsl_url_parse(url, "/ws", &r->addr, r->host, sizeof r->host, r->path,
                          sizeof r->path) < 0) {
            fprintf(stderr, "ws_load: bad --url '%s'\n", o->urls[i]);
            return -1;
        }
        r->rss_before_kib = r->pid_file ? wsl_rss_kib(r->pid_file) : -1;
    }
    app->n_replicas = o->n_urls;
    return 0;
}

/* Opens every socket, at most WINDOW handshakes at a time (a burst of 5,000 SYNs would
 * overflow the listen backlog and measure SYN retries), and waits for each "ready". */
static double
s_connect_all(wsl_app_t *app, const wsl_opts_t *o, size_t n)
{
    int64_t t0 = wsl_now_ns();
    size_t next = 0;
    double last_note = 0;
    while ((next < n || app->handshaking > 0) && s_secs_since(t0) < o->connect_timeout_s) {
        while (next < n && app->handshaking < (size_t) o->window)
            wsl_ws_open(app, next++);
        wsl_pump(app, 10);
        if (s_secs_since(t0) - last_note >= 5) {
            last_note = s_secs_since(t0);
            fprintf(stderr, "ws_load: %.0f s: %zu ready, %zu dead of %zu\n", last_note,
                    app->ready, app->dead, n);
        }
    }
    return s_secs_since(t0);
}

static void
s_hold(wsl_app_t *app, double secs)
{
    int64_t t0 = wsl_now_ns();
    while (s_secs_since(t0) < secs && !s_stop)
        wsl_pump(app, 50);
}

/* A random READY user other than NOT, or -1 after a few misses (few sockets alive). */
static long
s_pick_ready(const wsl_app_t *app, size_t n, long not)
{
    for (int tries = 0; tries < 32; tries++) {
        size_t i = s_rand() % n;
        if ((long) i != not && app->ws[i].state == WSL_READY)
            return (long) i;
    }
    return -1;
}

/* Writes message SEQ's request into REQ: a group message every GROUP_EVERY-th when a group
 * is given, else a direct message between two random users with the receiver online.
 * Returns its length (-1: nothing to send) and sets *RECIPIENTS. */
static int
s_next_request(wsl_app_t *app, const wsl_opts_t *o, size_t n, size_t seq,
               const char *group_token, char *req, size_t size, int *recipients)
{
    char body[160];
    if (o->group_id > 0 && o->group_every > 0 && seq % (size_t) o->group_every == 0) {
        int online = 0;
        for (size_t i = 0; i < o->group_members && i < n; i++)
            online += app->ws[i].state == WSL_READY;
        snprintf(body, sizeof body,
                 "{\"receiver_type\":\"group\",\"receiver_id\":%" PRId64 ",\"text\":\"bench %zu\"}",
                 o->group_id, seq);
        *recipients = online;
        return wsl_http_post(req, size, app->edge_host, "/api/messages", group_token, body);
    }
    long to = s_pick_ready(app, n, -1);
    if (to < 0)
        return -1;
    size_t from = s_rand() % n;
    if ((long) from == to)
        from = (from + 1) % n;
    snprintf(body, sizeof body,
             "{\"receiver_type\":\"user\",\"receiver_id\":%" PRId64 ",\"text\":\"bench %zu\"}",
             app->users[to].id, seq);
    *recipients = 1;
    return wsl_http_post(req, size, app->edge_host, "/api/messages", app->users[from].token,
                         body);
}

/* Sends at O->rate for O->duration_s, then waits for the answers and frames still due.
 * Returns the seconds the sending took. */
static double
s_send_phase(wsl_app_t *app, const wsl_opts_t *o, size_t n, const char *group_token,
             size_t *skipped)
{
    for (int i = 0; i < o->http_conns; i++)
        if (wsl_http_open(app, i) < 0)
            fprintf(stderr, "ws_load: cannot open HTTP connection %d\n", i);
    s_hold(app, 0.2);                    /* let the loopback connects complete */
    char req[2048];
    size_t seq = 0;
    *skipped = 0;
    int64_t t0 = wsl_now_ns();
    double elapsed;
    while ((elapsed = s_secs_since(t0)) < o->duration_s) {
        size_t due = (size_t) (elapsed * o->rate);
        while (seq < due) {
            if (app->n_http_free == 0) {
                /* Every connection is waiting on the stack: the message is skipped, not
                 * sent late in a burst that would distort the latencies after it. */
                (*skipped)++;
                seq++;
                continue;
            }
            int recipients;
            int len = s_next_request(app, o, n, seq, group_token, req, sizeof req, &recipients);
            seq++;
            if (len > 0)
                wsl_http_send(app, req, (size_t) len, recipients);
        }
        wsl_pump(app, 1);
    }
    double took = s_secs_since(t0);
    int64_t t1 = wsl_now_ns();
    while (s_secs_since(t1) < o->drain_s
           && (app->n_http_free < app->n_http
               || app->new_message_frames + app->notification_frames < 2 * app->expected))
        wsl_pump(app, 10);
    return took;
}

/* CPU seconds this client used: it shares the 2 cores with the stack it measures. */
static double
s_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
           + (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
s_report(wsl_app_t *app, const wsl_opts_t *o, size_t n, double connect_s, double send_s,
         size_t skipped)
{
    double mib = 1.0 / 1024;
    for (int i = 0; i < app->n_replicas; i++) {
        wsl_replica_t *r = &app->replicas[i];
        double per_k = r->ready ? r->rss_held_kib * mib / ((double) r->ready / 1000) : 0;
        double delta_k = r->ready ? (r->rss_held_kib - r->rss_before_kib) * mib
                                        / ((double) r->ready / 1000) : 0;
        double cpu_ms = r->cpu_before >= 0 && r->cpu_after >= 0
                            ? (double) (r->cpu_after - r->cpu_before) * 1000
                                  / (double) sysconf(_SC_CLK_TCK)
                            : -1;
        printf("WS_REPLICA replica=%d url=%s sockets=%zu ready=%zu rss_before_mib=%.1f "
               "rss_held_mib=%.1f rss_after_mib=%.1f mib_per_1k=%.2f delta_mib_per_1k=%.2f "
               "cpu_ms=%.0f frames=%zu cpu_us_per_frame=%.1f\n",
               i + 1, r->host, r->sockets, r->ready, r->rss_before_kib * mib,
               r->rss_held_kib * mib, r->rss_after_kib * mib, per_k, delta_k, cpu_ms,
               r->frames, cpu_ms >= 0 && r->frames ? cpu_ms * 1000 / (double) r->frames : 0);
    }
    wsl_lat_t post, dlv, e2e;
    wsl_lat_of(app->post_ns, app->n_post, &post);
    wsl_lat_delivery(&app->acks, &app->frames, &dlv);
    /* The same frames against the moment the POST was written: a frame can beat its 201
     * (both leave the messages worker at COMMIT), so this bounds what a sender waits. */
    wsl_lat_delivery(&app->acks_sent, &app->frames, &e2e);
    printf("WS_RESULT sockets=%zu ready=%zu refused=%zu closed=%zu connect_s=%.2f "
           "rate=%.0f sent=%zu sent_rps=%.0f acked=%zu non201=%zu last_status=%d "
           "http_errors=%zu skipped=%zu post_p50_ms=%.2f post_p99_ms=%.2f "
           "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f e2e_p50_ms=%.2f e2e_p99_ms=%.2f "
           "deliveries=%zu frames=%zu expected_frames=%zu early=%zu orphans=%zu unparsed=%zu "
           "client_cpu_s=%.2f\n",
           n, app->ready, app->refused, app->closed_after_ready, connect_s, o->rate,
           app->sent, send_s > 0 ? app->sent / send_s : 0, app->acked, app->non201,
           app->last_status, app->http_errors, skipped, post.p50_ms, post.p99_ms,
           dlv.p50_ms, dlv.p99_ms, dlv.max_ms, e2e.p50_ms, e2e.p99_ms, dlv.samples,
           app->new_message_frames + app->notification_frames, 2 * app->expected,
           dlv.early, dlv.orphans, app->unparsed_frames, s_cpu_s());
}

int
main(int argc, char **argv)
{
    wsl_opts_t o;
    if (s_parse(argc, argv, &o) < 0) {
        fprintf(stderr, "usage: ws_load --users FILE --url ws://HOST:PORT/ws[,PIDFILE] ... "
                        "(see the head of bench/ws_load.c)\n");
        return 2;
    }
    /* 5,000 sockets need more than the usual soft limit of 1,024 descriptors. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int rc = 1;
    char err[256];
    wsl_app_t app;
    memset(&app, 0, sizeof app);
    app.epfd = epoll_create1(EPOLL_CLOEXEC);
    const char *group_token = getenv("BENCH_TOKEN");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (o.source) {
        if (inet_pton(AF_INET, o.source, &app.source) != 1) {
            fprintf(stderr, "ws_load: bad --source '%s'\n", o.source);
            goto cleanup;
        }
        app.has_source = 1;
    }
    if (!(app.users = wsl_users_load(o.users_file, &app.n_users, err, sizeof err))) {
        fprintf(stderr, "ws_load: %s\n", err);
        goto cleanup;
    }
    if (o.skip >= app.n_users) {
        fprintf(stderr, "ws_load: --skip %zu leaves none of %zu users\n", o.skip, app.n_users);
        goto cleanup;
    }
    /* Tokens are not minted yet: the users passed over own nothing to free. */
    memmove(app.users, app.users + o.skip, (app.n_users - o.skip) * sizeof *app.users);
    app.n_users -= o.skip;
    if (wsl_users_mint(app.users, app.n_users, err, sizeof err) < 0) {
        fprintf(stderr, "ws_load: %s\n", err);
        goto cleanup;
    }
    if (o.group_id > 0 && !group_token) {
        fprintf(stderr, "ws_load: --group needs the creator's token in BENCH_TOKEN\n");
        goto cleanup;
    }
    char edge_path[8];
    if (s_replicas(&app, &o) < 0
        || wsl_url_parse(o.edge, "/", &app.edge_addr, app.edge_host, sizeof app.edge_host,
                         edge_path, sizeof edge_path) < 0) {
        fprintf(stderr, "ws_load: bad --url or --edge\n");
        goto cleanup;
    }
    size_t n = o.sockets < app.n_users ? o.sockets : app.n_users;
    app.ws = calloc(n, sizeof *app.ws);
    app.http = calloc((size_t) o.http_conns, sizeof *app.http);
    app.http_free = calloc((size_t) o.http_conns, sizeof *app.http_free);
    app.n_http = o.http_conns;
    if (!app.ws || !app.http || !app.http_free)
        goto cleanup;
    for (size_t i = 0; i < n; i++) {
        app.ws[i] = (wsl_conn_t) { .kind = WSL_WS, .fd = -1, .replica = (int) (i % (size_t) o.n_urls),
                                   .user = i };
        app.replicas[app.ws[i].replica].sockets++;
    }

    double connect_s = s_connect_all(&app, &o, n);
    fprintf(stderr, "ws_load: %zu of %zu sockets ready in %.2f s (%zu refused, %zu dead)\n",
            app.ready, n, connect_s, app.refused, app.dead);
    if (o.ready_file) {
        FILE *f = fopen(o.ready_file, "w");
        if (f) {
            fprintf(f, "ready=%zu sockets=%zu\n", app.ready, n);
            fclose(f);
        }
    }
    /* Idle a moment so the replicas' allocations after "ready" count too. */
    s_hold(&app, o.hold_s);
    for (int i = 0; i < app.n_replicas; i++)
        app.replicas[i].rss_held_kib = app.replicas[i].pid_file
                                           ? wsl_rss_kib(app.replicas[i].pid_file) : -1;
    double send_s = 0;
    size_t skipped = 0;
    for (int i = 0; i < app.n_replicas; i++)
        app.replicas[i].cpu_before = app.replicas[i].pid_file
                                         ? wsl_cpu_ticks(app.replicas[i].pid_file) : -1;
    if (o.rate > 0 && app.ready > 1)
        send_s = s_send_phase(&app, &o, n, group_token, &skipped);
    for (int i = 0; i < app.n_replicas; i++)
        app.replicas[i].cpu_after = app.replicas[i].pid_file
                                        ? wsl_cpu_ticks(app.replicas[i].pid_file) : -1;
    for (int i = 0; i < app.n_replicas; i++)
        app.replicas[i].rss_after_kib = app.replicas[i].pid_file
                                            ? wsl_rss_kib(app.replicas[i].pid_file) : -1;
    s_report(&app, &o, n, connect_s, send_s, skipped);
    rc = app.ready == n ? 0 : 1;
cleanup:
    /* Exiting closes every socket; the replicas see 5,000 hang-ups, as in a real restart. */
    wsl_users_destroy(&app.users, app.n_users);
    wsl_marks_release(&app.acks);
    wsl_marks_release(&app.acks_sent);
    wsl_marks_release(&app.frames);
    free(app.post_ns);
    free(app.ws);
    free(app.http);
    free(app.http_free);
    close(app.epfd);
    return rc;
}
