/* it_ws.h -- a small WebSocket client for the tests (RFC 6455 over a plain TCP socket):
 * handshake with a bearer header, a cookie or a query string; the HTTP status of a
 * refused upgrade; text frames read with a timeout (pings answered on the way, and
 * counted); a client that stops reading (to play a slow consumer, or a dead peer that
 * answers no ping); close. One client per thread. */
#ifndef IT_WS_H
#define IT_WS_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct it_ws_t it_ws_t;

/* Zero-initialise, then fill what you need. */
typedef struct {
    const char *url;             /* ws://host:port/path; TEST_WS_URL when NULL */
    const char *token;           /* sent as "Authorization: Bearer <token>" */
    const char *cookie;          /* raw Cookie header value */
    const char *origin;          /* Origin header value, as a browser sends it */
    const char *query;           /* appended after '?', e.g. "token=...&since=12" */
    int rcvbuf;                  /* SO_RCVBUF in bytes when > 0 (slow-client tests) */
    int timeout_ms;              /* connect + handshake; 0: 5000 */
} it_ws_opts_t;

/* Connects and upgrades. Returns the client when the server answered 101 with a valid
 * Sec-WebSocket-Accept; NULL otherwise. *STATUS (may be NULL) gets the HTTP status of the
 * answer (101, 401, ...), or 0 when no HTTP answer came. */
it_ws_t *it_ws_connect(const it_ws_opts_t *opts, int *status);

/* The next text message (fragments joined), NUL-terminated, caller frees; NULL on
 * timeout, on a close frame (see it_ws_close_code) or on a broken connection. */
char *it_ws_recv_text(it_ws_t *self, int timeout_ms);

/* it_ws_recv_text parsed as JSON (caller puts), or NULL. */
json_object *it_ws_recv_json(it_ws_t *self, int timeout_ms);

/* Reads messages until one whose "event" is EVENT, within TIMEOUT_MS overall. Others
 * are dropped (count in *SKIPPED when not NULL). Caller puts the result. */
json_object *it_ws_recv_event(it_ws_t *self, const char *event, int timeout_ms, int *skipped);

/* The close code the server sent (0 when none yet), and whether the connection ended. */
int it_ws_close_code(const it_ws_t *self);
bool it_ws_closed(const it_ws_t *self);

/* Pings answered so far (it_ws_recv_* answer them as they read). */
int it_ws_pings(const it_ws_t *self);

/* Whether the server ended the connection (FIN, reset), seen without reading: a client
 * that does not read answers no ping, and this is how it learns it was hung up. */
bool it_ws_peer_gone(const it_ws_t *self);

/* Sends a close frame (when still open), closes the socket, frees. Accepts NULL. */
void it_ws_close(it_ws_t **self_p);

/* Writes the full ws URL with QUERY (may be NULL) into OUT. */
const char *it_ws_url(const char *query, char *out, size_t size);

#endif
