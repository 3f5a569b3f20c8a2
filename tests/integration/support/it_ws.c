/* it_ws.c -- the tests' WebSocket client (libwebsockets, one context per connection). */
#include "it_ws.h"
#include "it_env.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGES 1024

struct it_ws_t {
    struct lws_context *ctx;
    struct lws *wsi;
    char auth[4096];             /* the Authorization header value, or "" */
    char cookie[4096];           /* the Cookie header value, or "" */
    bool established;
    bool failed;                 /* handshake refused or connection error */
    bool closed;
    int status;                  /* HTTP status of a refused handshake */
    char *partial;               /* message being reassembled from fragments */
    size_t partial_len;
    char *queue[MAX_MESSAGES];   /* whole messages not yet read, oldest first */
    int head, count;
};

static void
s_push(it_ws_t *self, char *message)
{
    if (self->count == MAX_MESSAGES) {   /* a test that reads nothing: drop the oldest */
        free(self->queue[self->head]);
        self->head = (self->head + 1) % MAX_MESSAGES;
        self->count--;
    }
    self->queue[(self->head + self->count) % MAX_MESSAGES] = message;
    self->count++;
}

static char *
s_pop(it_ws_t *self)
{
    if (self->count == 0)
        return NULL;
    char *m = self->queue[self->head];
    self->head = (self->head + 1) % MAX_MESSAGES;
    self->count--;
    return m;
}

static int
s_add_header(struct lws *wsi, const char *name, const char *value, void *in, size_t len)
{
    unsigned char **p = (unsigned char **) in;
    unsigned char *end = *p + len;
    return lws_add_http_header_by_name(wsi, (const unsigned char *) name,
                                       (const unsigned char *) value, (int) strlen(value), p, end);
}

static int
s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    it_ws_t *self = lws_get_opaque_user_data(wsi);
    if (!self)
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        if (self->auth[0] && s_add_header(wsi, "authorization:", self->auth, in, len))
            return -1;
        if (self->cookie[0] && s_add_header(wsi, "cookie:", self->cookie, in, len))
            return -1;
        break;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        self->established = true;
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE: {
        char *grown = realloc(self->partial, self->partial_len + len + 1);
        if (!grown)
            return -1;
        self->partial = grown;
        memcpy(self->partial + self->partial_len, in, len);
        self->partial_len += len;
        self->partial[self->partial_len] = '\0';
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
            s_push(self, self->partial);
            self->partial = NULL;
            self->partial_len = 0;
        }
        break;
    }
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        /* IT_WS_DEBUG=1 shows why a handshake failed, which the status alone may not. */
        if (getenv("IT_WS_DEBUG"))
            fprintf(stderr, "it_ws: connection error: %s\n", in ? (const char *) in : "?");
        self->failed = true;
        self->status = (int) lws_http_client_http_response(wsi);
        /* lws 4.1 words a refusal as "HS: ws upgrade response not 101" and may have
         * dropped the status already; the message sometimes carries it. */
        if (!self->status && in) {
            const char *digits = strpbrk((const char *) in, "12345");
            if (digits && strlen(digits) >= 3 && atoi(digits) >= 100 && atoi(digits) < 600 &&
                strncmp(digits, "101", 3) != 0)
                self->status = atoi(digits);
        }
        self->wsi = NULL;
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        self->closed = true;
        self->wsi = NULL;
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols s_protocols[] = {
    { "it-client", s_callback, 0, 64 * 1024, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Runs the loop until PRED(self) or the deadline. */
static void
s_service_until(it_ws_t *self, bool (*pred)(const it_ws_t *), int timeout_ms)
{
    int64_t until = it_now_ms() + timeout_ms;
    while (!pred(self) && it_now_ms() < until)
        lws_service(self->ctx, 50);
}

static bool
s_handshake_done(const it_ws_t *self)
{
    return self->established || self->failed || self->closed;
}

static bool
s_has_message(const it_ws_t *self)
{
    return self->count > 0 || self->closed || self->failed;
}

it_ws_t *
it_ws_connect(const it_ws_opts_t *opts, int *status)
{
    if (status)
        *status = 0;
    it_ws_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    if (opts->token)
        snprintf(self->auth, sizeof self->auth, "Bearer %s", opts->token);
    if (opts->cookie)
        snprintf(self->cookie, sizeof self->cookie, "%s", opts->cookie);

    /* lws_parse_uri cuts its input and drops the path's leading '/'. */
    char uri[4096], path[4096];
    snprintf(uri, sizeof uri, "%s", opts->url ? opts->url : it_env_require("TEST_WS_URL"));
    const char *prot, *host, *rest;
    int port;
    if (lws_parse_uri(uri, &prot, &host, &port, &rest) != 0) {
        free(self);
        return NULL;
    }
    if (opts->query)
        snprintf(path, sizeof path, "/%s%s%s", rest, strchr(rest, '?') ? "&" : "?", opts->query);
    else
        snprintf(path, sizeof path, "/%s", rest);

    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.gid = -1;
    info.uid = -1;
    self->ctx = lws_create_context(&info);
    if (!self->ctx) {
        free(self);
        return NULL;
    }

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = self->ctx;
    ci.address = host;
    ci.port = port;
    ci.path = path;
    ci.host = host;
    ci.origin = host;
    ci.local_protocol_name = s_protocols[0].name;
    ci.opaque_user_data = self;
    ci.pwsi = &self->wsi;
    if (!lws_client_connect_via_info(&ci))
        self->failed = true;
    else
        s_service_until(self, s_handshake_done, opts->timeout_ms > 0 ? opts->timeout_ms : 5000);

    if (!self->established) {
        if (status)
            *status = self->status;
        it_ws_destroy(&self);
        return NULL;
    }
    return self;
}

char *
it_ws_next(it_ws_t *self, int timeout_ms)
{
    s_service_until(self, s_has_message, timeout_ms);
    return s_pop(self);
}

json_object *
it_ws_next_json(it_ws_t *self, int timeout_ms)
{
    char *text = it_ws_next(self, timeout_ms);
    if (!text)
        return NULL;
    json_object *obj = json_tokener_parse(text);
    free(text);
    return obj;
}

json_object *
it_ws_wait_event(it_ws_t *self, const char *event, int timeout_ms)
{
    int64_t until = it_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = until - it_now_ms();
        if (left <= 0)
            return NULL;
        json_object *m = it_ws_next_json(self, (int) left);
        if (!m && (self->closed || self->failed) && self->count == 0)
            return NULL;
        json_object *e;
        if (m && json_object_object_get_ex(m, "event", &e) &&
            strcmp(json_object_get_string(e), event) == 0)
            return m;
        if (m)
            json_object_put(m);
    }
}

bool
it_ws_closed(const it_ws_t *self)
{
    return self->closed || self->failed;
}

void
it_ws_destroy(it_ws_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    it_ws_t *self = *self_p;
    /* Destroying the context closes the socket; its callbacks must not see SELF after. */
    if (self->wsi)
        lws_set_opaque_user_data(self->wsi, NULL);
    if (self->ctx)
        lws_context_destroy(self->ctx);
    while (self->count > 0)
        free(s_pop(self));
    free(self->partial);
    free(self);
    *self_p = NULL;
}
