/* token.h -- the system's JWTs: their keys and claims, and verifying them. Signing is the
 * users service's alone (services/users/users_jwt.h, with the role-to-permission table):
 * no other process can mint a token. token.c and users_jwt.c are the only files that
 * talk to libjwt, so a libjwt upgrade (its API changed in 2.x and 3.0) touches those two.
 *
 * The algorithm is pinned by configuration: a token whose header names any other
 * algorithm (alg confusion, "none") is invalid, whatever its signature. */
#ifndef COMMON_TOKEN_H
#define COMMON_TOKEN_H
#include <stdint.h>
#include <stdbool.h>

typedef enum { TOKEN_OK = 0, TOKEN_INVALID, TOKEN_EXPIRED } token_status_t;

typedef struct {
    int64_t sub;             /* user id */
    char typ[16];            /* "access" or "refresh" */
    char jti[64];
    char fam[64];            /* refresh family id */
    char role[16];
    char name[404];          /* access tokens carry the profile claims of API.md;
                                100 characters of up to 4 bytes */
    char email[256];
    char phone[32];
    char username[40];
    int64_t iat;
    int64_t iat_ms;          /* the issue time in ms ("iat_ms"): compared with the user's
                                revoked_before mark (revocation.h); 0 in older tokens */
    int64_t exp;
} token_claims_t;

typedef struct token_keys_t token_keys_t;

/* From the environment: JWT_ALG (HS256 default, RS256, ES256), JWT_SECRET for HS256,
 * JWT_PRIVATE_KEY_FILE (signers only) and JWT_PUBLIC_KEY_FILE for RS256/ES256.
 * Returns NULL with a reason in *ERR when a required key is missing or unreadable. */
token_keys_t *token_keys_from_env(bool need_signing, const char **err);

/* Why SECRET is unfit to sign HS256 tokens, or NULL when it is fit: shorter than 32
 * bytes, a known placeholder ("CHANGE-ME...", "secret", "example", ...), or less than
 * 128 bits by its own character statistics (repeats, one character class). Every
 * process refuses to start with such a secret. */
const char *token_secret_weakness(const char *secret);

/* Explicit keys, for tests. KEY/KEY_LEN: the HS secret or PEM; for asymmetric algs SIGN_KEY
 * may be NULL (verify only). */
token_keys_t *token_keys_new(const char *alg, const char *verify_key, const char *sign_key);
void token_keys_destroy(token_keys_t **self_p);

/* The signing half of KEYS, for the signer (users_jwt.c): the algorithm's name and the
 * HS secret or private key PEM (KEY_LEN bytes). False when KEYS verify only. */
bool token_keys_signer(const token_keys_t *keys, const char **alg, const unsigned char **key,
                       int *key_len);

/* Verifies TOKEN: well-formed, header alg equal to the configured one, signature good,
 * typ equal to EXPECT_TYP, exp in the future (NOW unix seconds). Fills *OUT on success. */
token_status_t token_verify(const token_keys_t *keys, const char *token, const char *expect_typ,
                            int64_t now, token_claims_t *out);

/* Writes a random id (32 hex chars) into OUT (at least 33 bytes). */
void token_random_id(char *out);

#endif
