/* smoke_client.c -- the client of the image smoke suite (tests/images/smoke.sh): drives
 * a system running from the container images through its edge and notify, the way any
 * client would, and asserts status codes and bodies: register two users, log in, an
 * authenticated call, an order, a message from one to the other, and that message's
 * WebSocket notification. Each step prints what it did.
 *
 * Reads TEST_EDGE_URL and TEST_WS_URL (the integration tests' support library). One Check
 * test, not several: the steps build on each other (tokens, ids), as in a real session. */
#include "it_assert.h"
#include "it_chat.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECV_MS 15000            /* generous: containers starting on a loaded machine */

static void
s_step(const char *what)
{
    printf("smoke: %s: ok\n", what);
    fflush(stdout);
}

START_TEST(test_through_the_images)
{
    ck_assert_msg(it_wait_healthy(30000), "/health is not ok: some service has no worker");
    s_step("GET /health -> 200, every service has a worker");

    it_user_t alice, bob;
    IT_USER_REGISTER(&alice, "smokealice");
    IT_USER_REGISTER(&bob, "smokebob");
    ck_assert_int_ne(alice.id, bob.id);
    s_step("POST /api/auth/register (two users) -> 201 with tokens");

    IT_USER_LOGIN(&alice);
    s_step("POST /api/auth/login -> 200 with fresh tokens");

    it_response_t *r = it_request("GET", "/api/auth/me", NULL, NULL, NULL);
    IT_ASSERT_ERROR(r, 401, "UNAUTHORIZED", NULL);
    it_response_destroy(&r);
    r = it_request("GET", "/api/auth/me", alice.access, NULL, NULL);
    json_object *me = IT_ASSERT_SUCCESS(r, 200);
    ck_assert_int_eq(it_json_int(me, "id"), alice.id);
    ck_assert_str_eq(it_json_str(me, "email"), alice.email);
    ck_assert(!it_json_has_key_like(me, "password"));
    IT_ASSERT_SECURITY_HEADERS(r);
    it_response_destroy(&r);
    s_step("GET /api/auth/me -> 401 without a token, 200 with alice's (her id and email)");

    r = it_request("POST", "/api/orders", alice.access, "application/json",
                   "{\"product\":\"Smoke test\",\"amount\":12.5}");
    json_object *order = IT_ASSERT_SUCCESS(r, 201);
    int64_t order_id = it_json_int(order, "id");
    ck_assert_int_gt(order_id, 0);
    ck_assert_str_eq(it_json_str(order, "product"), "Smoke test");
    ck_assert_str_eq(it_json_str(order, "amount"), "12.50");
    ck_assert_str_eq(it_json_str(order, "status"), "pending");
    ck_assert_int_eq(it_json_int(order, "user_id"), alice.id);
    it_response_destroy(&r);
    char path[64];
    r = it_request("GET", it_fmt(path, sizeof path, "/api/orders/%lld", (long long) order_id),
                   alice.access, NULL, NULL);
    ck_assert_int_eq(it_json_int(IT_ASSERT_SUCCESS(r, 200), "id"), order_id);
    it_response_destroy(&r);
    s_step("POST /api/orders -> 201 (amount \"12.50\", pending), GET it back -> 200");

    it_ws_t *ws = it_chat_open(&bob, NULL, NULL, RECV_MS);
    s_step("bob's WebSocket to notify -> 101 and its \"ready\" frame");

    int64_t msg_id = it_chat_send(&alice, "user", bob.id, "hello from the images");
    s_step("POST /api/messages alice -> bob -> 201");

    int64_t note_id = it_chat_expect_pair(ws, msg_id, bob.id, "hello from the images", RECV_MS);
    ck_assert_int_gt(note_id, 0);
    s_step("bob's socket got new_message and its notification");

    it_ws_close(&ws);
    it_user_clear(&alice);
    it_user_clear(&bob);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("images_smoke");
    TCase *tc = tcase_create("smoke");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_through_the_images);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
