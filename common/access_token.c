/* access_token.c -- finding the access token of a request and accepting it. */
#define _DEFAULT_SOURCE              /* explicit_bzero */
#include "access_token.h"
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
access_token_cookie(const char *cookie, const char *name, char *out, size_t size)
{
    if (size == 0)
        return -1;
    out[0] = '\0';
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
access_token_extract(const char *authorization, const char *cookie, const char *query_token,
                     char *out, size_t size, access_token_source_t *source)
{
    access_token_source_t unused;
    if (!source)
        source = &unused;
    *source = ACCESS_TOKEN_FROM_NONE;
    if (size == 0)
        return -1;
    out[0] = '\0';
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0) {
        const char *t = authorization + 7;
        while (*t == ' ')
            t++;
        size_t len = strcspn(t, " \t\r\n");
        if (len > 0) {
            *source = ACCESS_TOKEN_FROM_HEADER;
            return s_copy(t, len, out, size);
        }
    }
    if (cookie && *cookie) {
        int n = access_token_cookie(cookie, "access_token", out, size);
        if (n != 0) {
            *source = ACCESS_TOKEN_FROM_COOKIE;
            return n;
        }
    }
    if (query_token && *query_token) {
        *source = ACCESS_TOKEN_FROM_QUERY;
        return s_copy(query_token, strlen(query_token), out, size);
    }
    return 0;
}

access_token_status_t
access_token_accept(const token_keys_t *keys, const char *token, int64_t now,
                    token_claims_t *claims)
{
    memset(claims, 0, sizeof *claims);
    if (!token || !*token)
        return ACCESS_TOKEN_MISSING;
    switch (token_verify(keys, token, "access", now, claims)) {
    case TOKEN_OK:
        break;
    case TOKEN_EXPIRED:
        return ACCESS_TOKEN_EXPIRED;
    default:
        return ACCESS_TOKEN_INVALID;
    }
    if (!claims->jti[0] || claims->sub <= 0)
        return ACCESS_TOKEN_INVALID;         /* a token that cannot be revoked */
    return ACCESS_TOKEN_OK;
}

access_token_status_t
access_token_read(const token_keys_t *keys, const char *authorization, const char *cookie,
                  const char *query_token, int64_t now, token_claims_t *claims,
                  access_token_source_t *source)
{
    char token[ACCESS_TOKEN_MAX + 1];
    int len = access_token_extract(authorization, cookie, query_token, token, sizeof token,
                                   source);
    access_token_status_t st;
    if (len < 0) {
        memset(claims, 0, sizeof *claims);
        st = ACCESS_TOKEN_INVALID;
    } else {
        st = access_token_accept(keys, token, now, claims);
    }
    explicit_bzero(token, sizeof token);
    return st;
}

const char *
access_token_message(access_token_status_t status)
{
    switch (status) {
    case ACCESS_TOKEN_MISSING: return "Missing token";
    case ACCESS_TOKEN_EXPIRED: return "JWT token expired";
    default:                   return "Invalid JWT token";
    }
}
