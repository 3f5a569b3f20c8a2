/* edge_request.h -- the state of the request a worker thread is serving: what the stages
 * learned of it and the answer they decided. */
#ifndef EDGE_REQUEST_H
#define EDGE_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "edge_body.h"
#include "edge_cache.h"
#include "edge_clientip.h"
#include "edge_ratelimit.h"
#include "edge_reqid.h"
#include "edge_route.h"
#include "edge_stage.h"
#include "envelope.h"
#include "token.h"

struct mg_connection;
struct mg_request_info;

/* One request being served, reset for each request. Lives in the thread state, not on the
 * stack: CivetWeb threads have small fixed stacks. */
struct edge_request {
    struct mg_connection *conn;
    const struct mg_request_info *ri;
    int64_t t0_us;
    const char *method;              /* static label (edge_metrics_method) */
    const char *path;
    char rid[EDGE_REQID_MAX + 1];
    edge_match_t match;
    const edge_route_t *route;       /* NULL until matched */
    json_object *body;               /* the parsed JSON body, or NULL */
    bool body_pending;               /* body left unread on the socket: close after */
    bool must_close;                 /* answer with Connection: close */
    bool authed;
    token_claims_t claims;
    envelope_t *reply;               /* the service's reply, if any */

    /* the answer */
    int status;
    const char *code;                /* error code name; NULL for a success */
    const char *message;
    const envelope_detail_t *details;
    int detail_count;
    const char *content_type;        /* NULL: JSON */
    const char *cache_control;       /* NULL: no-store under /api, else none */
    bool body_ready;                 /* thread->body already holds the response body */
    int64_t retry_after;             /* 429: seconds, in the body too; else -1 */

    char ip[EDGE_CLIENTIP_MAX];      /* the client address, once needed ("" before) */
    edge_rl_result_t rl;             /* the rate-limit verdict, once taken */
    bool rl_done;
    bool in_gate;                    /* holds one of the CPU slots (edge_gate.h) */
    bool cache_fill;                 /* a cache miss: store a 200 answer under cache_key */
    int cache_prefetch;              /* read with the revocation check: 0 not read, 1 miss,
                                        2 hit (the value in the thread's san_out) */
    char cache_key[PROFILE_CACHE_KEY_MAX];
    size_t body_len;                 /* bytes of the body read into thread->req_body */
    /* Idempotency-Key (edge_idem.h): has_idem_key says the request carries a valid one
     * on a creating route, which makes a retry of its bus call safe (the service answers
     * a repeat from its store); idem is what travels in the envelope. */
    bool has_idem_key;
    envelope_idem_t idem;
    size_t extra_len;                /* header lines in extra (CORS, rate limit) */

    edge_query_t query;              /* last: large, not cleared between requests */
    char extra[1024];                /* extra_len bytes of header lines, each with CRLF */
};

#endif
