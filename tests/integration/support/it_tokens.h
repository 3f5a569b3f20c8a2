/* it_tokens.h -- crafting JWTs that the edge must refuse (or, as controls, accept).
 *
 * Each forgery starts from a real token the system issued and changes one property, so a
 * 401 proves that property is checked and not some other difference. The control,
 * it_token_resign, changes nothing but re-signs with TEST_JWT_SECRET: if the edge refuses
 * that, the forging is wrong, not the edge. All results are new strings (caller frees). */
#ifndef IT_TOKENS_H
#define IT_TOKENS_H
#include <json-c/json.h>
#include <stddef.h>

/* base64url without padding, both ways. Decoding returns NULL on bad input; *LEN gets the
 * decoded size. Caller frees. */
char *it_b64url_encode(const void *data, size_t len);
char *it_b64url_decode(const char *text, size_t text_len, size_t *len);

/* The payload (claims) of TOKEN as a new json-c object, or NULL. Caller puts it. */
json_object *it_token_claims(const char *token);

/* HEADER_JSON.PAYLOAD signed by hand with HMAC-SHA256 and TEST_JWT_SECRET, whatever the
 * header says (so "RS256" headers can carry an HMAC signature, as in key confusion). */
char *it_token_sign_hs256(const char *header_json, json_object *claims);

/* The same claims, re-signed with HS256 and the test secret (the control). */
char *it_token_resign(const char *token);

/* The same claims with iat/exp an hour and a bit in the past. */
char *it_token_expired(const char *token);

/* The same claims with typ replaced (NULL removes it). */
char *it_token_with_typ(const char *token, const char *typ);

/* The token with one character of its signature changed. */
char *it_token_tampered(const char *token);

/* The same claims with header {"alg":"none"} and an empty signature. */
char *it_token_alg_none(const char *token);

/* The same claims signed with HS512 and the right secret (libjwt). */
char *it_token_hs512(const char *token);

/* The same claims with header {"alg":"RS256"} over an HMAC-SHA256 signature. */
char *it_token_rs256_header(const char *token);

#endif
