/* edge_idem.h -- the edge's half of Idempotency-Key (API.md): the header checked, the
 * caller's scope and the request's fingerprint, which travel to the service in the
 * envelope's idem block (schemas/envelope.md); the service stores and replays
 * (common/idempotency.h).
 *
 * Only routes marked `creates` in the route table take the header; on any other route it
 * is ignored, as an unknown header is. */
#ifndef EDGE_IDEM_H
#define EDGE_IDEM_H
#include <stddef.h>
#include <stdint.h>
#include "envelope.h"
#include "edge_stage.h"

typedef enum {
    EDGE_IDEM_NONE = 0,      /* no header: nothing deduplicated */
    EDGE_IDEM_OK,            /* 1..128 visible ASCII characters */
    EDGE_IDEM_INVALID        /* present but empty, too long, or with a space, a control
                                character or a byte above 0x7e: 400 */
} edge_idem_status_t;

/* Checks the header's value HEADER (NULL: absent). */
edge_idem_status_t edge_idem_check(const char *header);

/* The scope of a key: "user:<id>" for an authenticated caller (USER_ID > 0), else
 * "ip:<IP>" (register: the client address as edge_clientip picked it). Returns 0, or -1
 * when it does not fit OUT. */
int edge_idem_scope(int64_t user_id, const char *ip, char *out, size_t size);

/* SHA-256, as 64 lowercase hex digits into OUT (at least 65 bytes), over
 * METHOD "\n" PATH "\n" and the exact body bytes BODY (LEN; NULL when there is none).
 * Returns 0, or -1 when the digest fails. */
int edge_idem_fingerprint(const char *method, const char *path, const void *body, size_t len,
                          char *out);

/* Fills IDEM from the checked HEADER, the caller and the request (all three fields).
 * Returns 0, or -1 (IDEM left empty) when the header is not EDGE_IDEM_OK or a part
 * fails. */
int edge_idem_fill(envelope_idem_t *idem, const char *header, int64_t user_id, const char *ip,
                   const char *method, const char *path, const void *body, size_t len);

/* The stage: Idempotency-Key on a creating route checked (400) and filled in for the
 * envelope; after the body is read and before it is sanitized, so the fingerprint is of
 * what the client sent. */
int edge_idem_stage(edge_thread_t *t, edge_request_t *r);

#endif
