/* ws_listen.c -- a small WebSocket client for the quick start (README.md): opens notify's
 * /ws with an access token and prints every frame it receives, one JSON text per line.
 *
 *   ws_listen [--token TOKEN] [--until EVENT] [--count N] [--timeout SECONDS] URL
 *
 * URL is ws://HOST:PORT/ws[?since=ID] (plain ws only: TLS is the load balancer's job).
 * --token sends "Authorization: Bearer TOKEN" (browsers, which cannot set headers, put
 * ?token=TOKEN in the URL or use the access_token cookie instead: schemas/websocket.md).
 * Exits 0 once a frame whose "event" is EVENT arrived (--until) or N frames arrived
 * (--count), or, with neither, when the server closes normally; 1 when the timeout (30 s)
 * passes first or the connection fails; 2 when the upgrade is refused (401, ...); 3 when
 * the server closes the socket with a code (printed on stderr: 4401, 1001, ...).
 *
 * A plain libwebsockets client of its own (the Debian package the notify service uses),
 * not the test suite's harness: it is meant to be read by client developers. */
#include <libwebsockets.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WS_LISTEN_MAX_FRAME (1 << 20)

typedef struct {
    const char *token;
    const char *until;
    long count;               /* frames still wanted; < 0: no bound */
    char *frame;              /* a frame's fragments, gathered */
    size_t frame_len;
    int exit_code;
    bool done;
} ws_listen_t;

static void
s_timeout(int sig)
{
    static const char msg[] = "ws_listen: timeout\n";
    (void) sig;
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void) ignored;
    _exit(1);
}

static void
s_finish(ws_listen_t *self, int code)
{
    if (!self->done) {
        self->done = true;
        self->exit_code = code;
    }
}

/* True when FRAME is a JSON object whose "event" member is NAME. The frames are the
 * server's own compact JSON (schemas/websocket.md), so a search for the member is enough
 * for an example; a real client parses the JSON. */
static bool
s_is_event(const char *frame, const char *name)
{
    char want[96];
    snprintf(want, sizeof want, "{\"event\":\"%s\"", name);
    return strncmp(frame, want, strlen(want)) == 0;
}

static void
s_frame_done(ws_listen_t *self)
{
    fwrite(self->frame, 1, self->frame_len, stdout);
    fputc('\n', stdout);
    fflush(stdout);                           /* a reader of a redirected file sees it now */
    self->frame[self->frame_len] = '\0';
    bool last = (self->until && s_is_event(self->frame, self->until))
                || (self->count > 0 && --self->count == 0);
    self->frame_len = 0;
    if (last)
        s_finish(self, 0);
}

static int
s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    ws_listen_t *self = lws_context_user(lws_get_context(wsi));
    (void) user;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        if (!self->token)
            break;
        unsigned char **p = (unsigned char **) in, *end = (*p) + len;
        char value[4096];
        int n = snprintf(value, sizeof value, "Bearer %s", self->token);
        if (n < 0 || (size_t) n >= sizeof value
            || lws_add_http_header_by_name(wsi, (const unsigned char *) "authorization:",
                                           (const unsigned char *) value, n, p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        unsigned int status = lws_http_client_http_response(wsi);
        if (status)
            fprintf(stderr, "ws_listen: %s: HTTP %u\n", in ? (const char *) in : "refused",
                    status);
        else
            fprintf(stderr, "ws_listen: %s\n", in ? (const char *) in : "connection failed");
        s_finish(self, status ? 2 : 1);
        break;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (self->frame_len + len > WS_LISTEN_MAX_FRAME) {
            fprintf(stderr, "ws_listen: a frame over %d bytes\n", WS_LISTEN_MAX_FRAME);
            s_finish(self, 1);
            return -1;
        }
        memcpy(self->frame + self->frame_len, in, len);
        self->frame_len += len;
        if (lws_is_final_fragment(wsi))
            s_frame_done(self);
        if (self->done)
            return -1;                        /* got what was asked: hang up */
        break;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE: {
        const unsigned char *b = in;
        unsigned int code = len >= 2 ? (unsigned int) (b[0] << 8 | b[1]) : 1005;
        int rlen = len > 2 ? (int) (len - 2) : 0;
        fprintf(stderr, "ws_listen: closed by the server: %u %.*s\n", code, rlen,
                len > 2 ? (const char *) b + 2 : "");
        s_finish(self, code == 1000 && !self->until && self->count < 0 ? 0 : 3);
        break;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        s_finish(self, self->until || self->count >= 0 ? 3 : 0);
        break;
    default:
        break;
    }
    return 0;
}

static void
s_usage(void)
{
    fprintf(stderr, "usage: ws_listen [--token TOKEN] [--until EVENT] [--count N] "
                    "[--timeout SECONDS] ws://HOST:PORT/ws[?since=ID]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    ws_listen_t self = { .count = -1 };
    long timeout_s = 30;
    const char *url = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--token") == 0 && has_value)
            self.token = argv[++i];
        else if (strcmp(a, "--until") == 0 && has_value)
            self.until = argv[++i];
        else if (strcmp(a, "--count") == 0 && has_value)
            self.count = strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--timeout") == 0 && has_value)
            timeout_s = strtol(argv[++i], NULL, 10);
        else if (a[0] != '-' && !url)
            url = a;
        else
            s_usage();
    }
    if (!url || self.count == 0 || timeout_s <= 0 || (self.until && strlen(self.until) > 64))
        s_usage();

    /* lws_parse_uri cuts its argument up; the path it gives lacks the leading '/'. */
    char *copy = strdup(url);
    const char *scheme = NULL, *host = NULL, *rest = NULL;
    int port = 0;
    if (!copy || lws_parse_uri(copy, &scheme, &host, &port, &rest) || strcmp(scheme, "ws") != 0) {
        fprintf(stderr, "ws_listen: %s is not a ws:// URL\n", url);
        free(copy);
        return 2;
    }
    char path[2048];
    snprintf(path, sizeof path, "/%s", rest);

    self.frame = malloc(WS_LISTEN_MAX_FRAME + 1);
    if (!self.frame) {
        free(copy);
        return 1;
    }
    signal(SIGALRM, s_timeout);
    alarm((unsigned int) timeout_s);
    lws_set_log_level(LLL_ERR, NULL);

    static const struct lws_protocols protocols[] = {
        { "busd-ws-listen", s_callback, 0, 0, 0, NULL, 0 },
        { NULL, NULL, 0, 0, 0, NULL, 0 }
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = &self;
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx) {
        free(self.frame);
        free(copy);
        return 1;
    }

    struct lws_client_connect_info cc;
    memset(&cc, 0, sizeof cc);
    cc.context = ctx;
    cc.address = host;
    cc.port = port;
    cc.path = path;
    cc.host = host;
    cc.protocol = NULL;                       /* notify serves its socket without one */
    cc.local_protocol_name = protocols[0].name;
    if (!lws_client_connect_via_info(&cc))
        fprintf(stderr, "ws_listen: cannot connect to %s\n", url);
    else
        while (!self.done)
            if (lws_service(ctx, 0) < 0)
                break;
    lws_context_destroy(ctx);
    free(self.frame);
    free(copy);
    return self.done ? self.exit_code : 1;
}
