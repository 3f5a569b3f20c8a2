/* edge_tokcache.c -- a worker thread's recently verified access tokens (edge_tokcache.h). */
#define _DEFAULT_SOURCE              /* explicit_bzero */
#include "edge_tokcache.h"
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "mem.h"

#define DIGEST_LEN sizeof ((edge_tokcache_key_t *) 0)->digest

typedef struct {
    bool used;
    unsigned char digest[DIGEST_LEN];
    token_claims_t claims;
} entry_t;

struct edge_tokcache_t {
    EVP_MD *sha256;                  /* fetched once: an implicit fetch per call costs locks */
    EVP_MD_CTX *ctx;
    entry_t entries[EDGE_TOKCACHE_ENTRIES];
    int next;                        /* the slot the next put overwrites */
};

edge_tokcache_t *
edge_tokcache_new(void)
{
    edge_tokcache_t *self = mem_calloc(1, sizeof *self);
    self->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    self->ctx = EVP_MD_CTX_new();
    if (!self->sha256 || !self->ctx)
        edge_tokcache_destroy(&self);
    return self;
}

void
edge_tokcache_destroy(edge_tokcache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_tokcache_t *self = *self_p;
    EVP_MD_CTX_free(self->ctx);
    EVP_MD_free(self->sha256);
    explicit_bzero(self->entries, sizeof self->entries);
    free(self);
    *self_p = NULL;
}

void
edge_tokcache_key(edge_tokcache_t *self, const char *token, size_t len, edge_tokcache_key_t *key)
{
    unsigned int n = 0;
    key->ok = self
              && EVP_DigestInit_ex2(self->ctx, self->sha256, NULL) == 1
              && EVP_DigestUpdate(self->ctx, token, len) == 1
              && EVP_DigestFinal_ex(self->ctx, key->digest, &n) == 1 && n == DIGEST_LEN;
}

edge_tokcache_result_t
edge_tokcache_get(edge_tokcache_t *self, const edge_tokcache_key_t *key, int64_t now,
                  token_claims_t *claims)
{
    if (!self || !key->ok)
        return EDGE_TOKCACHE_MISS;
    for (int i = 0; i < EDGE_TOKCACHE_ENTRIES; i++) {
        entry_t *e = &self->entries[i];
        /* Constant time: how much of a digest matched never shows in the answer's time. */
        if (!e->used || CRYPTO_memcmp(e->digest, key->digest, DIGEST_LEN) != 0)
            continue;
        if (e->claims.exp <= now) {
            explicit_bzero(e, sizeof *e);
            return EDGE_TOKCACHE_EXPIRED;
        }
        *claims = e->claims;
        return EDGE_TOKCACHE_HIT;
    }
    return EDGE_TOKCACHE_MISS;
}

void
edge_tokcache_put(edge_tokcache_t *self, const edge_tokcache_key_t *key,
                  const token_claims_t *claims)
{
    if (!self || !key->ok)
        return;
    entry_t *e = &self->entries[self->next];
    memcpy(e->digest, key->digest, DIGEST_LEN);
    e->claims = *claims;
    e->used = true;
    self->next = (self->next + 1) % EDGE_TOKCACHE_ENTRIES;
}
