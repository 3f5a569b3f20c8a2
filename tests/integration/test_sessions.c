/* test_sessions.c -- tokens that die with the account (API.md, Auth; issue 10): a password
 * change, a role change and a deletion end every earlier access and refresh token of the
 * user at once, at the edge and on notify, whose open sockets close with 4401, as they do
 * on logout and when their token expires. Also the WebSocket's Origin rule for cookie
 * tokens, the per-user socket cap, and the per-account login failure limit.
 *
 * The suite starts its own notify replica (TEST_NOTIFY4_PORT, 18095) with
 * NOTIFY_ALLOWED_ORIGINS=https://app.test and NOTIFY_MAX_SOCKETS_PER_USER=3. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_env.h"
#include "it_http.h"
#include "it_tokens.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <time.h>

#define RECV_MS 10000

static pid_t s_replica_pid;

static const char *
s_replica_port(void)
{
    const char *p = getenv("TEST_NOTIFY4_PORT");
    return p && *p ? p : "18095";
}

static const char *
s_replica_url(char *out, size_t size)
{
    snprintf(out, size, "ws://127.0.0.1:%s/ws", s_replica_port());
    return out;
}

static void
s_replica_start(void)
{
    static const char *const env[] = { "NOTIFY_ALLOWED_ORIGINS=https://app.test",
                                       "NOTIFY_MAX_SOCKETS_PER_USER=3", NULL };
    s_replica_pid = it_notify_start(s_replica_port(), "0", env);
}

static void
s_replica_stop(void)
{
    it_notify_stop(&s_replica_pid);
}

/* GET /api/auth/me with TOKEN: its status. */
static long
s_me(const char *token)
{
    it_response_t *r = it_request("GET", "/api/auth/me", token, NULL, NULL);
    long status = r->status;
    it_response_destroy(&r);
    return status;
}

/* POST /api/auth/refresh with REFRESH: its status. */
static long
s_refresh(const char *refresh)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "refresh_token", json_object_new_string(refresh));
    it_response_t *r = it_request_json("POST", "/api/auth/refresh", NULL, body);
    long status = r->status;
    it_response_destroy(&r);
    return status;
}

/* Waits for WS to be closed by the server; returns the close code (0: it was not). */
static int
s_wait_close(it_ws_t *ws, int ms)
{
    int64_t until = it_now_ms() + ms;
    while (!it_ws_closed(ws) && it_now_ms() < until) {
        char *text = it_ws_recv_text(ws, 200);
        free(text);
    }
    return it_ws_close_code(ws);
}

/* A second, independent session of U: another login, its own tokens. */
static void
s_second_session(const it_user_t *u, char **access, char **refresh)
{
    it_user_t copy = *u;
    copy.access = copy.refresh = NULL;
    IT_USER_LOGIN(&copy);
    *access = copy.access;
    *refresh = copy.refresh;
}

static it_response_t *
s_patch(int64_t id, const char *token, const char *field, const char *value)
{
    char path[64];
    json_object *body = json_object_new_object();
    json_object_object_add(body, field, json_object_new_string(value));
    return it_request_json("PATCH", it_user_path(id, path, sizeof path), token, body);
}

START_TEST(test_password_change_ends_every_token)
{
    it_user_t a;
    IT_USER_REGISTER(&a, "pwdeath");
    char *access2, *refresh2;
    s_second_session(&a, &access2, &refresh2);
    it_ws_t *ws = it_chat_open(&a, NULL, NULL, RECV_MS);
    ck_assert_int_eq(s_me(a.access), 200);
    ck_assert_int_eq(s_me(access2), 200);

    it_response_t *r = s_patch(a.id, a.access, "password", "Changed-passw0rd");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    /* Every token from before, of either session, the one that made the change too. */
    ck_assert_int_eq(s_me(a.access), 401);
    ck_assert_int_eq(s_me(access2), 401);
    ck_assert_int_eq(s_refresh(a.refresh), 401);
    ck_assert_int_eq(s_refresh(refresh2), 401);
    ck_assert_int_eq(s_wait_close(ws, RECV_MS), 4401);
    it_ws_close(&ws);
    /* A socket cannot be opened with an old token either. */
    int status = 0;
    ws = it_ws_connect(&(it_ws_opts_t) { .token = access2 }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 401);
    /* Logging in again with the new password works at once. */
    snprintf(a.password, sizeof a.password, "Changed-passw0rd");
    IT_USER_LOGIN(&a);
    ck_assert_int_eq(s_me(a.access), 200);
    free(access2);
    free(refresh2);
    it_user_clear(&a);
}
END_TEST

/* A demoted admin's token must not keep its role: services trust the role claim. */
START_TEST(test_role_change_ends_tokens)
{
    it_user_t admin, b;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&b, "roledeath");
    it_response_t *r = s_patch(b.id, admin.access, "role", "admin");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_me(b.access), 401);        /* its "user" token died with the change */
    IT_USER_LOGIN(&b);                             /* now an admin token */
    r = it_request("GET", "/api/orders?user_id=1", b.access, NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);

    r = s_patch(b.id, admin.access, "role", "user");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_me(b.access), 401);        /* the admin token is gone */
    /* Setting the role it already has changes nothing and ends nothing. */
    IT_USER_LOGIN(&b);
    r = s_patch(b.id, admin.access, "role", "user");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_me(b.access), 200);
    /* A name change is no reason either. */
    r = s_patch(b.id, b.access, "name", "Renamed");
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_me(b.access), 200);
    it_user_clear(&admin);
    it_user_clear(&b);
}
END_TEST

START_TEST(test_deletion_ends_tokens_and_sockets)
{
    it_user_t admin, c;
    IT_ADMIN_LOGIN(&admin);
    IT_USER_REGISTER(&c, "deldeath");
    it_ws_t *ws = it_chat_open(&c, NULL, NULL, RECV_MS);
    char path[64];
    it_response_t *r = it_request("DELETE", it_user_path(c.id, path, sizeof path), admin.access,
                                  NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_me(c.access), 401);
    ck_assert_int_eq(s_refresh(c.refresh), 401);
    ck_assert_int_eq(s_wait_close(ws, RECV_MS), 4401);
    it_ws_close(&ws);
    it_user_clear(&admin);
    it_user_clear(&c);
}
END_TEST

START_TEST(test_logout_closes_that_sessions_sockets)
{
    it_user_t d;
    IT_USER_REGISTER(&d, "logoutws");
    char *access2, *refresh2;
    s_second_session(&d, &access2, &refresh2);
    it_ws_t *mine = it_chat_open(&d, NULL, NULL, RECV_MS);
    int status = 0;
    it_ws_t *other = it_ws_connect(&(it_ws_opts_t) { .token = access2 }, &status);
    ck_assert_int_eq(status, 101);
    json_object *ready = it_ws_recv_event(other, "ready", RECV_MS, NULL);
    ck_assert_ptr_nonnull(ready);
    json_object_put(ready);

    it_response_t *r = it_request("POST", "/api/auth/logout", d.access, NULL, NULL);
    IT_ASSERT_SUCCESS(r, 200);
    it_response_destroy(&r);
    ck_assert_int_eq(s_wait_close(mine, RECV_MS), 4401);
    /* The other session is not logged out: its socket stays, and hears messages. */
    it_user_t sender;
    IT_USER_REGISTER(&sender, "logoutsender");
    int64_t mid = it_chat_send(&sender, "user", d.id, "still here");
    ck_assert_int_gt(it_chat_expect_pair(other, mid, d.id, "still here", RECV_MS), 0);
    ck_assert_int_eq(it_ws_close_code(other), 0);
    it_ws_close(&mine);
    it_ws_close(&other);
    free(access2);
    free(refresh2);
    it_user_clear(&d);
    it_user_clear(&sender);
}
END_TEST

START_TEST(test_socket_closes_when_its_token_expires)
{
    it_user_t e;
    IT_USER_REGISTER(&e, "wsexpiry");
    json_object *claims = it_token_claims(e.access);
    ck_assert_ptr_nonnull(claims);
    json_object_object_add(claims, "exp", json_object_new_int64((int64_t) time(NULL) + 2));
    char *short_lived = it_token_sign_hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims);
    json_object_put(claims);
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .token = short_lived }, &status);
    ck_assert_int_eq(status, 101);
    ck_assert_int_eq(s_wait_close(ws, RECV_MS), 4401);
    it_ws_close(&ws);
    free(short_lived);
    it_user_clear(&e);
}
END_TEST

/* Cross-site WebSocket hijacking: a page of another site can make the browser send our
 * cookie, but not read a token it does not have. */
START_TEST(test_cookie_token_needs_an_allowed_origin)
{
    it_user_t f;
    IT_USER_REGISTER(&f, "wsorigin");
    char url[128], cookie[2048];
    s_replica_url(url, sizeof url);
    snprintf(cookie, sizeof cookie, "access_token=%s", f.access);
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .cookie = cookie,
                                                  .origin = "https://evil.test" }, &status);
    ck_assert_ptr_null(ws);
    ck_assert_int_eq(status, 403);
    ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .cookie = cookie,
                                         .origin = "https://app.test" }, &status);
    ck_assert_int_eq(status, 101);
    it_ws_close(&ws);
    /* no Origin: not a browser */
    ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .cookie = cookie }, &status);
    ck_assert_int_eq(status, 101);
    it_ws_close(&ws);
    /* a token the page holds itself may come from anywhere */
    ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = f.access,
                                         .origin = "https://evil.test" }, &status);
    ck_assert_int_eq(status, 101);
    it_ws_close(&ws);
    it_user_clear(&f);
}
END_TEST

START_TEST(test_sockets_per_user_capped)
{
    it_user_t g;
    IT_USER_REGISTER(&g, "wscap");
    char url[128];
    s_replica_url(url, sizeof url);
    it_ws_t *ws[3];
    for (int i = 0; i < 3; i++)
        ws[i] = it_chat_open(&g, url, NULL, RECV_MS);
    int status = 0;
    it_ws_t *extra = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = g.access }, &status);
    ck_assert_ptr_null(extra);
    ck_assert_int_eq(status, 429);
    /* one closes: room for one more (the server notices the close first) */
    it_ws_close(&ws[0]);
    int64_t until = it_now_ms() + RECV_MS;
    do {
        extra = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = g.access }, &status);
        if (status != 101)
            it_sleep_ms(100);
    } while (status == 429 && it_now_ms() < until);
    ck_assert_int_eq(status, 101);
    it_ws_close(&extra);
    it_ws_close(&ws[1]);
    it_ws_close(&ws[2]);
    it_user_clear(&g);
}
END_TEST

/* Password guessing spread over many addresses still meets a per-account limit. */
START_TEST(test_login_failures_per_account)
{
    it_user_t h, other;
    IT_USER_REGISTER(&h, "lockout");
    IT_USER_REGISTER(&other, "notlocked");
    char body[512];
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"Wrong-passw0rd\"}", h.email);
    for (int i = 0; i < 10; i++) {
        it_response_t *r = it_request_ex(&(it_req_t) { .method = "POST",
            .path = "/api/auth/login", .content_type = "application/json", .body = body,
            .no_retry = true });
        IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", "Invalid credentials");
        it_response_destroy(&r);
    }
    /* Now even the right password waits, with the time to wait in both places. */
    snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"%s\"}", h.email, h.password);
    it_response_t *r = it_request_ex(&(it_req_t) { .method = "POST", .path = "/api/auth/login",
        .content_type = "application/json", .body = body, .no_retry = true });
    IT_ASSERT_ERROR(r, 429, "RATE_LIMIT_EXCEEDED", NULL);
    int64_t after = it_json_int(r->json, "retryAfter");
    ck_assert_int_gt(after, 0);
    ck_assert_int_le(after, 900);
    const char *header = NULL;
    for (int i = 0; i < r->header_count; i++)
        if (strcasecmp(r->headers[i].name, "Retry-After") == 0)
            header = r->headers[i].value;
    ck_assert_ptr_nonnull(header);
    it_response_destroy(&r);
    /* Another account is not affected. */
    IT_USER_LOGIN(&other);
    it_user_clear(&h);
    it_user_clear(&other);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("sessions");
    TCase *tc = tcase_create("revocation");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, s_replica_start, s_replica_stop);
    tcase_add_test(tc, test_password_change_ends_every_token);
    tcase_add_test(tc, test_role_change_ends_tokens);
    tcase_add_test(tc, test_deletion_ends_tokens_and_sockets);
    tcase_add_test(tc, test_logout_closes_that_sessions_sockets);
    tcase_add_test(tc, test_socket_closes_when_its_token_expires);
    tcase_add_test(tc, test_cookie_token_needs_an_allowed_origin);
    tcase_add_test(tc, test_sockets_per_user_capped);
    tcase_add_test(tc, test_login_failures_per_account);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
