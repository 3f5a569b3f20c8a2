/* edge_auth.h -- who is calling: the access token from the Authorization header or the
 * access_token cookie, verified with common/token.h, then checked against the revocation
 * list in Redis (common/revocation.h).
 *
 * Revocation fails closed: when Redis cannot answer, the request is refused with 503
 * rather than let a logged-out token through. */
#ifndef EDGE_AUTH_H
#define EDGE_AUTH_H
#include <stddef.h>
#include <stdint.h>
#include "redis_conn.h"
#include "revocation.h"
#include "token.h"
#include "edge_stage.h"

#define EDGE_AUTH_MAX_TOKEN  4096

typedef enum {
    EDGE_AUTH_OK = 0,
    EDGE_AUTH_MISSING,       /* 401 "Missing token" */
    EDGE_AUTH_INVALID,       /* 401 "Invalid JWT token" */
    EDGE_AUTH_EXPIRED        /* 401 "JWT token expired" */
} edge_auth_status_t;

/* Copies the token into OUT (SIZE bytes): "Authorization: Bearer <t>" (scheme in any case)
 * first, else the access_token cookie of COOKIE_HEADER. Either header may be NULL.
 * Returns the token's length, 0 when there is none, -1 when it does not fit (invalid). */
int edge_auth_extract(const char *authorization, const char *cookie_header, char *out,
                      size_t size);

/* Verifies TOKEN as an access token at unix time NOW (signature, algorithm, typ, exp,
 * jti and sub present), without Redis. Fills *CLAIMS on EDGE_AUTH_OK. */
edge_auth_status_t edge_auth_verify(const token_keys_t *keys, const char *token, int64_t now,
                                    token_claims_t *claims);

/* The 401 message for STATUS. */
const char *edge_auth_message(edge_auth_status_t status);

/* The stage: a protected route's token verified (401) and checked against revocation,
 * together with the rate limit and the profile cache read in one Redis round trip (503
 * when Redis does not answer: fails closed). */
int edge_auth_stage(edge_thread_t *t, edge_request_t *r);

#endif
