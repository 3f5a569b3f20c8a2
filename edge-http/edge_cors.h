/* edge_cors.h -- CORS from configuration: CORS_ORIGINS (comma list of exact origins, "*"
 * for any; empty = no CORS at all), CORS_METHODS, CORS_HEADERS, CORS_MAX_AGE,
 * CORS_CREDENTIALS.
 *
 * An allowed origin is echoed (never "*", so credentials can work and caches are told
 * with Vary: Origin). An origin not allowed gets no CORS headers at all, and its preflight
 * is still answered 204 without them: the browser then refuses the real request, and the
 * edge does not tell a probe which origins it would accept. */
#ifndef EDGE_CORS_H
#define EDGE_CORS_H
#include <stdbool.h>
#include <stddef.h>
#include "edge_stage.h"
#include "origin_list.h"

typedef struct {
    origin_list_t origins;           /* read as notify reads its list; .any: "*" listed */
    char methods[128];
    char headers[256];
    int max_age;
    bool credentials;
} edge_cors_t;

/* ORIGINS: comma list (NULL/"" = CORS off); METHODS, HEADERS: comma lists as sent in the
 * preflight answer; MAX_AGE seconds. Returns how many origins were skipped (too long, or
 * beyond ORIGIN_LIST_MAX), or -1 for "*" with CREDENTIALS, which the edge refuses to
 * start with. */
int edge_cors_init(edge_cors_t *self, const char *origins, const char *methods,
                   const char *headers, int max_age, bool credentials);

bool edge_cors_enabled(const edge_cors_t *self);

/* True when ORIGIN (the request's Origin header, may be NULL) is allowed. */
bool edge_cors_allowed(const edge_cors_t *self, const char *origin);

/* True for a preflight: OPTIONS with Origin and Access-Control-Request-Method. */
bool edge_cors_is_preflight(const char *method, const char *origin, const char *acrm);

/* Writes the CORS header lines (each ending in CRLF) for ORIGIN into OUT: nothing when
 * the origin is not allowed; the Allow-Methods/-Headers/Max-Age lines too for a
 * PREFLIGHT. Returns the length written (0 for none), or -1 when it does not fit. */
int edge_cors_headers(const edge_cors_t *self, const char *origin, bool preflight, char *out,
                      size_t size);

/* The stage: CORS header lines for an allowed Origin; a preflight answered 204 here. */
int edge_cors_stage(edge_thread_t *t, edge_request_t *r);

#endif
