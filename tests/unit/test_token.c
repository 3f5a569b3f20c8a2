/* test_token.c -- JWT signing and verification with the algorithm pinned: expiry, typ,
 * tampering, alg none, another HS algorithm, and RS256 public-key-as-HMAC-secret confusion. */
#include "token.h"
#include "users_jwt.h"
#include <check.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET "test-secret-test-secret-test-secret-0123"

static token_claims_t
s_claims(const char *typ, int64_t exp)
{
    token_claims_t c;
    memset(&c, 0, sizeof c);
    c.sub = 42;
    snprintf(c.typ, sizeof c.typ, "%s", typ);
    snprintf(c.jti, sizeof c.jti, "jti-1");
    snprintf(c.fam, sizeof c.fam, "fam-1");
    snprintf(c.role, sizeof c.role, "user");
    snprintf(c.name, sizeof c.name, "Ann");
    snprintf(c.email, sizeof c.email, "ann@example.com");
    c.iat = time(NULL);
    c.exp = exp;
    return c;
}

START_TEST(test_round_trip)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    ck_assert_ptr_nonnull(keys);
    token_claims_t c = s_claims("access", time(NULL) + 60);
    char *tok = users_jwt_sign(keys, &c);
    ck_assert_ptr_nonnull(tok);
    token_claims_t out;
    ck_assert_int_eq(token_verify(keys, tok, "access", time(NULL), &out), TOKEN_OK);
    ck_assert_int_eq(out.sub, 42);
    ck_assert_str_eq(out.jti, "jti-1");
    ck_assert_str_eq(out.fam, "fam-1");
    ck_assert_str_eq(out.role, "user");
    ck_assert_str_eq(out.email, "ann@example.com");
    /* The same token is not a refresh token. */
    ck_assert_int_eq(token_verify(keys, tok, "refresh", time(NULL), &out), TOKEN_INVALID);
    free(tok);
    token_keys_destroy(&keys);
    ck_assert_ptr_null(keys);
}
END_TEST

START_TEST(test_expired)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_claims_t c = s_claims("access", time(NULL) - 1);
    char *tok = users_jwt_sign(keys, &c);
    token_claims_t out;
    ck_assert_int_eq(token_verify(keys, tok, "access", time(NULL), &out), TOKEN_EXPIRED);
    free(tok);
    token_keys_destroy(&keys);
}
END_TEST

START_TEST(test_tampered_and_garbage)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_claims_t c = s_claims("access", time(NULL) + 60);
    char *tok = users_jwt_sign(keys, &c);
    token_claims_t out;
    size_t n = strlen(tok);
    tok[n - 2] = tok[n - 2] == 'A' ? 'B' : 'A';          /* signature */
    ck_assert_int_eq(token_verify(keys, tok, "access", time(NULL), &out), TOKEN_INVALID);
    free(tok);

    token_keys_t *other = token_keys_new("HS256", SECRET "x", SECRET "x");
    tok = users_jwt_sign(other, &c);                          /* another secret */
    ck_assert_int_eq(token_verify(keys, tok, "access", time(NULL), &out), TOKEN_INVALID);
    free(tok);
    token_keys_destroy(&other);

    const char *junk[] = { "", "a", "a.b", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9..", NULL };
    for (int i = 0; junk[i]; i++)
        ck_assert_int_eq(token_verify(keys, junk[i], "access", time(NULL), &out), TOKEN_INVALID);
    char *huge = malloc(20000);
    memset(huge, 'a', 19999);
    huge[19999] = '\0';
    ck_assert_int_eq(token_verify(keys, huge, "access", time(NULL), &out), TOKEN_INVALID);
    free(huge);
    token_keys_destroy(&keys);
}
END_TEST

/* Signs a token with libjwt directly, with any algorithm and key. */
static char *
s_forge(jwt_alg_t alg, const char *key)
{
    jwt_t *jwt = NULL;
    jwt_new(&jwt);
    jwt_add_grant_int(jwt, "sub", 42);
    jwt_add_grant(jwt, "typ", "access");
    jwt_add_grant(jwt, "jti", "x");
    jwt_add_grant(jwt, "role", "admin");
    jwt_add_grant_int(jwt, "exp", (long) time(NULL) + 60);
    jwt_set_alg(jwt, alg, (const unsigned char *) key, key ? (int) strlen(key) : 0);
    char *s = jwt_encode_str(jwt);
    jwt_free(jwt);
    return s;
}

START_TEST(test_alg_none_and_other_hs)
{
    token_keys_t *keys = token_keys_new("HS256", SECRET, SECRET);
    token_claims_t out;
    char *none = s_forge(JWT_ALG_NONE, NULL);
    ck_assert_ptr_nonnull(none);
    ck_assert_int_eq(token_verify(keys, none, "access", time(NULL), &out), TOKEN_INVALID);
    free(none);
    char *hs512 = s_forge(JWT_ALG_HS512, SECRET);
    ck_assert_int_eq(token_verify(keys, hs512, "access", time(NULL), &out), TOKEN_INVALID);
    free(hs512);
    char *hs256 = s_forge(JWT_ALG_HS256, SECRET);    /* control: the forger itself works */
    ck_assert_int_eq(token_verify(keys, hs256, "access", time(NULL), &out), TOKEN_OK);
    free(hs256);
    token_keys_destroy(&keys);
}
END_TEST

static char *
s_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 16384);
    size_t n = fread(buf, 1, 16383, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Makes a throwaway key pair with the openssl tool (installed by scripts/install-deps.sh):
 * "GENKEY <folder>/priv.pem GENKEY_TAIL" writes the private key, PUBOUT derives pub.pem; then
 * checks ALG end to
 * end: the signer's token verifies with the public key alone; the verifier cannot sign;
 * a token HMAC-signed with the public key (key confusion) is refused. */
static void
s_check_key_pair(const char *alg, const char *genkey, const char *genkey_tail, const char *pubout)
{
    char dir[] = "/tmp/token-test-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "%s %s/priv.pem %s 2>/dev/null && %s -in %s/priv.pem -pubout -out %s/pub.pem 2>/dev/null",
             genkey, dir, genkey_tail, pubout, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    char path[300];
    snprintf(path, sizeof path, "%s/priv.pem", dir);
    char *priv = s_slurp(path);
    snprintf(path, sizeof path, "%s/pub.pem", dir);
    char *pub = s_slurp(path);
    ck_assert_ptr_nonnull(priv);
    ck_assert_ptr_nonnull(pub);

    token_keys_t *signer = token_keys_new(alg, pub, priv);
    token_keys_t *verifier = token_keys_new(alg, pub, NULL);
    token_claims_t c = s_claims("access", time(NULL) + 60), out;
    char *tok = users_jwt_sign(signer, &c);
    ck_assert_ptr_nonnull(tok);
    ck_assert_int_eq(token_verify(verifier, tok, "access", time(NULL), &out), TOKEN_OK);
    ck_assert_int_eq(out.sub, 42);
    ck_assert_ptr_null(users_jwt_sign(verifier, &c));          /* the edge cannot sign */
    free(tok);

    /* An attacker who knows the public key signs HS256 with it as the HMAC secret. */
    char *forged = s_forge(JWT_ALG_HS256, pub);
    ck_assert_int_eq(token_verify(verifier, forged, "access", time(NULL), &out), TOKEN_INVALID);
    free(forged);

    token_keys_destroy(&signer);
    token_keys_destroy(&verifier);
    free(priv);
    free(pub);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_rs256_and_key_confusion)
{
    s_check_key_pair("RS256", "openssl genrsa -out", "2048", "openssl rsa");
}
END_TEST

START_TEST(test_es256_and_key_confusion)
{
    s_check_key_pair("ES256", "openssl ecparam -name prime256v1 -genkey -noout -out", "",
                     "openssl ec");
}
END_TEST

START_TEST(test_unsupported_alg_and_ids)
{
    ck_assert_ptr_null(token_keys_new("none", SECRET, SECRET));
    ck_assert_ptr_null(token_keys_new("HS512", SECRET, SECRET));
    ck_assert_ptr_null(token_keys_new("HS256", "", ""));
    char a[33], b[33];
    token_random_id(a);
    token_random_id(b);
    ck_assert_uint_eq(strlen(a), 32);
    ck_assert_str_ne(a, b);
}
END_TEST

/* Issue 10: the example secret of deploy/ and other weak ones stop every process. */
START_TEST(test_secret_weakness)
{
    ck_assert_ptr_nonnull(token_secret_weakness(NULL));
    ck_assert_ptr_nonnull(token_secret_weakness("short"));
    ck_assert_ptr_nonnull(token_secret_weakness("CHANGE-ME-at-least-32-random-bytes"));
    ck_assert_ptr_nonnull(token_secret_weakness("my-super-SECRET-key-for-jwt-tokens-2024"));
    ck_assert_ptr_nonnull(token_secret_weakness("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
    ck_assert_ptr_nonnull(token_secret_weakness("abababababababababababababababababababab"));
    /* what the scripts generate (openssl rand -hex 32 alike), and base64 of 32 bytes */
    ck_assert_ptr_null(token_secret_weakness(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    ck_assert_ptr_null(token_secret_weakness("q3Jx9Lw0ZpV7rT2mK8nB5cY1hG4fD6sA+eU/oI3WjQk="));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_secret_weakness);
    tcase_add_test(tc, test_expired);
    tcase_add_test(tc, test_tampered_and_garbage);
    tcase_add_test(tc, test_alg_none_and_other_hs);
    tcase_add_test(tc, test_rs256_and_key_confusion);
    tcase_add_test(tc, test_es256_and_key_confusion);
    tcase_add_test(tc, test_unsupported_alg_and_ids);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
