/* it_ws.h -- a WebSocket client for the notification suites, over libwebsockets.
 *
 * Single-threaded and pull-driven: nothing happens on the socket except inside
 * it_ws_connect and it_ws_next, which run the libwebsockets loop until what they wait for
 * arrives or the deadline passes. Every text message is kept, in order, whole (fragments
 * reassembled). One lws context per connection: tests hold a handful, not thousands. */
#ifndef IT_WS_H
#define IT_WS_H
#include <json-c/json.h>
#include <stdbool.h>

typedef struct it_ws_t it_ws_t;

typedef struct {
    const char *url;          /* ws://host:port/path?query; NULL: TEST_WS_URL */
    const char *token;        /* sent as "Authorization: Bearer <token>" when not NULL */
    const char *cookie;       /* raw Cookie header when not NULL */
    const char *query;        /* appended to the URL's path ("token=...&since=3") or NULL */
    int timeout_ms;           /* for the handshake; 0: 5000 */
} it_ws_opts_t;

/* Connects and waits for the handshake. Returns the connection, or NULL when refused or
 * unreachable; then *STATUS (when not NULL) gets the HTTP status of the refusal (401,
 * say), or 0 when there was no HTTP answer at all. */
it_ws_t *it_ws_connect(const it_ws_opts_t *opts, int *status);

/* The next text message, waiting up to TIMEOUT_MS: a new string the caller frees, or NULL
 * on timeout or when the server closed and nothing is left. */
char *it_ws_next(it_ws_t *self, int timeout_ms);

/* The same, parsed: the next message as JSON (caller puts), or NULL. */
json_object *it_ws_next_json(it_ws_t *self, int timeout_ms);

/* Skips messages until one whose "event" equals EVENT (returned, caller puts), or NULL
 * after TIMEOUT_MS in total. */
json_object *it_ws_wait_event(it_ws_t *self, const char *event, int timeout_ms);

/* True once the server has closed the connection. */
bool it_ws_closed(const it_ws_t *self);

/* Closes the connection and frees everything; sets *self_p to NULL. Accepts NULL. */
void it_ws_destroy(it_ws_t **self_p);

#endif
