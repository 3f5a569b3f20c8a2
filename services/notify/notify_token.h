/* notify_token.h -- the pure string work of a WebSocket handshake: its query arguments
 * (?token=, ?since=), the digest a socket keeps of its token's ids, and the Origin rule.
 * Where the token is taken from and when it is accepted is the edge's rule too:
 * common/access_token.h. The caller copies the raw values out of libwebsockets. */
#ifndef NOTIFY_TOKEN_H
#define NOTIFY_TOKEN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "access_token.h"

/* A 64-bit digest of a token id (jti, family) that a socket keeps instead of the text:
 * a session_revoked event names the text, and a collision only closes a socket early.
 * 0 for NULL or "". */
uint64_t notify_token_id_hash(const char *id);

/* True when ORIGIN (the handshake's Origin header) is one of ALLOWED, a comma list of
 * exact origins ("https://app.example.com, https://admin.example.com") read as the edge
 * reads CORS_ORIGINS (common/origin_list.h); "*" allows no page here. */
bool notify_origin_allowed(const char *allowed, const char *origin);

/* The ?since= value S: a notification id, digits only, 0 allowed ("everything"). Returns
 * true and sets *SINCE when valid. */
bool notify_since_parse(const char *s, int64_t *since);

/* The handshake's query arguments that notify reads, collected one decoded argument at a
 * time (libwebsockets splits the query on '&' and decodes each part), so their order and
 * any unknown arguments around them make no difference. */
typedef struct {
    char token[ACCESS_TOKEN_MAX + 1];
    int token_len;                   /* 0: no ?token=; -1: too long, or given twice */
    bool has_since;
    int64_t since;
    bool bad_since;                  /* malformed, or given twice: the contract's 400 */
} notify_query_t;

/* Longest single query argument read; a longer one makes the whole query unreadable. */
#define NOTIFY_QUERY_ARG_MAX (ACCESS_TOKEN_MAX + 64)

void notify_query_init(notify_query_t *q);

/* Takes one decoded argument ARG ("name=value" or "name"). Unknown names are ignored. */
void notify_query_take(notify_query_t *q, const char *arg);

#endif
