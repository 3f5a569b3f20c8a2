/* edge_tokcache.h -- a worker thread's few recently verified access tokens, so a
 * keep-alive client's next request skips the signature check and the claims' parse.
 *
 * Why: verifying an HS256 token costs two HMACs (ours in constant time, then libjwt's),
 * a base64 decode and two JSON parses per request; CivetWeb serves a keep-alive
 * connection on one thread, so that thread sees the same token again and again.
 *
 * What it keeps: the SHA-256 of the token's exact bytes (never the token: a credential
 * is not kept longer than its request) and the claims its verification produced.
 * Only tokens that verified with the configured key and algorithm and were accepted
 * (access_token_accept) are put; a hit is only a token with the same digest, compared in
 * constant time, and still before its exp (an expired hit is dropped and reported
 * expired). Revocation is not cached: the pipeline checks it in Redis on every request,
 * hit or miss. Not shared between threads: no lock. */
#ifndef EDGE_TOKCACHE_H
#define EDGE_TOKCACHE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "token.h"

/* Entries per thread: a thread serves one connection at a time, and a connection mostly
 * one caller; a few cover a client that switches. */
#define EDGE_TOKCACHE_ENTRIES 4

typedef struct edge_tokcache_t edge_tokcache_t;

typedef enum {
    EDGE_TOKCACHE_MISS = 0,      /* not here: verify it */
    EDGE_TOKCACHE_HIT,           /* *CLAIMS filled, exp after NOW */
    EDGE_TOKCACHE_EXPIRED        /* was here, its exp has passed (the entry is gone) */
} edge_tokcache_result_t;

/* NULL when the digest cannot be set up (the caller then verifies every time). */
edge_tokcache_t *edge_tokcache_new(void);
void edge_tokcache_destroy(edge_tokcache_t **self_p);

/* A token's key: the digest of its exact bytes, made once for a get and the put after a
 * miss. ok is false when the digest failed (then get misses and put does nothing). */
typedef struct {
    bool ok;
    unsigned char digest[32];    /* SHA-256 */
} edge_tokcache_key_t;

void edge_tokcache_key(edge_tokcache_t *self, const char *token, size_t len,
                       edge_tokcache_key_t *key);
/* The token of KEY at unix time NOW. */
edge_tokcache_result_t edge_tokcache_get(edge_tokcache_t *self, const edge_tokcache_key_t *key,
                                         int64_t now, token_claims_t *claims);
/* Remembers CLAIMS, which KEY's token's verification produced, in place of the oldest
 * entry. */
void edge_tokcache_put(edge_tokcache_t *self, const edge_tokcache_key_t *key,
                       const token_claims_t *claims);

#endif
