/* it_ws.c -- the tests' WebSocket client: RFC 6455 handshake and framing over a plain
 * TCP socket, written for clarity over speed. */
#define _GNU_SOURCE   /* memmem */
#include "it_ws.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include "it_env.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define WS_MAX_MESSAGE (16 * 1024 * 1024)
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct it_ws_t {
    int fd;
    unsigned char *buf;          /* bytes read, not yet parsed */
    size_t len, cap;
    int close_code;
    bool closed;
    int pings;                   /* pings answered */
};

/* --- Sec-WebSocket-Accept: SHA-1 and base64 from OpenSSL, not by hand --------------- */

static void
s_sha1(const void *data, size_t len, unsigned char out[20])
{
    SHA1(data, len, out);
}

static void
s_base64(const unsigned char *in, size_t len, char *out)
{
    EVP_EncodeBlock((unsigned char *) out, in, (int) len);
}

/* --- socket helpers ------------------------------------------------------------------ */

static int
s_send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* Reads more bytes into the buffer, waiting until DEADLINE. 1 read, 0 timeout, -1 EOF. */
static int
s_fill(it_ws_t *self, int64_t deadline)
{
    int64_t left = deadline - it_now_ms();
    if (left < 0)
        left = 0;
    struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
    int rc = poll(&pfd, 1, (int) left);
    if (rc == 0)
        return 0;
    if (rc < 0)
        return errno == EINTR ? 0 : -1;
    if (self->cap - self->len < 65536) {
        size_t cap = self->cap ? self->cap * 2 : 131072;
        unsigned char *buf = realloc(self->buf, cap);
        if (!buf)
            return -1;
        self->buf = buf;
        self->cap = cap;
    }
    ssize_t n = recv(self->fd, self->buf + self->len, self->cap - self->len, 0);
    if (n <= 0)
        return -1;
    self->len += (size_t) n;
    return 1;
}

static void
s_consume(it_ws_t *self, size_t n)
{
    memmove(self->buf, self->buf + n, self->len - n);
    self->len -= n;
}

/* Sends one masked frame (clients must mask, RFC 6455 section 5.3). */
static int
s_send_frame(it_ws_t *self, int opcode, const void *data, size_t len)
{
    unsigned char head[14];
    size_t h = 0;
    head[h++] = (unsigned char) (0x80 | opcode);
    if (len < 126) {
        head[h++] = (unsigned char) (0x80 | len);
    } else if (len < 65536) {
        head[h++] = 0x80 | 126;
        head[h++] = (unsigned char) (len >> 8);
        head[h++] = (unsigned char) len;
    } else {
        head[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            head[h++] = (unsigned char) ((uint64_t) len >> (8 * i));
    }
    unsigned char mask[4];
    for (int i = 0; i < 4; i++)
        mask[i] = (unsigned char) (rand() & 0xff);
    memcpy(head + h, mask, 4);
    h += 4;
    unsigned char *masked = malloc(len ? len : 1);
    if (!masked)
        return -1;
    for (size_t i = 0; i < len; i++)
        masked[i] = ((const unsigned char *) data)[i] ^ mask[i % 4];
    int rc = s_send_all(self->fd, head, h) == 0 && s_send_all(self->fd, masked, len) == 0 ? 0 : -1;
    free(masked);
    return rc;
}

/* --- connect ----------------------------------------------------------------------- */

const char *
it_ws_url(const char *query, char *out, size_t size)
{
    const char *base = it_env_require("TEST_WS_URL");
    snprintf(out, size, "%s%s%s", base, query && *query ? "?" : "", query ? query : "");
    return out;
}

static int
s_tcp_connect(const char *host, const char *port, int rcvbuf)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        /* Before connect, so the window advertised from the start is the small one. */
        if (rcvbuf > 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
}

it_ws_t *
it_ws_connect(const it_ws_opts_t *opts, int *status)
{
    char url[4096], host[256], port[16] = "80", path[3072];
    int dummy;
    if (!status)
        status = &dummy;
    *status = 0;
    if (opts->url)
        snprintf(url, sizeof url, "%s", opts->url);
    else
        it_ws_url(opts->query, url, sizeof url);
    if (strncmp(url, "ws://", 5) != 0)
        return NULL;
    const char *hp = url + 5;
    const char *slash = strchr(hp, '/');
    size_t hp_len = slash ? (size_t) (slash - hp) : strlen(hp);
    snprintf(path, sizeof path, "%s", slash ? slash : "/");
    if (opts->url && opts->query)
        snprintf(path + strlen(path), sizeof path - strlen(path), "?%s", opts->query);
    const char *colon = memchr(hp, ':', hp_len);
    size_t host_len = colon ? (size_t) (colon - hp) : hp_len;
    if (host_len >= sizeof host)
        return NULL;
    memcpy(host, hp, host_len);
    host[host_len] = '\0';
    if (colon)
        snprintf(port, sizeof port, "%.*s", (int) (hp_len - host_len - 1), colon + 1);

    int fd = s_tcp_connect(host, port, opts->rcvbuf);
    if (fd < 0)
        return NULL;
    it_ws_t *self = calloc(1, sizeof *self);
    self->fd = fd;

    unsigned char nonce[16];
    for (int i = 0; i < 16; i++)
        nonce[i] = (unsigned char) (rand() & 0xff);
    char key[32];
    s_base64(nonce, sizeof nonce, key);
    size_t req_cap = 16384;
    char *req = malloc(req_cap);
    int n = snprintf(req, req_cap,
                     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n",
                     path, host, port, key);
    if (opts->token)
        n += snprintf(req + n, req_cap - (size_t) n, "Authorization: Bearer %s\r\n", opts->token);
    if (opts->cookie)
        n += snprintf(req + n, req_cap - (size_t) n, "Cookie: %s\r\n", opts->cookie);
    if (opts->origin)
        n += snprintf(req + n, req_cap - (size_t) n, "Origin: %s\r\n", opts->origin);
    n += snprintf(req + n, req_cap - (size_t) n, "\r\n");
    int rc = (size_t) n < req_cap ? s_send_all(fd, req, (size_t) n) : -1;
    free(req);
    if (rc != 0)
        goto error;

    /* The answer's head, up to the blank line. */
    int64_t deadline = it_now_ms() + (opts->timeout_ms > 0 ? opts->timeout_ms : 5000);
    char *end = NULL;
    while (!end) {
        if (s_fill(self, deadline) <= 0 && !(self->len && memmem(self->buf, self->len, "\r\n\r\n", 4)))
            goto error;
        end = memmem(self->buf, self->len, "\r\n\r\n", 4);
        if (!end && self->len > 65536)
            goto error;
    }
    size_t head_len = (size_t) (end - (char *) self->buf) + 4;
    char *head = strndup((char *) self->buf, head_len);
    s_consume(self, head_len);
    int code = 0;
    if (sscanf(head, "HTTP/%*d.%*d %d", &code) == 1)
        *status = code;
    /* The accept value proves the server read our key (RFC 6455 section 4.2.2). */
    char concat[128], expect[64];
    unsigned char digest[20];
    snprintf(concat, sizeof concat, "%s%s", key, WS_GUID);
    s_sha1(concat, strlen(concat), digest);
    s_base64(digest, sizeof digest, expect);
    bool accepted = false;
    for (char *line = strstr(head, "\r\n"); line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2;
        if (strncasecmp(l, "Sec-WebSocket-Accept:", 21) == 0) {
            l += 21;
            while (*l == ' ')
                l++;
            accepted = strncmp(l, expect, strlen(expect)) == 0;
        }
    }
    free(head);
    if (code != 101 || !accepted)
        goto error;
    return self;
error:
    it_ws_close(&self);
    return NULL;
}

/* --- frames ------------------------------------------------------------------------ */

/* Parses one frame from the buffer. 1 and the frame's parts when complete, 0 when more
 * bytes are needed, -1 on a protocol error. */
static int
s_parse(it_ws_t *self, int *fin, int *opcode, unsigned char **payload, size_t *plen,
        size_t *total)
{
    if (self->len < 2)
        return 0;
    unsigned char *b = self->buf;
    *fin = b[0] >> 7;
    *opcode = b[0] & 0x0f;
    bool masked = b[1] >> 7;
    uint64_t len = b[1] & 0x7f;
    size_t h = 2;
    if (len == 126) {
        if (self->len < 4)
            return 0;
        len = (uint64_t) b[2] << 8 | b[3];
        h = 4;
    } else if (len == 127) {
        if (self->len < 10)
            return 0;
        len = 0;
        for (int i = 0; i < 8; i++)
            len = len << 8 | b[2 + i];
        h = 10;
    }
    if (len > WS_MAX_MESSAGE)
        return -1;
    size_t mask_at = h;
    if (masked)
        h += 4;
    if (self->len < h + len)
        return 0;
    if (masked)
        for (uint64_t i = 0; i < len; i++)
            b[h + i] ^= b[mask_at + i % 4];
    *payload = b + h;
    *plen = (size_t) len;
    *total = h + (size_t) len;
    return 1;
}

char *
it_ws_recv_text(it_ws_t *self, int timeout_ms)
{
    if (!self || self->closed)
        return NULL;
    int64_t deadline = it_now_ms() + timeout_ms;
    char *msg = NULL;
    size_t msg_len = 0;
    for (;;) {
        int fin, opcode;
        unsigned char *payload;
        size_t plen, total;
        int rc = s_parse(self, &fin, &opcode, &payload, &plen, &total);
        if (rc < 0)
            goto broken;
        if (rc == 0) {
            int f = s_fill(self, deadline);
            if (f < 0)
                goto broken;
            if (f == 0) {
                free(msg);               /* a partial message at the deadline: give up */
                return NULL;
            }
            continue;
        }
        if (opcode == 0x9) {             /* ping: pong with the same payload */
            s_send_frame(self, 0xA, payload, plen);
            self->pings++;
        } else if (opcode == 0x8) {      /* close: echo it, then report the end */
            self->close_code = plen >= 2 ? (payload[0] << 8 | payload[1]) : 1005;
            s_send_frame(self, 0x8, payload, plen >= 2 ? 2 : 0);
            self->closed = true;
            s_consume(self, total);
            free(msg);
            return NULL;
        } else if (opcode == 0x1 || opcode == 0x0) {
            char *grown = realloc(msg, msg_len + plen + 1);
            if (!grown)
                goto broken;
            msg = grown;
            memcpy(msg + msg_len, payload, plen);
            msg_len += plen;
            msg[msg_len] = '\0';
            if (fin) {
                s_consume(self, total);
                return msg;
            }
        }
        s_consume(self, total);
    }
broken:
    free(msg);
    self->closed = true;
    return NULL;
}

json_object *
it_ws_recv_json(it_ws_t *self, int timeout_ms)
{
    char *text = it_ws_recv_text(self, timeout_ms);
    if (!text)
        return NULL;
    json_object *j = json_tokener_parse(text);
    free(text);
    return j;
}

json_object *
it_ws_recv_event(it_ws_t *self, const char *event, int timeout_ms, int *skipped)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    if (skipped)
        *skipped = 0;
    for (;;) {
        int64_t left = deadline - it_now_ms();
        if (left <= 0)
            return NULL;
        json_object *j = it_ws_recv_json(self, (int) left);
        if (!j)
            return NULL;
        json_object *name = NULL;
        if (json_object_object_get_ex(j, "event", &name)
            && strcmp(json_object_get_string(name), event) == 0)
            return j;
        json_object_put(j);
        if (skipped)
            (*skipped)++;
    }
}

int
it_ws_close_code(const it_ws_t *self)
{
    return self ? self->close_code : 0;
}

bool
it_ws_closed(const it_ws_t *self)
{
    return !self || self->closed;
}

int
it_ws_pings(const it_ws_t *self)
{
    return self ? self->pings : 0;
}

bool
it_ws_peer_gone(const it_ws_t *self)
{
    if (!self || self->fd < 0)
        return true;
    /* POLLRDHUP: the peer's FIN, even with unread bytes (a ping) still waiting before it. */
    struct pollfd p = { .fd = self->fd, .events = POLLRDHUP };
    if (poll(&p, 1, 0) < 0)
        return false;
    return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

void
it_ws_close(it_ws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    it_ws_t *self = *self_p;
    if (!self->closed && self->fd >= 0) {
        unsigned char code[2] = { 1000 >> 8, 1000 & 0xff };
        s_send_frame(self, 0x8, code, 2);
    }
    if (self->fd >= 0)
        close(self->fd);
    free(self->buf);
    free(self);
    *self_p = NULL;
}
