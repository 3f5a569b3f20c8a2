/* edge_route.h -- the route table: (HTTP method, path template) -> (bus service, bus
 * method, public?, roles), and the matcher that tells a match from 404, 405 and a bad id.
 *
 * Templates are literal segments and ":name" parameters ("/api/users/:id"). A parameter
 * is an id: 1..19 digits, 1 <= value <= INT64_MAX; anything else is 400 BAD_REQUEST
 * "<name> must be a valid id". One trailing slash is tolerated ("/api/users/"). */
#ifndef EDGE_ROUTE_H
#define EDGE_ROUTE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "edge_stage.h"

/* Routes answered by the edge itself rather than a bus service. */
typedef enum {
    EDGE_LOCAL_NONE = 0,
    EDGE_LOCAL_HEALTH,       /* /health, /api/health */
    EDGE_LOCAL_LIVE,         /* /health/live */
    EDGE_LOCAL_READY,        /* /health/ready */
    EDGE_LOCAL_METRICS,      /* /metrics */
    EDGE_LOCAL_OPENAPI       /* /api/openapi.json (edge_openapi.h) */
} edge_local_t;

typedef struct {
    const char *method;      /* "GET", "POST", "PATCH", "DELETE", ...; NULL ends a table */
    const char *path;        /* template, also the metrics and log label */
    const char *service;     /* bus service, NULL for local routes */
    const char *bus_method;
    bool is_public;          /* no token needed */
    const char *roles;       /* NULL: any authenticated caller; else "admin,moderator" */
    edge_local_t local;
    bool creates;            /* a POST that creates: takes an Idempotency-Key (API.md) */
} edge_route_t;

#define EDGE_ROUTE_MAX_PARAMS   4
#define EDGE_ROUTE_MAX_PATH     2048
#define EDGE_ROUTE_PARAM_NAME   24

typedef struct {
    char name[EDGE_ROUTE_PARAM_NAME];
    int64_t value;
} edge_param_t;

typedef enum {
    EDGE_MATCH_OK = 0,
    EDGE_MATCH_NOT_FOUND,    /* no template fits the path: 404 */
    EDGE_MATCH_METHOD,       /* templates fit, none for this method: 405, see allow */
    EDGE_MATCH_BAD_PARAM     /* the route fits but a parameter is not an id: 400 */
} edge_match_status_t;

typedef struct {
    const edge_route_t *route;        /* set for OK and BAD_PARAM */
    edge_param_t params[EDGE_ROUTE_MAX_PARAMS];
    int param_count;
    char bad_param[EDGE_ROUTE_PARAM_NAME];   /* BAD_PARAM: the parameter's name */
    char allow[64];                   /* METHOD: "GET, PATCH, DELETE" */
} edge_match_t;

/* The system's table (edge_routes.c), ended by an entry whose method is NULL. */
const edge_route_t *edge_routes(void);

/* Matches METHOD and PATH (no query string) against TABLE. Never fails on hostile input:
 * overlong paths and empty segments are NOT_FOUND. */
edge_match_status_t edge_route_match(const edge_route_t *table, const char *method,
                                     const char *path, edge_match_t *out);

/* True for the probes (health, liveness, readiness, metrics): never rate limited, logged
 * at debug level. The API description is a local route but not a probe. */
bool edge_route_is_probe(const edge_route_t *route);

/* True when ROUTE lets a caller with ROLE in (no role list, or ROLE listed in it). */
bool edge_route_role_ok(const edge_route_t *route, const char *role);

/* The stages: the route of the request (404, 405, 400 on a bad id), then its roles (403). */
int edge_route_stage(edge_thread_t *t, edge_request_t *r);
int edge_route_stage_roles(edge_thread_t *t, edge_request_t *r);

#endif
