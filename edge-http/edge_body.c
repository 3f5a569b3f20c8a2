/* edge_body.c -- query parsing and the bus body map. */
#include "edge_body.h"
#include <stdbool.h>
#include <string.h>
#include <civetweb.h>
#include "edge_json.h"

static bool
s_key_ok(const char *key)
{
    size_t n = 0;
    for (; key[n]; n++) {
        char c = key[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_'))
            return false;
    }
    return n >= 1 && n <= EDGE_QUERY_MAX_KEY;
}

static bool
s_query_has(const edge_query_t *q, int upto, const char *key)
{
    for (int i = 0; i < upto; i++)
        if (strcmp(q->params[i].key, key) == 0)
            return true;
    return false;
}

/* Decodes LEN bytes of SRC into the query's buffer at *USED. Returns the start or NULL. */
static const char *
s_decode(edge_query_t *q, size_t *used, const char *src, size_t len, size_t *out_len)
{
    size_t room = sizeof q->buf - *used;
    if (len >= room)
        return NULL;
    char *dst = q->buf + *used;
    int n = len ? mg_url_decode(src, (int) len, dst, (int) room, 1) : 0;
    if (n < 0)
        return NULL;
    dst[n] = '\0';
    if (memchr(dst, '\0', (size_t) n) || !edge_utf8_valid(dst, (size_t) n))
        return NULL;
    *used += (size_t) n + 1;
    *out_len = (size_t) n;
    return dst;
}

int
edge_query_parse(const char *qs, edge_query_t *out)
{
    out->count = 0;
    if (!qs || !*qs)
        return 0;
    if (strnlen(qs, 3 * EDGE_QUERY_MAX_TEXT + 1) > 3 * EDGE_QUERY_MAX_TEXT)
        return -1;                           /* even fully %-encoded, it would not fit */
    size_t used = 0;
    const char *p = qs;
    while (*p) {
        size_t plen = strcspn(p, "&");
        if (plen > 0) {
            const char *eq = memchr(p, '=', plen);
            size_t klen = eq ? (size_t) (eq - p) : plen;
            size_t vlen = eq ? plen - klen - 1 : 0;
            size_t mark = used, key_len = 0, value_len = 0;
            const char *key = s_decode(out, &used, p, klen, &key_len);
            const char *value = key ? s_decode(out, &used, eq ? eq + 1 : "", vlen, &value_len)
                                    : NULL;
            if (!key || !value)
                return -1;
            if (!s_key_ok(key) || s_query_has(out, out->count, key))
                used = mark;                 /* ignored: give the space back */
            else {
                if (out->count >= EDGE_QUERY_MAX_PARAMS)
                    return -1;
                out->params[out->count++] = (edge_query_param_t) { key, value, value_len };
            }
        }
        p += plen;
        if (*p == '&')
            p++;
    }
    return 0;
}

static bool
s_path_has(const edge_match_t *m, const char *key)
{
    for (int i = 0; i < m->param_count; i++)
        if (strcmp(m->params[i].name, key) == 0)
            return true;
    return false;
}

static void
s_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void
edge_body_pack(msgpack_packer *pk, const edge_match_t *match, const edge_query_t *query,
               json_object *body)
{
    int qcount = query ? query->count : 0;
    size_t count = (size_t) match->param_count;
    for (int i = 0; i < qcount; i++)
        if (!s_path_has(match, query->params[i].key))
            count++;
    if (body) {
        json_object_object_foreach(body, key, val) {
            (void) val;
            if (!s_path_has(match, key) && !(query && s_query_has(query, qcount, key)))
                count++;
        }
    }
    msgpack_pack_map(pk, count);
    for (int i = 0; i < match->param_count; i++) {
        s_pack_str(pk, match->params[i].name, strlen(match->params[i].name));
        msgpack_pack_int64(pk, match->params[i].value);
    }
    for (int i = 0; i < qcount; i++) {
        const edge_query_param_t *q = &query->params[i];
        if (s_path_has(match, q->key))
            continue;
        s_pack_str(pk, q->key, strlen(q->key));
        s_pack_str(pk, q->value, q->value_len);
    }
    if (body) {
        json_object_object_foreach(body, key, val) {
            if (s_path_has(match, key) || (query && s_query_has(query, qcount, key)))
                continue;
            s_pack_str(pk, key, strlen(key));
            edge_json_pack(pk, val);
        }
    }
}
