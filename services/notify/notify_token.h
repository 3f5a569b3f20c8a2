/* notify_token.h -- where a WebSocket handshake carries its access token, read by the
 * same rules as the edge: "Authorization: Bearer <token>" first, then the access_token
 * cookie, then ?token= (browsers cannot set headers on a WebSocket). Pure string work:
 * the caller copies the raw header values out of libwebsockets. */
#ifndef NOTIFY_TOKEN_H
#define NOTIFY_TOKEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest token accepted; a longer one is refused as invalid, never truncated. */
#define NOTIFY_TOKEN_MAX 4096

/* Where the token came from: a cookie is sent by the browser on its own, so only then
 * does the handshake's Origin matter (cross-site WebSocket hijacking). */
typedef enum {
    NOTIFY_TOKEN_NONE = 0, NOTIFY_TOKEN_HEADER, NOTIFY_TOKEN_COOKIE, NOTIFY_TOKEN_QUERY
} notify_token_source_t;

/* Picks the token from AUTHORIZATION (the header value), COOKIE (the Cookie header value)
 * and QUERY_TOKEN (the decoded ?token= value); each may be NULL or empty. Copies it into
 * OUT and says where it came from in *SOURCE (may be NULL). Returns its length, 0 when
 * none is present, -1 when the chosen one does not fit. */
int notify_token_pick(const char *authorization, const char *cookie, const char *query_token,
                      char *out, size_t size, notify_token_source_t *source);

/* A 64-bit digest of a token id (jti, family) that a socket keeps instead of the text:
 * a session_revoked event names the text, and a collision only closes a socket early.
 * 0 for NULL or "". */
uint64_t notify_token_id_hash(const char *id);

/* True when ORIGIN (the handshake's Origin header) is one of ALLOWED, a comma list of
 * exact origins ("https://app.example.com, https://admin.example.com"). */
bool notify_origin_allowed(const char *allowed, const char *origin);

/* The value of cookie NAME in the Cookie header value COOKIE, copied into OUT. Returns its
 * length, 0 when absent (or empty), -1 when it does not fit. */
int notify_cookie_get(const char *cookie, const char *name, char *out, size_t size);

/* The ?since= value S: a notification id, digits only, 0 allowed ("everything"). Returns
 * true and sets *SINCE when valid. */
bool notify_since_parse(const char *s, int64_t *since);

/* The handshake's query arguments that notify reads, collected one decoded argument at a
 * time (libwebsockets splits the query on '&' and decodes each part), so their order and
 * any unknown arguments around them make no difference. */
typedef struct {
    char token[NOTIFY_TOKEN_MAX + 1];
    int token_len;                   /* 0: no ?token=; -1: too long, or given twice */
    bool has_since;
    int64_t since;
    bool bad_since;                  /* malformed, or given twice: the contract's 400 */
} notify_query_t;

/* Longest single query argument read; a longer one makes the whole query unreadable. */
#define NOTIFY_QUERY_ARG_MAX (NOTIFY_TOKEN_MAX + 64)

void notify_query_init(notify_query_t *q);

/* Takes one decoded argument ARG ("name=value" or "name"). Unknown names are ignored. */
void notify_query_take(notify_query_t *q, const char *arg);

#endif
