/* edge_body.c -- the request's own input: the query string, the body (limits, read within
 * its deadline, JSON), and the body map both make on the bus. */
#define _GNU_SOURCE                  /* strcasestr */
#include "edge_body.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_json.h"
#include "edge_thread.h"

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

int
edge_body_stage_query(edge_thread_t *t, edge_request_t *r)
{
    (void) t;
    if (edge_query_parse(r->ri->query_string, &r->query) != 0)
        return edge_stage_fail(r, ERR_BAD_REQUEST, "Invalid query string");
    return EDGE_STAGE_NEXT;
}

/* application/json, optionally with parameters; a charset other than UTF-8 is refused. */
static bool
s_json_content_type(const char *ct)
{
    if (!ct || strncasecmp(ct, "application/json", 16) != 0)
        return false;
    const char *rest = ct + 16;
    while (*rest == ' ')
        rest++;
    if (*rest == '\0')
        return true;
    if (*rest != ';')
        return false;
    const char *cs = strcasestr(rest, "charset=");
    if (!cs)
        return true;
    cs += 8;
    if (*cs == '"')
        cs++;
    return strncasecmp(cs, "utf-8", 5) == 0 || strncasecmp(cs, "utf8", 4) == 0;
}

/* The route's body limit: ROUTE_BODY_LIMITS, else MAX_BODY_BYTES. Before the route is
 * known (a 404 to come), the general one. */
static int64_t
s_body_limit(const edge_app_t *app, const edge_request_t *r)
{
    long index = r->route ? r->route - app->routes : -1;
    if (index >= 0 && index < EDGE_RL_MAX_ROUTES && app->route_max_body[index] > 0)
        return app->route_max_body[index];
    return app->cfg.max_body;
}

/* Reads the body into T->req_body: at most LIMIT + 1 bytes, whatever the headers claim,
 * and within one deadline for the whole body (EDGE_REQUEST_TIMEOUT_MS), which the
 * watchdog enforces (edge_watchdog.h): CivetWeb's mg_read alone would wait as long as
 * bytes keep trickling in. *CUT says whether the deadline cut it short. */
static size_t
s_body_read(edge_thread_t *t, edge_request_t *r, long long cl, size_t limit, bool *cut)
{
    size_t got = 0;
    int64_t deadline = clock_mono_ms() + t->app->cfg.request_timeout_ms;
    int slot = edge_watchdog_watch(t->app->watchdog, r->ri->remote_addr, r->ri->remote_port,
                                   deadline);
    while (got < limit && clock_mono_ms() < deadline) {
        size_t want = cl > 0 ? (size_t) cl - got : limit - got;
        if (want > limit - got)
            want = limit - got;
        int n = mg_read(r->conn, t->req_body + got, want);
        if (n <= 0)
            break;
        got += (size_t) n;
        if (cl > 0 && got >= (size_t) cl)
            break;
    }
    *cut = edge_watchdog_done(t->app->watchdog, slot) || clock_mono_ms() >= deadline;
    return got;
}

/* What the headers say of the body, before any of it is read: its size against the
 * route's limit (413) and its type (415). The body itself waits until the client has
 * passed authentication and the rate limit (edge_body_stage_read). */
int
edge_body_stage_check(edge_thread_t *t, edge_request_t *r)
{
    long long cl = r->ri->content_length;
    const char *te = mg_get_header(r->conn, "Transfer-Encoding");
    bool chunked = te && strcasestr(te, "chunked");
    if (cl <= 0 && !chunked)
        return EDGE_STAGE_NEXT;              /* no body */
    r->body_pending = true;                  /* unread: the connection closes after */
    if (cl > s_body_limit(t->app, r))
        return edge_stage_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if (!s_json_content_type(mg_get_header(r->conn, "Content-Type")))
        return edge_stage_fail(r, ERR_UNSUPPORTED_MEDIA_TYPE,
                               "Content-Type must be application/json");
    return EDGE_STAGE_NEXT;
}

/* Reads and parses the body edge_body_stage_check let through, its JSON structure counted
 * (JSON_MAX_TOKENS) before json-c builds anything. */
int
edge_body_stage_read(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    if (!r->body_pending)
        return EDGE_STAGE_NEXT;
    long long cl = r->ri->content_length;
    int64_t max_body = s_body_limit(app, r);
    if (!t->req_body && !(t->req_body = malloc((size_t) app->body_buf_size + 1)))
        return edge_stage_fail(r, ERR_INTERNAL, NULL);

    bool cut = false;
    edge_stage_wait_begin(t, r);             /* the client sets the pace here */
    size_t got = s_body_read(t, r, cl, (size_t) max_body + 1, &cut);
    edge_stage_wait_end(t, r);
    if (got > (size_t) max_body)
        return edge_stage_fail(r, ERR_PAYLOAD_TOO_LARGE, "Request body too large");
    if ((cl > 0 && got < (size_t) cl) || (cut && cl <= 0)) {
        r->must_close = true;
        return edge_stage_fail(r, ERR_BAD_REQUEST, cut ? "Request body not received in time"
                                                       : "Incomplete request body");
    }
    r->body_pending = false;
    r->body_len = got;
    if (got == 0)
        return EDGE_STAGE_NEXT;              /* an empty chunked body */

    edge_json_err_t jerr = edge_json_parse_object(t->req_body, got,
                                                  (size_t) app->cfg.json_max_tokens, &r->body);
    if (jerr == EDGE_JSON_TOO_MANY)
        return edge_stage_fail(r, ERR_PAYLOAD_TOO_LARGE, edge_json_err_message(jerr));
    if (jerr != EDGE_JSON_OK)
        return edge_stage_fail(r, ERR_BAD_REQUEST, edge_json_err_message(jerr));
    return EDGE_STAGE_NEXT;
}
