/* test_auth.c -- the Auth rows of API.md over real HTTP: register, login, refresh
 * rotation and family revocation, logout, me, and every way a token must be refused.
 * Each test registers its own users, so tests run in any order and in parallel. */
#include "it_assert.h"
#include "it_db.h"
#include "it_env.h"
#include "it_http.h"
#include "it_tokens.h"
#include "it_users.h"

#include <check.h>
#include <curl/curl.h>
#include <jwt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- helpers ----------------------------------------------------------------------- */

static it_response_t *
s_me(const char *token)
{
    return it_request("GET", "/api/auth/me", token, NULL, NULL);
}

static it_response_t *
s_refresh(const char *refresh_token)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "refresh_token", json_object_new_string(refresh_token));
    return it_request_json("POST", "/api/auth/refresh", NULL, body);
}

static it_response_t *
s_login(const char *email, const char *password)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "email", json_object_new_string(email));
    json_object_object_add(body, "password", json_object_new_string(password));
    return it_request_json("POST", "/api/auth/login", NULL, body);
}

/* The answer of register, login and refresh: a token pair and the user, no secrets. */
static void
s_assert_auth_shape(json_object *data, const char *email)
{
    ck_assert_ptr_nonnull(it_json_str(data, "access_token"));
    ck_assert_ptr_nonnull(it_json_str(data, "refresh_token"));
    ck_assert_str_ne(it_json_str(data, "access_token"), it_json_str(data, "refresh_token"));
    ck_assert_str_eq(it_json_str(data, "token_type"), "Bearer");
    ck_assert_msg(it_json_int(data, "expires_in") > 0, "expires_in is not a positive integer");
    json_object *user;
    ck_assert_msg(json_object_object_get_ex(data, "user", &user) &&
                  json_object_is_type(user, json_type_object), "no user object");
    ck_assert_msg(it_json_int(user, "id") > 0, "user.id is not a positive integer");
    if (email)
        ck_assert_str_eq(it_json_str(user, "email"), email);
    ck_assert_msg(!it_json_has_key_like(data, "password") && !it_json_has_key_like(data, "hash"),
                  "the answer carries a password or hash field");
}

/* A GET /api/auth/me with TOKEN answers 401 with MESSAGE (failures name the caller). */
#define ASSERT_ME_REFUSED(token, message) s_assert_me_refused_at(__FILE__, __LINE__, (token), (message))
static void
s_assert_me_refused_at(const char *file, int line, const char *token, const char *message)
{
    it_response_t *r = s_me(token);
    it_assert_error_at(file, line, r, 401, "UNAUTHORIZED", message);
    it_response_destroy(&r);
}

static int64_t
s_claim_int(const char *token, const char *claim)
{
    json_object *claims = it_token_claims(token);
    ck_assert_ptr_nonnull(claims);
    json_object *v;
    int64_t out = INT64_MIN;
    if (json_object_object_get_ex(claims, claim, &v))
        out = json_object_get_int64(v);   /* json-c reads "42" as 42 as well */
    json_object_put(claims);
    return out;
}

static char *
s_claim_str(const char *token, const char *claim)
{
    json_object *claims = it_token_claims(token);
    ck_assert_ptr_nonnull(claims);
    const char *v = it_json_str(claims, claim);
    char *out = v ? strdup(v) : NULL;
    json_object_put(claims);
    return out;
}

/* --- harness self-check -------------------------------------------------------------- */

/* The hand-built HMAC-SHA256 tokens must verify with libjwt and the test secret,
 * otherwise every "refused" result below could be the forger's fault. */
START_TEST(test_harness_crafted_token_verifies)
{
    json_object *claims = json_object_new_object();
    json_object_object_add(claims, "sub", json_object_new_string("1"));
    json_object_object_add(claims, "typ", json_object_new_string("access"));
    json_object_object_add(claims, "padding", json_object_new_string(
        "long enough that the signing input spans several SHA-256 blocks......"));
    char *token = it_token_sign_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims);
    const char *secret = it_env_require("TEST_JWT_SECRET");
    jwt_t *jwt = NULL;
    ck_assert_int_eq(jwt_decode(&jwt, token, (const unsigned char *) secret, (int) strlen(secret)), 0);
    ck_assert_str_eq(jwt_get_grant(jwt, "typ"), "access");
    jwt_free(jwt);
    char *bad = it_token_tampered(token);
    jwt = NULL;
    ck_assert_int_ne(jwt_decode(&jwt, bad, (const unsigned char *) secret, (int) strlen(secret)), 0);
    jwt_free(jwt);
    free(bad);
    free(token);
    json_object_put(claims);
}
END_TEST

/* --- register ------------------------------------------------------------------------ */

START_TEST(test_register_created)
{
    char unique[24], email[128], username[40], password[64];
    it_unique("", unique, sizeof unique);
    snprintf(email, sizeof email, "it.reg.%s@example.com", unique);
    snprintf(username, sizeof username, "r_%s", unique);
    snprintf(password, sizeof password, "Secret9-%s", unique);

    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL,
        it_register_body("Reg Ister", email, password, username));
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    s_assert_auth_shape(data, email);
    json_object *user = json_object_object_get(data, "user");
    ck_assert_str_eq(it_json_str(user, "name"), "Reg Ister");
    ck_assert_str_eq(it_json_str(user, "username"), username);
    int64_t id = it_json_int(user, "id");

    /* The tokens say who and what they are. */
    const char *access = it_json_str(data, "access_token");
    const char *refresh = it_json_str(data, "refresh_token");
    ck_assert_int_eq(s_claim_int(access, "sub"), id);
    char *typ = s_claim_str(access, "typ");
    ck_assert_pstr_eq(typ, "access");
    free(typ);
    typ = s_claim_str(refresh, "typ");
    ck_assert_pstr_eq(typ, "refresh");
    free(typ);
    ck_assert_int_gt(s_claim_int(access, "exp"), s_claim_int(access, "iat"));

    /* One row, with a bcrypt $2b$ hash of cost >= 10 and no plaintext anywhere. */
    ck_assert_int_eq(it_db_count_users_by_email(email), 1);
    char *row = it_db_user_row(id);
    ck_assert_msg(row != NULL, "no users row with id %lld", (long long) id);
    ck_assert_msg(strstr(row, password) == NULL, "the plaintext password is stored: %s", row);
    regex_t re;
    regmatch_t m[2];
    ck_assert_int_eq(regcomp(&re, "\\$2b\\$([0-9]{2})\\$[./A-Za-z0-9]{53}", REG_EXTENDED), 0);
    ck_assert_msg(regexec(&re, row, 2, m, 0) == 0, "no $2b$ bcrypt hash in the row: %s", row);
    int cost = atoi(row + m[1].rm_so);
    ck_assert_msg(cost >= 10, "bcrypt cost %d is below 10", cost);
    regfree(&re);
    free(row);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_malformed_json)
{
    it_response_t *r = it_request("POST", "/api/auth/register", NULL, "application/json",
                                  "{\"name\": \"x\", \"email\": ");
    IT_ASSERT_ERROR(r, 400, "BAD_REQUEST", NULL);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_wrong_content_type)
{
    char email[128];
    it_unique("it.ct.", email, sizeof email);
    strcat(email, "@example.com");
    json_object *body = it_register_body("Type", email, "Passw0rd!", NULL);
    it_response_t *r = it_request("POST", "/api/auth/register", NULL, "text/plain",
                                  json_object_to_json_string(body));
    IT_ASSERT_ERROR(r, 415, "UNSUPPORTED_MEDIA_TYPE", NULL);
    ck_assert_int_eq(it_db_count_users_by_email(email), 0);
    json_object_put(body);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_body_too_large)
{
    /* Valid JSON, just over the 1 MiB default, so only the size can be the reason. */
    size_t filler = 1024 * 1024 + 16;
    char *body = malloc(filler + 128);
    ck_assert_ptr_nonnull(body);
    int n = snprintf(body, 128, "{\"name\":\"");
    memset(body + n, 'a', filler);
    strcpy(body + n + filler, "\",\"email\":\"big@example.com\",\"password\":\"Passw0rd1\"}");
    it_response_t *r = it_request("POST", "/api/auth/register", NULL, "application/json", body);
    IT_ASSERT_ERROR(r, 413, "PAYLOAD_TOO_LARGE", NULL);
    it_response_destroy(&r);
    free(body);
}
END_TEST

START_TEST(test_register_missing_fields)
{
    char email[128];
    it_unique("it.miss.", email, sizeof email);
    strcat(email, "@example.com");
    json_object *body = json_object_new_object();
    json_object_object_add(body, "email", json_object_new_string(email));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_VALIDATION(r, "name", "password");
    ck_assert_int_eq(it_db_count_users_by_email(email), 0);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_wrong_types)
{
    char email[128];
    it_unique("it.types.", email, sizeof email);
    strcat(email, "@example.com");
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_int(5));
    json_object_object_add(body, "email", json_object_new_string(email));
    json_object_object_add(body, "password", json_object_new_boolean(1));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_VALIDATION(r, "name", "password");
    ck_assert_int_eq(it_db_count_users_by_email(email), 0);
    it_response_destroy(&r);
}
END_TEST

/* Every field one past its bound: all four reported at once, not only the first. */
START_TEST(test_register_too_long)
{
    char name[102], password[131], username[34], email[300];
    memset(name, 'n', 101);
    name[101] = '\0';
    for (int i = 0; i < 129; i++)
        password[i] = i % 2 ? 'a' : '1';
    password[129] = '\0';
    memset(username, 'u', 33);
    username[33] = '\0';
    /* 255 characters made of parts that are each legal (a 63-character local part, DNS
     * labels under 64), so only the total length can be the reason. */
    char label[51];
    memset(label, 'd', 50);
    label[50] = '\0';
    snprintf(email, sizeof email, "%.63s@%s.%s.%s.%.34s.com",
             "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", label, label,
             label, "dddddddddddddddddddddddddddddddddddddddddd");
    ck_assert_uint_eq(strlen(email), 255);

    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL,
        it_register_body(name, email, password, username));
    IT_ASSERT_VALIDATION(r, "name", "email", "password", "username");
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_bad_formats)
{
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL,
        it_register_body("", "not-an-email", "lettersonly", "Bad-Name"));
    IT_ASSERT_VALIDATION(r, "name", "email", "password", "username");
    it_response_destroy(&r);
}
END_TEST

/* A client must not choose its own role (or any field the contract does not list). */
START_TEST(test_register_extra_field)
{
    char email[128];
    it_unique("it.extra.", email, sizeof email);
    strcat(email, "@example.com");
    json_object *body = it_register_body("Extra", email, "Passw0rd1", NULL);
    json_object_object_add(body, "role", json_object_new_string("admin"));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_VALIDATION(r, "role");
    ck_assert_int_eq(it_db_count_users_by_email(email), 0);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_duplicate_email)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "dup");
    char username[40];
    it_unique("d_", username, sizeof username);
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL,
        it_register_body("Other", u.email, "Another1pass", username));
    IT_ASSERT_ERROR(r, 409, "DUPLICATE_ENTRY", "Duplicate entry found");
    ck_assert_int_eq(it_db_count_users_by_email(u.email), 1);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

/* Email, phone and username are each unique: the second claim of any is 409. */
START_TEST(test_register_duplicate_phone_and_username)
{
    char phone[20], unique[24], email[128], username[40];
    it_unique_phone(phone, sizeof phone);
    it_unique("", unique, sizeof unique);
    snprintf(email, sizeof email, "it.ph.%s@example.com", unique);
    snprintf(username, sizeof username, "p_%s", unique);
    json_object *body = it_register_body("Phone", email, "Passw0rd-ph", username);
    json_object_object_add(body, "phone", json_object_new_string(phone));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_SUCCESS(r, 201);
    it_response_destroy(&r);

    /* same phone, new email and username */
    char email2[128];
    snprintf(email2, sizeof email2, "it.ph2.%s@example.com", unique);
    body = it_register_body("Phone Two", email2, "Passw0rd-ph", NULL);
    json_object_object_add(body, "phone", json_object_new_string(phone));
    r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_ERROR(r, 409, "DUPLICATE_ENTRY", "Duplicate entry found");
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_count_users_by_email(email2), 0);

    /* same username, new email */
    r = it_request_json("POST", "/api/auth/register", NULL,
                        it_register_body("User Two", email2, "Passw0rd-ph", username));
    IT_ASSERT_ERROR(r, 409, "DUPLICATE_ENTRY", "Duplicate entry found");
    it_response_destroy(&r);
    ck_assert_int_eq(it_db_count_users_by_email(email2), 0);
}
END_TEST

/* A phone alone is a contact (API.md: email and/or phone), and logs in. */
START_TEST(test_register_and_login_by_phone)
{
    char phone[20];
    it_unique_phone(phone, sizeof phone);
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("Phone Only"));
    json_object_object_add(body, "phone", json_object_new_string(phone));
    json_object_object_add(body, "password", json_object_new_string("Passw0rd-phone"));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    json_object *data = IT_ASSERT_SUCCESS(r, 201);
    s_assert_auth_shape(data, NULL);
    int64_t id = it_json_int(json_object_object_get(data, "user"), "id");
    ck_assert_str_eq(it_json_str(json_object_object_get(data, "user"), "phone"), phone);
    it_response_destroy(&r);

    body = json_object_new_object();
    json_object_object_add(body, "phone", json_object_new_string(phone));
    json_object_object_add(body, "password", json_object_new_string("Passw0rd-phone"));
    r = it_request_json("POST", "/api/auth/login", NULL, body);
    data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(it_json_int(json_object_object_get(data, "user"), "id"), id);
    it_response_destroy(&r);
}
END_TEST

START_TEST(test_register_bad_phone)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string("Bad Phone"));
    json_object_object_add(body, "phone", json_object_new_string("0123 456"));
    json_object_object_add(body, "password", json_object_new_string("Passw0rd-phone"));
    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL, body);
    IT_ASSERT_VALIDATION(r, "phone");
    it_response_destroy(&r);
}
END_TEST

/* --- login --------------------------------------------------------------------------- */

START_TEST(test_login_ok)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "login");
    it_response_t *r = s_login(u.email, u.password);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    s_assert_auth_shape(data, u.email);
    ck_assert_int_eq(it_json_int(json_object_object_get(data, "user"), "id"), u.id);
    it_response_t *me = s_me(it_json_str(data, "access_token"));
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(me, 200), "id"), u.id);
    it_response_destroy(&me);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Same answer for an unknown user and a wrong password, and no shortcut for the unknown
 * user: skipping bcrypt there would tell an attacker which emails exist. Medians of
 * interleaved tries, compared with a generous factor: a property, not a benchmark. */
START_TEST(test_login_invalid_credentials)
{
    enum { TRIES = 3 };
    it_user_t u;
    IT_USER_REGISTER(&u, "badpw");
    char unknown[128];
    it_unique("it.nobody.", unknown, sizeof unknown);
    strcat(unknown, "@example.com");

    double wrong_ms[TRIES], unknown_ms[TRIES];
    for (int i = 0; i < TRIES; i++) {
        it_response_t *r = s_login(u.email, "Wrong-passw0rd");
        IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Invalid credentials");
        wrong_ms[i] = r->elapsed_ms;
        it_response_destroy(&r);
        r = s_login(unknown, "Wrong-passw0rd");
        IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Invalid credentials");
        unknown_ms[i] = r->elapsed_ms;
        it_response_destroy(&r);
    }
    qsort(wrong_ms, TRIES, sizeof(double), s_cmp_double);
    qsort(unknown_ms, TRIES, sizeof(double), s_cmp_double);
    fprintf(stderr, "login timing: wrong password median %.1f ms, unknown user median %.1f ms\n",
            wrong_ms[TRIES / 2], unknown_ms[TRIES / 2]);
    ck_assert_msg(unknown_ms[TRIES / 2] > 0.3 * wrong_ms[TRIES / 2],
                  "unknown user answered in %.1f ms, wrong password in %.1f ms: the unknown "
                  "user path skips the password hash", unknown_ms[TRIES / 2], wrong_ms[TRIES / 2]);
    it_user_clear(&u);
}
END_TEST

/* --- refresh ------------------------------------------------------------------------- */

START_TEST(test_refresh_rotates)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "rot");
    it_response_t *r = s_refresh(u.refresh);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    s_assert_auth_shape(data, NULL);
    const char *access1 = it_json_str(data, "access_token");
    const char *refresh1 = it_json_str(data, "refresh_token");
    ck_assert_str_ne(refresh1, u.refresh);
    ck_assert_str_ne(access1, u.access);
    it_response_t *me = s_me(access1);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(me, 200), "id"), u.id);
    it_response_destroy(&me);

    /* The old refresh token is spent. */
    it_response_t *again = s_refresh(u.refresh);
    IT_ASSERT_ERROR(again, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&again);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

/* Presenting a spent refresh token means it was stolen (or replayed): the whole family
 * dies, so the thief's newer token stops working as well. */
START_TEST(test_refresh_reuse_revokes_family)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "family");
    char *r0 = strdup(u.refresh);
    it_response_t *a = s_refresh(r0);
    char *r1 = strdup(it_json_str(IT_ASSERT_SUCCESS(a, 200), "refresh_token"));
    it_response_t *b = s_refresh(r1);
    char *r2 = strdup(it_json_str(IT_ASSERT_SUCCESS(b, 200), "refresh_token"));

    it_response_t *reuse = s_refresh(r1);
    IT_ASSERT_ERROR(reuse, 401, "UNAUTHORIZED", NULL);
    it_response_t *newest = s_refresh(r2);
    IT_ASSERT_ERROR(newest, 401, "UNAUTHORIZED", NULL);

    it_response_destroy(&newest);
    it_response_destroy(&reuse);
    it_response_destroy(&b);
    it_response_destroy(&a);
    free(r0);
    free(r1);
    free(r2);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_refresh_token_refused_as_access)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "rasa");
    ASSERT_ME_REFUSED(u.refresh, "Invalid JWT token");
    it_user_clear(&u);
}
END_TEST

START_TEST(test_access_token_refused_as_refresh)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "aasr");
    it_response_t *r = s_refresh(u.access);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
    /* and the refusal did not spend the user's real refresh token */
    r = s_refresh(u.refresh);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

/* --- logout -------------------------------------------------------------------------- */

START_TEST(test_logout_revokes)
{
    it_user_t u, other_session;
    IT_USER_REGISTER(&u, "logout");
    other_session = u;
    other_session.access = other_session.refresh = NULL;
    IT_USER_LOGIN(&other_session);

    it_response_t *r = it_request("POST", "/api/auth/logout", u.access, NULL, NULL);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_msg(data == NULL, "logout data is not null: %s", it_describe(r));
    it_response_destroy(&r);

    ASSERT_ME_REFUSED(u.access, "Invalid JWT token");
    it_response_t *ref = s_refresh(u.refresh);
    IT_ASSERT_ERROR(ref, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&ref);

    /* Only that session: a separate login (another family) still works. */
    it_response_t *me = s_me(other_session.access);
    IT_ASSERT_SUCCESS(me, 200);
    it_response_destroy(&me);
    it_user_clear(&other_session);
    it_user_clear(&u);
}
END_TEST

/* One request on CURL's connection (kept alive between calls): its status, and whether
 * the request reused the connection (CivetWeb serves a connection on one thread, whose
 * token cache then holds the token: edge-http/edge_tokcache.h). */
static long
s_keepalive_request(CURL *curl, const char *method, const char *path, const char *token,
                    bool *reused)
{
    char url[512], auth[4200];
    snprintf(url, sizeof url, "%s%s", it_edge_url(), path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sink);
    CURLcode rc = curl_easy_perform(curl);
    fclose(sink);
    curl_slist_free_all(headers);
    ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    long status = 0, connects = -1;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
    *reused = connects == 0;
    return status;
}

/* Revocation wins over the edge's cache of verified tokens: on one keep-alive connection
 * (one edge thread, whose cache has the token from the requests before), the request
 * right after the logout is refused. */
START_TEST(test_logout_revokes_on_same_connection)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "logoutka");
    CURL *curl = curl_easy_init();
    ck_assert_ptr_nonnull(curl);
    bool reused;
    ck_assert_int_eq(s_keepalive_request(curl, "GET", "/api/auth/me", u.access, &reused), 200);
    ck_assert_int_eq(s_keepalive_request(curl, "GET", "/api/auth/me", u.access, &reused), 200);
    ck_assert_msg(reused, "the connection was not kept alive: the test would prove nothing");
    ck_assert_int_eq(s_keepalive_request(curl, "POST", "/api/auth/logout", u.access, &reused),
                     200);
    ck_assert(reused);
    ck_assert_int_eq(s_keepalive_request(curl, "GET", "/api/auth/me", u.access, &reused), 401);
    ck_assert_msg(reused, "the refusal came on another connection: the test would prove nothing");
    curl_easy_cleanup(curl);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_logout_requires_token)
{
    it_response_t *r = it_request("POST", "/api/auth/logout", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Missing token");
    it_response_destroy(&r);
}
END_TEST

/* --- me ------------------------------------------------------------------------------ */

/* me reads the database: after a rename, the old token (whose claims hold the old name)
 * still gets the new name. */
START_TEST(test_me_reads_database)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "me");
    it_response_t *r = s_me(u.access);
    json_object *data = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(it_json_int(data, "id"), u.id);
    ck_assert_str_eq(it_json_str(data, "email"), u.email);
    ck_assert_str_eq(it_json_str(data, "name"), u.name);
    ck_assert_msg(!it_json_has_key_like(data, "password") && !it_json_has_key_like(data, "hash"),
                  "me leaks a password field: %s", it_describe(r));
    it_response_destroy(&r);

    char path[64];
    json_object *patch = json_object_new_object();
    json_object_object_add(patch, "name", json_object_new_string("Renamed Person"));
    r = it_request_json("PATCH", it_user_path(u.id, path, sizeof path), u.access, patch);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    r = s_me(u.access);
    ck_assert_str_eq(it_json_str(IT_ASSERT_SUCCESS(r, 200), "name"), "Renamed Person");
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

/* --- token refusals ------------------------------------------------------------------ */

START_TEST(test_token_missing)
{
    ASSERT_ME_REFUSED(NULL, "Missing token");
}
END_TEST

START_TEST(test_token_garbage)
{
    ASSERT_ME_REFUSED("not-a-jwt", "Invalid JWT token");
    ASSERT_ME_REFUSED("a.b.c", "Invalid JWT token");
}
END_TEST

/* The control for every forgery below: re-signing the same claims is accepted. */
START_TEST(test_token_resigned_accepted)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "control");
    char *t = it_token_resign(u.access);
    it_response_t *r = s_me(t);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "id"), u.id);
    it_response_destroy(&r);
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_expired)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "expired");
    char *t = it_token_expired(u.access);
    ASSERT_ME_REFUSED(t, "JWT token expired");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_tampered)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "tamper");
    char *t = it_token_tampered(u.access);
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_alg_none)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "none");
    char *t = it_token_alg_none(u.access);
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_alg_hs512)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "hs512");
    char *t = it_token_hs512(u.access);
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_alg_rs256_header)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "rs256");
    char *t = it_token_rs256_header(u.access);
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_wrong_typ)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "typ");
    char *t = it_token_with_typ(u.access, "id");
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    t = it_token_with_typ(u.access, NULL);
    ASSERT_ME_REFUSED(t, "Invalid JWT token");
    free(t);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_token_from_cookie)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "cookie");
    char cookie[4096];
    snprintf(cookie, sizeof cookie, "theme=dark; access_token=%s", u.access);
    it_req_t req = { .method = "GET", .path = "/api/auth/me", .cookie = cookie };
    it_response_t *r = it_request_ex(&req);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "id"), u.id);
    it_response_destroy(&r);
    it_user_clear(&u);
}
END_TEST

/* --- suite --------------------------------------------------------------------------- */

static TCase *
s_tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    /* bcrypt on two shared cores is slow; a stuck request still ends the test. */
    tcase_set_timeout(tc, 120);
    return tc;
}

static Suite *
s_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = s_tcase("harness");
    tcase_add_test(tc, test_harness_crafted_token_verifies);
    suite_add_tcase(s, tc);

    tc = s_tcase("register");
    tcase_add_test(tc, test_register_created);
    tcase_add_test(tc, test_register_malformed_json);
    tcase_add_test(tc, test_register_wrong_content_type);
    tcase_add_test(tc, test_register_body_too_large);
    tcase_add_test(tc, test_register_missing_fields);
    tcase_add_test(tc, test_register_wrong_types);
    tcase_add_test(tc, test_register_too_long);
    tcase_add_test(tc, test_register_bad_formats);
    tcase_add_test(tc, test_register_extra_field);
    tcase_add_test(tc, test_register_duplicate_email);
    tcase_add_test(tc, test_register_duplicate_phone_and_username);
    tcase_add_test(tc, test_register_and_login_by_phone);
    tcase_add_test(tc, test_register_bad_phone);
    suite_add_tcase(s, tc);

    tc = s_tcase("login");
    tcase_add_test(tc, test_login_ok);
    tcase_add_test(tc, test_login_invalid_credentials);
    suite_add_tcase(s, tc);

    tc = s_tcase("refresh");
    tcase_add_test(tc, test_refresh_rotates);
    tcase_add_test(tc, test_refresh_reuse_revokes_family);
    tcase_add_test(tc, test_refresh_token_refused_as_access);
    tcase_add_test(tc, test_access_token_refused_as_refresh);
    suite_add_tcase(s, tc);

    tc = s_tcase("logout_me");
    tcase_add_test(tc, test_logout_revokes);
    tcase_add_test(tc, test_logout_revokes_on_same_connection);
    tcase_add_test(tc, test_logout_requires_token);
    tcase_add_test(tc, test_me_reads_database);
    suite_add_tcase(s, tc);

    tc = s_tcase("tokens");
    tcase_add_test(tc, test_token_missing);
    tcase_add_test(tc, test_token_garbage);
    tcase_add_test(tc, test_token_resigned_accepted);
    tcase_add_test(tc, test_token_expired);
    tcase_add_test(tc, test_token_tampered);
    tcase_add_test(tc, test_token_alg_none);
    tcase_add_test(tc, test_token_alg_hs512);
    tcase_add_test(tc, test_token_alg_rs256_header);
    tcase_add_test(tc, test_token_wrong_typ);
    tcase_add_test(tc, test_token_from_cookie);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
