/* edge_body.h -- the body map a request carries on the bus: the JSON body's members, the
 * query parameters (strings) and the path parameters (integers). On a name clash the path
 * wins over the query, and the query over the body, so a body cannot override the id the
 * URL names. */
#ifndef EDGE_BODY_H
#define EDGE_BODY_H
#include <stddef.h>
#include <json-c/json.h>
#include <msgpack.h>
#include "edge_route.h"
#include "edge_stage.h"

#define EDGE_QUERY_MAX_PARAMS  16
#define EDGE_QUERY_MAX_KEY     32
#define EDGE_QUERY_MAX_TEXT    2048      /* decoded bytes of all keys and values */

typedef struct {
    const char *key;         /* into buf, NUL-terminated */
    const char *value;
    size_t value_len;
} edge_query_param_t;

typedef struct {
    edge_query_param_t params[EDGE_QUERY_MAX_PARAMS];
    int count;
    char buf[EDGE_QUERY_MAX_TEXT + 2 * EDGE_QUERY_MAX_PARAMS];
} edge_query_t;

/* Parses the query string QS (may be NULL or empty): form-url-decoded, first occurrence of
 * a key wins, keys that are not [A-Za-z0-9_]{1,32} are ignored. Returns 0, or -1 when the
 * query is too long, has too many parameters, a NUL byte or invalid UTF-8 (400). */
int edge_query_parse(const char *qs, edge_query_t *out);

/* Packs the body map into PK from MATCH's path parameters, QUERY (may be NULL) and BODY (a
 * JSON object or NULL). */
void edge_body_pack(msgpack_packer *pk, const edge_match_t *match, const edge_query_t *query,
                    json_object *body);

/* The stages of the request's own input: the query string (400); what the headers say of
 * the body, before any of it is read (413 over the route's limit, 415 not JSON); and,
 * once the client passed authentication and the rate limit, the body itself, read within
 * its limit and one deadline, then parsed (413, 400). */
int edge_body_stage_query(edge_thread_t *t, edge_request_t *r);
int edge_body_stage_check(edge_thread_t *t, edge_request_t *r);
int edge_body_stage_read(edge_thread_t *t, edge_request_t *r);

#endif
