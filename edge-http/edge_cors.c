/* edge_cors.c -- origin checks, the CORS header lines, and the CORS stage. */
#include "edge_cors.h"
#include <stdio.h>
#include <string.h>
#include <civetweb.h>
#include "edge_thread.h"

int
edge_cors_init(edge_cors_t *self, const char *origins, const char *methods, const char *headers,
               int max_age, bool credentials)
{
    memset(self, 0, sizeof *self);
    snprintf(self->methods, sizeof self->methods, "%s",
             methods ? methods : "GET, POST, PATCH, DELETE, OPTIONS");
    snprintf(self->headers, sizeof self->headers, "%s",
             headers ? headers : "Authorization, Content-Type, X-Request-ID, X-Correlation-ID, Idempotency-Key");
    self->max_age = max_age;
    self->credentials = credentials;
    int skipped = origin_list_parse(&self->origins, origins);
    /* "*" with credentials would let any site act with the user's cookie. */
    if (self->origins.any && credentials)
        return -1;
    return skipped;
}

bool
edge_cors_enabled(const edge_cors_t *self)
{
    return self->origins.any || self->origins.count > 0;
}

/* An origin is echoed into a header: it must be one printable line of sane length. */
static bool
s_origin_sane(const char *origin)
{
    size_t n = 0;
    for (; origin[n]; n++)
        if ((unsigned char) origin[n] < 0x21 || (unsigned char) origin[n] > 0x7e)
            return false;
    return n > 0 && n < ORIGIN_LIST_ITEM_MAX;
}

bool
edge_cors_allowed(const edge_cors_t *self, const char *origin)
{
    if (!origin || !s_origin_sane(origin))
        return false;
    return self->origins.any || origin_list_has(&self->origins, origin);
}

bool
edge_cors_is_preflight(const char *method, const char *origin, const char *acrm)
{
    return method && strcmp(method, "OPTIONS") == 0 && origin && acrm;
}

int
edge_cors_headers(const edge_cors_t *self, const char *origin, bool preflight, char *out,
                  size_t size)
{
    if (size)
        out[0] = '\0';
    if (!edge_cors_allowed(self, origin))
        return 0;
    int n;
    if (preflight)
        n = snprintf(out, size,
                     "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n%s"
                     "Access-Control-Allow-Methods: %s\r\n"
                     "Access-Control-Allow-Headers: %s\r\n"
                     "Access-Control-Max-Age: %d\r\n",
                     origin, self->credentials ? "Access-Control-Allow-Credentials: true\r\n" : "",
                     self->methods, self->headers, self->max_age);
    else
        n = snprintf(out, size,
                     "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n%s"
                     "Access-Control-Expose-Headers: X-Request-ID, X-Correlation-ID, "
                     "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After\r\n",
                     origin, self->credentials ? "Access-Control-Allow-Credentials: true\r\n" : "");
    if (n < 0 || (size_t) n >= size) {
        if (size)
            out[0] = '\0';
        return -1;
    }
    return n;
}

/* CORS headers for an allowed Origin on every answer; a preflight is answered here,
 * before routing (the table has no OPTIONS routes). */
int
edge_cors_stage(edge_thread_t *t, edge_request_t *r)
{
    const edge_cors_t *cors = &t->app->cors;
    if (!edge_cors_enabled(cors))
        return EDGE_STAGE_NEXT;
    const char *origin = mg_get_header(r->conn, "Origin");
    if (!origin)
        return EDGE_STAGE_NEXT;
    bool preflight = edge_cors_is_preflight(r->ri->request_method, origin,
                                            mg_get_header(r->conn, "Access-Control-Request-Method"));
    int n = edge_cors_headers(cors, origin, preflight, r->extra + r->extra_len,
                              sizeof r->extra - r->extra_len);
    if (n > 0)
        r->extra_len += (size_t) n;
    if (!preflight)
        return EDGE_STAGE_NEXT;
    r->status = 204;
    r->body_ready = true;                    /* no body */
    return EDGE_STAGE_DONE;
}
