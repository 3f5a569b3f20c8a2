/* it_tokens.c -- hand-built JWTs for the authentication tests. */
#include "it_tokens.h"
#include "it_env.h"
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <check.h>
#include <jwt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
it_b64url_encode(const void *data, size_t len)
{
    const uint8_t *p = data;
    char *out = malloc(len / 3 * 4 + 5);
    if (!out)
        abort();
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8 | p[i + 2];
        out[o++] = s_b64url[v >> 18 & 63];
        out[o++] = s_b64url[v >> 12 & 63];
        out[o++] = s_b64url[v >> 6 & 63];
        out[o++] = s_b64url[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t) p[i] << 16;
        out[o++] = s_b64url[v >> 18 & 63];
        out[o++] = s_b64url[v >> 12 & 63];
    } else if (len - i == 2) {
        uint32_t v = (uint32_t) p[i] << 16 | (uint32_t) p[i + 1] << 8;
        out[o++] = s_b64url[v >> 18 & 63];
        out[o++] = s_b64url[v >> 12 & 63];
        out[o++] = s_b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return out;
}

char *
it_b64url_decode(const char *text, size_t text_len, size_t *len)
{
    uint8_t *out = malloc(text_len * 3 / 4 + 4);
    if (!out)
        abort();
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < text_len; i++) {
        const char *pos = text[i] ? strchr(s_b64url, text[i]) : NULL;
        if (!pos) {
            free(out);
            return NULL;
        }
        acc = acc << 6 | (uint32_t) (pos - s_b64url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t) (acc >> bits & 0xff);
        }
    }
    out[o] = '\0';
    *len = o;
    return (char *) out;
}

json_object *
it_token_claims(const char *token)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2)
        return NULL;
    size_t len;
    char *json = it_b64url_decode(dot1 + 1, (size_t) (dot2 - dot1 - 1), &len);
    if (!json)
        return NULL;
    json_object *claims = json_tokener_parse(json);
    free(json);
    if (claims && !json_object_is_type(claims, json_type_object)) {
        json_object_put(claims);
        return NULL;
    }
    return claims;
}

/* Claims of TOKEN, failing the test when it is not a JWT with a JSON payload. */
static json_object *
s_claims_or_fail(const char *token)
{
    json_object *claims = it_token_claims(token);
    ck_assert_msg(claims != NULL, "not a JWT with a JSON payload: %.60s", token ? token : "(null)");
    return claims;
}

/* header.payload, both base64url, as a new string. */
static char *
s_signing_input(const char *header_json, json_object *claims)
{
    const char *payload = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
    char *h = it_b64url_encode(header_json, strlen(header_json));
    char *p = it_b64url_encode(payload, strlen(payload));
    size_t n = strlen(h) + strlen(p) + 2;
    char *input = malloc(n);
    if (!input)
        abort();
    snprintf(input, n, "%s.%s", h, p);
    free(h);
    free(p);
    return input;
}

char *
it_token_sign_hs256(const char *header_json, json_object *claims)
{
    const char *secret = it_env_require("TEST_JWT_SECRET");
    char *input = s_signing_input(header_json, claims);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;   /* OpenSSL's HMAC: no hand-written crypto, even in tests */
    HMAC(EVP_sha256(), secret, (int) strlen(secret), (const unsigned char *) input,
         strlen(input), mac, &mac_len);
    char *sig = it_b64url_encode(mac, mac_len);
    size_t n = strlen(input) + strlen(sig) + 2;
    char *token = malloc(n);
    if (!token)
        abort();
    snprintf(token, n, "%s.%s", input, sig);
    free(input);
    free(sig);
    return token;
}

static char *
s_resign_with(const char *token, void (*mutate)(json_object *claims, const void *arg),
              const void *arg, const char *header_json)
{
    json_object *claims = s_claims_or_fail(token);
    if (mutate)
        mutate(claims, arg);
    char *out = it_token_sign_hs256(header_json, claims);
    json_object_put(claims);
    return out;
}

char *
it_token_resign(const char *token)
{
    return s_resign_with(token, NULL, NULL, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
}

static void
s_make_expired(json_object *claims, const void *arg)
{
    int64_t now = (int64_t) time(NULL);
    /* Far enough past that no clock-skew leeway (usually seconds to a minute) saves it. */
    json_object_object_add(claims, "iat", json_object_new_int64(now - 7200));
    json_object_object_add(claims, "exp", json_object_new_int64(now - 3600));
}

char *
it_token_expired(const char *token)
{
    return s_resign_with(token, s_make_expired, NULL, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
}

static void
s_set_typ(json_object *claims, const void *arg)
{
    if (arg)
        json_object_object_add(claims, "typ", json_object_new_string(arg));
    else
        json_object_object_del(claims, "typ");
}

char *
it_token_with_typ(const char *token, const char *typ)
{
    return s_resign_with(token, s_set_typ, typ, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
}

char *
it_token_tampered(const char *token)
{
    char *out = strdup(token);
    char *sig = strrchr(out, '.');
    ck_assert_msg(sig && strlen(sig) > 4, "token has no signature to tamper with");
    /* A middle character: every one of its 6 bits is significant, unlike the last. */
    char *c = sig + 1 + strlen(sig + 1) / 2;
    *c = *c == 'A' ? 'B' : 'A';
    return out;
}

char *
it_token_alg_none(const char *token)
{
    json_object *claims = s_claims_or_fail(token);
    char *input = s_signing_input("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims);
    json_object_put(claims);
    size_t n = strlen(input) + 2;
    char *out = malloc(n);
    if (!out)
        abort();
    snprintf(out, n, "%s.", input);
    free(input);
    return out;
}

char *
it_token_hs512(const char *token)
{
    const char *secret = it_env_require("TEST_JWT_SECRET");
    json_object *claims = s_claims_or_fail(token);
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_new(&jwt), 0);
    ck_assert_int_eq(jwt_add_grants_json(jwt, json_object_to_json_string(claims)), 0);
    ck_assert_int_eq(jwt_set_alg(jwt, JWT_ALG_HS512, (const unsigned char *) secret,
                                 (int) strlen(secret)), 0);
    char *out = jwt_encode_str(jwt);
    ck_assert_msg(out != NULL, "libjwt could not sign an HS512 token");
    jwt_free(jwt);
    json_object_put(claims);
    return out;    /* allocated with malloc (libjwt's default allocator): caller frees */
}

char *
it_token_rs256_header(const char *token)
{
    return s_resign_with(token, NULL, NULL, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
}
