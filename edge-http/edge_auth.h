/* edge_auth.h -- who is calling an authenticated route: the access token read and
 * accepted by the rule edge and notify share (common/access_token.h), from the
 * Authorization header or the access_token cookie (the edge takes no ?token=: API.md).
 * Revocation is checked after it, in the pipeline's one Redis round trip
 * (common/revocation.h), and fails closed: 503 when Redis cannot answer. */
#ifndef EDGE_AUTH_H
#define EDGE_AUTH_H
#include <stdint.h>
#include "access_token.h"
#include "redis_conn.h"
#include "revocation.h"
#include "token.h"
#include "edge_stage.h"
#include "edge_tokcache.h"

/* The caller's token from AUTHORIZATION and COOKIE_HEADER (either may be NULL), verified
 * at unix time NOW, or found in the thread's CACHE of tokens it verified (edge_tokcache.h;
 * NULL: verify every time). Fills *CLAIMS on ACCESS_TOKEN_OK; the 401 message of any
 * other status is access_token_message's. Revocation is the caller's to check, always. */
access_token_status_t edge_auth_read(const token_keys_t *keys, edge_tokcache_t *cache,
                                     const char *authorization, const char *cookie_header,
                                     int64_t now, token_claims_t *claims);

/* The stage: a protected route's token verified (401) and checked against revocation,
 * together with the rate limit and the profile cache read in one Redis round trip (503
 * when Redis does not answer: fails closed). */
int edge_auth_stage(edge_thread_t *t, edge_request_t *r);

#endif
