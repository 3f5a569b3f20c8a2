/* wsl_loop.c -- the epoll loop of the load client: WebSocket handshakes and frames, HTTP
 * answers, and the timing marks taken as the bytes arrive. */
#define _GNU_SOURCE            /* memmem */
#include "wsl_app.h"
#include "wsl_http.h"
#include "wsl_net.h"
#include "wsl_ws.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static void
s_ws_kill(wsl_app_t *app, wsl_conn_t *c)
{
    if (c->state == WSL_DEAD)
        return;
    if (c->state == WSL_READY) {
        app->closed_after_ready++;
        app->ready--;
        app->replicas[c->replica].ready--;
    } else
        app->handshaking--;
    app->dead++;
    c->state = WSL_DEAD;
    close(c->fd);                        /* also leaves the epoll set */
    c->fd = -1;
    wsl_buf_release(&c->in);
}

int
wsl_ws_open(wsl_app_t *app, size_t i)
{
    wsl_conn_t *c = &app->ws[i];
    wsl_replica_t *r = &app->replicas[c->replica];
    app->handshaking++;
    c->state = WSL_CONNECTING;
    c->fd = wsl_connect_nb(&r->addr, app->has_source ? &app->source : NULL);
    struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
    if (c->fd < 0 || epoll_ctl(app->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        if (c->fd >= 0)
            close(c->fd);
        c->fd = -1;
        app->handshaking--;
        app->dead++;
        c->state = WSL_DEAD;
        return -1;
    }
    return 0;
}

/* The TCP connect finished: send the upgrade request and wait for the answer. */
static void
s_ws_connected(wsl_app_t *app, wsl_conn_t *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    wsl_replica_t *r = &app->replicas[c->replica];
    char req[2048];
    int n = wsl_ws_request(req, sizeof req, r->host, r->path, app->users[c->user].token);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (err || n < 0 || wsl_send_all(c->fd, req, (size_t) n) < 0
        || epoll_ctl(app->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        s_ws_kill(app, c);
        return;
    }
    c->state = WSL_UPGRADING;
}

/* Copies the decimal number after KEY in P (LEN bytes) into *OUT. Returns 0 or -1. */
static int
s_number_after(const char *p, size_t len, const char *key, int64_t *out)
{
    const char *k = memmem(p, len, key, strlen(key));
    if (!k)
        return -1;
    k += strlen(key);
    char digits[24];
    size_t n = 0;
    while (k < p + len && n < sizeof digits - 1 && *k >= '0' && *k <= '9')
        digits[n++] = *k++;
    digits[n] = '\0';
    if (n == 0)
        return -1;
    *out = strtoll(digits, NULL, 10);
    return 0;
}

/* One text frame. notify builds frames with json-c in a fixed key order
 * ({"event":NAME,"data":{"id":...}}), so a scan for the name and the first id is enough:
 * a full JSON parse of every frame would take CPU from the system being measured. */
static void
s_ws_text(wsl_app_t *app, wsl_conn_t *c, const char *p, size_t len, int64_t now)
{
    static const char head[] = "{\"event\":\"";
    if (len < sizeof head || memcmp(p, head, sizeof head - 1) != 0) {
        app->unparsed_frames++;
        return;
    }
    const char *name = p + sizeof head - 1;
    size_t rest = len - (sizeof head - 1);
    if (rest > 12 && memcmp(name, "new_message\"", 12) == 0) {
        int64_t id;
        if (s_number_after(name, rest, "\"data\":{\"id\":", &id) < 0) {
            app->unparsed_frames++;
            return;
        }
        app->new_message_frames++;
        app->replicas[c->replica].frames++;
        if (wsl_marks_add(&app->frames, id, now) < 0)
            app->unparsed_frames++;
    } else if (rest > 13 && memcmp(name, "notification\"", 13) == 0) {
        app->notification_frames++;
        app->replicas[c->replica].frames++;
    } else if (rest > 6 && memcmp(name, "ready\"", 6) == 0) {
        if (c->state == WSL_JOINING) {
            c->state = WSL_READY;
            app->handshaking--;
            app->ready++;
            app->replicas[c->replica].ready++;
        }
    } else
        app->other_frames++;
}

/* Handles what C has buffered. Returns -1 when the socket must go. */
static int
s_ws_parse(wsl_app_t *app, wsl_conn_t *c, int64_t now)
{
    size_t off = 0;
    if (c->state == WSL_UPGRADING) {
        size_t used;
        int status;
        int rc = wsl_ws_answer(c->in.data, c->in.len, &used, &status);
        if (rc <= 0)
            return rc;
        if (status != 101) {
            app->refused++;
            return -1;
        }
        c->state = WSL_JOINING;
        off = used;
    }
    for (;;) {
        wsl_frame_t f;
        long n = wsl_ws_frame(c->in.data + off, c->in.len - off, &f);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        off += (size_t) n;
        if (f.opcode == WSL_OP_TEXT && f.fin)
            s_ws_text(app, c, f.payload, f.len, now);
        else if (f.opcode == WSL_OP_PING) {
            /* notify hangs up on sockets that stop answering its pings. */
            char pong[131];
            int m = wsl_ws_control(pong, WSL_OP_PONG, f.payload, f.len);
            if (m < 0 || wsl_send_all(c->fd, pong, (size_t) m) < 0)
                return -1;
        } else if (f.opcode == WSL_OP_CLOSE)
            return -1;
        else if (f.opcode != WSL_OP_PONG)
            app->unparsed_frames++;      /* fragments: notify never sends them */
    }
    if (off)
        wsl_buf_consume(&c->in, off);
    return 0;
}

/* Reads everything available on C into its buffer. Returns 0, or -1 on EOF or error. */
static int
s_read(wsl_conn_t *c)
{
    for (;;) {
        if (wsl_buf_reserve(&c->in, 4096) < 0)
            return -1;
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (n > 0) {
            c->in.len += (size_t) n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

static void
s_ws_event(wsl_app_t *app, wsl_conn_t *c, uint32_t events, int64_t now)
{
    if (c->state == WSL_DEAD)
        return;                          /* a stale event of this loop turn */
    if (c->state == WSL_CONNECTING) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            s_ws_connected(app, c);
        return;
    }
    int gone = s_read(c) < 0;
    /* Frames that came with the EOF still count. */
    if (s_ws_parse(app, c, now) < 0 || gone)
        s_ws_kill(app, c);
}

int
wsl_http_open(wsl_app_t *app, int i)
{
    wsl_conn_t *c = &app->http[i];
    memset(c, 0, sizeof *c);
    c->kind = WSL_HTTP;
    c->fd = wsl_connect_nb(&app->edge_addr, NULL);
    if (c->fd < 0)
        return -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
    if (epoll_ctl(app->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    /* The connect to 127.0.0.1 completes at once or within a loop turn; a request written
     * before it does fails and the connection is re-opened. */
    app->http_free[app->n_http_free++] = i;
    return 0;
}

static void
s_http_reopen(wsl_app_t *app, wsl_conn_t *c)
{
    app->http_errors++;
    int i = (int) (c - app->http);
    close(c->fd);
    wsl_buf_release(&c->in);
    c->fd = -1;
    if (wsl_http_open(app, i) < 0)
        fprintf(stderr, "ws_load: cannot re-open HTTP connection %d\n", i);
}

int
wsl_http_send(wsl_app_t *app, const char *req, size_t len, int recipients)
{
    if (app->n_http_free == 0)
        return -1;
    wsl_conn_t *c = &app->http[app->http_free[--app->n_http_free]];
    app->sent++;
    c->busy = 1;
    c->recipients = recipients;
    c->t_sent_ns = wsl_now_ns();
    if (wsl_send_all(c->fd, req, len) < 0) {
        s_http_reopen(app, c);
        return -1;
    }
    return 0;
}

static void
s_http_answer(wsl_app_t *app, wsl_conn_t *c, const wsl_http_answer_t *a, int64_t now)
{
    if (app->n_post == app->cap_post) {
        size_t cap = app->cap_post ? app->cap_post * 2 : 65536;
        int64_t *v = realloc(app->post_ns, cap * sizeof *v);
        if (v) {
            app->post_ns = v;
            app->cap_post = cap;
        }
    }
    if (app->n_post < app->cap_post)
        app->post_ns[app->n_post++] = now - c->t_sent_ns;
    int64_t id;
    if (a->status == 201 && s_number_after(a->body, a->body_len, "\"id\":", &id) == 0) {
        app->acked++;
        app->expected += (size_t) c->recipients;
        wsl_marks_add(&app->acks, id, now);
        wsl_marks_add(&app->acks_sent, id, c->t_sent_ns);
    } else {
        app->non201++;
        app->last_status = a->status;
    }
    c->busy = 0;
    app->http_free[app->n_http_free++] = (int) (c - app->http);
}

static void
s_http_event(wsl_app_t *app, wsl_conn_t *c, int64_t now)
{
    int gone = s_read(c) < 0;
    wsl_http_answer_t a;
    long n = c->in.len ? wsl_http_answer(c->in.data, c->in.len, &a) : 0;
    if (n > 0) {
        s_http_answer(app, c, &a, now);
        wsl_buf_consume(&c->in, (size_t) n);
        gone = gone || a.close;
    }
    if (n < 0 || gone) {
        /* A request still out is lost: it counts as an error, not as sent-and-acked. */
        if (c->busy) {
            c->busy = 0;
        } else {
            /* idle: take it off the free stack before re-opening puts it back */
            for (int k = 0; k < app->n_http_free; k++)
                if (app->http_free[k] == (int) (c - app->http)) {
                    app->http_free[k] = app->http_free[--app->n_http_free];
                    break;
                }
        }
        s_http_reopen(app, c);
    }
}

void
wsl_pump(wsl_app_t *app, int timeout_ms)
{
    struct epoll_event events[256];
    int n = epoll_wait(app->epfd, events, 256, timeout_ms);
    for (int i = 0; i < n; i++) {
        wsl_conn_t *c = events[i].data.ptr;
        /* One clock read per socket event: frames read together share their timestamp,
         * which is when the client could first have seen them. */
        int64_t now = wsl_now_ns();
        if (c->kind == WSL_WS)
            s_ws_event(app, c, events[i].events, now);
        else
            s_http_event(app, c, now);
    }
}
