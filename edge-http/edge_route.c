/* edge_route.c -- matching a request against the route table: the route stage and the
 * roles stage. */
#include "edge_route.h"
#include <string.h>
#include <civetweb.h>
#include "edge_thread.h"

/* Walks TEMPLATE and PATH segment by segment. True when they have the same shape: equal
 * literal segments and a non-empty path segment for every parameter. Parameters are only
 * located here (pointers into PATH); they are checked later, so that a bad id on a known
 * path is a 400 and not a 404. */
typedef struct {
    const char *name;
    size_t name_len;
    const char *text;
    size_t text_len;
} s_raw_param_t;

static bool
s_shape_match(const char *tmpl, const char *path, size_t path_len, s_raw_param_t *params,
              int *count)
{
    size_t ti = 0, pi = 0;
    *count = 0;
    while (tmpl[ti] == '/' && pi < path_len && path[pi] == '/') {
        ti++;
        pi++;
        size_t tlen = strcspn(tmpl + ti, "/");
        size_t plen = 0;
        while (pi + plen < path_len && path[pi + plen] != '/')
            plen++;
        if (plen == 0)
            return false;                    /* "//" or a trailing empty segment */
        if (tmpl[ti] == ':') {
            if (*count >= EDGE_ROUTE_MAX_PARAMS)
                return false;
            params[*count] = (s_raw_param_t) { tmpl + ti + 1, tlen - 1, path + pi, plen };
            (*count)++;
        }
        else if (tlen != plen || memcmp(tmpl + ti, path + pi, plen) != 0)
            return false;
        ti += tlen;
        pi += plen;
    }
    return tmpl[ti] == '\0' && pi == path_len;
}

/* An id: digits only, 1..INT64_MAX. Returns false for anything else. */
static bool
s_parse_id(const char *text, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (uint64_t) (text[i] - '0');   /* 19 digits cannot wrap */
    }
    if (value == 0 || value > (uint64_t) INT64_MAX)
        return false;
    *out = (int64_t) value;
    return true;
}

static void
s_copy_name(char *out, const char *name, size_t len)
{
    if (len >= EDGE_ROUTE_PARAM_NAME)
        len = EDGE_ROUTE_PARAM_NAME - 1;
    memcpy(out, name, len);
    out[len] = '\0';
}

static void
s_allow_add(char *allow, size_t size, const char *method)
{
    if (strstr(allow, method))
        return;                              /* two templates for one path and method */
    size_t used = strlen(allow);
    const char *sep = used ? ", " : "";
    if (used + strlen(sep) + strlen(method) + 1 <= size) {
        strcat(allow, sep);
        strcat(allow, method);
    }
}

edge_match_status_t
edge_route_match(const edge_route_t *table, const char *method, const char *path,
                 edge_match_t *out)
{
    memset(out, 0, sizeof *out);
    if (!method || !path || path[0] != '/')
        return EDGE_MATCH_NOT_FOUND;
    size_t path_len = strnlen(path, EDGE_ROUTE_MAX_PATH + 1);
    if (path_len > EDGE_ROUTE_MAX_PATH)
        return EDGE_MATCH_NOT_FOUND;
    if (path_len > 1 && path[path_len - 1] == '/')
        path_len--;                          /* "/api/users/" is "/api/users" */

    bool shape_seen = false;
    for (const edge_route_t *r = table; r->method; r++) {
        s_raw_param_t raw[EDGE_ROUTE_MAX_PARAMS];
        int count = 0;
        if (!s_shape_match(r->path, path, path_len, raw, &count))
            continue;
        shape_seen = true;
        if (strcmp(r->method, method) != 0) {
            s_allow_add(out->allow, sizeof out->allow, r->method);
            continue;
        }
        out->route = r;
        for (int i = 0; i < count; i++) {
            edge_param_t *p = &out->params[i];
            s_copy_name(p->name, raw[i].name, raw[i].name_len);
            if (!s_parse_id(raw[i].text, raw[i].text_len, &p->value)) {
                s_copy_name(out->bad_param, raw[i].name, raw[i].name_len);
                out->param_count = 0;
                return EDGE_MATCH_BAD_PARAM;
            }
        }
        out->param_count = count;
        out->allow[0] = '\0';
        return EDGE_MATCH_OK;
    }
    return shape_seen ? EDGE_MATCH_METHOD : EDGE_MATCH_NOT_FOUND;
}

bool
edge_route_is_probe(const edge_route_t *route)
{
    return route && route->local != EDGE_LOCAL_NONE && route->local != EDGE_LOCAL_OPENAPI;
}

bool
edge_route_role_ok(const edge_route_t *route, const char *role)
{
    if (!route->roles)
        return true;
    if (!role || !*role)
        return false;
    size_t len = strlen(role);
    const char *p = route->roles;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, role, n) == 0)
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

int
edge_route_stage(edge_thread_t *t, edge_request_t *r)
{
    switch (edge_route_match(t->app->routes, r->ri->request_method, r->path, &r->match)) {
    case EDGE_MATCH_OK:
        r->route = r->match.route;
        return EDGE_STAGE_NEXT;
    case EDGE_MATCH_METHOD:
        return edge_stage_fail(r, ERR_METHOD_NOT_ALLOWED, "Method not allowed");
    case EDGE_MATCH_BAD_PARAM:
        r->route = r->match.route;
        /* "id must be a valid id": the parameter names come from the route table. */
        return edge_stage_fail(r, ERR_BAD_REQUEST,
                               strcmp(r->match.bad_param, "user_id") == 0
                               ? "user_id must be a valid id" : "id must be a valid id");
    default:
        return edge_stage_fail(r, ERR_NOT_FOUND, "Route not found");
    }
}

int
edge_route_stage_roles(edge_thread_t *t, edge_request_t *r)
{
    (void) t;
    if (!edge_route_role_ok(r->route, r->authed ? r->claims.role : NULL))
        return edge_stage_fail(r, ERR_FORBIDDEN, "Insufficient permissions");
    return EDGE_STAGE_NEXT;
}
