/* notify_token.c -- reading the access token of a WebSocket handshake. */
#include "notify_token.h"
#include <string.h>
#include <strings.h>

static int
s_copy(const char *s, size_t len, char *out, size_t size)
{
    if (len >= size)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return (int) len;
}

int
notify_cookie_get(const char *cookie, const char *name, char *out, size_t size)
{
    size_t name_len = strlen(name);
    const char *p = cookie;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t pair_len = end ? (size_t) (end - p) : strlen(p);
        if (pair_len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
            const char *v = p + name_len + 1;
            size_t v_len = pair_len - name_len - 1;
            while (v_len > 0 && (v[v_len - 1] == ' ' || v[v_len - 1] == '\t'))
                v_len--;
            /* RFC 6265 allows a quoted value. */
            if (v_len >= 2 && v[0] == '"' && v[v_len - 1] == '"') {
                v++;
                v_len -= 2;
            }
            return v_len ? s_copy(v, v_len, out, size) : 0;
        }
        p = end;
    }
    return 0;
}

int
notify_token_pick(const char *authorization, const char *cookie, const char *query_token,
                  char *out, size_t size, notify_token_source_t *source)
{
    notify_token_source_t unused;
    if (!source)
        source = &unused;
    *source = NOTIFY_TOKEN_NONE;
    if (size == 0)
        return -1;
    out[0] = '\0';
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0) {
        const char *t = authorization + 7;
        while (*t == ' ')
            t++;
        size_t len = strcspn(t, " \t\r\n");
        if (len > 0) {
            *source = NOTIFY_TOKEN_HEADER;
            return s_copy(t, len, out, size);
        }
    }
    if (cookie && *cookie) {
        int n = notify_cookie_get(cookie, "access_token", out, size);
        if (n != 0) {
            *source = NOTIFY_TOKEN_COOKIE;
            return n;
        }
    }
    if (query_token && *query_token) {
        *source = NOTIFY_TOKEN_QUERY;
        return s_copy(query_token, strlen(query_token), out, size);
    }
    return 0;
}

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
    size_t olen = origin ? strlen(origin) : 0;
    if (!allowed || olen == 0)
        return false;
    for (const char *p = allowed; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed > 0 && p[trimmed - 1] == ' ')
            trimmed--;
        if (trimmed == olen && strncmp(p, origin, olen) == 0)
            return true;
        p += len;
    }
    return false;
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
        /* Two tokens are ambiguous: refuse rather than pick one. */
        q->token_len = q->token_len ? -1 : s_copy(arg + 6, strlen(arg + 6), q->token,
                                                  sizeof q->token);
        if (q->token_len < 0)
            q->token[0] = '\0';
    } else if (strncmp(arg, "since=", 6) == 0 || strcmp(arg, "since") == 0) {
        if (q->has_since || q->bad_since || arg[5] != '=' || !notify_since_parse(arg + 6, &q->since)) {
            q->bad_since = true;
            q->has_since = false;
        } else {
            q->has_since = true;
        }
    }
}
