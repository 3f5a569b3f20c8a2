/* token.c -- the system's JWT keys, and verifying tokens with one pinned algorithm. */
#define _GNU_SOURCE                  /* strcasestr */
#include "token.h"
#include "log.h"
#include "mem.h"
#include "config.h"
#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TOKEN_MAX_LEN 8192

struct token_keys_t {
    jwt_alg_t alg;
    unsigned char *verify_key;   /* HS secret, or the public key PEM */
    int verify_len;
    unsigned char *sign_key;     /* HS secret, or the private key PEM; NULL: verify only */
    int sign_len;
};

static unsigned char *
s_read_file(const char *path, int *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *buf = mem_malloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    if (n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = (int) n;
    return buf;
}

token_keys_t *
token_keys_new(const char *alg, const char *verify_key, const char *sign_key)
{
    jwt_alg_t a = jwt_str_alg(alg);
    if (a != JWT_ALG_HS256 && a != JWT_ALG_RS256 && a != JWT_ALG_ES256) {
        log_error(NULL, "token_keys", "unsupported algorithm %.16s", alg ? alg : "(none)");
        return NULL;
    }
    if (!verify_key || !*verify_key) {
        log_error(NULL, "token_keys", "no verification key");
        return NULL;
    }
    token_keys_t *self = mem_calloc(1, sizeof *self);
    self->alg = a;
    self->verify_key = (unsigned char *) mem_strdup(verify_key);
    self->verify_len = (int) strlen(verify_key);
    if (sign_key) {
        self->sign_key = (unsigned char *) mem_strdup(sign_key);
        self->sign_len = (int) strlen(sign_key);
    }
    return self;
}

const char *
token_secret_weakness(const char *secret)
{
    static const char *const placeholders[] = {
        "change", "example", "placeholder", "secret", "default", "replace", "sample",
        "dummy", "password", "xxxx", "1234", "todo", NULL
    };
    size_t len = secret ? strlen(secret) : 0;
    if (len < 32)
        return "JWT_SECRET must be at least 32 characters";
    for (int i = 0; placeholders[i]; i++)
        if (strcasestr(secret, placeholders[i]))
            return "JWT_SECRET looks like a placeholder: generate one (openssl rand -hex 32)";
    /* Shannon's estimate over the secret's own byte counts: 64 random hex digits give
     * about 240 bits, "aaaa...ab" a handful. */
    size_t counts[256] = { 0 };
    for (size_t i = 0; i < len; i++)
        counts[(unsigned char) secret[i]]++;
    double bits = 0;
    for (int c = 0; c < 256; c++) {
        if (!counts[c])
            continue;
        double p = (double) counts[c] / (double) len;
        bits -= (double) counts[c] * log2(p);
    }
    if (bits < 128)
        return "JWT_SECRET has too little entropy: generate one (openssl rand -hex 32)";
    return NULL;
}

token_keys_t *
token_keys_from_env(bool need_signing, const char **err)
{
    const char *alg = config_str("JWT_ALG", "HS256");
    jwt_alg_t a = jwt_str_alg(alg);
    if (a == JWT_ALG_HS256) {
        const char *secret = config_str("JWT_SECRET", NULL);
        if (!secret) {
            *err = "JWT_SECRET must be set for HS256";
            return NULL;
        }
        if ((*err = token_secret_weakness(secret)))
            return NULL;
        return token_keys_new(alg, secret, secret);
    }
    if (a != JWT_ALG_RS256 && a != JWT_ALG_ES256) {
        *err = "JWT_ALG must be HS256, RS256 or ES256";
        return NULL;
    }
    int plen = 0, slen = 0;
    unsigned char *pub = s_read_file(config_str("JWT_PUBLIC_KEY_FILE", ""), &plen);
    unsigned char *priv = need_signing
                          ? s_read_file(config_str("JWT_PRIVATE_KEY_FILE", ""), &slen) : NULL;
    if (!pub || (need_signing && !priv)) {
        free(pub);
        free(priv);
        *err = need_signing ? "JWT_PUBLIC_KEY_FILE and JWT_PRIVATE_KEY_FILE must be readable PEM files"
                            : "JWT_PUBLIC_KEY_FILE must be a readable PEM file";
        return NULL;
    }
    token_keys_t *self = token_keys_new(alg, (char *) pub, (char *) priv);
    free(pub);
    free(priv);
    return self;
}

void
token_keys_destroy(token_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    token_keys_t *self = *self_p;
    if (self->verify_key)
        memset(self->verify_key, 0, (size_t) self->verify_len);
    if (self->sign_key)
        memset(self->sign_key, 0, (size_t) self->sign_len);
    free(self->verify_key);
    free(self->sign_key);
    free(self);
    *self_p = NULL;
}

bool
token_keys_signer(const token_keys_t *keys, const char **alg, const unsigned char **key,
                  int *key_len)
{
    if (!keys || !keys->sign_key)
        return false;
    *alg = jwt_alg_str(keys->alg);
    *key = keys->sign_key;
    *key_len = keys->sign_len;
    return true;
}

static bool
s_copy_grant(jwt_t *jwt, const char *name, char *out, size_t size, bool required)
{
    const char *v = jwt_get_grant(jwt, name);
    if (!v) {
        out[0] = '\0';
        return !required;
    }
    if (strlen(v) >= size)
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

/* The HS256 signature of TOKEN checked in constant time, before libjwt sees the token:
 * libjwt 1.10 compares signatures with strcmp, whose running time tells an attacker how
 * many leading characters of a forged signature were right. Only a token that passes
 * here reaches libjwt, where the comparison of two equal strings leaks nothing. */
static bool
s_hs256_signature_ok(const token_keys_t *keys, const char *token)
{
    const char *dot = strrchr(token, '.');
    if (!dot || dot == token)
        return false;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha256(), keys->verify_key, keys->verify_len, (const unsigned char *) token,
              (size_t) (dot - token), mac, &mac_len))
        return false;
    char b64[2 * EVP_MAX_MD_SIZE];
    int n = EVP_EncodeBlock((unsigned char *) b64, mac, (int) mac_len);
    while (n > 0 && b64[n - 1] == '=')          /* base64url: no padding, -_ for +/ */
        n--;
    for (int i = 0; i < n; i++)
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    const char *sig = dot + 1;
    return strlen(sig) == (size_t) n && CRYPTO_memcmp(sig, b64, (size_t) n) == 0;
}

token_status_t
token_verify(const token_keys_t *keys, const char *token, const char *expect_typ, int64_t now,
             token_claims_t *out)
{
    if (!token || !*token || strlen(token) > TOKEN_MAX_LEN)
        return TOKEN_INVALID;
    jwt_t *jwt = NULL;
    token_status_t rc = TOKEN_INVALID;
    memset(out, 0, sizeof *out);
    if (keys->alg == JWT_ALG_HS256 && !s_hs256_signature_ok(keys, token))
        goto cleanup;
    if (jwt_decode(&jwt, token, keys->verify_key, keys->verify_len) != 0 || !jwt)
        goto cleanup;
    /* libjwt picks the algorithm from the token's header: insist on ours, so an RS256
     * public key is never accepted as an HS256 secret and "none" never passes. */
    if (jwt_get_alg(jwt) != keys->alg)
        goto cleanup;
    errno = 0;
    long sub = jwt_get_grant_int(jwt, "sub");
    if (errno || sub <= 0)
        goto cleanup;
    out->sub = sub;
    if (!s_copy_grant(jwt, "typ", out->typ, sizeof out->typ, true)
        || strcmp(out->typ, expect_typ) != 0
        || !s_copy_grant(jwt, "jti", out->jti, sizeof out->jti, true)
        || !s_copy_grant(jwt, "fam", out->fam, sizeof out->fam, false)
        || !s_copy_grant(jwt, "role", out->role, sizeof out->role, false)
        || !s_copy_grant(jwt, "name", out->name, sizeof out->name, false)
        || !s_copy_grant(jwt, "email", out->email, sizeof out->email, false)
        || !s_copy_grant(jwt, "phone", out->phone, sizeof out->phone, false)
        || !s_copy_grant(jwt, "username", out->username, sizeof out->username, false))
        goto cleanup;
    errno = 0;
    out->exp = jwt_get_grant_int(jwt, "exp");
    if (errno || out->exp <= 0)
        goto cleanup;
    out->iat = jwt_get_grant_int(jwt, "iat");
    errno = 0;
    out->iat_ms = jwt_get_grant_int(jwt, "iat_ms");
    if (errno || out->iat_ms < 0)
        out->iat_ms = 0;
    rc = out->exp > now ? TOKEN_OK : TOKEN_EXPIRED;

cleanup:
    jwt_free(jwt);
    return rc;
}

void
token_random_id(char *out)
{
    unsigned char bytes[16];
    if (getrandom(bytes, sizeof bytes, 0) != (ssize_t) sizeof bytes)
        abort();   /* no entropy: refuse to mint guessable ids */
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
    out[32] = '\0';
}
