/* edge_stage.h -- what a stage of the request pipeline is (edge_pipeline.c runs them in
 * order) and the three things every stage may do to the answer: refuse with an error,
 * add a header line, name the client.
 *
 * Each module that owns a stage declares it in its own header as an edge_stage_fn; the
 * request and thread types are declared here, incomplete, so those headers need not
 * include edge_app.h (which includes them). */
#ifndef EDGE_STAGE_H
#define EDGE_STAGE_H
#include "errors.h"

typedef struct edge_thread edge_thread_t;      /* edge_app.h */
typedef struct edge_request edge_request_t;    /* edge_app.h */

/* A stage returns EDGE_STAGE_NEXT to go on, or EDGE_STAGE_DONE once the answer is decided
 * (an error, or a body ready in thread->body). */
enum { EDGE_STAGE_NEXT = 0, EDGE_STAGE_DONE = 1 };

typedef int (edge_stage_fn)(edge_thread_t *t, edge_request_t *r);

/* Decides the answer as ERR with MESSAGE (NULL: the code's default). Returns
 * EDGE_STAGE_DONE, so a stage can end with "return edge_stage_fail(...)". */
int edge_stage_fail(edge_request_t *r, err_code_t err, const char *message);

/* Appends header lines (each ending in CRLF) to the answer; silently drops what does not
 * fit (the buffer is sized for CORS plus the rate-limit lines, so that never happens). */
void edge_stage_header(edge_request_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The client's address (the peer, or X-Forwarded-For behind a trusted proxy), picked once
 * per request and kept in the request. */
const char *edge_stage_client_ip(edge_thread_t *t, edge_request_t *r);

/* A request holds one of the edge's CPU slots while its stages compute (edge_gate.h).
 * A stage about to wait on the client or the bus gives it back first and takes it again
 * after (ahead of new requests); both do nothing when already done. */
void edge_stage_wait_begin(edge_thread_t *t, edge_request_t *r);
void edge_stage_wait_end(edge_thread_t *t, edge_request_t *r);

#endif
