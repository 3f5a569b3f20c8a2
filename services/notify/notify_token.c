/* notify_token.c -- the query, token-id digests and Origin rule of a WebSocket handshake. */
#include "notify_token.h"
#include <string.h>
#include "origin_list.h"

uint64_t
notify_token_id_hash(const char *id)
{
    if (!id || !*id)
        return 0;
    uint64_t h = 1469598103934665603ULL;         /* FNV-1a */
    for (; *id; id++) {
        h ^= (unsigned char) *id;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

bool
notify_origin_allowed(const char *allowed, const char *origin)
{
    return origin_list_contains(allowed, origin);
}

bool
notify_since_parse(const char *s, int64_t *since)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *since = v;
    return true;
}

void
notify_query_init(notify_query_t *q)
{
    memset(q, 0, sizeof *q);
}

void
notify_query_take(notify_query_t *q, const char *arg)
{
    if (strncmp(arg, "token=", 6) == 0) {
        /* Two tokens are ambiguous: refuse rather than pick one. A token too long is
         * refused whole, never truncated. */
        size_t len = strlen(arg + 6);
        q->token_len = q->token_len || len >= sizeof q->token ? -1 : (int) len;
        if (q->token_len < 0)
            q->token[0] = '\0';
        else
            memcpy(q->token, arg + 6, len + 1);
    } else if (strncmp(arg, "since=", 6) == 0 || strcmp(arg, "since") == 0) {
        if (q->has_since || q->bad_since || arg[5] != '=' || !notify_since_parse(arg + 6, &q->since)) {
            q->bad_since = true;
            q->has_since = false;
        } else {
            q->has_since = true;
        }
    }
}
